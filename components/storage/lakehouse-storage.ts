import * as pulumi from "@pulumi/pulumi";
import * as azureDatabricks from "@pulumi/azure-native/databricks";
import * as storage from "@pulumi/azure-native/storage";
import { secureStorageAccountInputs } from "./secure-storage";
import type { storage as storageInputs } from "@pulumi/azure-native/types/input";
import { Keys } from "../security/keys";
import { SubscriptionPlacement } from "../core/naming";
import { Network } from "../network/network";
import { assignRole } from "../security/roles";

/** Containers of the lake: raw files land, then flow bronze -> silver -> gold; `catalog` holds managed tables. */
export const LAKE_CONTAINERS = ["landing", "bronze", "silver", "gold", "catalog"] as const;
export type LakeContainer = (typeof LAKE_CONTAINERS)[number];

export interface LakehouseStorageArgs extends SubscriptionPlacement {
  readonly tenantId: pulumi.Input<string>;
  /** Private network the account is reached through (dfs and blob endpoints). */
  readonly network: Network;
  /** The storage key and the identity that encrypts with it. */
  readonly keys: Keys;
  /** Account SKU; zone- or geo-redundant in prod. Default: Standard_ZRS. */
  readonly sku?: string;
  /** Days deleted blobs and containers stay restorable. Default: 14. */
  readonly softDeleteDays?: number;
  /** Protects the account and its containers from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
}

/**
 * The lake: one ADLS Gen2 account with the medallion containers, secure by default (HTTPS and TLS 1.2 only,
 * Entra ID only, no public or anonymous access, infrastructure encryption, customer-managed key, blob and
 * container soft delete; blob versioning does not exist for accounts with a hierarchical namespace),
 * lifecycle rules that move old raw data to cheaper tiers, private endpoints for dfs and blob, and the access
 * connector whose managed identity Unity Catalog reads and writes the lake with.
 */
export class LakehouseStorage extends pulumi.ComponentResource {
  public readonly account: storage.StorageAccount;
  public readonly accountName: string;
  public readonly containers: Record<LakeContainer, storage.BlobContainer>;
  public readonly accessConnector: azureDatabricks.AccessConnector;
  /** Object id of the access connector's managed identity. */
  public readonly accessConnectorPrincipalId: pulumi.Output<string>;

  constructor(name: string, args: LakehouseStorageArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:core:LakehouseStorage", name, {}, opts);
    const { naming, location, resourceGroupName, network, keys } = args;
    const stateful = { parent: this, protect: args.protect ?? false };
    const softDeleteDays = args.softDeleteDays ?? 14;

    this.accessConnector = new azureDatabricks.AccessConnector(
      `${name}-connector`,
      {
        resourceGroupName,
        location,
        connectorName: naming.name("accessConnector"),
        identity: { type: azureDatabricks.ManagedServiceIdentityType.SystemAssigned },
      },
      { parent: this },
    );
    this.accessConnectorPrincipalId = this.accessConnector.identity.apply(
      (identity) => identity?.principalId ?? "",
    );

    this.accountName = naming.name("storageAccount", "lake");
    this.account = new storage.StorageAccount(
      `${name}-account`,
      {
        resourceGroupName,
        location,
        ...secureStorageAccountInputs(keys, { encryptFileService: true }),
        accountName: this.accountName,
        sku: { name: args.sku ?? storage.SkuName.Standard_ZRS },
        isHnsEnabled: true,
        isSftpEnabled: false,
        networkRuleSet: {
          defaultAction: storage.DefaultAction.Deny,
          bypass: storage.Bypass.AzureServices,
          // Unity Catalog reaches the lake as this access connector (resource instance rule).
          resourceAccessRules: [{ tenantId: args.tenantId, resourceId: this.accessConnector.id }],
        },
      },
      // CMK at creation: the identity must already hold the key (Learn, CMK for a new storage account).
      { ...stateful, dependsOn: [keys.storageKeyAccess] },
    );

    // Hierarchical-namespace accounts support blob and container soft delete, not versioning.
    new storage.BlobServiceProperties(
      `${name}-blob-service`,
      {
        resourceGroupName,
        accountName: this.account.name,
        blobServicesName: "default",
        deleteRetentionPolicy: { enabled: true, days: softDeleteDays, allowPermanentDelete: false },
        containerDeleteRetentionPolicy: { enabled: true, days: softDeleteDays },
      },
      { parent: this },
    );

    this.containers = Object.fromEntries(
      LAKE_CONTAINERS.map((container) => [
        container,
        new storage.BlobContainer(
          `${name}-${container}`,
          {
            resourceGroupName,
            accountName: this.account.name,
            containerName: container,
            publicAccess: storage.PublicAccess.None,
          },
          stateful,
        ),
      ]),
    ) as Record<LakeContainer, storage.BlobContainer>;

    new storage.ManagementPolicy(
      `${name}-lifecycle`,
      {
        resourceGroupName,
        accountName: this.account.name,
        managementPolicyName: "default",
        policy: { rules: lifecycleRules(args.sku ?? storage.SkuName.Standard_ZRS) },
      },
      { parent: this },
    );

    for (const role of ["storageBlobDataContributor", "storageQueueDataContributor"] as const) {
      assignRole(
        `${name}-connector-${role}`,
        {
          principalId: this.accessConnectorPrincipalId,
          principalType: "ServicePrincipal",
          role,
          scope: this.account.id,
          subscriptionId: args.subscriptionId,
        },
        { parent: this },
      );
    }

    for (const groupId of ["dfs", "blob"] as const) {
      network.privateEndpoint(
        `${name}-${groupId}`,
        { resourceId: this.account.id, groupId, zone: groupId, role: `lake${groupId}` },
        this,
      );
    }

    this.registerOutputs({ account: this.account, accessConnector: this.accessConnector });
  }

  /** `abfss://` URL of a container (or a path below it), as Unity Catalog wants it. */
  public url(container: LakeContainer, path = ""): string {
    return `abfss://${container}@${this.accountName}.dfs.core.windows.net/${path}`;
  }
}

/** SKUs with an archive tier (Learn, access tiers: not ZRS, GZRS or RA-GZRS, nor premium accounts). */
export const ARCHIVE_SKUS: readonly string[] = ["Standard_LRS", "Standard_GRS", "Standard_RAGRS"];

/**
 * Cost rules: raw files in `landing` go cool after 30 days, archive after 90 where the SKU has an archive
 * tier (they stay cool on zone-redundant accounts), and are deleted after two years (bronze keeps the data);
 * `bronze` goes cool after 90 days but never to archive, because archived files of a Delta table cannot be
 * read.
 */
export function lifecycleRules(sku: string): storageInputs.ManagementPolicyRuleArgs[] {
  const after90 = { daysAfterModificationGreaterThan: 90 };
  return [
    {
      name: ARCHIVE_SKUS.includes(sku) ? "landing-to-cool-and-archive" : "landing-to-cool",
      enabled: true,
      type: storage.RuleType.Lifecycle,
      definition: {
        filters: { blobTypes: ["blockBlob"], prefixMatch: ["landing/"] },
        actions: {
          baseBlob: {
            tierToCool: { daysAfterModificationGreaterThan: 30 },
            ...(ARCHIVE_SKUS.includes(sku) ? { tierToArchive: after90 } : {}),
            delete: { daysAfterModificationGreaterThan: 730 },
          },
        },
      },
    },
    {
      name: "bronze-to-cool",
      enabled: true,
      type: storage.RuleType.Lifecycle,
      definition: {
        filters: { blobTypes: ["blockBlob"], prefixMatch: ["bronze/"] },
        actions: { baseBlob: { tierToCool: after90 } },
      },
    },
  ];
}
