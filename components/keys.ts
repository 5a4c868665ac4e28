import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import { SubscriptionPlacement } from "./naming";
import { Network } from "./network";
import { assignRole } from "./roles";

/** What each customer-managed key encrypts; one key per purpose so each can be revoked alone. */
export const KEY_PURPOSES = ["managed-services", "managed-disks", "dbfs-root", "storage"] as const;
export type KeyPurpose = (typeof KEY_PURPOSES)[number];

/** A key as the services that use it refer to it. */
export interface CustomerManagedKey {
  readonly key: keyvault.Key;
  readonly name: pulumi.Output<string>;
  /** The version the key had when it was read; services set to auto-rotate follow new versions. */
  readonly version: pulumi.Output<string>;
  readonly vaultUri: pulumi.Output<string>;
  /** Resource id of the key, the scope of role assignments. */
  readonly id: pulumi.Output<string>;
}

export interface KeysArgs extends SubscriptionPlacement {
  /** The stack's Key Vault (from `Foundation`). */
  readonly keyVault: keyvault.Vault;
  /** Private network the vault is reached through. */
  readonly network: Network;
  /** Protects the keys from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
}

/**
 * Customer-managed keys and the identities that use them: HSM-backed RSA keys that rotate yearly and expire
 * after two years, a user-assigned identity for the lake storage account with access to its key only, and
 * the Key Vault's private endpoint.
 */
export class Keys extends pulumi.ComponentResource {
  public readonly keys: Record<KeyPurpose, CustomerManagedKey>;
  /** Identity the lake storage account encrypts with; it exists before the account, so CMK works at creation. */
  public readonly storageIdentity: managedidentity.UserAssignedIdentity;

  constructor(name: string, args: KeysArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:core:Keys", name, {}, opts);
    const { naming, location, resourceGroupName, keyVault } = args;

    args.network.privateEndpoint(
      `${name}-kv`,
      { resourceId: keyVault.id, groupId: "vault", zone: "vault", role: "kv" },
      this,
    );

    const vaultUri = keyVault.properties.vaultUri;
    this.keys = Object.fromEntries(
      KEY_PURPOSES.map((purpose) => {
        const key = new keyvault.Key(
          `${name}-${purpose}`,
          {
            resourceGroupName,
            vaultName: keyVault.name,
            keyName: `cmk-${purpose}`,
            properties: {
              kty: keyvault.JsonWebKeyType.RSA_HSM,
              keySize: 3072,
              keyOps: [keyvault.JsonWebKeyOperation.WrapKey, keyvault.JsonWebKeyOperation.UnwrapKey],
              attributes: { enabled: true },
              rotationPolicy: {
                attributes: { expiryTime: "P2Y" },
                lifetimeActions: [
                  {
                    action: { type: keyvault.KeyRotationPolicyActionType.Rotate },
                    trigger: { timeAfterCreate: "P1Y" },
                  },
                  {
                    action: { type: keyvault.KeyRotationPolicyActionType.Notify },
                    trigger: { timeBeforeExpiry: "P30D" },
                  },
                ],
              },
            },
          },
          { parent: this, protect: args.protect ?? false },
        );
        const cmk: CustomerManagedKey = {
          key,
          name: key.name,
          version: key.keyUriWithVersion.apply((uri) => uri.split("/").pop() ?? ""),
          vaultUri,
          id: key.id,
        };
        return [purpose, cmk];
      }),
    ) as Record<KeyPurpose, CustomerManagedKey>;

    this.storageIdentity = new managedidentity.UserAssignedIdentity(
      `${name}-storage-identity`,
      { resourceGroupName, location, resourceName: naming.name("managedIdentity", "lake") },
      { parent: this },
    );
    this.grantKeyUse(
      `${name}-storage-identity-key`,
      "storage",
      this.storageIdentity.principalId,
      args.subscriptionId,
    );

    this.registerOutputs({ storageIdentity: this.storageIdentity });
  }

  /** Lets a service identity wrap and unwrap with one key (and no other). */
  public grantKeyUse(
    name: string,
    purpose: KeyPurpose,
    principalId: pulumi.Input<string>,
    subscriptionId: pulumi.Input<string>,
    parent: pulumi.Resource = this,
  ) {
    return assignRole(
      name,
      {
        principalId,
        principalType: "ServicePrincipal",
        role: "keyVaultCryptoServiceEncryptionUser",
        scope: this.keys[purpose].id,
        subscriptionId,
      },
      { parent },
    );
  }
}
