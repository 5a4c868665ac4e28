// The governed Azure Databricks lakehouse of one stack: validated config and data sources in, platform out.
import { loadPlatformConfig } from "./config/config";
import { LakehousePlatform } from "./components/core/platform";
import { loadSources } from "./config/sources";

const config = loadPlatformConfig();
const sources = loadSources(config.sourcesDirs);
const platform = new LakehousePlatform(`${config.prefix}-${config.environment}`, { config, sources });

export const resourceGroupName = platform.foundation.resourceGroup.name;
export const keyVaultUri = platform.foundation.keyVault.properties.vaultUri;
export const logAnalyticsWorkspaceId = platform.foundation.logAnalytics.id;
export const workspaceUrl = platform.workspace.workspace.workspaceUrl;
export const lakeStorageAccount = platform.storage.account.name;
export const catalogName = platform.unityCatalog.catalog.name;
export const sqlWarehouseId = platform.compute.sqlWarehouse.id;
export const replicaHost = platform.replica?.host;
export const replicaCatalog = platform.replica?.foreignCatalog.name;
// Read back by this stack's next update, which turns the DBFS root key on (dbfsRootCmk: pending -> on).
export const dbfsRootIdentity = platform.dbfsRootIdentity;
export const dbfsRootCmk = platform.dbfsRootCmkState;
export const serverlessBudgetPolicyId = platform.serverlessBudgetPolicyId;
export const dataSources = platform.sources.map((source) => source.name);
