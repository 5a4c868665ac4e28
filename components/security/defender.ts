import * as pulumi from "@pulumi/pulumi";
import * as security from "@pulumi/azure-native/security";

export interface DefenderPlansArgs {
  /** The subscription whose Defender for Cloud plans this stack owns. */
  readonly subscriptionId: pulumi.Input<string>;
  /** GB a month on-upload malware scanning may scan per storage account (-1: no cap). */
  readonly malwareScanningCapGBPerMonth: number;
}

/**
 * The subscription's Microsoft Defender plans for the services the platform holds data in: Storage (per-account
 * plan DefenderForStorageV2 with on-upload malware scanning, capped, and sensitive data discovery, the two
 * extensions Azure Policy 640d2586 requires) and Key Vault. A subscription-wide setting: built only where the
 * stack owns its subscription's Defender settings (`lakehouse:defenderPlans`); the plans stay on when the stack
 * is destroyed, because other workloads in the subscription rely on them. The stack's own storage accounts get
 * their Defender for Storage settings from `StorageThreatProtection` either way.
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
          {
            name: "OnUploadMalwareScanning",
            isEnabled: security.IsEnabled.True,
            additionalExtensionProperties: {
              CapGBPerMonthPerStorageAccount: String(args.malwareScanningCapGBPerMonth),
            },
          },
          { name: "SensitiveDataDiscovery", isEnabled: security.IsEnabled.True },
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

export interface StorageThreatProtectionArgs {
  /** The stack's storage accounts, by role (the role names the setting). */
  readonly accounts: Readonly<Record<string, { readonly id: pulumi.Input<string> }>>;
  /** GB a month on-upload malware scanning may scan per account (-1: no cap). */
  readonly malwareScanningCapGBPerMonth: number;
}

/**
 * Microsoft Defender for Storage on each storage account the stack owns (Microsoft.Security/
 * defenderForStorageSettings "current"): on, with on-upload malware scanning (capped per month) and sensitive
 * data discovery, overriding whatever the subscription sets for these accounts only, so the stack never
 * changes the subscription's settings for anyone else ("Enable and configure with Infrastructure as Code
 * templates", Microsoft Defender for Storage). Billed per account.
 */
export class StorageThreatProtection extends pulumi.ComponentResource {
  public readonly settings: Record<string, security.DefenderForStorage> = {};

  constructor(name: string, args: StorageThreatProtectionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:security:StorageThreatProtection", name, {}, opts);
    for (const [role, account] of Object.entries(args.accounts)) {
      this.settings[role] = new security.DefenderForStorage(
        `${name}-${role}`,
        {
          resourceId: account.id,
          settingName: "current",
          properties: {
            isEnabled: true,
            overrideSubscriptionLevelSettings: true,
            malwareScanning: {
              onUpload: { isEnabled: true, capGBPerMonth: args.malwareScanningCapGBPerMonth },
            },
            sensitiveDataDiscovery: { isEnabled: true },
          },
        },
        { parent: this },
      );
    }
    this.registerOutputs({ settings: this.settings });
  }
}
