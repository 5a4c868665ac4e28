import * as assert from "assert";
import { GrantPlan } from "../components/governance";
import { inputsOf, planOf, resourcesOf } from "./support/plan";

const WRITER = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const READ = ["USE_SCHEMA", "SELECT"];
const WRITE = ["USE_SCHEMA", "SELECT", "MODIFY", "CREATE_TABLE", "CREATE_MATERIALIZED_VIEW"];

describe("grant plan", () => {
  it("merges privileges per principal into one authoritative entry per securable", () => {
    const plan = new GrantPlan()
      .grant("gold", { schema: "c.s_gold" }, ["analysts", "readers"], ["USE_SCHEMA"])
      .grant("gold", { schema: "c.s_gold" }, ["analysts"], ["SELECT", "USE_SCHEMA"]);
    assert.deepStrictEqual(plan.entries(), [
      {
        id: "gold",
        securable: { schema: "c.s_gold" },
        grants: [
          { principal: "analysts", privileges: ["USE_SCHEMA", "SELECT"] },
          { principal: "readers", privileges: ["USE_SCHEMA"] },
        ],
      },
    ]);
  });
});

for (const stack of ["dev", "prod"]) {
  const catalog = `lh_${stack}`;
  const grantsOf = async (id: string) =>
    inputsOf(await planOf(stack), "databricks:index/grants:Grants", `lh-${stack}-governance-${id}`);

  describe(`Governance (${stack})`, () => {
    it("lets engineers use the catalog and create schemas, analysts and source readers use it", async () => {
      assert.deepStrictEqual(await grantsOf("catalog"), {
        catalog,
        grants: [
          { principal: "lakehouse-data-engineers", privileges: ["USE_CATALOG", "BROWSE", "CREATE_SCHEMA"] },
          { principal: "lakehouse-analysts", privileges: ["USE_CATALOG", "BROWSE"] },
          { principal: "lakehouse-pii-readers", privileges: ["USE_CATALOG"] },
          { principal: WRITER, privileges: ["USE_CATALOG"] },
          { principal: "scouting-analysts", privileges: ["USE_CATALOG"] },
          { principal: "registry-pii-readers", privileges: ["USE_CATALOG"] },
          { principal: "transfers-pii-readers", privileges: ["USE_CATALOG"] },
        ],
      });
    });

    it("lets a source's readers read its silver and gold, and only the pipelines' principal write", async () => {
      assert.deepStrictEqual(await grantsOf("registry-silver"), {
        schema: `${catalog}.registry_silver`,
        grants: [
          { principal: "lakehouse-data-engineers", privileges: READ },
          { principal: "lakehouse-analysts", privileges: READ },
          { principal: "scouting-analysts", privileges: READ },
          { principal: WRITER, privileges: WRITE },
        ],
      });
      assert.deepStrictEqual(await grantsOf("transfers-gold"), {
        schema: `${catalog}.transfers_gold`,
        grants: [
          { principal: "lakehouse-data-engineers", privileges: READ },
          { principal: "lakehouse-analysts", privileges: READ },
          { principal: WRITER, privileges: WRITE },
        ],
      });
      assert.deepStrictEqual(await grantsOf("transfers-bronze"), {
        schema: `${catalog}.transfers_bronze`,
        grants: [
          { principal: "lakehouse-data-engineers", privileges: READ },
          { principal: WRITER, privileges: WRITE },
        ],
      });
    });

    it("grants a PII schema to the PII groups only, read-only", async () => {
      assert.deepStrictEqual(await grantsOf("transfers-pii"), {
        schema: `${catalog}.transfers_pii`,
        grants: [
          { principal: "lakehouse-pii-readers", privileges: READ },
          { principal: "transfers-pii-readers", privileges: READ },
          { principal: WRITER, privileges: WRITE },
        ],
      });
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        resourcesOf(plan, "databricks:index/grants:Grants")
          .filter((g) => g.name.endsWith("-pii"))
          .map((g) => g.name),
        [`lh-${stack}-governance-registry-pii`, `lh-${stack}-governance-transfers-pii`],
      );
    });

    it("lets only the pipelines read the replica and Event Hubs, and engineers and pipelines read landing files", async () => {
      assert.deepStrictEqual(await grantsOf("replica"), {
        catalog: `${catalog}_replica`,
        grants: [{ principal: WRITER, privileges: ["USE_CATALOG", "USE_SCHEMA", "SELECT"] }],
      });
      assert.deepStrictEqual(await grantsOf("eventhubs"), {
        credential: `${catalog}_eventhubs`,
        grants: [{ principal: WRITER, privileges: ["ACCESS"] }],
      });
      assert.deepStrictEqual(await grantsOf("landing"), {
        externalLocation: `${catalog}_landing`,
        grants: [
          { principal: "lakehouse-data-engineers", privileges: ["READ_FILES"] },
          { principal: WRITER, privileges: ["READ_FILES"] },
        ],
      });
    });

    it("never grants to users, account users or with ALL_PRIVILEGES / MANAGE", async () => {
      const plan = await planOf(stack);
      const grants = resourcesOf(plan, "databricks:index/grants:Grants").flatMap(
        (g) => (g.inputs as { grants: { principal: string; privileges: string[] }[] }).grants,
      );
      assert.ok(grants.length > 0);
      for (const { principal, privileges } of grants) {
        assert.ok(
          !/@|^(account |all )?users$/i.test(principal),
          `grant to a broad principal or user: ${principal}`,
        );
        assert.ok(
          !privileges.includes("ALL_PRIVILEGES") && !privileges.includes("MANAGE"),
          `${principal} holds ${privileges}`,
        );
      }
    });
  });
}
