import { Policies, PolicyResource } from "@pulumi/policy";
import { anchor, stackRule, unless } from "../lib/rule";
import { knownString, read } from "../lib/unknown";

const STORAGE_ACCOUNT = "azure-native:storage:StorageAccount";
const VAULT = "azure-native:keyvault:Vault";
const PRICING = "azure-native:security:Pricing";
const DEFENDER_FOR_STORAGE = "azure-native:security:DefenderForStorage";

/** The Defender for Storage extensions Azure Policy 640d2586 requires on (DefenderForStorageV2). */
export const STORAGE_EXTENSIONS = ["OnUploadMalwareScanning", "SensitiveDataDiscovery"];

interface Extension {
  name?: string;
  isEnabled?: string;
}

/** A subscription Storage plan with DefenderForStorageV2 and both extensions on: what 640d2586 audits. */
function storagePlanProblems(pricing: PolicyResource): string[] {
  const p = pricing.props as { pricingTier?: string; subPlan?: string; extensions?: Extension[] };
  const on = (name: string) =>
    (p.extensions ?? []).some((e) => e.name === name && String(e.isEnabled).toLowerCase() === "true");
  const off = STORAGE_EXTENSIONS.filter((name) => !on(name));
  return [
    ...unless(
      p.pricingTier === "Standard" && p.subPlan === "DefenderForStorageV2",
      `Microsoft Defender plan StorageAccounts is ${String(p.pricingTier ?? "unset")} / ${String(p.subPlan ?? "unset")}: set pricingTier Standard and subPlan DefenderForStorageV2.`,
    ),
    ...unless(
      off.length === 0,
      `Microsoft Defender plan StorageAccounts leaves ${off.join(", ")} off: enable every extension (isEnabled True).`,
    ),
  ];
}

/** The Defender for Storage setting of an account: linked by dependency, or by a literal id naming it. */
function settingOf(account: PolicyResource, settings: PolicyResource[]): PolicyResource | undefined {
  const name = knownString(account, "accountName")?.toLowerCase();
  return settings.find(
    (s) =>
      (s.propertyDependencies.resourceId ?? []).includes(account) ||
      (name !== undefined &&
        (knownString(s, "resourceId") ?? "").toLowerCase().endsWith(`/storageaccounts/${name}`)),
  );
}

interface StorageSetting {
  isEnabled?: boolean;
  overrideSubscriptionLevelSettings?: boolean;
  malwareScanning?: { onUpload?: { isEnabled?: boolean } };
  sensitiveDataDiscovery?: { isEnabled?: boolean };
}

export const defenderForStorage = stackRule(
  {
    name: "defender-for-storage",
    description:
      "Every storage account of the stack has its own Microsoft Defender for Storage setting (defenderForStorageSettings current): on, overriding the subscription's settings, with on-upload malware scanning and sensitive data discovery (the extensions Azure Policy 640d2586 requires), so the stack never changes the subscription's plan. Unset fails; values unknown at preview are checked at update.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_84",
      "Ensure that Azure Defender is set to On for Storage (here: per account); extensions as Azure Policy 640d2586-54d2-465f-877f-9ffc1d2109f4",
    ),
    remediationSteps:
      "Add a security.DefenderForStorage on the account (settingName current) with properties { isEnabled: true, overrideSubscriptionLevelSettings: true, malwareScanning.onUpload { isEnabled: true, capGBPerMonth }, sensitiveDataDiscovery.isEnabled: true } (the StorageThreatProtection component does).",
  },
  (resources) => {
    const settings = resources.filter((r) => r.type === DEFENDER_FOR_STORAGE);
    return resources
      .filter((r) => r.type === STORAGE_ACCOUNT)
      .flatMap((account) => {
        const setting = settingOf(account, settings);
        if (!setting) {
          return [
            {
              urn: account.urn,
              message:
                "Storage account has no Defender for Storage setting: add a security.DefenderForStorage with malware scanning and sensitive data discovery.",
            },
          ];
        }
        const value = read(() => {
          const p = (setting.props.properties ?? {}) as StorageSetting;
          return {
            isEnabled: p.isEnabled,
            override: p.overrideSubscriptionLevelSettings,
            malware: p.malwareScanning?.onUpload?.isEnabled,
            sensitive: p.sensitiveDataDiscovery?.isEnabled,
          };
        });
        if (!value.known) return [];
        const p = value.value;
        return [
          ...unless(p.isEnabled === true, "Defender for Storage is off: properties.isEnabled must be true."),
          ...unless(
            p.override === true,
            "Defender for Storage setting defers to the subscription's: properties.overrideSubscriptionLevelSettings must be true.",
          ),
          ...unless(
            p.malware === true,
            "Defender for Storage does not scan uploads for malware: properties.malwareScanning.onUpload.isEnabled must be true.",
          ),
          ...unless(
            p.sensitive === true,
            "Defender for Storage skips sensitive data discovery: properties.sensitiveDataDiscovery.isEnabled must be true.",
          ),
        ].map((message) => ({ urn: setting.urn, message }));
      });
  },
);

export const defenderPlans = stackRule(
  {
    name: "defender-plans",
    description:
      "Where the stack holds Key Vaults, the subscription's Microsoft Defender plan for Key Vault is on (Standard); a subscription Storage plan the stack sets is DefenderForStorageV2 with every extension on (never a downgrade). Unset fails; advisory where the stack does not own the subscription's settings.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_87",
      "Ensure that Azure Defender is set to On for Key Vault; Azure Policy 0e6763cc-5078-4e64-889d-ff4d9a839047; a Storage plan as Azure Policy 640d2586-54d2-465f-877f-9ffc1d2109f4",
    ),
    remediationSteps:
      "Set lakehouse:defenderPlans: true where the stack owns its subscription's Defender settings; otherwise have the landing zone enable the plans (this rule then stays advisory).",
  },
  (resources) => {
    const pricings = resources.filter((r) => r.type === PRICING);
    const vaultPlanOn = pricings.some(
      (r) => r.props.pricingName === "KeyVaults" && r.props.pricingTier === "Standard",
    );
    return [
      ...(resources.some((r) => r.type === VAULT) && !vaultPlanOn
        ? [
            {
              message:
                "Microsoft Defender plan KeyVaults is not on: add a security.Pricing with pricingTier Standard.",
            },
          ]
        : []),
      ...pricings
        .filter((r) => r.props.pricingName === "StorageAccounts")
        .flatMap((r) => storagePlanProblems(r).map((message) => ({ urn: r.urn, message }))),
    ];
  },
);

export const defenderPolicies: Policies = [defenderForStorage, defenderPlans];
