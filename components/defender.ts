import * as pulumi from "@pulumi/pulumi";
import * as security from "@pulumi/azure-native/security";

export interface DefenderPlansArgs {
  /** The subscription whose Defender for Cloud plans this stack owns. */
  readonly subscriptionId: pulumi.Input<string>;
}

/**
 * The subscription's Microsoft Defender plans for the services the platform holds data in: Storage
 * (per-account plan DefenderForStorageV2, sensitive data discovery on; on-upload malware scanning off, since
 * every file arrives from the platform's own sources and scanning is charged per GB) and Key Vault. Built only
 * where the stack owns its subscription's Defender settings (`lakehouse:defenderPlans`); the plans stay on when
 * the stack is destroyed, because other workloads in the subscription rely on them.
 */
export class DefenderPlans extends pulumi.ComponentResource {
  public readonly storage: security.Pricing;
  public readonly keyVault: security.Pricing;

  constructor(name: string, args: DefenderPlansArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:security:DefenderPlans", name, {}, opts);
    const scopeId = pulumi.interpolate`/subscriptions/${args.subscriptionId}`;
    const kept = { parent: this, retainOnDelete: true };

    this.storage = new security.Pricing(
      `${name}-storage`,
      {
        scopeId,
        pricingName: "StorageAccounts",
        pricingTier: security.PricingTier.Standard,
        subPlan: "DefenderForStorageV2",
        extensions: [
          { name: "SensitiveDataDiscovery", isEnabled: security.IsEnabled.True },
          { name: "OnUploadMalwareScanning", isEnabled: security.IsEnabled.False },
        ],
      },
      kept,
    );
    this.keyVault = new security.Pricing(
      `${name}-keyvault`,
      { scopeId, pricingName: "KeyVaults", pricingTier: security.PricingTier.Standard },
      kept,
    );

    this.registerOutputs({ storage: this.storage, keyVault: this.keyVault });
  }
}
