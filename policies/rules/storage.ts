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

/**
 * The tag that marks an account as a flow-log sink (value "true"): Network Watcher writes flow logs through the
 * account's public endpoint as a trusted Azure service, so such an account keeps that endpoint enabled behind a
 * firewall that lets nothing else in (Network Watcher FAQ, "How do I use flow logs with a storage account behind
 * a firewall?"). `storage-no-public-network` accepts exactly that shape for marked accounts, and
 * `storage-flow-log-sink-public-endpoint` reports every such account.
 */
export const FLOW_LOG_SINK_TAG = "flowLogSink";

interface NetworkRuleSet {
  defaultAction?: string;
  bypass?: string;
  ipRules?: unknown[];
  virtualNetworkRules?: unknown[];
  resourceAccessRules?: unknown[];
}

/** Bypass values as written: unset is AzureServices, Azure's default. */
const bypassValues = (set: NetworkRuleSet | undefined): string[] =>
  set?.bypass === undefined
    ? ["AzureServices"]
    : String(set.bypass)
        .split(",")
        .map((v) => v.trim());
const hasAzureServices = (set: NetworkRuleSet | undefined) =>
  bypassValues(set).some((v) => v.toLowerCase() === "azureservices");

const isFlowLogSink = (tags: unknown) =>
  String((tags as Record<string, unknown> | undefined)?.[FLOW_LOG_SINK_TAG] ?? "").toLowerCase() === "true";

/** What keeps a flow-log sink's enabled public endpoint closed to everything but trusted Azure services. */
function flowLogSinkProblems(set: NetworkRuleSet | undefined): string[] {
  const named = (["ipRules", "virtualNetworkRules", "resourceAccessRules"] as const).filter(
    (key) => (set?.[key] ?? []).length > 0,
  );
  return [
    ...unless(
      set?.defaultAction === "Deny",
      `Flow-log sink account firewall allows by default: networkRuleSet.defaultAction is ${String(set?.defaultAction ?? "unset")}, must be Deny.`,
    ),
    ...unless(
      hasAzureServices(set),
      `Flow-log sink account firewall keeps Network Watcher out: networkRuleSet.bypass is ${String(set?.bypass)}, must include AzureServices.`,
    ),
    ...unless(
      named.length === 0,
      `Flow-log sink account firewall lets named networks in: remove networkRuleSet ${named.join(", ")}.`,
    ),
  ];
}

export const storageNoPublicNetwork = resourceRule(
  {
    name: "storage-no-public-network",
    description: `Storage accounts have public network access disabled. Unset fails: written out. The one exemption: an account tagged ${FLOW_LOG_SINK_TAG}: "true" may keep its public endpoint enabled behind a firewall that denies by default, lets trusted Azure services through and names no IP, network or resource (what Network Watcher needs to write flow logs); storage-flow-log-sink-public-endpoint reports it.`,
    severity: "high",
    anchor: anchor("checkov", "CKV_AZURE_59", "Ensure that Storage accounts disallow public access"),
    remediationSteps: `Set publicNetworkAccess: Disabled and use private endpoints; a flow-log sink (tag ${FLOW_LOG_SINK_TAG}) instead sets networkRuleSet { defaultAction: Deny, bypass: AzureServices } with no ipRules, virtualNetworkRules or resourceAccessRules.`,
  },
  storage.StorageAccount,
  (p) =>
    p.publicNetworkAccess !== "Disabled" && isFlowLogSink(p.tags)
      ? flowLogSinkProblems(p.networkRuleSet as NetworkRuleSet | undefined)
      : publicAccessDisabled("Storage account", p.publicNetworkAccess),
);

export const storageFlowLogSinkPublicEndpoint = resourceRule(
  {
    name: "storage-flow-log-sink-public-endpoint",
    description: `Reports (advisory) every storage account tagged ${FLOW_LOG_SINK_TAG}: "true" whose public endpoint is enabled: the documented exemption from storage-no-public-network, so it is never silent.`,
    severity: "low",
    anchor: anchor(
      "project",
      "network",
      "Network Watcher FAQ: flow logs to a storage account behind a firewall need public network access enabled from selected networks, with the trusted-services exception",
    ),
    remediationSteps:
      "None while the account receives flow logs; keep its firewall at defaultAction Deny, bypass AzureServices and no network rules, and read the logs through its private endpoint.",
    enforcementLevel: "advisory",
  },
  storage.StorageAccount,
  (p) =>
    unless(
      p.publicNetworkAccess === "Disabled" || !isFlowLogSink(p.tags),
      `Storage account ${String(p.accountName ?? "(unnamed)")} is a flow-log sink: its public endpoint is enabled, firewalled to trusted Azure services (Network Watcher) only.`,
    ),
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

/** The storage account a blob service belongs to: by dependency (names are unknown at preview), else by name. */
const accountOfBlobService = (service: PolicyResource, resources: PolicyResource[]) =>
  (service.propertyDependencies.accountName ?? []).find(
    (r) => r.type === "azure-native:storage:StorageAccount",
  ) ??
  resources.find(
    (r) => r.type === "azure-native:storage:StorageAccount" && blobServiceOf(r, resources) === service,
  );

// Blob versioning does not exist for accounts with a hierarchical namespace (Learn, "Blob versioning"): those
// rely on blob and container soft delete (storage-soft-delete), and azure-no-versioning-with-hns refuses it.
export const storageVersioning = stackRule(
  {
    name: "storage-versioning",
    description:
      "Blob versioning is on, except on accounts with a hierarchical namespace, which do not support it.",
    severity: "low",
    anchor: anchor(
      "Azure Policy",
      "c36a325b-ae04-4863-ad4f-19c6678f8e08",
      "Configure your Storage account to enable blob versioning",
    ),
    remediationSteps:
      "Set isVersioningEnabled: true on the blob service of accounts without a hierarchical namespace.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === "azure-native:storage:BlobServiceProperties")
      .filter((r) => accountOfBlobService(r, resources)?.props.isHnsEnabled !== true)
      .filter((r) => r.props.isVersioningEnabled !== true)
      .map((r) => ({ urn: r.urn, message: "Blob versioning is off: isVersioningEnabled must be true." })),
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

const BYPASS_VALUES = ["azureservices", "logging", "metrics", "none"];

export const storageNetworkBypass = resourceRule<
  storage.StorageAccount,
  storage.StorageAccountArgs,
  { refusedBypass?: string[] }
>(
  {
    name: "storage-network-bypass",
    description:
      "Storage account firewalls let trusted Microsoft services through (bypass includes AzureServices, as checkov CKV_AZURE_36 and trivy AZU-0010 require) and, stricter than both, not classic Logging or Metrics (policy config refusedBypass); None stands alone; values compare case-insensitively. Unset counts as AzureServices, Azure's default; an empty value fails.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_36",
      "Ensure 'Trusted Microsoft Services' is enabled for Storage Account access; trivy AZU-0010",
    ),
    remediationSteps:
      "Set networkRuleSet.bypass: AzureServices (or leave it unset); drop Logging and Metrics.",
    configSchema: {
      properties: {
        refusedBypass: {
          type: "array",
          items: { type: "string" },
          default: ["Logging", "Metrics"],
          description: "Bypass values accounts may not use.",
        },
      },
    },
  },
  storage.StorageAccount,
  (p, config) => {
    const refused = config.refusedBypass ?? ["Logging", "Metrics"];
    const set = p.networkRuleSet as NetworkRuleSet | undefined;
    if (set?.bypass !== undefined && String(set.bypass).trim() === "") {
      return [
        "Storage account firewall bypass is empty: set networkRuleSet.bypass to AzureServices (or leave it unset).",
      ];
    }
    const values = bypassValues(set);
    const lower = values.map((v) => v.toLowerCase());
    const invalid = values.filter((v) => !BYPASS_VALUES.includes(v.toLowerCase()));
    const denied = values.filter((v) => refused.some((r) => r.toLowerCase() === v.toLowerCase()));
    return [
      ...unless(
        invalid.length === 0,
        `Storage account firewall bypass holds ${invalid.join(", ")}: use AzureServices, Logging, Metrics or None.`,
      ),
      ...unless(
        !lower.includes("none") || values.length === 1,
        `Storage account firewall bypass combines None with other values (${String(set?.bypass)}): None stands alone.`,
      ),
      ...unless(
        hasAzureServices(set),
        `Storage account firewall keeps trusted Microsoft services out: networkRuleSet.bypass is ${String(set?.bypass)}, must include AzureServices.`,
      ),
      ...unless(
        denied.length === 0,
        `Storage account firewall lets ${denied.join(", ")} through: networkRuleSet.bypass may not hold ${refused.join(" or ")}.`,
      ),
    ];
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
  storageFlowLogSinkPublicEndpoint,
  storageInfrastructureEncryption,
  storageCustomerManagedKey,
  storageSoftDelete,
  storageVersioning,
  storageNoCrossTenantOrLocalUsers,
  storageRedundancy,
  storageNetworkBypass,
  storageValidName,
];
