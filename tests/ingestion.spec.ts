import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { governanceSqlContext } from "../components/governance/governance";
import { pipelineSql } from "../sql/pipeline-sql";
import { loadSources } from "../config/sources";
import { tempDir } from "./support/files";
import {
  incarnationOf,
  inputsOf,
  PROJECT_DIR,
  planOf,
  resourceOf,
  resourcesOf,
  runPlan,
} from "./support/plan";
import type { PlanDocument } from "../tools/plan/report";

const PRIMARY =
  "/subscriptions/6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b/resourceGroups/rg-oltp-prod-weu/providers/Microsoft.Sql/servers/sql-oltp-prod-weu/databases/transfermarket";
const PIPELINES_APP = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
/** The pipelines' principal's home folder: the only place code it runs is deployed. */
const CODE = `/Users/${PIPELINES_APP}/lakehouse`;
const GROUPS = {
  platformAdminsObjectId: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
  platformAdmins: "lakehouse-platform-admins",
  dataEngineers: "lakehouse-data-engineers",
  analysts: "lakehouse-analysts",
  piiReaders: "lakehouse-pii-readers",
};
const shipped = (name: string) => fs.readFileSync(path.join(PROJECT_DIR, "sources", `${name}.yaml`), "utf8");

const SCOUTING = `name: scouting_reports
owner: scouting-team
mode: streaming
source: { kind: files, format: json }
tables:
  - name: reports
    primaryKey: [report_id]
    columns:
      - { name: report_id, type: string }
      - { name: player_id, type: bigint }
      - { name: rating, type: int }
      - { name: scout_email, type: string, pii: true, mask: email }
access:
  readers: [scouting-analysts]
`;

async function planWith(files: Record<string, string>): Promise<PlanDocument> {
  const run = await runPlan("--json", "--sources", tempDir(files));
  assert.strictEqual(run.code, 0, run.stderr);
  return JSON.parse(run.stdout) as PlanDocument;
}

const names = (plan: PlanDocument) => new Set(plan.resources.map((r) => `${r.type}::${r.name}`));

for (const stack of ["dev", "prod"]) {
  const n = (suffix: string) => `lh-${stack}-${suffix}`;

  describe(`SqlReplica (${stack})`, () => {
    it("is a readable geo-secondary of the configured primary on a server of its own", async () => {
      const plan = await planOf(stack);
      const database = resourceOf(plan, "azure-native:sql:Database", n("replica-database"));
      const inputs = database.inputs as Record<string, unknown>;
      assert.strictEqual(database.protect, stack === "prod");
      assert.deepStrictEqual(
        [
          inputs.createMode,
          inputs.secondaryType,
          inputs.sourceDatabaseId,
          inputs.databaseName,
          inputs.readScale,
          inputs.sku,
        ],
        [
          "Secondary",
          "Geo",
          PRIMARY,
          "transfermarket",
          // General Purpose has no read scale-out; a geo-secondary is readable without it.
          "Disabled",
          { name: stack === "prod" ? "GP_Gen5_4" : "GP_Gen5_2" },
        ],
      );
      assert.notStrictEqual(inputs.serverName, "sql-oltp-prod-weu");
    });

    it("allows Entra ID only, with the platform admins as administrator, and no public network access", async () => {
      const server = resourceOf(await planOf(stack), "azure-native:sql:Server", n("replica-server"));
      const { tags: _tags, serverName, ...inputs } = server.inputs as Record<string, unknown>;
      assert.match(
        serverName as string,
        new RegExp(`^sql-lh-replica-${stack}-weu-[0-9a-f]{4}-${incarnationOf(stack)}$`),
      );
      assert.strictEqual(server.protect, stack === "prod");
      assert.deepStrictEqual(inputs, {
        resourceGroupName: `rg-lh-${stack}-weu`,
        location: "westeurope",
        version: "12.0",
        minimalTlsVersion: "1.2",
        publicNetworkAccess: "Disabled",
        restrictOutboundNetworkAccess: "Enabled",
        identity: { type: "SystemAssigned" },
        administrators: {
          administratorType: "ActiveDirectory",
          azureADOnlyAuthentication: true,
          principalType: "Group",
          login: "lakehouse-platform-admins",
          sid: "0a1b2c3d-4e5f-4a6b-8c7d-8e9f0a1b2c3d",
          tenantId: "00000000-0000-0000-0000-00000000aaaa",
        },
      });
    });

    it("encrypts with TDE and audits to Log Analytics for 90 days", async () => {
      const plan = await planOf(stack);
      assert.strictEqual(
        inputsOf(plan, "azure-native:sql:TransparentDataEncryption", n("replica-tde")).state,
        "Enabled",
      );
      const auditing = inputsOf(
        plan,
        "azure-native:sql:ExtendedServerBlobAuditingPolicy",
        n("replica-auditing"),
      );
      assert.deepStrictEqual(
        [auditing.state, auditing.isAzureMonitorTargetEnabled, auditing.retentionDays],
        ["Enabled", true, 90],
      );
      const logs = inputsOf(plan, "azure-native:monitor:DiagnosticSetting", n("replica-audit-logs"));
      assert.match(
        logs.resourceUri as string,
        /\/azure-native:sql:Server\/sql-lh-replica-.*\/databases\/master$/,
      );
      assert.deepStrictEqual(logs.logs, [{ category: "SQLSecurityAuditEvents", enabled: true }]);
    });

    it("is what every sqlserver source reads: a read-only connection to the replica, never the primary", async () => {
      const plan = await planOf(stack);
      const server = resourceOf(plan, "azure-native:sql:Server", n("replica-server"));
      const connection = resourceOf(plan, "databricks:index/connection:Connection", n("replica-connection"));
      assert.strictEqual((connection.inputs as { readOnly: boolean }).readOnly, true);
      assert.ok(
        connection.propertyDependencies.options.includes(server.urn),
        "the connection's host comes from the replica server",
      );
      assert.strictEqual(
        plan.outputs && (plan.outputs as { replicaHost: string }).replicaHost,
        `${(server.inputs as { serverName: string }).serverName}.database.windows.net`,
      );
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/catalog:Catalog", n("replica-catalog")).connectionName,
        `lh_${stack}_replica_connection`,
      );
      // The primary appears once in the whole plan: as the source of the geo-replica.
      const mentions = plan.resources
        .filter((r) => JSON.stringify(r.inputs).includes("sql-oltp-prod-weu"))
        .map((r) => r.name);
      assert.deepStrictEqual(mentions, [n("replica-database")]);
      for (const source of loadSources([path.join(PROJECT_DIR, "sources")]).filter(
        (s) => s.source.kind === "sqlserver",
      )) {
        const file = inputsOf(
          plan,
          "databricks:index/workspaceFile:WorkspaceFile",
          n(`ingestion-${source.name}-bronze`),
        );
        const sql = Buffer.from(file.contentBase64 as string, "base64").toString("utf8");
        const reads = sql.match(/^FROM `[^`]+`\./gm) ?? [];
        assert.ok(reads.length > 0 && reads.every((r) => r === `FROM \`lh_${stack}_replica\`.`), sql);
      }
    });
  });

  describe(`EventHubs (${stack})`, () => {
    it("has TLS 1.2, no SAS keys, no public network access, and one hub (no Event Hubs consumer group) per streaming source", async () => {
      const plan = await planOf(stack);
      const namespace = resourceOf(plan, "azure-native:eventhub:Namespace", n("eventhubs-namespace"));
      const inputs = namespace.inputs as Record<string, unknown>;
      assert.strictEqual(namespace.protect, stack === "prod");
      assert.deepStrictEqual(
        [
          inputs.minimumTlsVersion,
          inputs.disableLocalAuth,
          inputs.publicNetworkAccess,
          inputs.kafkaEnabled,
          inputs.sku,
        ],
        [
          "1.2",
          true,
          "Disabled",
          true,
          { name: "Standard", tier: "Standard", capacity: stack === "prod" ? 4 : 1 },
        ],
      );
      const rules = inputsOf(
        plan,
        "azure-native:eventhub:NamespaceNetworkRuleSet",
        n("eventhubs-network-rules"),
      );
      assert.deepStrictEqual([rules.defaultAction, rules.publicNetworkAccess], ["Deny", "Disabled"]);
      assert.deepStrictEqual(
        resourcesOf(plan, "azure-native:eventhub:EventHub").map((h) => h.inputs),
        [
          {
            resourceGroupName: `rg-lh-${stack}-weu`,
            namespaceName: (inputs as { namespaceName: string }).namespaceName,
            eventHubName: "transfers",
            partitionCount: 4,
            retentionDescription: { cleanupPolicy: "Delete", retentionTimeInHours: 72 },
          },
        ],
      );
      // Kafka clients join Kafka consumer groups, which Event Hubs creates itself.
      assert.deepStrictEqual(resourcesOf(plan, "azure-native:eventhub:ConsumerGroup"), []);
    });

    it("is read as the access connector's identity through a Unity Catalog service credential", async () => {
      const plan = await planOf(stack);
      const receiver = inputsOf(
        plan,
        "azure-native:authorization:RoleAssignment",
        n("eventhubs-connector-receiver"),
      );
      assert.match(receiver.roleDefinitionId as string, /a638d3c7-ab3a-418d-83e6-5f17a39d4fde$/);
      assert.match(receiver.scope as string, /azure-native:eventhub:Namespace\/evhns-lh-/);
      const credential = inputsOf(plan, "databricks:index/credential:Credential", n("eventhubs-credential"));
      assert.deepStrictEqual(
        [credential.name, credential.purpose, credential.isolationMode],
        [`lh_${stack}_eventhubs`, "SERVICE", "ISOLATION_MODE_ISOLATED"],
      );
    });
  });

  describe(`Ingestion (${stack})`, () => {
    it("deploys each source's generated SQL as workspace files", async () => {
      const plan = await planOf(stack);
      const namespace = (
        inputsOf(plan, "azure-native:eventhub:Namespace", n("eventhubs-namespace")) as {
          namespaceName: string;
        }
      ).namespaceName;
      const lake = (
        inputsOf(plan, "azure-native:storage:StorageAccount", n("lake-account")) as { accountName: string }
      ).accountName;
      const ctx = {
        ...governanceSqlContext(`lh_${stack}`, GROUPS),
        replicaCatalog: `lh_${stack}_replica`,
        landingUrl: `abfss://landing@${lake}.dfs.core.windows.net/`,
        eventHubs: {
          bootstrapServers: `${namespace}.servicebus.windows.net:9093`,
          credential: `lh_${stack}_eventhubs`,
        },
      };
      for (const source of loadSources([path.join(PROJECT_DIR, "sources")])) {
        const sql = pipelineSql(source, ctx);
        for (const layer of ["bronze", "silver", "gold"] as const) {
          const file = inputsOf(
            plan,
            "databricks:index/workspaceFile:WorkspaceFile",
            n(`ingestion-${source.name}-${layer}`),
          );
          assert.strictEqual(file.path, `${CODE}/pipelines/${source.name}/${layer}.sql`);
          assert.strictEqual(
            Buffer.from(file.contentBase64 as string, "base64").toString("utf8"),
            sql[layer],
          );
        }
      }
    });

    it("runs a Unity Catalog pipeline per source on the pipeline cluster policy as the pipelines' service principal", async () => {
      const plan = await planOf(stack);
      for (const [source, owner] of [
        ["match_stats", "analytics-team"],
        ["registry", "data-platform"],
        ["transfers", "transfers-team"],
      ] as const) {
        const { tags: _tags, ...pipeline } = inputsOf(
          plan,
          "databricks:index/pipeline:Pipeline",
          n(`ingestion-${source}`),
        );
        assert.deepStrictEqual(pipeline, {
          name: `lh-${stack}-${source}`,
          catalog: `lh_${stack}`,
          schema: `${source}_silver`,
          // Triggered: streaming sources' continuous jobs run them continuously.
          continuous: false,
          development: false,
          channel: "CURRENT",
          edition: "ADVANCED",
          photon: true,
          serverless: false,
          clusters: [
            {
              label: "default",
              policyId: n("compute-pipelines-policy-id"),
              applyPolicyDefaultValues: true,
              autoscale: { minWorkers: 1, maxWorkers: stack === "prod" ? 16 : 4, mode: "ENHANCED" },
              // `owner` is the platform's cost tag, fixed by the policy: the source's team has its own key.
              customTags: { source, sourceOwner: owner },
            },
          ],
          libraries: ["bronze", "silver", "gold"].map((layer) => ({
            file: { path: `${CODE}/pipelines/${source}/${layer}.sql` },
          })),
          notifications: [
            {
              emailRecipients:
                stack === "prod"
                  ? ["data-platform@transfermarket.example", "oncall@transfermarket.example"]
                  : ["data-platform@transfermarket.example"],
              alerts: ["on-update-failure", "on-update-fatal-failure", "on-flow-failure"],
            },
          ],
          runAs: { servicePrincipalName: PIPELINES_APP },
          configuration: { "lakehouse.source": source },
          eventLog: { catalog: `lh_${stack}`, schema: "ops", name: `${source}_event_log` },
        });
      }
    });

    it("schedules batch sources: functions, refresh with retries, then tags; streaming sources run in a continuous job", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        resourcesOf(plan, "databricks:index/job:Job").map((j) => j.name),
        [
          n("governance-job"),
          n("ingestion-match_stats-job"),
          n("ingestion-registry-job"),
          n("ingestion-transfers-job"),
          n("run-metadata-job"),
        ],
      );
      const job = inputsOf(plan, "databricks:index/job:Job", n("ingestion-registry-job"));
      assert.deepStrictEqual(job.schedule, {
        quartzCronExpression: "0 15 * * * ?",
        timezoneId: "UTC",
        pauseStatus: "UNPAUSED",
      });
      const sqlTask = (path: string) => ({
        file: { path, source: "WORKSPACE" },
        warehouseId: n("compute-sql-id"),
      });
      // Nothing waits for another job's run: the functions the masks need, the refresh, then the tags of the
      // tables the refresh created.
      assert.deepStrictEqual(job.tasks, [
        { taskKey: "functions", maxRetries: 1, sqlTask: sqlTask(`${CODE}/governance/functions.sql`) },
        {
          taskKey: "refresh",
          dependsOns: [{ taskKey: "functions" }],
          pipelineTask: { pipelineId: n("ingestion-registry-id"), fullRefresh: false },
          maxRetries: 2,
          minRetryIntervalMillis: 600000,
          retryOnTimeout: true,
          timeoutSeconds: 10800,
        },
        {
          taskKey: "tags",
          dependsOns: [{ taskKey: "refresh" }],
          sqlTask: sqlTask(`${CODE}/governance/tags/registry.sql`),
        },
      ]);
      const stream = inputsOf(plan, "databricks:index/job:Job", n("ingestion-transfers-job"));
      assert.deepStrictEqual(
        [
          stream.name,
          stream.continuous,
          stream.controlRunState,
          stream.maxConcurrentRuns,
          stream.tasks,
          stream.runAs,
        ],
        [
          n("transfers-stream"),
          { pauseStatus: "UNPAUSED" },
          true,
          1,
          [
            {
              taskKey: "stream",
              pipelineTask: { pipelineId: n("ingestion-transfers-id"), fullRefresh: false },
            },
          ],
          { servicePrincipalName: PIPELINES_APP },
        ],
      );
      assert.deepStrictEqual(
        [job.timeoutSeconds, job.maxConcurrentRuns, job.runAs],
        [14400, 1, { servicePrincipalName: PIPELINES_APP }],
      );
      assert.deepStrictEqual(
        (job.emailNotifications as { onFailures: string[] }).onFailures.length > 0,
        true,
      );
    });
  });
}

describe("adding and removing a data source", () => {
  it("adds exactly the new source's schemas, grants, tags, pipeline, files and alerts, with no code change", async () => {
    const base = await planWith({
      "match_stats.yaml": shipped("match_stats"),
      "registry.yaml": shipped("registry"),
      "transfers.yaml": shipped("transfers"),
    });
    const more = await planWith({
      "match_stats.yaml": shipped("match_stats"),
      "registry.yaml": shipped("registry"),
      "transfers.yaml": shipped("transfers"),
      "scouting_reports.yaml": SCOUTING,
    });
    const before = names(base);
    const added = [...names(more)].filter((r) => !before.has(r)).sort();
    assert.deepStrictEqual(added, [
      "databricks:index/alertV2:AlertV2::lh-dev-pipeline-alerts-scouting_reports-late",
      "databricks:index/alertV2:AlertV2::lh-dev-pipeline-alerts-scouting_reports-update-failed",
      "databricks:index/entityTagAssignment:EntityTagAssignment::lh-dev-governance-tag-scouting_reports-pii",
      "databricks:index/grants:Grants::lh-dev-governance-scouting_reports-bronze",
      "databricks:index/grants:Grants::lh-dev-governance-scouting_reports-gold",
      "databricks:index/grants:Grants::lh-dev-governance-scouting_reports-pii",
      "databricks:index/grants:Grants::lh-dev-governance-scouting_reports-silver",
      "databricks:index/job:Job::lh-dev-ingestion-scouting_reports-job",
      "databricks:index/permissions:Permissions::lh-dev-ingestion-scouting_reports-job-permissions",
      "databricks:index/permissions:Permissions::lh-dev-ingestion-scouting_reports-permissions",
      "databricks:index/pipeline:Pipeline::lh-dev-ingestion-scouting_reports",
      "databricks:index/schema:Schema::lh-dev-uc-scouting_reports-bronze",
      "databricks:index/schema:Schema::lh-dev-uc-scouting_reports-gold",
      "databricks:index/schema:Schema::lh-dev-uc-scouting_reports-pii",
      "databricks:index/schema:Schema::lh-dev-uc-scouting_reports-silver",
      "databricks:index/workspaceFile:WorkspaceFile::lh-dev-governance-tags-scouting_reports",
      "databricks:index/workspaceFile:WorkspaceFile::lh-dev-ingestion-scouting_reports-bronze",
      "databricks:index/workspaceFile:WorkspaceFile::lh-dev-ingestion-scouting_reports-gold",
      "databricks:index/workspaceFile:WorkspaceFile::lh-dev-ingestion-scouting_reports-silver",
      "databricks:index/workspaceFile:WorkspaceFile::lh-dev-run-metadata-runs_scouting_reports",
    ]);
    assert.deepStrictEqual(
      [...before].filter((r) => !names(more).has(r)),
      [],
      "adding a source removes nothing",
    );
  });

  it("removes a source's resources, and the Event Hubs namespace with the last streaming source", async () => {
    const only = await planWith({ "registry.yaml": shipped("registry") });
    const full = await planOf("dev");
    const remaining = names(only);
    const removed = [...names(full)].filter((r) => !remaining.has(r));
    assert.ok(
      removed.every((r) => /match_stats|transfers|eventhubs/.test(r)),
      removed.join("\n"),
    );
    assert.ok(removed.includes("azure-native:eventhub:Namespace::lh-dev-eventhubs-namespace"));
    assert.ok(removed.includes("databricks:index/job:Job::lh-dev-ingestion-match_stats-job"));
  });
});
