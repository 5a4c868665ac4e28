import * as storage from "@pulumi/azure-native/storage";
import { Policies, PolicyResource } from "@pulumi/policy";
import { anchor, resourceRule, stackRule, publicAccessDisabled, unless } from "../lib/rule";

const REDUNDANT_SKUS = [
  "Standard_ZRS",
  "Standard_GRS",
  "Standard_GZRS",
  "Standard_RAGRS",
  "Standard_RAGZRS",
  "Premium_ZRS",
];

export const storageHttpsOnly = resourceRule(
  {
    name: "storage-https-only",
    description: "Storage accounts accept HTTPS only. Unset passes: true is Azure's default.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_3",
      "Ensure that 'enable_https_traffic_only' is enabled; trivy AZU-0008",
    ),
    remediationSteps: "Set enableHttpsTrafficOnly: true (or leave it unset: true is the default).",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      p.enableHttpsTrafficOnly !== false,
      "Storage account accepts plain HTTP: enableHttpsTrafficOnly must be true.",
    ),
);

export const storageTls12 = {
  ...resourceRule(
    {
      name: "storage-tls-1-2",
      description: "Storage accounts require TLS 1.2. Unset fails: written out.",
      severity: "high",
      anchor: anchor(
        "checkov",
        "CKV_AZURE_44",
        "Ensure Storage Account is using the latest version of TLS encryption; trivy AZU-0011",
      ),
      remediationSteps: "Set minimumTlsVersion: TLS1_2 (remediable automatically).",
    },
    storage.StorageAccount,
    (p) =>
      unless(
        p.minimumTlsVersion === "TLS1_2",
        `Storage account allows TLS below 1.2: minimumTlsVersion is ${String(p.minimumTlsVersion ?? "unset")}, must be TLS1_2.`,
      ),
  ),
  remediateResource: (args: { type: string; props: Record<string, unknown> }) =>
    args.type === "azure-native:storage:StorageAccount"
      ? { ...args.props, minimumTlsVersion: "TLS1_2" }
      : undefined,
};

export const storageNoPublicBlobs = resourceRule(
  {
    name: "storage-no-public-blob-access",
    description:
      "Storage accounts allow no anonymous blob access. Unset passes: false is Azure's default for new accounts.",
    severity: "critical",
    anchor: anchor("checkov", "CKV_AZURE_190", "Ensure that Storage blobs restrict public access"),
    remediationSteps: "Set allowBlobPublicAccess: false.",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      p.allowBlobPublicAccess !== true,
      "Storage account allows anonymous blob access: allowBlobPublicAccess must be false.",
    ),
);

export const containerPrivate = resourceRule(
  {
    name: "storage-container-private",
    description: "Blob containers are private. Unset passes: None is Azure's default.",
    severity: "critical",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_34",
      "Ensure that 'Public access level' is set to Private for blob containers",
    ),
    remediationSteps: "Set publicAccess: None on the container.",
  },
  storage.BlobContainer,
  (p) =>
    unless(
      p.publicAccess === undefined || p.publicAccess === "None",
      `Blob container is public: publicAccess is ${String(p.publicAccess)}, must be None.`,
    ),
);

export const storageNoSharedKey = resourceRule(
  {
    name: "storage-no-shared-key",
    description:
      "Storage accounts accept Entra ID only, no shared keys. Unset fails: Azure allows shared keys by default.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV2_AZURE_40",
      "Ensure storage account is not configured with Shared Key authorization",
    ),
    remediationSteps:
      "Set allowSharedKeyAccess: false and use Entra ID (managed identities, access connector).",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      p.allowSharedKeyAccess === false,
      "Storage account accepts shared keys: allowSharedKeyAccess must be false.",
    ),
);

export const storageDefaultDeny = resourceRule(
  {
    name: "storage-network-default-deny",
    description: "Storage account firewalls deny by default. Unset fails: Azure's default is Allow.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_35",
      "Ensure default network access rule for Storage Accounts is set to deny",
    ),
    remediationSteps:
      "Set networkRuleSet.defaultAction: Deny and reach the account through private endpoints.",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      p.networkRuleSet?.defaultAction === "Deny",
      "Storage account firewall allows by default: networkRuleSet.defaultAction must be Deny.",
    ),
);

export const storageNoPublicNetwork = resourceRule(
  {
    name: "storage-no-public-network",
    description: "Storage accounts have public network access disabled. Unset fails: written out.",
    severity: "high",
    anchor: anchor("checkov", "CKV_AZURE_59", "Ensure that Storage accounts disallow public access"),
    remediationSteps: "Set publicNetworkAccess: Disabled and use private endpoints.",
  },
  storage.StorageAccount,
  (p) => publicAccessDisabled("Storage account", p.publicNetworkAccess),
);

export const storageInfrastructureEncryption = resourceRule(
  {
    name: "storage-infrastructure-encryption",
    description: "Storage accounts encrypt twice (infrastructure encryption). Unset fails: off by default.",
    severity: "medium",
    anchor: anchor("trivy", "AZU-0061", "Storage account should have infrastructure encryption enabled"),
    remediationSteps:
      "Set encryption.requireInfrastructureEncryption: true (only possible when the account is created).",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      p.encryption?.requireInfrastructureEncryption === true,
      "Storage account lacks infrastructure encryption: encryption.requireInfrastructureEncryption must be true.",
    ),
);

export const storageCustomerManagedKey = resourceRule(
  {
    name: "storage-customer-managed-key",
    description:
      "Storage accounts encrypt with a customer-managed key. Unset fails: Azure uses platform keys by default.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV2_AZURE_1",
      "Ensure storage for critical data are encrypted with Customer Managed Key",
    ),
    remediationSteps:
      "Set encryption.keySource: Microsoft.Keyvault with keyVaultProperties and a user-assigned encryption identity.",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      p.encryption?.keySource === "Microsoft.Keyvault",
      `Storage account uses platform-managed keys: encryption.keySource is ${String(p.encryption?.keySource ?? "unset")}, must be Microsoft.Keyvault.`,
    ),
);

/** The blob service of an account: linked through its accountName input (known or not at preview). */
function blobServiceOf(account: PolicyResource, resources: PolicyResource[]): PolicyResource | undefined {
  return resources.find(
    (r) =>
      r.type === "azure-native:storage:BlobServiceProperties" &&
      ((r.propertyDependencies.accountName ?? []).includes(account) ||
        r.props.accountName === account.props.accountName),
  );
}

export const storageSoftDelete = stackRule(
  {
    name: "storage-soft-delete",
    description:
      "Every storage account keeps deleted blobs and containers restorable. A missing blob service fails.",
    severity: "medium",
    anchor: anchor("checkov", "CKV2_AZURE_38", "Ensure soft-delete is enabled on Azure storage account"),
    remediationSteps:
      "Add a BlobServiceProperties with deleteRetentionPolicy and containerDeleteRetentionPolicy enabled and days > 0.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === "azure-native:storage:StorageAccount")
      .flatMap((account) => {
        const service = blobServiceOf(account, resources);
        if (!service) {
          return [
            {
              urn: account.urn,
              message:
                "Storage account has no blob service properties: blob and container soft delete are off.",
            },
          ];
        }
        const on = (policy: unknown) => {
          const p = policy as { enabled?: boolean; days?: number } | undefined;
          return p?.enabled === true && (p.days ?? 0) > 0;
        };
        return [
          ...unless(
            on(service.props.deleteRetentionPolicy),
            "Blob soft delete is off: deleteRetentionPolicy must be enabled with days > 0.",
          ),
          ...unless(
            on(service.props.containerDeleteRetentionPolicy),
            "Container soft delete is off: containerDeleteRetentionPolicy must be enabled with days > 0.",
          ),
        ].map((message) => ({ urn: service.urn, message }));
      }),
);

export const storageVersioning = resourceRule(
  {
    name: "storage-versioning",
    description: "Blob versioning is on. Unset fails: off by default.",
    severity: "low",
    anchor: anchor(
      "Azure Policy",
      "c36a325b-ae04-4863-ad4f-19c6678f8e08",
      "Configure your Storage account to enable blob versioning",
    ),
    remediationSteps: "Set isVersioningEnabled: true on the blob service (lakehouse:blobVersioning).",
  },
  storage.BlobServiceProperties,
  (p) => unless(p.isVersioningEnabled === true, "Blob versioning is off: isVersioningEnabled must be true."),
);

export const storageNoCrossTenantOrLocalUsers = resourceRule(
  {
    name: "storage-no-cross-tenant-or-local-users",
    description:
      "Storage accounts replicate to no other tenant and have no local (SFTP) users. Unset fails: written out.",
    severity: "medium",
    anchor: anchor(
      "Azure Policy",
      "92a89a79-6c52-4a7e-a03f-61306fc49312",
      "Storage accounts should prevent cross tenant object replication (local users: project)",
    ),
    remediationSteps: "Set allowCrossTenantReplication: false and isLocalUserEnabled: false.",
  },
  storage.StorageAccount,
  (p) => [
    ...unless(
      p.allowCrossTenantReplication === false,
      "Storage account may replicate to other tenants: allowCrossTenantReplication must be false.",
    ),
    ...unless(
      p.isLocalUserEnabled === false,
      "Storage account allows local users: isLocalUserEnabled must be false.",
    ),
  ],
);

export const storageRedundancy = resourceRule<
  storage.StorageAccount,
  storage.StorageAccountArgs,
  { allowedSkus?: string[] }
>(
  {
    name: "storage-redundancy",
    description: "Storage accounts are zone- or geo-redundant (mandatory in prod). The SKU is required.",
    severity: "medium",
    anchor: anchor("project", "reliability", "Production data survives a zone or region outage"),
    remediationSteps: "Set lakehouse:storageSku to Standard_ZRS, Standard_GZRS or another redundant SKU.",
    configSchema: {
      properties: {
        allowedSkus: {
          type: "array",
          items: { type: "string" },
          default: REDUNDANT_SKUS,
          description: "Storage SKUs that count as redundant.",
        },
      },
    },
  },
  storage.StorageAccount,
  (p, config) => {
    const allowed = config.allowedSkus ?? REDUNDANT_SKUS;
    return unless(
      allowed.includes(String(p.sku?.name)),
      `Storage account is not zone- or geo-redundant: sku is ${String(p.sku?.name)}, must be one of ${allowed.join(", ")}.`,
    );
  },
);

/** Values of networkRuleSet.bypass (a comma-separated combination of Logging, Metrics, AzureServices, None). */
const BYPASS_DEFAULT = ["AzureServices"];

export const storageNetworkBypass = resourceRule<
  storage.StorageAccount,
  storage.StorageAccountArgs,
  { allowedBypass?: string[] }
>(
  {
    name: "storage-network-bypass",
    description:
      "Storage account firewalls let through only the bypasses config allows (AzureServices, None): never classic Logging or Metrics. Unset counts as AzureServices, Azure's default.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_36",
      "Ensure 'Trusted Microsoft Services' is enabled for Storage Account access; trivy AZU-0010 (this rule also refuses Logging and Metrics)",
    ),
    remediationSteps:
      "Set networkRuleSet.bypass to None, or AzureServices where a trusted Microsoft service (such as Network Watcher flow logs) must write to the account.",
    configSchema: {
      properties: {
        allowedBypass: {
          type: "array",
          items: { type: "string" },
          default: ["AzureServices", "None"],
          description: "Bypass values accounts may use.",
        },
      },
    },
  },
  storage.StorageAccount,
  (p, config) => {
    const allowed = config.allowedBypass ?? ["AzureServices", "None"];
    const bypass = p.networkRuleSet?.bypass;
    const values = bypass === undefined ? BYPASS_DEFAULT : String(bypass).split(/\s*,\s*/);
    const extra = values.filter((v) => !allowed.includes(v));
    return unless(
      extra.length === 0,
      `Storage account firewall lets ${extra.join(", ")} through: networkRuleSet.bypass may hold only ${allowed.join(" or ")}.`,
    );
  },
);

export const storageValidName = resourceRule(
  {
    name: "storage-valid-name",
    description:
      "Storage account names are 3 to 24 lowercase letters and digits. Unset fails: the platform names every account, never auto-naming.",
    severity: "low",
    anchor: anchor("checkov", "CKV_AZURE_43", "Ensure Storage Accounts adhere to the naming rules"),
    remediationSteps: "Set accountName from the naming component (lowercase letters and digits, 3 to 24).",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      typeof p.accountName === "string" && /^[a-z0-9]{3,24}$/.test(p.accountName),
      `Storage account name ${String(p.accountName ?? "unset")} is invalid: use 3 to 24 lowercase letters and digits.`,
    ),
);

export const storagePolicies: Policies = [
  storageHttpsOnly,
  storageTls12,
  storageNoPublicBlobs,
  containerPrivate,
  storageNoSharedKey,
  storageDefaultDeny,
  storageNoPublicNetwork,
  storageInfrastructureEncryption,
  storageCustomerManagedKey,
  storageSoftDelete,
  storageVersioning,
  storageNoCrossTenantOrLocalUsers,
  storageRedundancy,
  storageNetworkBypass,
  storageValidName,
];
