import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as runtime from "@pulumi/pulumi/runtime";
import { policies } from "../policies/rules";
import { PlanDocument, SUMMARY_ABOVE, displayType, maskSecrets, renderText } from "../tools/plan/report";
import { tempDir } from "./support/files";
import { accountPlanOf, incarnationOf, PROJECT_DIR, planOf, runPlan, runPlanAsUsers } from "./support/plan";

const USAGE =
  "usage: npm run plan -- [--project env|account] [--stack dev] [--sources DIR] [--json] [--summary]\n" +
  "                       [--program FILE] [--review NUMBER] [--incarnation SEED] [--first-deploy] [--account-outputs FILE]\n";
const TRANSFERS = fs.readFileSync(path.join(PROJECT_DIR, "sources", "transfers.yaml"), "utf8");
/** The `n` lines after the line `header`, which must be there. */
function linesAfter(lines: string[], header: string, n: number): string[] {
  const at = lines.indexOf(header);
  assert.ok(at >= 0, `no line "${header}" in:\n${lines.join("\n")}`);
  return lines.slice(at + 1, at + 1 + n);
}

const PACK_VERSION = (
  JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies", "package.json"), "utf8")) as {
    version: string;
  }
).version;

describe("offline plan", () => {
  it("prints the dev plan as pulumi preview does: the tree, data sources, outputs, policies, counts", async () => {
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
    assert.deepStrictEqual(lines.slice(3, 5), [
      " +   pulumi:pulumi:Stack  lakehouse-dev",
      " +   └─ lakehouse:core:LakehousePlatform  lh-dev",
    ]);
    assert.deepStrictEqual(linesAfter(lines, " +      ├─ lakehouse:core:Foundation  lh-dev-foundation", 3), [
      " +      │  ├─ azure-native:resources:ResourceGroup  lh-dev-foundation-rg",
      " +      │  ├─ azure-native:operationalinsights:Workspace  lh-dev-foundation-logs",
      " +      │  └─ azure-native:keyvault:Vault  lh-dev-foundation-kv",
    ]);
    // One line per resource, types shown as the CLI shows them (databricks:index:Catalog).
    assert.strictEqual(
      lines.filter((l) => l.startsWith(" +   ")).length,
      Number(/(\d+) resources/.exec(lines[0])?.[1]),
    );
    assert.ok(lines.includes(" +      │  ├─ databricks:index:Catalog  lh-dev-uc-catalog"), run.stdout);
    const section = (title: string) =>
      lines.slice(lines.indexOf(title) + 1, lines.indexOf("", lines.indexOf(title)));
    assert.deepStrictEqual(section("Data sources (read by the program, answered by the plan's mocks):"), [
      "    azure-native:authorization:getClientConfig  (1 call)",
      // Grafana's data plane (the deployer's kind, then the late sign-in), and ARM for the three approvals
      // (Grafana's and the lake's dfs and blob).
      "    azure-native:authorization:getClientToken  (5 calls)",
      "    databricks:index/getCurrentUser:getCurrentUser  (1 call)",
    ]);
    const outputs = section("Outputs:");
    assert.deepStrictEqual(
      outputs.map((l) => l.split(":")[0].trim()),
      [
        "resourceGroupName",
        "keyVaultUri",
        "logAnalyticsWorkspaceId",
        "workspaceUrl",
        "lakeStorageAccount",
        "catalogName",
        "sqlWarehouseId",
        "replicaHost",
        "replicaCatalog",
        "dbfsRootIdentity",
        "dbfsRootCmk",
        "serverlessBudgetPolicyId",
        "dataSources",
      ],
    );
    assert.ok(outputs.includes('    catalogName             : "lh_dev"'), outputs.join("\n"));
    assert.ok(outputs.includes('    dataSources             : ["match_stats","registry","transfers"]'));
    assert.deepStrictEqual(
      section(`Policies: ${policies.length} (11 advisory, ${policies.length - 11} mandatory)`),
      [
        "Violations: 13 (0 mandatory)",
        `    ⚠️ lakehouse-policies@v${PACK_VERSION} (local: policies)`,
        "        - [advisory]  defender-plans",
        "          Where the stack holds Key Vaults, the subscription's Microsoft Defender plan for Key Vault is on (Standard); a",
        "          subscription Storage plan the stack sets is DefenderForStorageV2 with every extension on (never a downgrade).",
        "          Unset fails; advisory where the stack does not own the subscription's settings.",
        "          Microsoft Defender plan KeyVaults is not on: add a security.Pricing with pricingTier Standard.",
        "        - [advisory]  reliability-protect-stateful  (8 resources)",
        "          Stateful resources are protected from deletion (mandatory in prod).",
        "          <type> <name> is stateful but not protected: set protect.",
        "          (azure-native:keyvault:Vault: lh-dev-foundation-kv)",
        "          (azure-native:databricks:Workspace: lh-dev-databricks-workspace)",
        "          (azure-native:storage:StorageAccount: lh-dev-lake-account)",
        "          (azure-native:storage:StorageAccount: lh-dev-flowlogs-account)",
        "          (databricks:index:Catalog: lh-dev-uc-catalog)",
        "          (azure-native:sql:Server: lh-dev-replica-server)",
        "          (azure-native:sql:Database: lh-dev-replica-database)",
        "          (azure-native:eventhub:Namespace: lh-dev-eventhubs-namespace)",
        "        - [advisory]  sql-zone-redundant  (azure-native:sql:Database: lh-dev-replica-database)",
        "          SQL databases are zone-redundant where their tier offers it (mandatory in prod). Unset zoneRedundant fails",
        "          (Azure's default is not zone-redundant); an unset SKU fails unless zoneRedundant is true, since the tier is",
        "          then unknown.",
        "          SQL database on GP_Gen5_2 is not zone-redundant: set zoneRedundant: true.",
        "        - [advisory]  storage-flow-log-sink-public-endpoint …ure-native:storage:StorageAccount: lh-dev-flowlogs-account)",
        '          Reports (advisory) every storage account tagged flowLogSink: "true" whose public endpoint is enabled: the',
        "          documented exemption from storage-no-public-network, so it is never silent.",
        "          Storage account stlhflowlogsdevweuf04e is a flow-log sink: its public endpoint is enabled, firewalled to",
        "          trusted Azure services (Network Watcher) only.",
        "        - [advisory]  storage-redundancy  (2 resources)",
        "          Storage accounts are zone- or geo-redundant (mandatory in prod). The SKU is required.",
        "          Storage account is not zone- or geo-redundant: sku is Standard_LRS, must be one of Standard_ZRS, Standard_GRS,",
        "          Standard_GZRS, Standard_RAGRS, Standard_RAGZRS, Premium_ZRS.",
        "          (azure-native:storage:StorageAccount: lh-dev-lake-account)",
        "          (azure-native:storage:StorageAccount: lh-dev-flowlogs-account)",
      ],
    );
    assert.deepStrictEqual(lines.slice(-5), [
      "Resources:",
      `    + ${/(\d+) resources/.exec(lines[0])?.[1]} to create`,
      "",
      "Result: no mandatory violation",
      "",
    ]);
    assert.deepStrictEqual(
      lines.filter((l) => l.length > 120),
      [],
      "every line fits 120 columns",
    );
  });

  it("prints counts by type per component with --summary", async () => {
    const run = await runPlan("--summary");
    assert.strictEqual(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    assert.strictEqual(lines[3], "Resources by component (--summary):");
    assert.deepStrictEqual(linesAfter(lines, "      lakehouse:core:Foundation  lh-dev-foundation", 3), [
      "          1  azure-native:keyvault:Vault",
      "          1  azure-native:operationalinsights:Workspace",
      "          1  azure-native:resources:ResourceGroup",
    ]);
    // dev: the eleven advisory rules of policies/config/dev.json, every other rule mandatory.
    assert.ok(
      lines.includes(`Policies: ${policies.length} (11 advisory, ${policies.length - 11} mandatory)`),
      run.stdout,
    );
    assert.ok(lines.includes("Violations: 13 (0 mandatory)"), run.stdout);
    assert.ok(!lines.some((l) => l.startsWith(" +   ")));
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
        "policyPack",
        "dataSources",
      ]);
      assert.strictEqual(plan.stack, stack);
      assert.deepStrictEqual(plan.policyPack, { name: "lakehouse-policies", version: PACK_VERSION });
      assert.deepStrictEqual(plan.dataSources, [
        { token: "azure-native:authorization:getClientConfig", calls: 1 },
        { token: "azure-native:authorization:getClientToken", calls: 5 },
        { token: "databricks:index/getCurrentUser:getCurrentUser", calls: 1 },
      ]);
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
          "dependencies",
          "propertyDependencies",
          // Only where set: the approvals, replaced with their requesters.
          ...(r.replaceWith ? ["replaceWith"] : []),
        ]);
        assert.ok(r.parent === null || urns.has(r.parent), `${r.urn} has an unknown parent ${r.parent}`);
        assert.ok(
          r.urn.endsWith(`$${r.type}::${r.name}`) ||
            r.parent === null ||
            r.parent.endsWith("pulumi:pulumi:Stack::lakehouse-" + stack),
        );
      }
      assert.deepStrictEqual(
        plan.resources.filter((r) => r.replaceWith).map((r) => r.name),
        [
          `lh-${stack}-serverless-lake-dfs-approval`,
          `lh-${stack}-serverless-lake-blob-approval`,
          `lh-${stack}-private-monitoring-grafana-ampls-approval`,
        ],
      );
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
      (dir) =>
        `${path.join(dir, "transfers.yaml")}:6:7: mode: must be one of streaming, batch (got "realtime")`,
    ],
    [
      "a missing name",
      { "transfers.yaml": TRANSFERS.replace("name: transfers\n", "") },
      (dir) => `${path.join(dir, "transfers.yaml")}:3:1: name: is required`,
    ],
    [
      "a duplicate name",
      { "transfers.yaml": TRANSFERS, "transfers.yml": TRANSFERS },
      (dir) =>
        `${path.join(dir, "transfers.yml")}:3:7: name: "transfers" is already the name of another source (${path.join(dir, "transfers.yaml")}:3:7: name)`,
    ],
    [
      "a name that smuggles SQL",
      { "transfers.yaml": TRANSFERS.replace("name: transfers\n", "name: x; DROP TABLE y\n") },
      (dir) =>
        `${path.join(dir, "transfers.yaml")}:3:7: name: must be lower_snake_case: a lowercase letter, then lowercase letters, digits or underscores, at most 63 characters (got "x; DROP TABLE y")`,
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

describe("offline plan text (renderText)", () => {
  const STACK = "urn:pulumi:dev::lakehouse::pulumi:pulumi:Stack::lakehouse-dev";
  const resource = (type: string, name: string, parent: string | null = STACK, custom = true) => ({
    urn: parent === null ? STACK : `urn:pulumi:dev::lakehouse::${type}::${name}`,
    type,
    name,
    id: custom ? `${name}-id` : null,
    parent,
    inputs: {},
    custom,
    protect: false,
    retainOnDelete: false,
    dependencies: [],
    propertyDependencies: {},
  });
  const doc = (
    resources: PlanDocument["resources"],
    violations: PlanDocument["violations"] = [],
  ): PlanDocument => ({
    stack: "dev",
    resources: [resource("pulumi:pulumi:Stack", "lakehouse-dev", null, false), ...resources],
    outputs: {},
    placeholders: [],
    policies: [{ name: "p", level: "mandatory" }],
    violations,
    remediations: [],
    policyPack: { name: "lakehouse-policies", version: "1.2.3" },
    dataSources: [],
  });
  const policiesSection = (text: string) => {
    const lines = text.split("\n");
    const start = lines.findIndex((l) => l.startsWith("Violations:"));
    return lines.slice(start, lines.indexOf("", start));
  };

  it("groups the same finding on many resources into one entry, mandatory first, (type: name) for URNs", () => {
    const a = resource("databricks:index/catalog:Catalog", "cat-a");
    const b = resource("azure-native:sql:Server", "sql-b");
    const text = renderText(
      doc(
        [a, b],
        [
          { policy: "protect", level: "advisory", urn: a.urn, message: `${a.type} cat-a is not protected.` },
          { policy: "protect", level: "advisory", urn: b.urn, message: `${b.type} sql-b is not protected.` },
          { policy: "budget", level: "mandatory", urn: "", message: "The stack has no budget." },
        ],
      ),
      { descriptions: { budget: "A budget covers the stack." } },
    );
    assert.deepStrictEqual(policiesSection(text), [
      "Violations: 3 (1 mandatory)",
      "    ❌ lakehouse-policies@v1.2.3 (local: policies)",
      "        - [mandatory]  budget",
      "          A budget covers the stack.",
      "          The stack has no budget.",
      "        - [advisory]  protect  (2 resources)",
      "          <type> <name> is not protected.",
      "          (databricks:index:Catalog: cat-a)",
      "          (azure-native:sql:Server: sql-b)",
    ]);
    assert.strictEqual(text.split("\n").at(-1), "Result: 1 mandatory violation(s)");
  });

  it("counts the resources each remediation changed, as pulumi preview does", () => {
    const a = resource("azure-native:storage:StorageAccount", "a");
    const b = resource("azure-native:storage:StorageAccount", "b");
    const remediated = {
      ...doc([a, b]),
      remediations: [
        { policy: "storage-tls-1-2", urn: a.urn },
        { policy: "storage-tls-1-2", urn: b.urn },
      ],
    };
    assert.deepStrictEqual(policiesSection(renderText(remediated)), [
      "Violations: 0 (0 mandatory)",
      "    ✅ lakehouse-policies@v1.2.3 (local: policies)",
      "        - [remediate]  storage-tls-1-2  (2 resources)",
    ]);
  });

  it("marks a pack without violations as passed", () => {
    assert.deepStrictEqual(policiesSection(renderText(doc([]))), [
      "Violations: 0 (0 mandatory)",
      "    ✅ lakehouse-policies@v1.2.3 (local: policies)",
    ]);
  });

  it(`switches to the summary above ${SUMMARY_ABOVE} resources`, () => {
    const many = Array.from({ length: SUMMARY_ABOVE }, (_, i) =>
      resource("azure-native:storage:BlobContainer", `c${i}`),
    );
    const lines = renderText(doc(many)).split("\n");
    assert.deepStrictEqual(lines.slice(2, 5), [
      `Resources by component (more than ${SUMMARY_ABOVE} resources; --json lists every one):`,
      "  pulumi:pulumi:Stack  lakehouse-dev",
      `    ${SUMMARY_ABOVE}  azure-native:storage:BlobContainer`,
    ]);
    assert.ok(renderText(doc(many.slice(1))).includes(" +   ├─ azure-native:storage:BlobContainer  c1\n"));
  });

  it("cuts what does not fit 120 columns in the middle, and wraps long messages", () => {
    const long = resource("azure-native:storage:BlobContainer", `x${"y".repeat(150)}z`);
    const text = renderText(
      doc([long], [{ policy: "p", level: "advisory", urn: long.urn, message: "word ".repeat(40).trim() }]),
    );
    const line = text.split("\n").find((l) => l.includes("BlobContainer  x")) ?? "";
    assert.strictEqual(line.length, 120);
    assert.match(line, /^ \+ {3}└─ azure-native:storage:BlobContainer {2}xy+…y+z$/);
    assert.deepStrictEqual(
      text
        .split("\n")
        .filter((l) => l.startsWith("          word"))
        .map((l) => l.length),
      [119, 99],
    );
  });

  it("shows types as the Pulumi CLI does", () => {
    assert.deepStrictEqual(
      [
        "databricks:index/catalog:Catalog",
        "databricks:index/sqlEndpoint:SqlEndpoint",
        "azure-native:storage:StorageAccount",
        "pulumi:providers:databricks",
        "databricks:index/other:Catalog",
      ].map(displayType),
      [
        "databricks:index:Catalog",
        "databricks:index:SqlEndpoint",
        "azure-native:storage:StorageAccount",
        "pulumi:providers:databricks",
        "databricks:index/other:Catalog",
      ],
    );
  });
});
