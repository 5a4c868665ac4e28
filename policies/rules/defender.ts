import { Policies } from "@pulumi/policy";
import { anchor, stackRule } from "../lib/rule";

/** Defender for Cloud plans (security.Pricing names) the platform relies on, by the resource type they cover. */
export const DEFENDER_PLANS = [
  {
    type: "azure-native:storage:StorageAccount",
    plan: "StorageAccounts",
    // The per-transaction (classic) plan is deprecated; the per-storage-account plan is DefenderForStorageV2.
    subPlan: "DefenderForStorageV2",
  },
  { type: "azure-native:keyvault:Vault", plan: "KeyVaults", subPlan: undefined },
] as const;

export const defenderPlans = stackRule(
  {
    name: "defender-plans",
    description:
      "Where the stack holds storage accounts or Key Vaults, the subscription's Microsoft Defender plans for Storage (DefenderForStorageV2) and Key Vault are on (Standard). Unset fails; advisory where the stack does not own the subscription's settings.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_84",
      "Ensure that Azure Defender is set to On for Storage; CKV_AZURE_87 Key Vault; Azure Policy 640d2586-54d2-465f-877f-9ffc1d2109f4, 0e6763cc-5078-4e64-889d-ff4d9a839047",
    ),
    remediationSteps:
      "Set lakehouse:defenderPlans: true where the stack owns its subscription's Defender settings; otherwise have the landing zone enable the plans (this rule then stays advisory).",
  },
  (resources) => {
    const pricings = resources.filter((r) => r.type === "azure-native:security:Pricing");
    return DEFENDER_PLANS.filter(({ type }) => resources.some((r) => r.type === type)).flatMap(
      ({ plan, subPlan }) => {
        const on = pricings.some(
          (r) =>
            r.props.pricingName === plan &&
            r.props.pricingTier === "Standard" &&
            (subPlan === undefined || r.props.subPlan === subPlan),
        );
        return on
          ? []
          : [
              {
                message: `Microsoft Defender plan ${plan}${subPlan ? ` (${subPlan})` : ""} is not on: add a security.Pricing with pricingTier Standard.`,
              },
            ];
      },
    );
  },
);

export const defenderPolicies: Policies = [defenderPlans];
