import * as assert from "assert";
import { GrantPlan } from "../components/governance/governance";

/** The pipelines' principal's home folder: the only place code it runs is deployed. */
const CODE = "/Users/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9/lakehouse";
import { inputsOf, planOf, resourceOf, resourcesOf } from "./support/plan";

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

    it("keeps the mask functions in a governance schema owned by the platform admins, written by the governance job only", async () => {
      const plan = await planOf(stack);
      const schema = resourceOf(plan, "databricks:index/schema:Schema", `lh-${stack}-governance-schema`);
      assert.deepStrictEqual(
        [
          (schema.inputs as { name: string }).name,
          (schema.inputs as { owner: string }).owner,
          schema.protect,
        ],
        ["governance", "lakehouse-platform-admins", stack === "prod"],
      );
      assert.deepStrictEqual(await grantsOf("governance"), {
        schema: `${catalog}.governance`,
        grants: [{ principal: WRITER, privileges: ["USE_SCHEMA", "EXECUTE", "CREATE_FUNCTION"] }],
      });
      const job = inputsOf(plan, "databricks:index/job:Job", `lh-${stack}-governance-job`);
      assert.deepStrictEqual(job.runAs, { servicePrincipalName: WRITER });
      assert.deepStrictEqual(
        (
          job.tasks as {
            taskKey: string;
            sqlTask: { file: { path: string; source: string }; warehouseId: string };
          }[]
        ).map((t) => [t.taskKey, t.sqlTask.file.path, t.sqlTask.warehouseId]),
        // Batch sources' tags run in their refresh jobs, after the refresh that creates their tables.
        [
          ["functions", `${CODE}/governance/functions.sql`, `lh-${stack}-compute-sql-id`],
          ["tags_transfers", `${CODE}/governance/tags/transfers.sql`, `lh-${stack}-compute-sql-id`],
        ],
      );
      assert.deepStrictEqual(
        [job.maxConcurrentRuns, job.queue, (job.tasks as { dependsOns?: unknown }[])[1].dependsOns],
        [1, { enabled: true }, [{ taskKey: "functions" }]],
      );
    });

    it("keeps the hash salt and encryption key as expiring Key Vault secrets behind a Key Vault-backed scope", async () => {
      const plan = await planOf(stack);
      for (const name of ["pii-hash-salt", "pii-encryption-key"]) {
        const secret = resourceOf(plan, "azure-native:keyvault:Secret", `lh-${stack}-governance-${name}`);
        const properties = (
          secret.inputs as {
            properties: { value: string; attributes: { enabled: boolean; expires: number } };
          }
        ).properties;
        assert.strictEqual(properties.value, "[secret]", "the value is a Pulumi secret");
        assert.strictEqual(properties.attributes.enabled, true);
        assert.strictEqual(
          properties.attributes.expires,
          Math.floor(Date.UTC(new Date().getUTCFullYear() + 2, 0, 1) / 1000),
        );
        assert.strictEqual(secret.protect, stack === "prod");
      }
      const scope = inputsOf(
        plan,
        "databricks:index/secretScope:SecretScope",
        `lh-${stack}-governance-pii-scope`,
      );
      assert.strictEqual(scope.backendType, "AZURE_KEYVAULT");
      assert.match(
        (scope.keyvaultMetadata as { resourceId: string }).resourceId,
        /azure-native:keyvault:Vault\/kv-lh-/,
      );
      const acls = resourcesOf(plan, "databricks:index/secretAcl:SecretAcl").map(
        (a) => a.inputs as { principal: string; permission: string },
      );
      assert.deepStrictEqual(
        acls.map((a) => `${a.principal}:${a.permission}`),
        ["lakehouse-platform-admins:MANAGE", `${WRITER}:READ`, "lakehouse-pii-readers:READ"],
      );
    });

    it("tags the catalog and PII schemas with the account's governed tags, and declares none itself", async () => {
      const plan = await planOf(stack);
      // Tag policies are account-wide: the account stack owns them (tests/account.spec.ts).
      assert.deepStrictEqual(resourcesOf(plan, "databricks:index/tagPolicy:TagPolicy"), []);
      assert.deepStrictEqual(
        resourcesOf(plan, "databricks:index/entityTagAssignment:EntityTagAssignment").map((t) => t.inputs),
        [
          {
            entityType: "catalogs",
            entityName: catalog,
            tagKey: "classification",
            tagValue: stack === "prod" ? "restricted" : "confidential",
          },
          {
            entityType: "schemas",
            entityName: `${catalog}.registry_pii`,
            tagKey: "classification",
            tagValue: "restricted",
          },
          {
            entityType: "schemas",
            entityName: `${catalog}.transfers_pii`,
            tagKey: "classification",
            tagValue: "restricted",
          },
        ],
      );
    });

    it("gives workspace access to every group the platform and the sources name, and admin to the platform admins only", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        resourcesOf(plan, "databricks:index/permissionAssignment:PermissionAssignment").map((a) => a.inputs),
        [
          { groupName: "lakehouse-platform-admins", permissions: ["ADMIN"] },
          ...[
            "lakehouse-data-engineers",
            "lakehouse-analysts",
            "lakehouse-pii-readers",
            "scouting-analysts",
            "registry-pii-readers",
            "transfers-pii-readers",
          ].map((groupName) => ({ groupName, permissions: ["USER"] })),
        ],
      );
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
