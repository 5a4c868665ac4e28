import * as pulumi from "@pulumi/pulumi";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as storage from "@pulumi/azure-native/storage";
import { Keys } from "../security/keys";
import { SubscriptionPlacement } from "../core/naming";
import { Network } from "./network";
import { assignRole } from "../security/roles";
import { secureStorageAccountInputs } from "../storage/secure-storage";

/** Marks the account as a flow-log sink for the policy pack (its public endpoint stays on, firewalled). */
export const FLOW_LOG_SINK_TAG = "flowLogSink";

/** Where Azure enables Network Watcher by itself when a subscription gets a VNet in a region. */
export const AUTO_NETWORK_WATCHER = {
  resourceGroupName: "NetworkWatcherRG",
  name: (location: string) => `NetworkWatcher_${location}`,
};

export interface FlowLogsArgs extends SubscriptionPlacement {
  /** The VNet whose traffic is logged. */
  readonly network: Network;
  /** The key and identity the flow-log account encrypts with (the storage key, as for the lake). */
  readonly keys: Keys;
  /** Traffic Analytics workspace. */
  readonly logAnalytics: operationalinsights.Workspace;
  /** Days flow-log blobs are kept (Azure deletes them after that). Default: 90. */
  readonly retentionDays?: number;
  /** Account SKU. Default: Standard_ZRS. */
  readonly sku?: string;
  /**
   * The region's existing Network Watcher (`lakehouse:networkWatcherId`). Default: the one Azure enables itself,
   * `NetworkWatcherRG/NetworkWatcher_<location>`, asynchronously after the subscription's first VNet in the region.
   */
  readonly networkWatcher?: { readonly resourceGroupName: string; readonly name: string };
  /** Protects the account from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
}

/**
 * A VNet flow log of the platform's VNet with Traffic Analytics, to a storage account of its own: NSG flow logs
 * cannot be created since 30 June 2025 and VNet flow logs replace them (one per VNet instead of one per NSG).
 * The flow log writes with a user-assigned identity, so the account keeps shared keys off. Network Watcher
 * writes through the account's public endpoint as a trusted Azure service, so, as the Network Watcher FAQ
 * says for an account behind a firewall, public network access stays enabled with a firewall that denies by
 * default, names no IP or network and lets only trusted Azure services through; people read the logs through
 * the private endpoint. The account is tagged as a flow-log sink, the one exemption the pack's public-network
 * rule accepts (and reports). The flow log lives in the region's Network Watcher.
 */
export class FlowLogs extends pulumi.ComponentResource {
  public readonly account: storage.StorageAccount;
  public readonly flowLog: network.FlowLog;

  constructor(name: string, args: FlowLogsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:monitoring:FlowLogs", name, {}, opts);
    const { naming, location, resourceGroupName, keys, logAnalytics } = args;
    const retentionDays = args.retentionDays ?? 90;
    const watcher = args.networkWatcher ?? {
      resourceGroupName: AUTO_NETWORK_WATCHER.resourceGroupName,
      name: AUTO_NETWORK_WATCHER.name(location),
    };

    // Flow logs need a standard (not premium) account in the VNet's region.
    this.account = new storage.StorageAccount(
      `${name}-account`,
      {
        resourceGroupName,
        location,
        ...secureStorageAccountInputs(keys),
        accountName: naming.name("storageAccount", "flowlogs"),
        sku: { name: args.sku ?? storage.SkuName.Standard_ZRS },
        // Network Watcher cannot write through a private endpoint alone: it comes in on the public endpoint as a
        // trusted Azure service (Network Watcher FAQ), and nothing else may.
        publicNetworkAccess: storage.PublicNetworkAccess.Enabled,
        networkRuleSet: {
          defaultAction: storage.DefaultAction.Deny,
          bypass: storage.Bypass.AzureServices,
          ipRules: [],
          virtualNetworkRules: [],
          resourceAccessRules: [],
        },
        tags: { [FLOW_LOG_SINK_TAG]: "true" },
      },
      { parent: this, protect: args.protect ?? false, dependsOn: [keys.storageKeyAccess] },
    );

    new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        resourceGroupName,
        accountName: this.account.name,
        blobServicesName: "default",
        deleteRetentionPolicy: { enabled: true, days: 7, allowPermanentDelete: false },
        containerDeleteRetentionPolicy: { enabled: true, days: 7 },
        isVersioningEnabled: true,
      },
      { parent: this },
    );
    // Every append to an hourly flow-log blob makes a version; keep them only as long as soft delete would.
    new storage.ManagementPolicy(
      `${name}-lifecycle`,
      {
        resourceGroupName,
        accountName: this.account.name,
        managementPolicyName: "default",
        policy: {
          rules: [
            {
              name: "delete-old-versions",
              enabled: true,
              type: storage.RuleType.Lifecycle,
              definition: {
                filters: { blobTypes: ["blockBlob"] },
                actions: { version: { delete: { daysAfterCreationGreaterThan: 7 } } },
              },
            },
          ],
        },
      },
      { parent: this },
    );

    const identity = new managedidentity.UserAssignedIdentity(
      `${name}-identity`,
      { resourceGroupName, location, resourceName: naming.name("managedIdentity", "flowlogs") },
      { parent: this },
    );
    const writer = assignRole(
      `${name}-identity-blob-writer`,
      {
        principalId: identity.principalId,
        principalType: "ServicePrincipal",
        role: "storageBlobDataContributor",
        scope: this.account.id,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );

    // Administrators read raw flow logs over the private network only.
    args.network.privateEndpoint(
      `${name}-blob`,
      { resourceId: this.account.id, groupId: "blob", zone: "blob", role: "flowlogs" },
      this,
    );

    this.flowLog = new network.FlowLog(
      `${name}-vnet`,
      {
        resourceGroupName: watcher.resourceGroupName,
        networkWatcherName: watcher.name,
        flowLogName: naming.name("virtualNetwork", "flowlog"),
        location,
        targetResourceId: args.network.virtualNetwork.id,
        storageId: this.account.id,
        enabled: true,
        identity: {
          type: network.ResourceIdentityType.UserAssigned,
          userAssignedIdentities: [identity.id],
        },
        retentionPolicy: { enabled: true, days: retentionDays },
        format: { type: network.FlowLogFormatType.JSON, version: 2 },
        flowAnalyticsConfiguration: {
          networkWatcherFlowAnalyticsConfiguration: {
            enabled: true,
            workspaceResourceId: logAnalytics.id,
            workspaceId: logAnalytics.customerId,
            workspaceRegion: location,
            trafficAnalyticsInterval: 10,
          },
        },
      },
      // The identity must be able to write before the first flow is logged.
      { parent: this, dependsOn: [writer] },
    );

    this.registerOutputs({ account: this.account, flowLog: this.flowLog });
  }
}
