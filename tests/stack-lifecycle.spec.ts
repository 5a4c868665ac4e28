import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { SOFT_DELETED_KINDS } from "../components/core/naming";
import { keyName } from "../components/security/keys";
import { DBFS_ROOT_CMK_PENDING } from "../policies/rules/workspace";
import type { PlanDocument } from "../tools/plan/report";
import {
  incarnationOf,
  inputsOf,
  PROJECT_DIR,
  planOf,
  resourceOf,
  resourcesOf,
  runPlan,
} from "./support/plan";

const REVIEW = "pr-transfermarket-lakehouse-platform-42";

async function jsonPlan(...args: string[]): Promise<PlanDocument> {
  const run = await runPlan(...args, "--json");
  assert.strictEqual(run.code, 0, `${args.join(" ")}: exited ${run.code}\n${run.stderr}`);
  return JSON.parse(run.stdout) as PlanDocument;
}

/** Every Azure name in a plan: the `<type>Name` inputs azure-native resources are created with. */
function azureNames(plan: PlanDocument): Map<string, string> {
  const names = new Map<string, string>();
  for (const r of plan.resources.filter((r) => r.type.startsWith("azure-native:"))) {
    const inputs = r.inputs as Record<string, unknown>;
    const own = Object.entries(inputs).find(
      ([key, value]) =>
        typeof value === "string" &&
        key.endsWith("Name") &&
        !["resourceGroupName", "location", "virtualNetworkName", "privateZoneName", "accountName"].includes(
          key,
        ) &&
        key.toLowerCase().startsWith(r.type.split(":")[2].toLowerCase().slice(0, 4)) &&
        // A server's child (its alert policy) names its server, not itself.
        !(key === "serverName" && r.type !== "azure-native:sql:Server"),
    );
    // Fixed sub-resource names ("default", "current") are not the stack's to choose.
    if (own && String(own[1]).includes("lh"))
      names.set(r.urn.replace(/^urn:pulumi:[^:]+::/, ""), String(own[1]));
  }
  return names;
}

/** The soft-deleted kinds as the resources that carry their names. */
const SOFT_DELETED = {
  keyVault: ["azure-native:keyvault:Vault", "vaultName"],
  logAnalyticsWorkspace: ["azure-native:operationalinsights:Workspace", "workspaceName"],
  sqlServer: ["azure-native:sql:Server", "serverName"],
} as const;

describe("review stacks", () => {
  it("hold no geo-secondary, no reference to the production database and no source that reads it", async () => {
    const [review, dev] = [await jsonPlan("--stack", "dev", "--review", "42"), await planOf("dev")];
    assert.strictEqual(review.stack, REVIEW);
    assert.deepStrictEqual(
      resourcesOf(review, "azure-native:sql:Database").map((r) => r.inputs),
      [],
      "a review stack has no database of its own",
    );
    assert.deepStrictEqual(resourcesOf(review, "azure-native:sql:Server"), []);
    assert.deepStrictEqual(resourcesOf(review, "databricks:index/connection:Connection"), []);
    // The production database appears nowhere, not even as a source id.
    const primary = "/providers/Microsoft.Sql/servers/sql-oltp-prod-weu/databases/transfermarket";
    assert.ok(JSON.stringify(dev.resources).includes(primary));
    assert.ok(!JSON.stringify(review.resources).includes(primary));
    assert.ok(!JSON.stringify(review.resources).includes("_replica"));
    // registry reads the replica (kind sqlserver); the others stream or land files.
    assert.deepStrictEqual((review.outputs as { dataSources: string[] }).dataSources, [
      "match_stats",
      "transfers",
    ]);
    assert.strictEqual((review.outputs as { replicaHost?: string }).replicaHost, undefined);
  });

  it("build names of their own that no other stack uses, and keep their template's environment tag", async () => {
    const [review, dev, prod] = [
      await jsonPlan("--stack", "dev", "--review", "42"),
      await planOf("dev"),
      await planOf("prod"),
    ];
    const names = azureNames(review);
    assert.ok(names.size >= 10, `${names.size} names`);
    for (const [urn, name] of names) {
      assert.match(name, /pr42/, `${urn}: ${name}`);
    }
    const taken = new Set([...azureNames(dev).values(), ...azureNames(prod).values()]);
    assert.deepStrictEqual(
      [...names.values()].filter((name) => taken.has(name)),
      [],
    );
    assert.strictEqual(
      inputsOf(review, "databricks:index/catalog:Catalog", "lh-pr42-uc-catalog").name,
      "lh_pr42",
    );
    const group = inputsOf(review, "azure-native:resources:ResourceGroup", "lh-pr42-foundation-rg");
    assert.strictEqual(group.resourceGroupName, "rg-lh-pr42-weu");
    assert.strictEqual((group.tags as Record<string, string>).environment, "dev");
  });

  it("are destroyed by their TTL and can be destroyed at once: nothing protected, catalogs force-destroyed", async () => {
    const review = await jsonPlan("--stack", "dev", "--review", "42");
    assert.deepStrictEqual(
      review.resources.filter((r) => r.protect).map((r) => r.urn),
      [],
    );
    assert.deepStrictEqual(
      resourcesOf(review, "pulumiservice:index:TtlSchedule").map(
        (r) => (r.inputs as { stack: string }).stack,
      ),
      [REVIEW],
    );
    assert.deepStrictEqual(resourcesOf(review, "pulumiservice:index:DeploymentSettings"), []);
    for (const r of [
      ...resourcesOf(review, "databricks:index/catalog:Catalog"),
      ...resourcesOf(review, "databricks:index/schema:Schema"),
    ]) {
      assert.strictEqual((r.inputs as { forceDestroy: boolean }).forceDestroy, true, r.urn);
    }
  });
});

describe("the region's browser-authentication endpoint", () => {
  const browserAuth = (plan: PlanDocument) =>
    resourcesOf(plan, "azure-native:network:PrivateEndpoint")
      .filter((r) => JSON.stringify(r.inputs).includes('"browser_authentication"'))
      .map((r) => r.name);
  it("is the long-lived stack's (dev, prod), never a review stack's: its TTL destroy would delete the record", async () => {
    const [review, dev, prod] = [
      await jsonPlan("--stack", "dev", "--review", "42"),
      await planOf("dev"),
      await planOf("prod"),
    ];
    assert.deepStrictEqual(browserAuth(dev), ["lh-dev-databricks-browser-auth-pep"]);
    assert.deepStrictEqual(browserAuth(prod), ["lh-prod-databricks-browser-auth-pep"]);
    assert.deepStrictEqual(browserAuth(review), []);
  });
});

describe("re-creatable stacks", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: a new incarnation changes every name Azure keeps after deletion, and no other`, async () => {
      const [first, second] = [await planOf(stack), await jsonPlan("--stack", stack, "--incarnation", "2")];
      assert.notStrictEqual(incarnationOf(stack), incarnationOf(stack, "2"));
      for (const kind of SOFT_DELETED_KINDS) {
        const [type, key] = SOFT_DELETED[kind];
        const before = resourcesOf(first, type).map((r) => (r.inputs as Record<string, string>)[key]);
        const after = resourcesOf(second, type).map((r) => (r.inputs as Record<string, string>)[key]);
        assert.strictEqual(before.length, 1, kind);
        assert.ok(before[0].endsWith(`-${incarnationOf(stack)}`), before[0]);
        assert.ok(after[0].endsWith(`-${incarnationOf(stack, "2")}`), after[0]);
        assert.strictEqual(after[0].slice(0, -4), before[0].slice(0, -4));
        assert.ok(
          after[0].length <= { keyVault: 24, logAnalyticsWorkspace: 63, sqlServer: 63 }[kind],
          after[0],
        );
      }
      const soft = new Set<string>(Object.values(SOFT_DELETED).map(([type]) => type));
      const others = (plan: PlanDocument) =>
        [...azureNames(plan)].filter(([urn]) => ![...soft].some((t) => urn.includes(`${t}::`)));
      assert.deepStrictEqual(others(second), others(first));
    });
  }

  it("keeps prod protected and lets dev be destroyed", async () => {
    const [dev, prod] = [await planOf("dev"), await planOf("prod")];
    assert.deepStrictEqual(
      dev.resources.filter((r) => r.protect).map((r) => r.urn),
      [],
    );
    const vault = resourceOf(prod, "azure-native:keyvault:Vault", "lh-prod-foundation-kv");
    assert.strictEqual(vault.protect, true);
    assert.strictEqual(
      inputsOf(prod, "databricks:index/catalog:Catalog", "lh-prod-uc-catalog").forceDestroy,
      false,
    );
  });
});

describe("first deploy of a new stack", () => {
  for (const stack of ["dev", "prod"]) {
    it(`${stack}: comes up with its stack file unchanged; the next update turns the DBFS root key on`, async () => {
      const file = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      assert.doesNotMatch(file, /dbfsRootCmk/);
      const first = await runPlan("--stack", stack, "--first-deploy", "--json");
      assert.strictEqual(first.code, 0, first.stderr);
      const [plan, next] = [JSON.parse(first.stdout) as PlanDocument, await planOf(stack)];
      const workspace = (p: PlanDocument) =>
        inputsOf(p, "azure-native:databricks:Workspace", `lh-${stack}-databricks-workspace`) as {
          parameters: Record<string, unknown>;
          tags: Record<string, string>;
        };
      // First update: the workspace is prepared for encryption and its new DBFS identity gets the key.
      assert.deepStrictEqual(workspace(plan).parameters.prepareEncryption, { value: true });
      assert.strictEqual(workspace(plan).parameters.encryption, undefined);
      assert.strictEqual(workspace(plan).tags[DBFS_ROOT_CMK_PENDING.key], DBFS_ROOT_CMK_PENDING.value);
      assert.strictEqual(
        resourcesOf(plan, "azure-native:authorization:RoleAssignment").length,
        resourcesOf(next, "azure-native:authorization:RoleAssignment").length,
      );
      assert.strictEqual((plan.outputs as { dbfsRootCmk: string }).dbfsRootCmk, "pending");
      assert.deepStrictEqual(
        plan.violations.filter((v) => v.level === "mandatory"),
        [],
      );
      // Next update (it reads the identity back from the stack's outputs): the DBFS root key is on.
      assert.deepStrictEqual(workspace(next).parameters.encryption, {
        value: {
          keySource: "Microsoft.Keyvault",
          keyName: keyName("dbfs-root"),
          keyVersion: "0123456789abcdef0123456789abcdef",
          keyVaultUri: (
            inputsOf(next, "azure-native:keyvault:Vault", `lh-${stack}-foundation-kv`) as {
              vaultName: string;
            }
          ).vaultName.replace(/^(.*)$/, "https://$1.vault.azure.net/"),
        },
      });
      assert.strictEqual(workspace(next).tags[DBFS_ROOT_CMK_PENDING.key], undefined);
      assert.strictEqual((next.outputs as { dbfsRootCmk: string }).dbfsRootCmk, "on");
    });
  }
});
