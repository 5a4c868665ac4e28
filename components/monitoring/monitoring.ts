import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as consumption from "@pulumi/azure-native/consumption";
import * as dashboard from "@pulumi/azure-native/dashboard";
import * as monitor from "@pulumi/azure-native/monitor";
import type * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import type {
  consumption as consumptionInputs,
  monitor as monitorInputs,
} from "@pulumi/azure-native/types/input";
import * as databricks from "@pulumi/databricks";
import { DIAGNOSTIC_CATEGORIES, DiagnosticTargetType } from "../../policies/lib/diagnostic-categories";
import { LoggingResourceType } from "../../policies/lib/logging-types";
import { chatChannels, PlatformConfig } from "../../config/config";
import { DiagnosticsArgs, sendDiagnostics } from "./diagnostics";
import { SubscriptionPlacement } from "../core/naming";
import { Network } from "../network/network";
import { assignRole } from "../security/roles";

/** Every category a type documents. */
const documented = (type: DiagnosticTargetType) => {
  const { logs, metrics } = DIAGNOSTIC_CATEGORIES[type];
  return { logs, metrics };
};

/**
 * What each logging resource type sends to Log Analytics: categories its type documents
 * (policies/lib/diagnostic-categories.ts, with the Learn pages; ARM refuses any other).
 */
export const DIAGNOSTICS: Record<
  LoggingResourceType | "blobService",
  Omit<DiagnosticsArgs, "resourceId" | "workspaceId">
> = {
  // Every Databricks audit category, present and future (a fixed list drops new audit tables).
  "azure-native:databricks:Workspace": { logs: [], logGroups: ["allLogs"], metrics: [] },
  "azure-native:storage:StorageAccount": { logs: [], metrics: ["Transaction"] },
  blobService: {
    logs: documented("Microsoft.Storage/storageAccounts/blobServices").logs,
    metrics: ["Transaction"],
  },
  "azure-native:keyvault:Vault": { logs: ["AuditEvent"], metrics: ["AllMetrics"] },
  "azure-native:sql:Database": {
    logs: documented("Microsoft.Sql/servers/databases").logs.filter((c) => c !== "SQLSecurityAuditEvents"),
    metrics: ["Basic", "InstanceAndAppAdvanced"],
  },
  "azure-native:eventhub:Namespace": {
    logs: [
      "OperationalLogs",
      "AutoScaleLogs",
      "KafkaCoordinatorLogs",
      "KafkaUserErrorLogs",
      "EventHubVNetConnectionEvent",
    ],
    metrics: ["AllMetrics"],
  },
  "azure-native:network:NetworkSecurityGroup": documented("Microsoft.Network/networkSecurityGroups"),
  "azure-native:network:VirtualNetwork": documented("Microsoft.Network/virtualNetworks"),
  "azure-native:operationalinsights:Workspace": { logs: ["Audit"], metrics: ["AllMetrics"] },
  // Grafana's metrics are not exportable through diagnostic settings: logs only.
  "azure-native:dashboard:Grafana": { logs: ["GrafanaLoginEvents"], metrics: [] },
};

/** A resource whose logs and metrics the platform keeps. */
export interface Watched {
  readonly name: string;
  readonly type: LoggingResourceType | "blobService";
  readonly resourceId: pulumi.Input<string>;
}

/** A metric alert: one or more static thresholds on one resource, all of which must hold. */
export interface MetricAlertSpec {
  readonly name: string;
  readonly description: string;
  readonly scope: pulumi.Input<string>;
  readonly severity: 0 | 1 | 2 | 3 | 4;
  readonly window: string;
  readonly frequency: string;
  readonly criteria: readonly {
    readonly metricNamespace: string;
    readonly metricName: string;
    readonly operator: "GreaterThan" | "LessThan" | "GreaterThanOrEqual" | "LessThanOrEqual";
    readonly threshold: number;
    readonly aggregation: "Average" | "Total" | "Maximum" | "Minimum";
    readonly dimensions?: readonly { readonly name: string; readonly values: readonly string[] }[];
  }[];
}

/** A log alert: a KQL query over the diagnostic logs, alerting when its row count crosses a threshold. */
export interface LogAlertSpec {
  readonly name: string;
  readonly description: string;
  readonly severity: 0 | 1 | 2 | 3 | 4;
  readonly query: string;
  readonly operator: "GreaterThan" | "LessThan";
  readonly threshold: number;
  readonly window: string;
  readonly frequency: string;
}

export interface MonitoringArgs extends SubscriptionPlacement {
  /** The stack's Log Analytics workspace (from `Foundation`). */
  readonly logAnalytics: operationalinsights.Workspace;
  readonly network: Network;
  readonly alerts: PlatformConfig["alerts"];
  readonly budget: PlatformConfig["budget"];
  readonly monitoring: PlatformConfig["monitoring"];
  readonly retentionDays: number;
  /** Object id of the platform admins group: Grafana administrators. */
  readonly adminsObjectId: string;
  /** Every resource whose logs and metrics are kept. */
  readonly watched: readonly Watched[];
  /** Resource consumption alerts, built by `resourceAlerts`. */
  readonly metricAlerts: readonly MetricAlertSpec[];
  readonly logAlerts: readonly LogAlertSpec[];
  /** Workspace-level provider, for the Databricks notification destinations. */
  readonly databricksProvider: databricks.Provider;
}

/**
 * Monitoring, alerting and cost control: workspace-based Application Insights, a diagnostic setting for every
 * resource that emits logs, action groups per severity (email, Slack and Teams webhooks, the URLs secret),
 * Databricks notification destinations for Slack and Teams, metric and log alerts, the consumption budget
 * with actual and forecast thresholds, and Managed Grafana with Entra sign-in reading Azure Monitor.
 */
export class Monitoring extends pulumi.ComponentResource {
  public readonly applicationInsights: applicationinsights.Component;
  public readonly criticalActionGroup: monitor.ActionGroup;
  public readonly warningActionGroup: monitor.ActionGroup;
  /** Databricks notification destinations (Slack, Teams) every job notifies on failure. */
  public readonly destinationIds: pulumi.Output<string>[];
  public readonly budget: consumption.Budget;
  public readonly grafana: dashboard.Grafana;
  /** Grafana's private endpoint, unless `grafanaPublicAccess`: its DNS records are the deployer's way in. */
  public readonly grafanaEndpoint?: network.PrivateEndpoint;

  constructor(name: string, args: MonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:monitoring:Monitoring", name, {}, opts);
    const { naming, location, resourceGroupName, logAnalytics } = args;

    this.applicationInsights = new applicationinsights.Component(
      `${name}-appinsights`,
      {
        resourceGroupName,
        location,
        resourceName: naming.name("applicationInsights"),
        kind: "web",
        applicationType: applicationinsights.ApplicationType.Web,
        ingestionMode: applicationinsights.IngestionMode.LogAnalytics,
        workspaceResourceId: logAnalytics.id,
        retentionInDays: args.retentionDays,
        disableLocalAuth: true,
        publicNetworkAccessForIngestion: applicationinsights.PublicNetworkAccessType.Disabled,
        publicNetworkAccessForQuery: applicationinsights.PublicNetworkAccessType.Disabled,
      },
      { parent: this },
    );

    ({ grafana: this.grafana, endpoint: this.grafanaEndpoint } = this.managedGrafana(name, args));
    const watched: Watched[] = [
      ...args.watched,
      { name: "logs", type: "azure-native:operationalinsights:Workspace", resourceId: logAnalytics.id },
      { name: "grafana", type: "azure-native:dashboard:Grafana", resourceId: this.grafana.id },
    ];
    for (const target of watched) {
      sendDiagnostics(
        `${name}-diag-${target.name}`,
        { resourceId: target.resourceId, workspaceId: logAnalytics.id, ...DIAGNOSTICS[target.type] },
        this,
      );
    }

    const chat = chatChannels(args.alerts).map(({ kind, url }) => ({
      name: kind,
      serviceUri: url,
      useCommonAlertSchema: true,
    }));
    const actionGroup = (severity: string, shortName: string, emails: boolean) =>
      new monitor.ActionGroup(
        `${name}-ag-${severity}`,
        {
          resourceGroupName,
          location: "global",
          actionGroupName: naming.name("actionGroup", severity),
          groupShortName: shortName,
          enabled: true,
          emailReceivers: emails
            ? args.alerts.emails.map((emailAddress, i) => ({
                name: `email-${i + 1}`,
                emailAddress,
                useCommonAlertSchema: true,
              }))
            : [],
          webhookReceivers: chat,
        },
        { parent: this },
      );
    // Critical alerts page everyone (mail and chat); warnings go to the chat channels only.
    this.criticalActionGroup = actionGroup("critical", "lh-critical", true);
    this.warningActionGroup = actionGroup("warning", "lh-warning", false);
    const groupFor = (severity: number) =>
      (severity <= 1 ? this.criticalActionGroup : this.warningActionGroup).id;

    for (const alert of args.metricAlerts) {
      new monitor.MetricAlert(
        `${name}-alert-${alert.name}`,
        {
          resourceGroupName,
          location: "global",
          ruleName: alert.name,
          description: alert.description,
          severity: alert.severity,
          enabled: true,
          scopes: [alert.scope],
          windowSize: alert.window,
          evaluationFrequency: alert.frequency,
          autoMitigate: true,
          criteria: {
            odataType: "Microsoft.Azure.Monitor.SingleResourceMultipleMetricCriteria",
            allOf: alert.criteria.map((c, i): monitorInputs.MetricCriteriaArgs => ({
              criterionType: "StaticThresholdCriterion",
              name: `criterion-${i + 1}`,
              metricNamespace: c.metricNamespace,
              metricName: c.metricName,
              operator: c.operator,
              threshold: c.threshold,
              timeAggregation: c.aggregation,
              dimensions: (c.dimensions ?? []).map((d) => ({
                name: d.name,
                operator: "Include",
                values: [...d.values],
              })),
            })),
          },
          actions: [{ actionGroupId: groupFor(alert.severity) }],
        },
        { parent: this },
      );
    }
    for (const alert of args.logAlerts) {
      new monitor.ScheduledQueryRule(
        `${name}-alert-${alert.name}`,
        {
          resourceGroupName,
          location,
          ruleName: alert.name,
          displayName: alert.name,
          description: alert.description,
          kind: monitor.Kind.LogAlert,
          severity: alert.severity,
          enabled: true,
          scopes: [logAnalytics.id],
          windowSize: alert.window,
          evaluationFrequency: alert.frequency,
          criteria: {
            allOf: [
              {
                query: alert.query,
                timeAggregation: monitor.TimeAggregation.Count,
                operator: alert.operator,
                threshold: alert.threshold,
                failingPeriods: { numberOfEvaluationPeriods: 1, minFailingPeriodsToAlert: 1 },
              },
            ],
          },
          actions: { actionGroups: [groupFor(alert.severity)] },
        },
        { parent: this },
      );
    }

    this.budget = this.costBudget(name, args);
    this.destinationIds = this.notificationDestinations(name, args);
    this.registerOutputs({
      applicationInsights: this.applicationInsights,
      budget: this.budget,
      grafana: this.grafana,
    });
  }

  /**
   * Monthly budget of the stack's scope: actual spend at every threshold and a forecast at 100 %; Azure takes
   * at most five notifications (config allows four thresholds).
   */
  private costBudget(name: string, args: MonitoringArgs): consumption.Budget {
    const scope =
      args.budget.scope === "subscription"
        ? pulumi.interpolate`/subscriptions/${args.subscriptionId}`
        : pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}`;
    const notifications: Record<string, consumptionInputs.NotificationArgs> = {};
    for (const threshold of args.budget.thresholdsPercent) {
      const contactGroups = [(threshold >= 100 ? this.criticalActionGroup : this.warningActionGroup).id];
      const notification = {
        enabled: true,
        operator: "GreaterThanOrEqualTo",
        threshold,
        contactEmails: [...args.alerts.emails],
        contactGroups,
      };
      notifications[`actual_${threshold}`] = { ...notification, thresholdType: "Actual" };
    }
    notifications.forecast_100 = {
      enabled: true,
      operator: "GreaterThanOrEqualTo",
      threshold: 100,
      thresholdType: "Forecasted",
      contactEmails: [...args.alerts.emails],
      contactGroups: [this.criticalActionGroup.id],
    };
    return new consumption.Budget(
      `${name}-budget`,
      {
        scope,
        budgetName: args.naming.name("budget"),
        amount: args.budget.monthlyAmount,
        category: consumption.CategoryType.Cost,
        timeGrain: consumption.TimeGrainType.Monthly,
        timePeriod: { startDate: `${args.budget.startDate}T00:00:00Z` },
        notifications,
      },
      { parent: this },
    );
  }

  /** Managed Grafana: Entra sign-in only, reads Azure Monitor and Log Analytics with its managed identity. */
  private managedGrafana(
    name: string,
    args: MonitoringArgs,
  ): { grafana: dashboard.Grafana; endpoint?: network.PrivateEndpoint } {
    const grafana = new dashboard.Grafana(
      `${name}-grafana`,
      {
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        workspaceName: args.naming.name("grafana"),
        sku: { name: "Standard" },
        identity: { type: dashboard.ManagedServiceIdentityType.SystemAssigned },
        properties: {
          apiKey: dashboard.ApiKey.Disabled,
          deterministicOutboundIP: dashboard.DeterministicOutboundIP.Disabled,
          publicNetworkAccess: args.monitoring.grafanaPublicAccess
            ? dashboard.PublicNetworkAccess.Enabled
            : dashboard.PublicNetworkAccess.Disabled,
          zoneRedundancy: dashboard.ZoneRedundancy.Enabled,
          grafanaMajorVersion: "11",
        },
      },
      { parent: this },
    );
    assignRole(
      `${name}-grafana-monitoring-reader`,
      {
        principalId: grafana.identity.apply((identity) => identity?.principalId ?? ""),
        principalType: "ServicePrincipal",
        role: "monitoringReader",
        scope: pulumi.interpolate`/subscriptions/${args.subscriptionId}/resourceGroups/${args.resourceGroupName}`,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );
    assignRole(
      `${name}-grafana-admins`,
      {
        principalId: args.adminsObjectId,
        principalType: "Group",
        role: "grafanaAdmin",
        scope: grafana.id,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );
    let endpoint: network.PrivateEndpoint | undefined;
    if (!args.monitoring.grafanaPublicAccess) {
      endpoint = args.network.privateEndpoint(
        `${name}-grafana`,
        { resourceId: grafana.id, groupId: "grafana", zone: "grafana", role: "grafana" },
        this,
      );
    }
    return { grafana, endpoint };
  }

  /** Slack and Teams as Databricks notification destinations, so job failures arrive formatted. */
  private notificationDestinations(name: string, args: MonitoringArgs): pulumi.Output<string>[] {
    const inWorkspace = { parent: this, provider: args.databricksProvider };
    const destinations = chatChannels(args.alerts).map(
      ({ kind, url }) =>
        new databricks.NotificationDestination(
          `${name}-${kind}`,
          kind === "slack"
            ? { displayName: `${name} Slack`, config: { slack: { url } } }
            : { displayName: `${name} Teams`, config: { microsoftTeams: { url } } },
          inWorkspace,
        ),
    );
    return destinations.map((d) => d.id);
  }
}
