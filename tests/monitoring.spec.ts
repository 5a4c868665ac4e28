import * as assert from "assert";
import { LOGGING_RESOURCE_TYPES } from "../policies/lib/logging-types";
import { inputsOf, planOf, resourceOf, resourcesOf, runPlan } from "./support/plan";
import type { PlanDocument } from "../tools/plan/report";

const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-00000000bbbb";

/** Every logging resource of the plan without a diagnostic setting that targets it. */
function undiagnosed(plan: PlanDocument): string[] {
  const targets = new Set(
    resourcesOf(plan, "azure-native:monitor:DiagnosticSetting").map(
      (d) => (d.inputs as { resourceUri: string }).resourceUri,
    ),
  );
  return plan.resources
    .filter((r) => (LOGGING_RESOURCE_TYPES as readonly string[]).includes(r.type))
    .filter((r) => !targets.has(r.id as string))
    .map((r) => r.urn);
}

for (const stack of ["dev", "prod"]) {
  const n = (suffix: string) => `lh-${stack}-${suffix}`;
  const emails =
    stack === "prod"
      ? ["data-platform@transfermarket.example", "oncall@transfermarket.example"]
      : ["data-platform@transfermarket.example"];

  describe(`Monitoring (${stack})`, () => {
    it("sends the logs of every resource that emits them to Log Analytics", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(undiagnosed(plan), []);
      const lake = resourceOf(plan, "azure-native:storage:StorageAccount", n("lake-account"));
      const blob = inputsOf(plan, "azure-native:monitor:DiagnosticSetting", n("monitoring-diag-lake-blob"));
      assert.strictEqual(blob.resourceUri, `${lake.id}/blobServices/default`);
      const databricks = inputsOf(
        plan,
        "azure-native:monitor:DiagnosticSetting",
        n("monitoring-diag-databricks"),
      );
      assert.match(databricks.workspaceId as string, /azure-native:operationalinsights:Workspace\/log-lh-/);
    });

    it("asks every diagnostic setting for named categories its type documents only", async () => {
      const plan = await planOf(stack);
      const categories = (list: unknown) =>
        (list as { category?: string; categoryGroup?: string }[])
          .map((c) => c.category ?? `group:${c.categoryGroup}`)
          .join(",");
      const settings = resourcesOf(plan, "azure-native:monitor:DiagnosticSetting").map((d) => {
        const inputs = d.inputs as { logs: unknown; metrics: unknown };
        return `${d.name.replace(`lh-${stack}-`, "")}: ${categories(inputs.logs)} | ${categories(inputs.metrics)}`;
      });
      // Databricks: every category, present and future, through the documented allLogs group.
      const databricks = "group:allLogs";
      assert.deepStrictEqual(settings.sort(), [
        "monitoring-diag-databricks: " + databricks + " | ",
        "monitoring-diag-eventhubs: OperationalLogs,AutoScaleLogs,KafkaCoordinatorLogs,KafkaUserErrorLogs,EventHubVNetConnectionEvent | AllMetrics",
        "monitoring-diag-flowlogs:  | Transaction",
        "monitoring-diag-grafana: GrafanaLoginEvents | ",
        "monitoring-diag-keyvault: AuditEvent | AllMetrics",
        "monitoring-diag-lake-blob: StorageRead,StorageWrite,StorageDelete | Transaction",
        "monitoring-diag-lake:  | Transaction",
        "monitoring-diag-logs: Audit | AllMetrics",
        "monitoring-diag-nsg-dbw: NetworkSecurityGroupEvent,NetworkSecurityGroupRuleCounter | ",
        "monitoring-diag-nsg-pep: NetworkSecurityGroupEvent,NetworkSecurityGroupRuleCounter | ",
        "monitoring-diag-replica: SQLInsights,AutomaticTuning,QueryStoreRuntimeStatistics,QueryStoreWaitStatistics,Errors,DatabaseWaitStatistics,Timeouts,Blocks,Deadlocks,DevOpsOperationsAudit | Basic,InstanceAndAppAdvanced",
        "monitoring-diag-vnet: VMProtectionAlerts | AllMetrics",
        "replica-audit-logs: SQLSecurityAuditEvents | ",
      ]);
    });

    it("would notice a logging resource that lost its diagnostic setting", async () => {
      const plan = await planOf(stack);
      const withoutVault = {
        ...plan,
        resources: plan.resources.filter((r) => r.name !== n("monitoring-diag-keyvault")),
      };
      assert.deepStrictEqual(undiagnosed(withoutVault), [
        resourceOf(plan, "azure-native:keyvault:Vault", n("foundation-kv")).urn,
      ]);
    });

    it("routes critical alerts to email, Slack and Teams, and warnings to the chat channels, with secret URLs", async () => {
      const plan = await planOf(stack);
      const critical = inputsOf(plan, "azure-native:monitor:ActionGroup", n("monitoring-ag-critical"));
      assert.deepStrictEqual(
        critical.emailReceivers,
        emails.map((emailAddress, i) => ({
          name: `email-${i + 1}`,
          emailAddress,
          useCommonAlertSchema: true,
        })),
      );
      for (const group of [
        critical,
        inputsOf(plan, "azure-native:monitor:ActionGroup", n("monitoring-ag-warning")),
      ]) {
        assert.deepStrictEqual(group.webhookReceivers, [
          { name: "slack", serviceUri: "[secret]", useCommonAlertSchema: true },
          { name: "teams", serviceUri: "[secret]", useCommonAlertSchema: true },
        ]);
      }
      assert.deepStrictEqual(
        inputsOf(plan, "azure-native:monitor:ActionGroup", n("monitoring-ag-warning")).emailReceivers,
        [],
      );
      const slack = inputsOf(
        plan,
        "databricks:index/notificationDestination:NotificationDestination",
        n("monitoring-slack"),
      );
      assert.deepStrictEqual(slack.config, { slack: { url: "[secret]" } });
    });

    it("never shows a webhook URL in plain text in any input or output", async () => {
      const run = await runPlan("--stack", stack, "--json");
      for (const placeholder of [
        "https://offline-plan.invalid/slackWebhookUrl",
        "https://offline-plan.invalid/teamsWebhookUrl",
      ]) {
        assert.ok(!run.stdout.includes(placeholder), `${placeholder} leaked into the plan`);
      }
    });

    it("alerts on resource consumption with the exact thresholds", async () => {
      const plan = await planOf(stack);
      const alerts = resourcesOf(plan, "azure-native:monitor:MetricAlert").map((a) => {
        const inputs = a.inputs as {
          ruleName: string;
          severity: number;
          windowSize: string;
          criteria: {
            allOf: { metricName: string; operator: string; threshold: number; timeAggregation: string }[];
          };
          actions: { actionGroupId: string }[];
        };
        const criteria = inputs.criteria.allOf
          .map((c) => `${c.metricName} ${c.timeAggregation} ${c.operator} ${c.threshold}`)
          .join(" and ");
        return `${inputs.ruleName} sev${inputs.severity} ${inputs.windowSize}: ${criteria} -> ${inputs.actions[0].actionGroupId.split("/").pop()}`;
      });
      const tib = (stack === "prod" ? 50 : 2) * 1024 ** 4;
      assert.deepStrictEqual(alerts, [
        `lake-capacity sev2 PT1H: UsedCapacity Average GreaterThan ${tib} -> ag-lh-warning-${stack}-weu`,
        `lake-throttling sev2 PT15M: Transactions Total GreaterThan 0 -> ag-lh-warning-${stack}-weu`,
        `lake-availability sev1 PT15M: Availability Average LessThan 99 -> ag-lh-critical-${stack}-weu`,
        `replica-cpu sev2 PT15M: cpu_percent Average GreaterThan 80 -> ag-lh-warning-${stack}-weu`,
        `replica-storage sev1 PT1H: storage_percent Maximum GreaterThan 90 -> ag-lh-critical-${stack}-weu`,
        `replica-availability sev1 PT15M: availability Average LessThan 99 -> ag-lh-critical-${stack}-weu`,
        `keyvault-availability sev1 PT15M: Availability Average LessThan 99.9 -> ag-lh-critical-${stack}-weu`,
        `eventhubs-throttled sev2 PT15M: ThrottledRequests Total GreaterThan 0 -> ag-lh-warning-${stack}-weu`,
        `eventhubs-consumer-lag sev1 PT30M: IncomingMessages Total GreaterThan 0 and OutgoingMessages Total LessThan 1 -> ag-lh-critical-${stack}-weu`,
      ]);
      const logAlerts = resourcesOf(plan, "azure-native:monitor:ScheduledQueryRule").map((a) => {
        const inputs = a.inputs as {
          ruleName: string;
          severity: number;
          criteria: { allOf: { operator: string; threshold: number }[] };
        };
        return `${inputs.ruleName} sev${inputs.severity}: ${inputs.criteria.allOf[0].operator} ${inputs.criteria.allOf[0].threshold}`;
      });
      assert.deepStrictEqual(logAlerts, ["failed-jobs sev1: GreaterThan 0"]);
    });

    it("alerts per source on failed pipeline updates and late refreshes, from the published event logs", async () => {
      const plan = await planOf(stack);
      const alerts = resourcesOf(plan, "databricks:index/alertV2:AlertV2").map((a) => {
        const inputs = a.inputs as {
          displayName: string;
          evaluation: {
            source: { name: string };
            comparisonOperator: string;
            threshold: { value: { doubleValue: number } };
            emptyResultState: string;
            notification: { notifyOnOk: boolean; subscriptions: { destinationId: string }[] };
          };
          schedule: { quartzCronSchedule: string };
          runAs: { servicePrincipalName: string };
        };
        const e = inputs.evaluation;
        assert.deepStrictEqual(
          e.notification.subscriptions.map((d) => d.destinationId),
          [n("monitoring-slack-id"), n("monitoring-teams-id")],
        );
        assert.strictEqual(inputs.runAs.servicePrincipalName, "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9");
        return `${inputs.displayName}: ${e.source.name} ${e.comparisonOperator} ${e.threshold.value.doubleValue} (empty ${e.emptyResultState}) at ${inputs.schedule.quartzCronSchedule}`;
      });
      const failed = (source: string) =>
        `lh-${stack}-${source}-update-failed: failed_updates GREATER_THAN 0 (empty OK) at 0 0/15 * * * ?`;
      const late = (source: string, minutes: number) =>
        `lh-${stack}-${source}-late: minutes_since_refresh GREATER_THAN ${minutes} (empty TRIGGERED) at 0 30 * * * ?`;
      // match_stats: daily (1440) + 240; registry: hourly (60) + 240; transfers: streaming, 60.
      assert.deepStrictEqual(alerts, [
        failed("match_stats"),
        late("match_stats", 1680),
        failed("registry"),
        late("registry", 300),
        failed("transfers"),
        late("transfers", 60),
      ]);
      const registry = inputsOf(
        plan,
        "databricks:index/alertV2:AlertV2",
        n("pipeline-alerts-registry-update-failed"),
      );
      assert.strictEqual(
        registry.queryText,
        `SELECT count(*) AS failed_updates
FROM \`lh_${stack}\`.\`ops\`.\`registry_event_log\`
WHERE event_type = 'update_progress'
  AND details:update_progress.state::string = 'FAILED'
  AND timestamp > current_timestamp() - INTERVAL 15 MINUTES`,
      );
    });

    it("sets a monthly budget with actual notifications and a 100 % forecast (five, Azure's limit), routed to the action groups", async () => {
      const plan = await planOf(stack);
      const budget = inputsOf(plan, "azure-native:consumption:Budget", n("monitoring-budget"));
      assert.deepStrictEqual(
        [budget.amount, budget.scope, budget.timeGrain, budget.category, budget.timePeriod],
        [
          stack === "prod" ? 12000 : 3000,
          `${SUBSCRIPTION}/resourceGroups/rg-lh-${stack}-weu`,
          "Monthly",
          "Cost",
          { startDate: "2026-12-01T00:00:00Z" },
        ],
      );
      const group = (severity: string) =>
        `${SUBSCRIPTION}/resourceGroups/rg-lh-${stack}-weu/providers/azure-native:monitor:ActionGroup/ag-lh-${severity}-${stack}-weu`;
      const notification = (threshold: number, thresholdType: string, severity: string) => ({
        enabled: true,
        operator: "GreaterThanOrEqualTo",
        threshold,
        contactEmails: emails,
        contactGroups: [group(severity)],
        thresholdType,
      });
      assert.deepStrictEqual(budget.notifications, {
        actual_50: notification(50, "Actual", "warning"),
        actual_80: notification(80, "Actual", "warning"),
        actual_100: notification(100, "Actual", "critical"),
        forecast_100: notification(100, "Forecasted", "critical"),
        actual_120: notification(120, "Actual", "critical"),
      });
    });

    it("runs Managed Grafana with Entra sign-in only, behind a private endpoint, reading the resource group", async () => {
      const plan = await planOf(stack);
      const grafana = inputsOf(plan, "azure-native:dashboard:Grafana", n("monitoring-grafana"));
      assert.deepStrictEqual(grafana.properties, {
        apiKey: "Disabled",
        deterministicOutboundIP: "Disabled",
        publicNetworkAccess: "Disabled",
        zoneRedundancy: "Enabled",
        grafanaMajorVersion: "11",
      });
      const reader = inputsOf(
        plan,
        "azure-native:authorization:RoleAssignment",
        n("monitoring-grafana-monitoring-reader"),
      );
      assert.deepStrictEqual(
        [reader.scope, (reader.roleDefinitionId as string).split("/").pop()],
        [`${SUBSCRIPTION}/resourceGroups/rg-lh-${stack}-weu`, "43d0d8ad-25c7-4714-9337-8ba259a9fe05"],
      );
      resourceOf(plan, "azure-native:network:PrivateEndpoint", n("monitoring-grafana-pep"));
      const insights = inputsOf(
        plan,
        "azure-native:applicationinsights:Component",
        n("monitoring-appinsights"),
      );
      assert.deepStrictEqual(
        [insights.ingestionMode, insights.disableLocalAuth, insights.retentionInDays],
        ["LogAnalytics", true, stack === "prod" ? 365 : 30],
      );
    });

    it("notifies Slack and Teams on every job failure and warns on long runs", async () => {
      const plan = await planOf(stack);
      for (const job of ["ingestion-registry-job", "ingestion-match_stats-job"]) {
        const inputs = inputsOf(plan, "databricks:index/job:Job", n(job));
        const ids = [n("monitoring-slack-id"), n("monitoring-teams-id")].map((id) => ({ id }));
        assert.deepStrictEqual(inputs.webhookNotifications, {
          onFailures: ids,
          onDurationWarningThresholdExceededs: ids,
        });
        assert.deepStrictEqual(inputs.health, {
          rules: [{ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 7200 }],
        });
      }
    });

    it("publishes every pipeline's event log to the ops schema and keeps run views over it", async () => {
      const plan = await planOf(stack);
      for (const source of ["match_stats", "registry", "transfers"]) {
        assert.deepStrictEqual(
          inputsOf(plan, "databricks:index/pipeline:Pipeline", n(`ingestion-${source}`)).eventLog,
          {
            catalog: `lh_${stack}`,
            schema: "ops",
            name: `${source}_event_log`,
          },
        );
      }
      const job = inputsOf(plan, "databricks:index/job:Job", n("run-metadata-job"));
      assert.deepStrictEqual(
        (job.tasks as { taskKey: string }[]).map((t) => t.taskKey),
        ["job_runs", "runs_match_stats", "runs_registry", "runs_transfers"],
      );
    });
  });
}
