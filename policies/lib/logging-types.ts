/**
 * azure-native resource types that emit logs or metrics worth keeping: each one must have a diagnostic
 * setting that sends them to Log Analytics (the monitoring component creates them, a policy checks them).
 */
export const LOGGING_RESOURCE_TYPES = [
  "azure-native:databricks:Workspace",
  "azure-native:storage:StorageAccount",
  "azure-native:keyvault:Vault",
  "azure-native:sql:Database",
  "azure-native:eventhub:Namespace",
  "azure-native:network:NetworkSecurityGroup",
  "azure-native:network:VirtualNetwork",
  "azure-native:operationalinsights:Workspace",
  "azure-native:dashboard:Grafana",
] as const;

export type LoggingResourceType = (typeof LOGGING_RESOURCE_TYPES)[number];
