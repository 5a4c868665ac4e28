import * as keyvault from "@pulumi/azure-native/keyvault";
import { Policies } from "@pulumi/policy";
import { anchor, resourceRule, stackRule, typesRule, unless } from "../lib/rule";
import { knownString, read } from "../lib/unknown";

export const keyVaultPurgeProtection = resourceRule(
  {
    name: "keyvault-purge-protection",
    description:
      "Key Vaults have purge protection on and soft delete not disabled. Unset purge protection fails; unset soft delete passes (Azure's default is on).",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_110",
      "Ensure that key vault enables purge protection; CKV_AZURE_111 soft delete",
    ),
    remediationSteps: "Set properties.enablePurgeProtection: true and do not set enableSoftDelete: false.",
  },
  keyvault.Vault,
  (p) => [
    ...unless(
      p.properties?.enablePurgeProtection === true,
      "Key Vault can be purged: properties.enablePurgeProtection must be true.",
    ),
    ...unless(
      p.properties?.enableSoftDelete !== false,
      "Key Vault soft delete is disabled: properties.enableSoftDelete must not be false.",
    ),
  ],
);

export const keyVaultRbac = resourceRule(
  {
    name: "keyvault-rbac",
    description: "Key Vaults use Azure RBAC, not access policies. Unset fails: written out.",
    severity: "medium",
    anchor: anchor(
      "Azure Policy",
      "12d4fa5e-1f9f-4c21-97a9-b99b3c6611b5",
      "Azure Key Vault should use RBAC permission model",
    ),
    remediationSteps: "Set properties.enableRbacAuthorization: true and grant roles on keys or secrets.",
  },
  keyvault.Vault,
  (p) =>
    unless(
      p.properties?.enableRbacAuthorization === true,
      "Key Vault uses access policies: properties.enableRbacAuthorization must be true.",
    ),
);

export const keyVaultPrivate = resourceRule(
  {
    name: "keyvault-private",
    description:
      "Key Vaults have public network access disabled, or a firewall that denies by default. Unset fails.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_189",
      "Ensure that Azure Key Vault disables public network access; CKV_AZURE_109 firewall default deny",
    ),
    remediationSteps:
      "Set properties.publicNetworkAccess: Disabled (private endpoint) or networkAcls.defaultAction: Deny.",
  },
  keyvault.Vault,
  (p) =>
    unless(
      String(p.properties?.publicNetworkAccess).toLowerCase() === "disabled" ||
        p.properties?.networkAcls?.defaultAction === "Deny",
      "Key Vault is reachable from public networks: properties.publicNetworkAccess must be Disabled or networkAcls.defaultAction Deny.",
    ),
);

export const keyVaultExpiry = typesRule(
  {
    name: "keyvault-expiry",
    description: "Keys and secrets expire (keys: a fixed date or a rotation policy expiry). Unset fails.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_40",
      "Ensure that the expiration date is set on all keys; CKV_AZURE_41 on all secrets",
    ),
    remediationSteps:
      "Keys: set properties.rotationPolicy.attributes.expiryTime (for example P2Y) or properties.attributes.expires. Secrets: set properties.attributes.expires.",
  },
  (type) => type === "azure-native:keyvault:Key" || type === "azure-native:keyvault:Secret",
  (p, _config, args) => {
    const properties = (p.properties ?? {}) as {
      attributes?: { expires?: number };
      rotationPolicy?: { attributes?: { expiryTime?: string } };
    };
    if (args.type === "azure-native:keyvault:Secret") {
      return unless(
        properties.attributes?.expires !== undefined,
        "Secret never expires: set properties.attributes.expires.",
      );
    }
    return unless(
      properties.attributes?.expires !== undefined ||
        properties.rotationPolicy?.attributes?.expiryTime !== undefined,
      "Key never expires: set properties.rotationPolicy.attributes.expiryTime or properties.attributes.expires.",
    );
  },
);

/** HSM key types a vault (not a Managed HSM) holds: keyvault.Key's JsonWebKeyType, checkov and 587c79fe alike. */
const HSM_KEY_TYPES = ["RSA-HSM", "EC-HSM"];

export const keyVaultHsmKeys = resourceRule(
  {
    name: "keyvault-hsm-keys",
    description:
      "Key Vault keys are HSM-backed (RSA-HSM, EC-HSM; oct-HSM is a Managed HSM type). Unset kty fails.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_112",
      "Ensure that key vault key is backed by HSM; Azure Policy 587c79fe-dd04-4a5e-9d0b-f89598c7261b",
    ),
    remediationSteps: "Set properties.kty: RSA-HSM (or EC-HSM) in a premium vault.",
  },
  keyvault.Key,
  (p) =>
    unless(
      HSM_KEY_TYPES.includes(String(p.properties?.kty)),
      `Key is not HSM-backed: properties.kty is ${String(p.properties?.kty ?? "unset")}, must be ${HSM_KEY_TYPES.join(", ")}.`,
    ),
);

export const keyVaultSecretContentType = resourceRule(
  {
    name: "keyvault-secret-content-type",
    description: "Key Vault secrets say what they hold (a content type). Unset fails.",
    severity: "low",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_114",
      'Ensure that key vault secrets have "content_type" set; trivy AZU-0015; Azure Policy 75262d3e-ba4a-4f43-85f8-9f72c090e5e3',
    ),
    remediationSteps: "Set properties.contentType (for example text/plain or application/octet-stream).",
  },
  keyvault.Secret,
  (p) =>
    unless(
      typeof p.properties?.contentType === "string" && p.properties.contentType.trim() !== "",
      "Secret has no content type: set properties.contentType.",
    ),
);

export const keyVaultHsmPremium = stackRule(
  {
    name: "keyvault-hsm-premium-vault",
    description:
      "HSM-backed keys (RSA-HSM, EC-HSM) live in a Premium vault: Standard vaults hold software keys only, and ARM refuses the key (About Azure Key Vault keys: HSM key types in Premium SKU). A vault outside the stack is not checked; values unknown at preview are checked at update.",
    severity: "high",
    anchor: anchor(
      "project",
      "deployability",
      "About Azure Key Vault keys: HSM-protected key types need the Premium SKU",
    ),
    remediationSteps: "Set the vault's properties.sku { family: A, name: premium }.",
  },
  (resources) => {
    const vaults = resources.filter((r) => r.type === "azure-native:keyvault:Vault");
    return resources
      .filter((r) => r.type === "azure-native:keyvault:Key")
      .flatMap((key) => {
        const kty = read(() => (key.props.properties as { kty?: string } | undefined)?.kty);
        if (!kty.known || !HSM_KEY_TYPES.includes(String(kty.value))) return [];
        const name = knownString(key, "vaultName");
        const vault = vaults.find(
          (v) =>
            (key.propertyDependencies.vaultName ?? []).includes(v) ||
            (name !== undefined && knownString(v, "vaultName") === name),
        );
        if (!vault) return [];
        const sku = read(
          () => (vault.props.properties as { sku?: { name?: string } } | undefined)?.sku?.name,
        );
        return sku.known && String(sku.value).toLowerCase() !== "premium"
          ? [
              {
                urn: key.urn,
                message: `Key of type ${String(kty.value)} needs a Premium vault: the vault's sku is ${String(sku.value ?? "unset")}.`,
              },
            ]
          : [];
      });
  },
);

export const keyVaultPolicies: Policies = [
  keyVaultPurgeProtection,
  keyVaultRbac,
  keyVaultPrivate,
  keyVaultExpiry,
  keyVaultHsmKeys,
  keyVaultHsmPremium,
  keyVaultSecretContentType,
];
