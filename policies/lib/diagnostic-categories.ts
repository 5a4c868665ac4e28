/**
 * The diagnostic categories each Azure resource type documents, from Microsoft Learn's "Supported logs for
 * <type>" and "Supported metrics for <type>" pages (metrics: only those marked "DS Export: Yes"). A
 * diagnostic setting that asks for any other category, or a category group its type does not have, is
 * refused by Azure Resource Manager. Only categories verified on those pages are listed; leaving one out never breaks a deployment.
 */
export interface DocumentedCategories {
  /** Resource log categories. */
  readonly logs: readonly string[];
  /**
   * Log category groups (`allLogs`, `audit`) the type's "Supported logs" page lists for its categories; Azure
   * Policy's "Enable logging by category group for <type>" built-ins exist for these types. Default: none.
   */
  readonly logGroups?: readonly string[];
  /** Metric categories (`AllMetrics` for most types; storage and SQL name their own). */
  readonly metrics: readonly string[];
  /** Where the lists come from. */
  readonly sources: readonly string[];
}

const LEARN = "https://learn.microsoft.com/azure/azure-monitor/reference";
const logsPage = (slug: string) => `${LEARN}/supported-logs/${slug}-logs`;
const metricsPage = (slug: string) => `${LEARN}/supported-metrics/${slug}-metrics`;

export const DIAGNOSTIC_CATEGORIES = {
  "Microsoft.Databricks/workspaces": {
    logs: [
      "accounts",
      // Enhanced security monitoring's reports (container scanning, antivirus).
      "capsule8Dataplane",
      "clamAVScan",
      "clusterLibraries",
      "ClusterPolicies",
      "clusters",
      "databrickssql",
      "dbfs",
      "deltaPipelines",
      "featureStore",
      "jobs",
      "notebook",
      "secrets",
      "sqlPermissions",
      "unityCatalog",
      "workspace",
    ],
    // allLogs keeps every category, including ones added after this table (audit tables such as web terminal,
    // global init scripts or workspace files), which a fixed list would silently drop.
    logGroups: ["allLogs", "audit"],
    metrics: [],
    sources: [logsPage("microsoft-databricks-workspaces")],
  },
  // Storage logs are per service: the account has metrics only.
  "Microsoft.Storage/storageAccounts": {
    logs: [],
    metrics: ["Transaction", "Capacity"],
    sources: [metricsPage("microsoft-storage-storageaccounts")],
  },
  "Microsoft.Storage/storageAccounts/blobServices": {
    logs: ["StorageRead", "StorageWrite", "StorageDelete"],
    metrics: ["Transaction", "Capacity"],
    sources: [
      logsPage("microsoft-storage-storageaccounts-blobservices"),
      metricsPage("microsoft-storage-storageaccounts-blobservices"),
    ],
  },
  "Microsoft.KeyVault/vaults": {
    logs: ["AuditEvent", "AzurePolicyEvaluationDetails"],
    logGroups: ["allLogs", "audit"],
    metrics: ["AllMetrics"],
    sources: [logsPage("microsoft-keyvault-vaults"), metricsPage("microsoft-keyvault-vaults")],
  },
  "Microsoft.Sql/servers/databases": {
    logs: [
      "SQLInsights",
      "AutomaticTuning",
      "QueryStoreRuntimeStatistics",
      "QueryStoreWaitStatistics",
      "Errors",
      "DatabaseWaitStatistics",
      "Timeouts",
      "Blocks",
      "Deadlocks",
      "DevOpsOperationsAudit",
      "SQLSecurityAuditEvents",
    ],
    metrics: ["Basic", "InstanceAndAppAdvanced"],
    sources: [logsPage("microsoft-sql-servers-databases"), metricsPage("microsoft-sql-servers-databases")],
  },
  "Microsoft.EventHub/namespaces": {
    logs: [
      "ArchiveLogs",
      "OperationalLogs",
      "AutoScaleLogs",
      "KafkaCoordinatorLogs",
      "KafkaUserErrorLogs",
      "EventHubVNetConnectionEvent",
      "CustomerManagedKeyUserLogs",
      "RuntimeAuditLogs",
      "ApplicationMetricsLogs",
    ],
    metrics: ["AllMetrics"],
    sources: [logsPage("microsoft-eventhub-namespaces"), metricsPage("microsoft-eventhub-namespaces")],
  },
  // NSGs have resource logs but no platform metrics.
  "Microsoft.Network/networkSecurityGroups": {
    logs: ["NetworkSecurityGroupEvent", "NetworkSecurityGroupRuleCounter"],
    metrics: [],
    sources: [logsPage("microsoft-network-networksecuritygroups")],
  },
  "Microsoft.Network/virtualNetworks": {
    logs: ["VMProtectionAlerts"],
    metrics: ["AllMetrics"],
    sources: [
      logsPage("microsoft-network-virtualnetworks"),
      metricsPage("microsoft-network-virtualnetworks"),
    ],
  },
  "Microsoft.OperationalInsights/workspaces": {
    logs: ["Audit", "SummaryLogs"],
    metrics: ["AllMetrics"],
    sources: [
      logsPage("microsoft-operationalinsights-workspaces"),
      metricsPage("microsoft-operationalinsights-workspaces"),
    ],
  },
  // Grafana's metrics (HttpRequestCount, ...) are marked "DS Export: No": a setting may not ask for them.
  "Microsoft.Dashboard/grafana": {
    logs: ["GrafanaLoginEvents", "GrafanaUsageInsightsEvents"],
    metrics: [],
    sources: [logsPage("microsoft-dashboard-grafana"), metricsPage("microsoft-dashboard-grafana")],
  },
} as const satisfies Record<string, DocumentedCategories>;

export type DiagnosticTargetType = keyof typeof DIAGNOSTIC_CATEGORIES;

/** The ARM type of each azure-native resource type a diagnostic setting may target directly. */
export const ARM_TYPES: Record<string, DiagnosticTargetType> = {
  "azure-native:databricks:Workspace": "Microsoft.Databricks/workspaces",
  "azure-native:storage:StorageAccount": "Microsoft.Storage/storageAccounts",
  "azure-native:keyvault:Vault": "Microsoft.KeyVault/vaults",
  "azure-native:sql:Database": "Microsoft.Sql/servers/databases",
  "azure-native:eventhub:Namespace": "Microsoft.EventHub/namespaces",
  "azure-native:network:NetworkSecurityGroup": "Microsoft.Network/networkSecurityGroups",
  "azure-native:network:VirtualNetwork": "Microsoft.Network/virtualNetworks",
  "azure-native:operationalinsights:Workspace": "Microsoft.OperationalInsights/workspaces",
  "azure-native:dashboard:Grafana": "Microsoft.Dashboard/grafana",
};

/** Sub-resources a setting reaches through its parent's id (`<account id>/blobServices/default`, ...). */
const CHILD_TARGETS: [string, RegExp, DiagnosticTargetType][] = [
  [
    "azure-native:storage:StorageAccount",
    /\/blobServices\/default$/i,
    "Microsoft.Storage/storageAccounts/blobServices",
  ],
  ["azure-native:sql:Server", /\/databases\/[^/]+$/i, "Microsoft.Sql/servers/databases"],
];

/**
 * The ARM type a diagnostic setting targets: the type of the resource its `resourceUri` comes from, or the
 * child type its URI names below that resource (`resourceUri` is read only for those). Undefined when the table does not know it.
 */
export function diagnosticTargetType(
  resourceType: string,
  resourceUri: () => string,
): DiagnosticTargetType | undefined {
  // The URI is read only for parents of child targets: it is unknown at preview until the parent exists.
  const candidates = CHILD_TARGETS.filter(([type]) => type === resourceType);
  const uri = candidates.length > 0 ? resourceUri() : "";
  const child = candidates.find(([, pattern]) => pattern.test(uri));
  return child ? child[2] : ARM_TYPES[resourceType];
}

/** Every ARM type a setting on a resource of `resourceType` may target: the resource's, or a child's. */
export function diagnosticTargetCandidates(resourceType: string): DiagnosticTargetType[] {
  const own = ARM_TYPES[resourceType];
  return [
    ...(own ? [own] : []),
    ...CHILD_TARGETS.filter(([type]) => type === resourceType).map(([, , child]) => child),
  ];
}
