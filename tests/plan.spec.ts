import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as runtime from "@pulumi/pulumi/runtime";
import { policies } from "../policies/rules";
import { maskSecrets } from "../tools/plan/report";
import { tempDir } from "./support/files";
import { accountPlanOf, incarnationOf, PROJECT_DIR, planOf, runPlan, runPlanAsUsers } from "./support/plan";

const USAGE =
  "usage: npm run plan -- [--project env|account] [--stack dev] [--sources DIR] [--json] [--program FILE]\n" +
  "                       [--review NUMBER] [--incarnation SEED] [--first-deploy] [--account-outputs FILE]\n";
const TRANSFERS = fs.readFileSync(path.join(PROJECT_DIR, "sources", "transfers.yaml"), "utf8");

describe("offline plan", () => {
  it("prints the dev plan by component and exits 0", async () => {
    const run = await runPlan();
    assert.strictEqual(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    assert.match(
      lines[0],
      /^Offline plan of stack "dev": \d+ resources \(\d+ cloud resources, \d+ components\)$/,
    );
    assert.ok(
      lines.includes(
        "Secrets replaced by placeholders: lakehouse:slackWebhookUrl, lakehouse:teamsWebhookUrl, lakehouse:pipelinesClientSecret",
      ),
    );
    const foundation = lines.indexOf("      lakehouse:core:Foundation  lh-dev-foundation");
    assert.ok(foundation > 0, run.stdout);
    assert.deepStrictEqual(lines.slice(foundation + 1, foundation + 4), [
      "          1  azure-native:keyvault:Vault",
      "          1  azure-native:operationalinsights:Workspace",
      "          1  azure-native:resources:ResourceGroup",
    ]);
    assert.ok(lines.includes("Policies: 54 (8 advisory, 46 mandatory)"), run.stdout);
    assert.ok(lines.includes("Violations: 8 (0 mandatory)"), run.stdout);
    assert.strictEqual(lines.at(-2), "Result: no mandatory violation");
  });

  for (const stack of ["dev", "prod"]) {
    it(`prints the ${stack} plan as one JSON document with every resource and its parent`, async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(Object.keys(plan), [
        "stack",
        "resources",
        "outputs",
        "placeholders",
        "policies",
        "violations",
        "remediations",
      ]);
      assert.strictEqual(plan.stack, stack);
      const urns = new Set(plan.resources.map((r) => r.urn));
      assert.strictEqual(urns.size, plan.resources.length, "URNs are unique");
      const roots = plan.resources.filter((r) => r.parent === null);
      assert.deepStrictEqual(
        roots.map((r) => r.urn),
        [`urn:pulumi:${stack}::lakehouse::pulumi:pulumi:Stack::lakehouse-${stack}`],
      );
      for (const r of plan.resources) {
        assert.deepStrictEqual(Object.keys(r), [
          "urn",
          "type",
          "name",
          "id",
          "parent",
          "inputs",
          "custom",
          "protect",
          "retainOnDelete",
          "propertyDependencies",
        ]);
        assert.ok(r.parent === null || urns.has(r.parent), `${r.urn} has an unknown parent ${r.parent}`);
        assert.ok(
          r.urn.endsWith(`$${r.type}::${r.name}`) ||
            r.parent === null ||
            r.parent.endsWith("pulumi:pulumi:Stack::lakehouse-" + stack),
        );
      }
      const config = JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "policies", "config", `${stack}.json`), "utf8"),
      ) as Record<string, string | { enforcementLevel?: string }>;
      const levelOf = (name: string) => {
        const entry = config[name];
        return (typeof entry === "string" ? entry : entry?.enforcementLevel) ?? "mandatory";
      };
      assert.deepStrictEqual(
        plan.policies,
        policies.map((p) => ({ name: p.name, level: levelOf(p.name) })),
      );
      assert.deepStrictEqual(
        plan.violations.filter((v) => v.level === "mandatory"),
        [],
      );
      assert.deepStrictEqual(plan.remediations, []);
      assert.deepStrictEqual(plan.placeholders, [
        "lakehouse:slackWebhookUrl",
        "lakehouse:teamsWebhookUrl",
        "lakehouse:pipelinesClientSecret",
      ]);
      const vault = plan.resources.find((r) => r.type === "azure-native:keyvault:Vault")?.inputs as {
        vaultName: string;
      };
      const lake = plan.resources.find((r) => r.type === "azure-native:storage:StorageAccount")?.inputs as {
        accountName: string;
      };
      const account = await accountPlanOf();
      const { dbfsRootIdentity, ...outputs } = plan.outputs as Record<string, unknown>;
      // The workspace's DBFS root identity, read back by the next update (the mocks make it a fake GUID).
      assert.match(String(dbfsRootIdentity), /^00000000-0000-4000-8000-[0-9a-f]{12}$/);
      assert.deepStrictEqual(outputs, {
        resourceGroupName: `rg-lh-${stack}-weu`,
        keyVaultUri: `https://${vault.vaultName}.vault.azure.net/`,
        logAnalyticsWorkspaceId: `/subscriptions/00000000-0000-0000-0000-00000000bbbb/resourceGroups/rg-lh-${stack}-weu/providers/azure-native:operationalinsights:Workspace/log-lh-${stack}-weu-${incarnationOf(stack)}`,
        workspaceUrl: "adb-1234567890123456.7.azuredatabricks.net",
        lakeStorageAccount: lake.accountName,
        catalogName: `lh_${stack}`,
        sqlWarehouseId: `lh-${stack}-compute-sql-id`,
        replicaHost: `${(plan.resources.find((r) => r.type === "azure-native:sql:Server")?.inputs as { serverName: string }).serverName}.database.windows.net`,
        replicaCatalog: `lh_${stack}_replica`,
        dbfsRootCmk: "on",
        serverlessBudgetPolicyId: (account.outputs as { budgetPolicyIds: Record<string, string> })
          .budgetPolicyIds[stack],
        dataSources: ["match_stats", "registry", "transfers"],
      });
    });
  }

  it("masks secret inputs of real resources and never prints a secret's value", async () => {
    const run = await runPlan("--stack", "prod", "--json");
    const plan = JSON.parse(run.stdout) as { resources: { type: string; inputs: { options?: unknown } }[] };
    const connection = plan.resources.find((r) => r.type === "databricks:index/connection:Connection");
    // The provider keeps the whole options map (host, client id and secret) secret.
    assert.strictEqual(connection?.inputs.options, "[secret]");
    assert.ok(!run.stdout.includes("offline-plan-placeholder-pipelinesClientSecret"));
  });

  it("masks every secret in what it prints", () => {
    const secret = {
      [runtime.specialSigKey]: runtime.specialSecretSig,
      value: "https://hooks.slack.com/services/T/B/X",
    };
    assert.deepStrictEqual(maskSecrets({ receivers: [{ url: secret }], name: "ag" }), {
      receivers: [{ url: "[secret]" }],
      name: "ag",
    });
  });

  it("exits 1 with the exact violation when a program breaks a mandatory policy", async () => {
    const run = await runPlan(
      "--json",
      "--program",
      path.join(PROJECT_DIR, "tests", "fixtures", "programs", "untagged-resource-group.ts"),
    );
    assert.strictEqual(run.code, 1, run.stderr);
    assert.deepStrictEqual(JSON.parse(run.stdout).violations, [
      {
        policy: "monitoring-failure-notifications",
        level: "mandatory",
        urn: "",
        message: "No action group has a Slack or Teams webhook receiver: alerts reach no chat channel.",
      },
      {
        policy: "azure-mandatory-tags",
        level: "mandatory",
        urn: "urn:pulumi:dev::lakehouse::azure-native:resources:ResourceGroup::untagged",
        message: "Missing mandatory tags: costCenter, environment, dataClassification.",
      },
      {
        policy: "cost-budget",
        level: "advisory",
        urn: "",
        message: "The stack has no consumption budget: nothing warns when spend runs away.",
      },
    ]);
  });

  const broken: [string, Record<string, string>, (dir: string) => string][] = [
    [
      "a wrong mode",
      { "transfers.yaml": TRANSFERS.replace("mode: streaming", "mode: realtime") },
      (dir) => `${path.join(dir, "transfers.yaml")}: mode: must be one of streaming, batch (got "realtime")`,
    ],
    [
      "a missing name",
      { "transfers.yaml": TRANSFERS.replace("name: transfers\n", "") },
      (dir) => `${path.join(dir, "transfers.yaml")}: name: is required`,
    ],
    [
      "a duplicate name",
      { "transfers.yaml": TRANSFERS, "transfers.yml": TRANSFERS },
      (dir) =>
        `${path.join(dir, "transfers.yml")}: name: "transfers" is already used by ${path.join(dir, "transfers.yaml")}`,
    ],
    [
      "a name that smuggles SQL",
      { "transfers.yaml": TRANSFERS.replace("name: transfers\n", "name: x; DROP TABLE y\n") },
      (dir) =>
        `${path.join(dir, "transfers.yaml")}: name: must be lower_snake_case: a lowercase letter, then lowercase letters, digits or underscores, at most 63 characters (got "x; DROP TABLE y")`,
    ],
  ];
  for (const [what, files, message] of broken) {
    it(`exits 2 with one line naming the file and the field for ${what}`, async () => {
      const dir = tempDir(files);
      const run = await runPlan("--sources", dir);
      assert.strictEqual(run.code, 2);
      assert.strictEqual(run.stdout, "", "nothing is planned from a broken file");
      assert.strictEqual(run.stderr, `${message(dir)}\n`);
    });
  }

  it("exits 2 for a stack without a stack file", async () => {
    const run = await runPlan("--stack", "staging");
    assert.strictEqual(run.code, 2);
    assert.strictEqual(run.stderr, "--stack: no stack file Pulumi.staging.yaml (stacks here: dev, prod)\n");
  });

  it("exits 2 with the usage for an unknown option", async () => {
    const run = await runPlan("--stak", "prod");
    assert.strictEqual(run.code, 2);
    assert.strictEqual(run.stderr, "plan: Unknown option '--stak'\n" + USAGE);
  });

  it("prints the usage and exits 0 for --help", async () => {
    const run = await runPlan("--help");
    assert.deepStrictEqual([run.code, run.stdout], [0, USAGE]);
  });

  it("exits 3 for a bug, with its stack trace and how to get the whole trace", async () => {
    const program = path.join("tests", "fixtures", "programs", "internal-bug.ts");
    const run = await runPlanAsUsers("--program", program);
    assert.strictEqual(run.code, 3);
    const lines = run.stderr.trim().split("\n");
    assert.strictEqual(lines[0], "plan: internal error: Error: internal bug in a component");
    assert.match(lines[1], /^ {4}at .*internal-bug\.ts:3/);
    assert.strictEqual(
      lines[lines.length - 1],
      `(stack traces are cut to 1 frame for speed; for the whole trace run: node dist/tools/plan.js --program ${program})`,
    );
  });
});
