import * as storage from "@pulumi/azure-native/storage";
import { Keys } from "../security/keys";

/**
 * The inputs every storage account of the platform shares, secure by default: StorageV2, HTTPS and TLS 1.2
 * only, Entra ID only (no shared keys, no local users), no anonymous access, no cross-tenant replication, copies
 * over private link only, no public network access with a default-deny firewall, and encryption twice with the
 * storage key through the storage identity (customer-managed key from creation on). Callers add the name, SKU,
 * firewall bypass and what is particular to the account (the lake: its namespace, file service and firewall).
 */
export function secureStorageAccountInputs(
  keys: Keys,
  options: { encryptFileService?: boolean } = {},
): Omit<storage.StorageAccountArgs, "resourceGroupName" | "sku"> {
  const key = keys.keys.storage;
  return {
    kind: storage.Kind.StorageV2,
    accessTier: storage.AccessTier.Hot,
    enableHttpsTrafficOnly: true,
    minimumTlsVersion: storage.MinimumTlsVersion.TLS1_2,
    allowBlobPublicAccess: false,
    allowSharedKeyAccess: false,
    defaultToOAuthAuthentication: true,
    allowCrossTenantReplication: false,
    allowedCopyScope: storage.AllowedCopyScope.PrivateLink,
    isLocalUserEnabled: false,
    publicNetworkAccess: storage.PublicNetworkAccess.Disabled,
    identity: {
      type: storage.IdentityType.UserAssigned,
      userAssignedIdentities: [keys.storageIdentity.id],
    },
    encryption: {
      keySource: storage.KeySource.Microsoft_Keyvault,
      requireInfrastructureEncryption: true,
      keyVaultProperties: { keyName: key.name, keyVaultUri: key.vaultUri },
      encryptionIdentity: { encryptionUserAssignedIdentity: keys.storageIdentity.id },
      services: {
        blob: { enabled: true, keyType: storage.KeyType.Account },
        ...(options.encryptFileService ? { file: { enabled: true, keyType: storage.KeyType.Account } } : {}),
      },
    },
  };
}
