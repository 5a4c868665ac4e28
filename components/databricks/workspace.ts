import * as pulumi from "@pulumi/pulumi";
import * as azureDatabricks from "@pulumi/azure-native/databricks";
import * as databricks from "@pulumi/databricks";
import { CustomerManagedKey, Keys } from "../security/keys";
import { SubscriptionPlacement } from "../core/naming";
import { Network } from "../network/network";
import { DBFS_ROOT_CMK_PENDING } from "../../policies/rules/workspace";

/** Workspace settings the Databricks SRA turns on (values are strings in the workspace-conf API). */
export const SECURE_WORKSPACE_CONF = {
  enableTokensConfig: "true",
  enableVerboseAuditLogs: "true",
  enableExportNotebook: "false",
  enableNotebookTableClipboard: "false",
  enableResultsDownloading: "false",
  enableDbfsFileBrowser: "false",
  enableDeprecatedGlobalInitScripts: "false",
  enableWebTerminal: "false",
  storeInteractiveNotebookResultsInCustomerAccount: "true",
} as const;

export interface DatabricksWorkspaceArgs extends SubscriptionPlacement {
  /** VNet and subnets the workspace is injected into, and its private endpoints. */
  readonly network: Network;
  /** Customer-managed keys for managed services, managed disks and the DBFS root. */
  readonly keys: Keys;
  /** Object id of the tenant's AzureDatabricks application, which must unwrap the managed-services key. */
  readonly azureDatabricksObjectId: string;
  /** The region's Unity Catalog metastore (the account stack's) to assign the workspace to. */
  readonly metastoreId: pulumi.Input<string>;
  /**
   * Encrypt the DBFS root with a customer-managed key. Azure creates the DBFS root's identity with the
   * workspace, so the key can only be turned on by a later update, once that identity holds it. Default: true.
   */
  readonly dbfsRootCmk?: pulumi.Input<boolean>;
  /** The account stack's serverless network connectivity configuration, bound through the account provider. */
  readonly account?: {
    readonly provider: databricks.Provider;
    readonly networkConnectivityConfigId: pulumi.Input<string>;
  };
  /** Turn on the compliance security profile. Default: false. */
  readonly complianceSecurityProfile?: boolean;
  /** Longest lifetime of a personal access token, in days. Default: 90. */
  readonly tokenMaxLifetimeDays?: number;
  /** Redundancy of the DBFS root storage account. Default: Standard_ZRS. */
  readonly dbfsStorageSku?: string;
  /** Protects the workspace from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
  /**
   * What a deployer's calls to the workspace travel over besides the front-end endpoint (peering, DNS links
   * to the deployers' network), or what builds it from the workspace (a front-end endpoint in the deployers'
   * network): the workspace provider, so every workspace-level resource, waits for it.
   */
  readonly deployerPath?: pulumi.Resource[] | ((workspace: azureDatabricks.Workspace) => pulumi.Resource[]);
  /**
   * Create the region's browser-authentication (SSO) endpoint: one per region and DNS zone serves every
   * workspace there (Learn, "Configure private connectivity to Azure Databricks"). Default: true.
   */
  readonly browserAuthenticationEndpoint?: boolean;
}

function keyVaultProperties(key: CustomerManagedKey) {
  return { keyName: key.name, keyVersion: key.version, keyVaultUri: key.vaultUri };
}

/**
 * The Azure Databricks workspace, as the SRA builds it: premium, injected into the stack's VNet with no
 * public IPs, reachable only through private endpoints, encrypted with customer-managed keys, enhanced
 * security monitoring and automatic cluster updates on, assigned to the Unity Catalog metastore; plus the
 * `databricks.Provider` every workspace-level resource uses and the hardening workspace settings.
 */
export class DatabricksWorkspace extends pulumi.ComponentResource {
  public readonly workspace: azureDatabricks.Workspace;
  public readonly provider: databricks.Provider;
  /** Numeric workspace id, as Unity Catalog bindings want it. */
  public readonly workspaceId: pulumi.Output<string>;
  public readonly metastoreAssignment: databricks.MetastoreAssignment;
  /**
   * The grant of the managed-disk key to the workspace's disk encryption set: classic compute started by the
   * deployment (continuous pipelines, clusters) must wait for it, or its disks cannot be encrypted.
   */
  public readonly managedDiskKeyAccess: pulumi.Resource;
  /** The workspace storage account (DBFS root), behind its firewall: the access connector that reaches it. */
  public readonly storageAccessConnector: azureDatabricks.AccessConnector;
  /** Name of the workspace storage account (DBFS root) in the managed resource group. */
  public readonly dbfsStorageAccountName: string;

  constructor(name: string, args: DatabricksWorkspaceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:core:DatabricksWorkspace", name, {}, opts);
    const { naming, location, resourceGroupName, network, keys, subscriptionId } = args;
    const keySource = azureDatabricks.EncryptionKeySource.Microsoft_Keyvault;
    const dbfsKey = keys.keys["dbfs-root"];

    // The Databricks control plane unwraps the managed-services key, so it needs access before the workspace.
    const controlPlaneKeyAccess = keys.grantKeyUse(
      `${name}-control-plane-key`,
      "managed-services",
      args.azureDatabricksObjectId,
      subscriptionId,
      this,
    );

    // The workspace storage account (DBFS root) accepts no public network access: Databricks reaches it with
    // this connector's identity, everything else through private endpoints (Learn, "Enable firewall support
    // for your workspace storage account"; the SRA does the same).
    this.storageAccessConnector = new azureDatabricks.AccessConnector(
      `${name}-storage-connector`,
      {
        resourceGroupName,
        location,
        connectorName: naming.name("accessConnector", "dbw"),
        identity: { type: azureDatabricks.ManagedServiceIdentityType.SystemAssigned },
      },
      { parent: this },
    );
    this.dbfsStorageAccountName = naming.name("storageAccount", "dbfs");

    this.workspace = new azureDatabricks.Workspace(
      `${name}-workspace`,
      {
        resourceGroupName,
        location,
        workspaceName: naming.name("databricksWorkspace"),
        managedResourceGroupId: pulumi.interpolate`/subscriptions/${subscriptionId}/resourceGroups/${naming.name("resourceGroup", "dbwmanaged")}`,
        sku: { name: "premium" },
        publicNetworkAccess: azureDatabricks.PublicNetworkAccess.Disabled,
        requiredNsgRules: azureDatabricks.RequiredNsgRules.NoAzureDatabricksRules,
        defaultStorageFirewall: azureDatabricks.DefaultStorageFirewall.Enabled,
        accessConnector: {
          id: this.storageAccessConnector.id,
          identityType: azureDatabricks.IdentityType.SystemAssigned,
        },
        parameters: {
          customVirtualNetworkId: { value: network.virtualNetwork.id },
          customPublicSubnetName: { value: network.hostSubnetName },
          customPrivateSubnetName: { value: network.containerSubnetName },
          enableNoPublicIp: { value: true },
          prepareEncryption: { value: true },
          requireInfrastructureEncryption: { value: true },
          storageAccountName: { value: this.dbfsStorageAccountName },
          storageAccountSkuName: { value: args.dbfsStorageSku ?? "Standard_ZRS" },
          encryption: pulumi
            .all([args.dbfsRootCmk ?? true, dbfsKey.name, dbfsKey.version, dbfsKey.vaultUri])
            .apply(([on, keyName, keyVersion, keyVaultUri]) =>
              on
                ? {
                    value: {
                      keySource: azureDatabricks.KeySource.Microsoft_Keyvault,
                      keyName,
                      keyVersion,
                      keyVaultUri,
                    },
                  }
                : undefined,
            ),
        },
        encryption: {
          entities: {
            managedServices: {
              keySource,
              keyVaultProperties: keyVaultProperties(keys.keys["managed-services"]),
            },
            managedDisk: {
              keySource,
              keyVaultProperties: keyVaultProperties(keys.keys["managed-disks"]),
              rotationToLatestKeyVersionEnabled: true,
            },
          },
        },
        enhancedSecurityCompliance: {
          automaticClusterUpdate: { value: azureDatabricks.AutomaticClusterUpdateValue.Enabled },
          enhancedSecurityMonitoring: { value: azureDatabricks.EnhancedSecurityMonitoringValue.Enabled },
          complianceSecurityProfile: {
            value: args.complianceSecurityProfile
              ? azureDatabricks.ComplianceSecurityProfileValue.Enabled
              : azureDatabricks.ComplianceSecurityProfileValue.Disabled,
          },
        },
        defaultCatalog: { initialType: azureDatabricks.InitialType.UnityCatalog },
        // Says in Azure, and to the policy pack, that the DBFS root key waits for the next update.
        tags: pulumi
          .output(args.dbfsRootCmk ?? true)
          .apply((on): Record<string, string> =>
            on ? {} : { [DBFS_ROOT_CMK_PENDING.key]: DBFS_ROOT_CMK_PENDING.value },
          ),
      },
      {
        parent: this,
        protect: args.protect ?? false,
        dependsOn: [controlPlaneKeyAccess, network.hostSubnet, network.containerSubnet],
      },
    );
    this.workspaceId = this.workspace.workspaceId;

    // Identities the workspace creates for its disks and DBFS root get their keys once they exist.
    this.managedDiskKeyAccess = keys.grantKeyUse(
      `${name}-managed-disk-key`,
      "managed-disks",
      this.workspace.managedDiskIdentity.apply((identity) => identity?.principalId ?? ""),
      subscriptionId,
      this,
    );
    keys.grantKeyUse(
      `${name}-dbfs-key`,
      "dbfs-root",
      this.workspace.storageAccountIdentity.apply((identity) => identity?.principalId ?? ""),
      subscriptionId,
      this,
    );

    // One endpoint serves the UI/API for users and the clusters' secure cluster connectivity; the second
    // serves Entra ID browser sign-in (SSO) for every workspace in this region and DNS zone: only the stack
    // that owns it for the region creates it (a review stack never: its destroy would delete the record).
    const frontEnd = network.privateEndpoint(
      `${name}-ui-api`,
      { resourceId: this.workspace.id, groupId: "databricks_ui_api", zone: "databricks", role: "dbwapi" },
      this,
    );
    if (args.browserAuthenticationEndpoint ?? true) {
      network.privateEndpoint(
        `${name}-browser-auth`,
        {
          resourceId: this.workspace.id,
          groupId: "browser_authentication",
          zone: "databricks",
          role: "dbwauth",
        },
        this,
      );
    }

    // The DBFS root's dfs and blob endpoints, as the SRA creates them: the account's id follows from the
    // managed resource group and the storageAccountName parameter.
    const dbfsAccountId = pulumi.interpolate`${this.workspace.managedResourceGroupId}/providers/Microsoft.Storage/storageAccounts/${this.dbfsStorageAccountName}`;
    const dbfsRecords = (["dfs", "blob"] as const).map(
      (groupId) =>
        network.dnsRecords.get(
          network.privateEndpoint(
            `${name}-dbfs-${groupId}`,
            { resourceId: dbfsAccountId, groupId, zone: groupId, role: `dbfs${groupId}` },
            this,
          ),
        ) as pulumi.Resource,
    );

    this.provider = new databricks.Provider(
      `${name}-provider`,
      {
        host: pulumi.interpolate`https://${this.workspace.workspaceUrl}`,
        azureWorkspaceResourceId: this.workspace.id,
      },
      // The workspace accepts no public traffic: every workspace-level call goes through the front-end
      // endpoint, so nothing may start before its DNS records resolve the workspace URL to it. Behind the
      // storage firewall, clusters reach the DBFS root only through its dfs and blob endpoints: compute the
      // deployment starts (pipelines, warehouses) waits for their records too.
      {
        parent: this,
        dependsOn: [
          network.dnsRecords.get(frontEnd) as pulumi.Resource,
          ...dbfsRecords,
          ...(typeof args.deployerPath === "function"
            ? args.deployerPath(this.workspace)
            : (args.deployerPath ?? [])),
        ],
      },
    );
    const inWorkspace = { parent: this, provider: this.provider };

    new databricks.WorkspaceConf(
      `${name}-conf`,
      {
        customConfig: {
          ...SECURE_WORKSPACE_CONF,
          maxTokenLifetimeDays: String(args.tokenMaxLifetimeDays ?? 90),
        },
      },
      inWorkspace,
    );
    new databricks.DisableLegacyDbfsSetting(
      `${name}-no-legacy-dbfs`,
      { disableLegacyDbfs: { value: true } },
      inWorkspace,
    );
    new databricks.DisableLegacyAccessSetting(
      `${name}-no-legacy-access`,
      { disableLegacyAccess: { value: true } },
      inWorkspace,
    );
    // RestrictWorkspaceAdminsSetting is left to an account admin (provider docs: "Only account admins can
    // update the setting"); the deployer is a workspace admin only. See README, "Identities and roles".
    this.metastoreAssignment = new databricks.MetastoreAssignment(
      `${name}-metastore`,
      { metastoreId: args.metastoreId, workspaceId: this.workspaceId },
      inWorkspace,
    );
    if (args.account) {
      // Serverless compute of this workspace egresses through the account's regional configuration.
      new databricks.MwsNccBinding(
        `${name}-ncc`,
        {
          networkConnectivityConfigId: args.account.networkConnectivityConfigId,
          workspaceId: this.workspaceId,
        },
        { parent: this, provider: args.account.provider },
      );
    }

    this.registerOutputs({ workspace: this.workspace, workspaceUrl: this.workspace.workspaceUrl });
  }
}
