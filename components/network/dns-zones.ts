/** Private DNS zones of every service the platform reaches over private endpoints. */
export const PRIVATE_DNS_ZONES = {
  databricks: "privatelink.azuredatabricks.net",
  dfs: "privatelink.dfs.core.windows.net",
  blob: "privatelink.blob.core.windows.net",
  vault: "privatelink.vaultcore.azure.net",
  sql: "privatelink.database.windows.net",
  eventhub: "privatelink.servicebus.windows.net",
  grafana: "privatelink.grafana.azure.com",
  // Azure Monitor Private Link Scope (with blob, for the agents' solution packs).
  monitor: "privatelink.monitor.azure.com",
  oms: "privatelink.oms.opinsights.azure.com",
  ods: "privatelink.ods.opinsights.azure.com",
  agentsvc: "privatelink.agentsvc.azure-automation.net",
} as const;

export type PrivateDnsZoneKey = keyof typeof PRIVATE_DNS_ZONES;

/** The zones an Azure Monitor Private Link Scope's endpoint (group `azuremonitor`) registers in. */
export const AZURE_MONITOR_ZONES: readonly PrivateDnsZoneKey[] = [
  "monitor",
  "oms",
  "ods",
  "agentsvc",
  "blob",
];

/** The zones only an Azure Monitor Private Link Scope uses (blob serves the stack's storage too). */
export const AZURE_MONITOR_ONLY_ZONES: readonly PrivateDnsZoneKey[] = AZURE_MONITOR_ZONES.filter(
  (zone) => zone !== "blob",
);
