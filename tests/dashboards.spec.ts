// Grafana dashboards as code: the templates keep placeholders only, the dev plan fills every one of them with
// the stack's values, and the provider reaches Grafana through its private endpoint's DNS records.
import * as assert from "assert";
import {
  dashboardTemplates,
  GRAFANA_RETRIES,
  GRAFANA_RETRY_WAIT_SECONDS,
  placeholdersIn,
  principalTypeOf,
  renderDashboard,
} from "../components/monitoring/dashboards";
import { FAKE_SUBSCRIPTION_ID } from "../tools/plan/mocks";
import { inputsOf, planOf, resourceOf, resourcesOf } from "./support/plan";

const RG = `/subscriptions/${FAKE_SUBSCRIPTION_ID}/resourceGroups/rg-lh-dev-weu/providers`;
const URN = "urn:pulumi:dev::lakehouse::lakehouse:core:LakehousePlatform$";

/** The dev stack's values, written out: what the plan must have put in the templates. */
const DEV_VALUES = {
  dataSource: "lakehouse-azure-monitor",
  subscriptionId: FAKE_SUBSCRIPTION_ID,
  resourceGroup: "rg-lh-dev-weu",
  region: "westeurope",
  logAnalyticsId: `${RG}/azure-native:operationalinsights:Workspace/log-lh-dev-weu-2bc0`,
  databricksWorkspaceId: `${RG}/azure-native:databricks:Workspace/dbw-lh-dev-weu`,
  lakeName: "stlhlakedevweuf04e",
  keyVaultName: "kv-lh-dev-weu-f04e-2bc0",
  sqlDatabaseName: "sql-lh-replica-dev-weu-f04e-2bc0/transfermarket",
  eventHubsName: "evhns-lh-dev-weu-f04e",
  budgetAmount: "3000",
  budgetThresholds: "50 %, 80 %, 100 %, 120 %",
  budgetScope: "resource group rg-lh-dev-weu",
  jobSources: '"4071528673", "match_stats", "4200318457", "registry", "4024793464", "transfers"',
  batchJobSources: '"4071528673", "match_stats", "4200318457", "registry"',
  qualityViews:
    "- `lh_dev.ops.match_stats_flows`\n- `lh_dev.ops.registry_flows`\n- `lh_dev.ops.transfers_flows`",
};

const TEMPLATES = dashboardTemplates();

describe("Grafana dashboards", () => {
  describe("templates (dashboards/*.json)", () => {
    it("are the three dashboards, with their panels", () => {
      assert.deepStrictEqual(
        TEMPLATES.map(([file, model]) => [
          file,
          model.uid,
          (model.panels as { title: string }[]).map((p) => p.title),
        ]),
        [
          [
            "cost.json",
            "lakehouse-cost",
            [
              "Monthly budget",
              "Classic cluster lifecycle events per day (serverless compute not included)",
              "Log Analytics ingestion (GB/day)",
              "Billable ingestion by table (GB, time range)",
            ],
          ],
          [
            "pipeline-health.json",
            "lakehouse-pipeline-health",
            [
              "Job runs by result",
              "Failed job runs by source (last 24 h)",
              "Pipeline API calls with errors",
              "Hours since the last successful job run, per batch source (720 = none in 30 days)",
              "Job run durations per batch source (minutes)",
              "Rows written and dropped by expectations",
            ],
          ],
          [
            "platform-resources.json",
            "lakehouse-platform-resources",
            [
              "Lake capacity",
              "Lake transactions",
              "Key Vault availability (%)",
              "Key Vault API hits",
              "SQL replica CPU %",
              "SQL replica storage %",
              "Event Hubs incoming messages",
              "Event Hubs throttled requests",
            ],
          ],
        ],
      );
    });
    it("hold no subscription id, resource name, catalog or Enterprise data source: placeholders only", () => {
      for (const [file, model] of TEMPLATES) {
        const text = JSON.stringify(model);
        assert.deepStrictEqual(
          text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi),
          null,
          file,
        );
        assert.deepStrictEqual(
          text.match(/\/subscriptions\/|lh_(dev|prod)|rg-lh-|databricks-datasource/g),
          null,
          file,
        );
      }
    });
    it("name only placeholders the stack fills", () => {
      const named = new Set(TEMPLATES.flatMap(([, model]) => placeholdersIn(model)));
      assert.deepStrictEqual([...named].sort(), Object.keys(DEV_VALUES).sort());
    });
  });

  describe("renderDashboard", () => {
    const model = {
      title: "t {{lakehouse.a}}",
      panels: [{ title: "{{lakehouse.a}}" }, { title: "needs {{lakehouse.b}}" }],
    };
    it("fills every placeholder inside strings, escaping nothing by hand", () => {
      assert.deepStrictEqual(renderDashboard("x.json", model, { a: 'say "hi"', b: "B" }), {
        title: 't say "hi"',
        panels: [{ title: 'say "hi"' }, { title: "needs B" }],
      });
    });
    it("leaves out the panels that name a value the stack does not have", () => {
      assert.deepStrictEqual(renderDashboard("x.json", model, { a: "A", b: undefined }), {
        title: "t A",
        panels: [{ title: "A" }],
      });
    });
    it("refuses a placeholder the stack does not know", () => {
      assert.throws(
        () => renderDashboard("x.json", model, { a: "A" }),
        new Error("dashboards/x.json: unknown placeholder(s) {{lakehouse.b}}; known: a"),
      );
    });
    it("refuses a value missing outside the panels", () => {
      assert.throws(
        () => renderDashboard("x.json", model, { a: undefined, b: "B" }),
        new Error("dashboards/x.json: a value outside its panels is missing from this stack"),
      );
    });
    describe("a value that goes into a query", () => {
      const query = {
        title: "{{lakehouse.a}}",
        panels: [{ targets: [{ query: 'T | where x == "{{lakehouse.a}}"' }] }],
      };
      it("takes what Azure ids, Unity Catalog names and KQL datatable rows of job ids are made of", () => {
        const id =
          "/subscriptions/x/resourceGroups/rg-a.b_(c)/providers/Microsoft.Databricks/workspaces/dbw-1";
        for (const value of [id, '"4071528673", "match_stats", "42", "registry"', "50 %, 80 %"]) {
          assert.doesNotThrow(() => renderDashboard("x.json", query, { a: value }), value);
        }
      });
      it("refuses a quote, backslash, pipe or line break, which could end the string or add an operator", () => {
        for (const value of ['x" | take 1 | "', "a\\", "a | b", "a\nb", '"a b"', 'a"']) {
          assert.throws(
            () => renderDashboard("x.json", query, { a: value }),
            new Error(
              `dashboards/x.json: {{lakehouse.a}} = ${JSON.stringify(value)} cannot go into a query; allowed: letters, digits, space, _ . , : % ( ) / - and "quoted" names of letters, digits, _ . -`,
            ),
            value,
          );
        }
      });
      it("leaves values outside queries (titles, markdown) to JSON escaping", () => {
        assert.deepStrictEqual(renderDashboard("x.json", { title: "{{lakehouse.a}}" }, { a: 'say "hi"\n' }), {
          title: 'say "hi"\n',
          panels: [],
        });
      });
    });
  });

  describe("principalTypeOf", () => {
    const jwt = (claims: object) => `e30.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.sig`;
    it("tells a person's delegated token (scp) from an application's", () => {
      assert.strictEqual(principalTypeOf(jwt({ scp: "user_impersonation", oid: "x" })), "User");
      assert.strictEqual(principalTypeOf(jwt({ roles: [], oid: "x", idtyp: "app" })), "ServicePrincipal");
      assert.strictEqual(principalTypeOf("not-a-token"), "ServicePrincipal");
    });
    it("trusts idtyp first, when the token carries it", () => {
      assert.strictEqual(principalTypeOf(jwt({ idtyp: "user", oid: "x" })), "User");
      assert.strictEqual(principalTypeOf(jwt({ idtyp: "app", scp: "x", oid: "x" })), "ServicePrincipal");
    });
  });

  describe("dev plan", () => {
    it("points the provider at the Managed Grafana endpoint with a secret token, retrying 401/403", async () => {
      const plan = await planOf("dev");
      const provider = resourceOf(plan, "pulumi:providers:grafana", "lh-dev-dashboards-provider");
      assert.deepStrictEqual(provider.inputs, {
        url: "https://amg-lh-dev-weu-f04e-a1b2c3d4e5f6g7h8.weu.grafana.azure.com",
        auth: "[secret]",
        retries: String(GRAFANA_RETRIES),
        retryWait: String(GRAFANA_RETRY_WAIT_SECONDS),
        retryStatusCodes: JSON.stringify(["429", "5xx", "401", "403"]),
      });
      assert.strictEqual(GRAFANA_RETRIES * GRAFANA_RETRY_WAIT_SECONDS, 600);
      assert.ok(
        [
          `${URN}lakehouse:monitoring:GrafanaDashboards$azure-native:authorization:RoleAssignment::lh-dev-dashboards-deployer-admin`,
          `${URN}lakehouse:monitoring:Monitoring$azure-native:network:PrivateEndpoint$azure-native:network:PrivateDnsZoneGroup::lh-dev-monitoring-grafana-pep-dns`,
        ].every((urn) => provider.dependencies.includes(urn)),
      );
    });
    it("fetches the provider's token only once everything the dashboards wait for exists", async () => {
      const plan = await planOf("dev");
      const provider = resourceOf(plan, "pulumi:providers:grafana", "lh-dev-dashboards-provider");
      // The token is an invoke with dependsOn: its result, so `auth`, carries what the invoke waited for.
      assert.deepStrictEqual([...provider.propertyDependencies.auth].sort(), [
        `${URN}lakehouse:cicd:DeployerPath$azure-native:network:PrivateEndpoint$azure-native:network:PrivateDnsZoneGroup::lh-dev-deployer-grafana-pep-dns`,
        `${URN}lakehouse:core:DatabricksWorkspace$azure-native:databricks:Workspace::lh-dev-databricks-workspace`,
        `${URN}lakehouse:core:Foundation$azure-native:keyvault:Vault::lh-dev-foundation-kv`,
        `${URN}lakehouse:core:Foundation$azure-native:operationalinsights:Workspace::lh-dev-foundation-logs`,
        `${URN}lakehouse:core:Foundation$azure-native:resources:ResourceGroup::lh-dev-foundation-rg`,
        `${URN}lakehouse:core:LakehouseStorage$azure-native:storage:StorageAccount::lh-dev-lake-account`,
        `${URN}lakehouse:ingestion:EventHubs$azure-native:eventhub:Namespace::lh-dev-eventhubs-namespace`,
        `${URN}lakehouse:ingestion:Ingestion$databricks:index/job:Job::lh-dev-ingestion-match_stats-job`,
        `${URN}lakehouse:ingestion:Ingestion$databricks:index/job:Job::lh-dev-ingestion-registry-job`,
        `${URN}lakehouse:ingestion:Ingestion$databricks:index/job:Job::lh-dev-ingestion-transfers-job`,
        `${URN}lakehouse:ingestion:SqlReplica$azure-native:sql:Database::lh-dev-replica-database`,
        `${URN}lakehouse:ingestion:SqlReplica$azure-native:sql:Server::lh-dev-replica-server`,
        `${URN}lakehouse:monitoring:GrafanaDashboards$azure-native:authorization:RoleAssignment::lh-dev-dashboards-deployer-admin`,
        `${URN}lakehouse:monitoring:Monitoring$azure-native:network:PrivateEndpoint$azure-native:network:PrivateDnsZoneGroup::lh-dev-monitoring-grafana-pep-dns`,
      ]);
      assert.deepStrictEqual(
        inputsOf(plan, "azure-native:authorization:RoleAssignment", "lh-dev-dashboards-deployer-admin"),
        {
          principalId: "00000000-0000-0000-0000-00000000dddd",
          principalType: "ServicePrincipal",
          roleDefinitionId: `/subscriptions/${FAKE_SUBSCRIPTION_ID}/providers/Microsoft.Authorization/roleDefinitions/22926164-76b3-42b3-bc55-97df8dab3e41`,
          scope: `${RG}/azure-native:dashboard:Grafana/amg-lh-dev-weu-f04e`,
        },
      );
    });
    it("provisions the Azure Monitor data source on Grafana's managed identity, and the folder", async () => {
      const plan = await planOf("dev");
      assert.deepStrictEqual(
        inputsOf(plan, "grafana:oss/dataSource:DataSource", "lh-dev-dashboards-azure-monitor"),
        {
          name: "Lakehouse Azure Monitor",
          uid: "lakehouse-azure-monitor",
          type: "grafana-azure-monitor-datasource",
          accessMode: "proxy",
          jsonDataEncoded: JSON.stringify({ azureAuthType: "msi", subscriptionId: FAKE_SUBSCRIPTION_ID }),
        },
      );
      assert.deepStrictEqual(inputsOf(plan, "grafana:oss/folder:Folder", "lh-dev-dashboards-folder"), {
        title: "Lakehouse dev",
        uid: "lakehouse",
        preventDestroyIfNotEmpty: false,
      });
    });
    it("deploys every template into the folder with the dev stack's values, every placeholder filled", async () => {
      const plan = await planOf("dev");
      const dashboards = resourcesOf(plan, "grafana:oss/dashboard:Dashboard");
      assert.deepStrictEqual(
        dashboards.map((d) => d.name),
        TEMPLATES.map(([file]) => `lh-dev-dashboards-${file.replace(".json", "")}`),
      );
      for (const [file, model] of TEMPLATES) {
        const { configJson, ...rest } = inputsOf(
          plan,
          "grafana:oss/dashboard:Dashboard",
          `lh-dev-dashboards-${file.replace(".json", "")}`,
        );
        assert.deepStrictEqual(rest, { folder: "lakehouse", overwrite: true, message: "Deployed by Pulumi" });
        assert.doesNotMatch(String(configJson), /\{\{lakehouse\./);
        assert.deepStrictEqual(
          JSON.parse(String(configJson)),
          renderDashboard(file, model, DEV_VALUES),
          file,
        );
      }
    });
  });

  describe("prod plan", () => {
    it("fills every placeholder and keeps every panel (prod has the replica and Event Hubs)", async () => {
      const plan = await planOf("prod");
      for (const [file, model] of TEMPLATES) {
        const { configJson } = inputsOf(
          plan,
          "grafana:oss/dashboard:Dashboard",
          `lh-prod-dashboards-${file.replace(".json", "")}`,
        );
        assert.doesNotMatch(String(configJson), /\{\{lakehouse\./);
        assert.deepStrictEqual(
          (JSON.parse(String(configJson)) as { panels: { title: string }[] }).panels.map((p) => p.title),
          (model.panels as { title: string }[]).map((p) => p.title),
          file,
        );
      }
      assert.ok(
        resourceOf(plan, "pulumi:providers:grafana", "lh-prod-dashboards-provider").dependencies.includes(
          `urn:pulumi:prod::lakehouse::lakehouse:core:LakehousePlatform$lakehouse:monitoring:Monitoring$azure-native:network:PrivateEndpoint$azure-native:network:PrivateDnsZoneGroup::lh-prod-monitoring-grafana-pep-dns`,
        ),
      );
    });
  });
});
