import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as managedidentity from "@pulumi/azure-native/managedidentity";
import type { keyvault as keyvaultInputs } from "@pulumi/azure-native/types/input";
import { keyFingerprint } from "../../policies/lib/key-fingerprint";
import { SubscriptionPlacement } from "../core/naming";
import { Network } from "../network/network";
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
  /** When the keys' first versions are created; they expire two years later. Default: now. */
  readonly createdAt?: Date;
}

/** Years after which a key version expires (the first one included). */
const KEY_LIFETIME_YEARS = 2;

/** A key's type, size, operations and rotation policy: what its name's fingerprint covers. */
export const KEY_PROPERTIES = {
  kty: keyvault.JsonWebKeyType.RSA_HSM,
  keySize: 3072,
  keyOps: [keyvault.JsonWebKeyOperation.WrapKey, keyvault.JsonWebKeyOperation.UnwrapKey],
  // `exportable: false` is what the SDK fills in; stated so the fingerprint covers what is sent.
  attributes: { enabled: true, exportable: false },
  rotationPolicy: {
    attributes: { expiryTime: `P${KEY_LIFETIME_YEARS}Y` },
    lifetimeActions: [
      { action: { type: keyvault.KeyRotationPolicyActionType.Rotate }, trigger: { timeAfterCreate: "P1Y" } },
      {
        action: { type: keyvault.KeyRotationPolicyActionType.Notify },
        trigger: { timeBeforeExpiry: "P30D" },
      },
    ],
  },
} satisfies keyvaultInputs.KeyPropertiesArgs;

/** Name of a purpose's key: ARM never updates an existing key, so the name carries its properties. */
export const keyName = (purpose: KeyPurpose) => `cmk-${purpose}-${keyFingerprint(KEY_PROPERTIES)}`;

/** `expires` of a first key version created at `createdAt`: seconds since 1970, as Key Vault wants it. */
export function firstVersionExpiry(createdAt: Date): number {
  const expiry = new Date(createdAt.getTime());
  expiry.setUTCFullYear(expiry.getUTCFullYear() + KEY_LIFETIME_YEARS);
  return Math.floor(expiry.getTime() / 1000);
}

/**
 * Customer-managed keys and the identities that use them: HSM-backed RSA keys that rotate yearly and expire
 * after two years (the first version included), a user-assigned identity for the lake storage account with
 * access to its key only, and the Key Vault's private endpoint. A change of a key's properties creates a
 * new key under a new name (protected keys refuse it until unprotected); the old key is kept in the vault.
 */
export class Keys extends pulumi.ComponentResource {
  public readonly keys: Record<KeyPurpose, CustomerManagedKey>;
  /** Identity the lake storage account encrypts with; it exists before the account, so CMK works at creation. */
  public readonly storageIdentity: managedidentity.UserAssignedIdentity;
  /** The grant of the storage key to `storageIdentity`: the account must wait for it. */
  public readonly storageKeyAccess: pulumi.Resource;

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
            keyName: keyName(purpose),
            properties: {
              ...KEY_PROPERTIES,
              attributes: {
                ...KEY_PROPERTIES.attributes,
                expires: firstVersionExpiry(args.createdAt ?? new Date()),
              },
            },
          },
          {
            parent: this,
            protect: args.protect ?? false,
            // Set once, at creation: later runs compute a later date that must not count as a change.
            ignoreChanges: ["properties.attributes.expires"],
            // A replaced key stays in the vault: Databricks needs the old managed-services key for a day.
            retainOnDelete: true,
          },
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
    this.storageKeyAccess = this.grantKeyUse(
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
