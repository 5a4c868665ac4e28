import * as consumption from "@pulumi/azure-native/consumption";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as sql from "@pulumi/azure-native/sql";
import { Policies, PolicyResource, UnknownValueError } from "@pulumi/policy";
import {
  DIAGNOSTIC_CATEGORIES,
  DocumentedCategories,
  diagnosticTargetCandidates,
  diagnosticTargetType,
  DiagnosticTargetType,
} from "../lib/diagnostic-categories";
import { keyFingerprint } from "../lib/key-fingerprint";
import { READ_SCALE_TIERS, sqlTier } from "../lib/sql-tiers";
import { waitsFor } from "../lib/dependencies";
import { anchor, LEARN, resourceRule, stackRule, unless } from "../lib/rule";

// Deployability: Azure Resource Manager constraints (issue 13): what ARM refuses or runs wrongly, each rule citing Microsoft Learn or the REST API specs.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.

const TYPES = {
  account: "azure-native:storage:StorageAccount",
  blobService: "azure-native:storage:BlobServiceProperties",
  lifecycle: "azure-native:storage:ManagementPolicy",
  key: "azure-native:keyvault:Key",
  identity: "azure-native:managedidentity:UserAssignedIdentity",
  grant: "azure-native:authorization:RoleAssignment",
  workspace: "azure-native:databricks:Workspace",
  database: "azure-native:sql:Database",
  diagnostic: "azure-native:monitor:DiagnosticSetting",
} as const;

/** The resources of `type` an input of `resource` depends on. */
const inputDeps = (resource: PolicyResource, input: string, type: string) =>
  (resource.propertyDependencies[input] ?? []).filter((d) => d.type === type);

/** The storage account an account-scoped resource (blob service, lifecycle policy) belongs to. */
function accountOf(resource: PolicyResource, resources: PolicyResource[]): PolicyResource | undefined {
  return (
    inputDeps(resource, "accountName", TYPES.account)[0] ??
    resources.find((r) => r.type === TYPES.account && r.props.accountName === resource.props.accountName)
  );
}

export const budgetNotifications = resourceRule(
  {
    name: "azure-budget-notifications",
    description: "A consumption budget has at most five notifications.",
    severity: "medium",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/rest/api/consumption/budgets/create-or-update",
      "Budget properties, notifications: budget can have up to five notifications (also azure-native consumption/budget.d.ts)",
    ),
    remediationSteps:
      "Keep at most five entries in notifications: fewer lakehouse:budgetThresholds (four at most, plus the 100 % forecast).",
  },
  consumption.Budget,
  (p) => {
    const count = Object.keys(p.notifications ?? {}).length;
    return unless(count <= 5, `Budget has ${count} notifications: Azure accepts at most five.`);
  },
);

export const noVersioningWithHns = stackRule(
  {
    name: "azure-no-versioning-with-hns",
    description: "No blob versioning on an account with a hierarchical namespace (ADLS Gen2).",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/storage/blobs/versioning-overview`,
      "Blob versioning: accounts that have a hierarchical namespace are not supported",
    ),
    remediationSteps:
      "Set isVersioningEnabled: false on the blob service of an HNS account; protect data with blob and container soft delete.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.blobService && r.props.isVersioningEnabled === true)
      .filter((r) => accountOf(r, resources)?.props.isHnsEnabled === true)
      .map((r) => ({
        urn: r.urn,
        message:
          "Blob versioning is on for an account with a hierarchical namespace, which does not support it: isVersioningEnabled must be false.",
      })),
);

/** Access tiers of the SKUs that have no archive tier. */
const NO_ARCHIVE_SKUS = ["Standard_ZRS", "Standard_GZRS", "Standard_RAGZRS", "Premium_ZRS", "Premium_LRS"];

/** Does a lifecycle rule move anything (base blobs, snapshots or versions) to the archive tier? */
function archives(rule: unknown): boolean {
  const actions = ((rule as { definition?: { actions?: Record<string, unknown> } }).definition?.actions ??
    {}) as Record<string, Record<string, unknown> | undefined>;
  return Object.values(actions).some((action) => action?.tierToArchive !== undefined);
}

export const noArchiveOnZoneRedundant = stackRule(
  {
    name: "azure-no-archive-on-zone-redundant",
    description:
      "No lifecycle rule moves blobs to the archive tier on a ZRS, GZRS or RA-GZRS (or premium) account.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/storage/blobs/access-tiers-overview`,
      "Access tiers: the archive tier is supported only for LRS, GRS and RA-GRS accounts, not ZRS, GZRS or RA-GZRS",
    ),
    remediationSteps:
      "Drop tierToArchive from the lifecycle rules of zone-redundant accounts (tier to cold instead), or use an LRS/GRS/RA-GRS account.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.lifecycle)
      .flatMap((policy) => {
        const sku = String((accountOf(policy, resources)?.props.sku as { name?: string })?.name ?? "");
        if (!NO_ARCHIVE_SKUS.includes(sku)) return [];
        const rules = ((policy.props.policy as { rules?: { name?: string }[] })?.rules ?? []).filter(
          archives,
        );
        return rules.map((rule) => ({
          urn: policy.urn,
          message: `Lifecycle rule ${String(rule.name)} moves blobs to archive on a ${sku} account, which has no archive tier.`,
        }));
      }),
);

export const sqlReadScaleTiers = resourceRule(
  {
    name: "azure-sql-read-scale-tiers",
    description: "Read scale-out only on Premium, Business Critical and Hyperscale databases.",
    severity: "medium",
    anchor: anchor(
      "project",
      `${LEARN}/azure-sql/database/read-scale-out`,
      "Read scale-out: available in the Premium, Business Critical and Hyperscale service tiers",
    ),
    remediationSteps:
      "Leave readScale unset (Disabled) on Basic, Standard and General Purpose databases; a geo-secondary is readable without it.",
  },
  sql.Database,
  (p) => {
    const tier = sqlTier(p.sku);
    return unless(
      p.readScale !== "Enabled" || READ_SCALE_TIERS.includes(tier),
      `Read scale-out is on for a ${tier} database (sku ${String(p.sku?.name)}): only Premium, Business Critical and Hyperscale have it.`,
    );
  },
);

export const sqlGeoSecondaryTier = stackRule(
  {
    name: "azure-sql-geo-secondary-tier",
    description: "A geo-secondary has the same service tier as its primary (when both are in the stack).",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/azure-sql/database/active-geo-replication-overview`,
      "Active geo-replication: both primary and secondary databases are required to have the same service tier",
    ),
    remediationSteps: "Give the secondary the primary's service tier (the same SKU family).",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.database && r.props.createMode === "Secondary")
      .flatMap((secondary) =>
        inputDeps(secondary, "sourceDatabaseId", TYPES.database)
          .filter((primary) => sqlTier(primary.props.sku as never) !== sqlTier(secondary.props.sku as never))
          .map((primary) => ({
            urn: secondary.urn,
            message: `Geo-secondary is ${sqlTier(secondary.props.sku as never)} but its primary ${primary.name} is ${sqlTier(primary.props.sku as never)}: both must have the same service tier.`,
          })),
      ),
);

export const diagnosticCategories = stackRule(
  {
    name: "azure-diagnostic-categories",
    description:
      "Diagnostic settings ask only for the log and metric categories, and log category groups, their target's type documents.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/azure-monitor/reference/supported-logs/logs-index`,
      "Supported logs / Supported metrics for <resource type> (table in policies/lib/diagnostic-categories.ts)",
    ),
    remediationSteps:
      "Ask only for categories listed for the type in policies/lib/diagnostic-categories.ts (with their Learn sources).",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.diagnostic)
      .flatMap((setting) => {
        const target = (setting.propertyDependencies.resourceUri ?? [])[0];
        if (!target) return [];
        let armTypes: DiagnosticTargetType[];
        try {
          const armType = diagnosticTargetType(target.type, () => String(setting.props.resourceUri));
          armTypes = armType ? [armType] : [];
        } catch (error) {
          // At preview a new parent's id is unknown: accept what the parent or any child type documents.
          if (!(error instanceof UnknownValueError)) throw error;
          armTypes = diagnosticTargetCandidates(target.type);
        }
        if (armTypes.length === 0) return [];
        const armType = armTypes.join(" or ");
        const documented = {
          groups: [
            ...new Set(
              armTypes.flatMap((t) => (DIAGNOSTIC_CATEGORIES[t] as DocumentedCategories).logGroups ?? []),
            ),
          ],
          logs: [...new Set(armTypes.flatMap((t) => DIAGNOSTIC_CATEGORIES[t].logs))],
          metrics: [...new Set(armTypes.flatMap((t) => DIAGNOSTIC_CATEGORIES[t].metrics))],
        };
        const problems: string[] = [];
        const asked = (entries: unknown, kind: "log" | "metric", allowed: readonly string[]) => {
          const documentedList = allowed.join(", ") || "none";
          for (const entry of (entries ?? []) as { category?: string; categoryGroup?: string }[]) {
            if (entry.categoryGroup !== undefined) {
              // Category groups exist for some types only (Learn: "Not all Azure services use category groups").
              if (kind === "metric" || !documented.groups.includes(entry.categoryGroup)) {
                problems.push(
                  `Diagnostic setting asks ${armType} for the ${kind} category group ${entry.categoryGroup}, which the type does not document (documented groups: ${(kind === "log" ? documented.groups : []).join(", ") || "none"}); name the documented categories instead (${documentedList}).`,
                );
              }
            } else if (!allowed.includes(String(entry.category))) {
              problems.push(
                `Diagnostic setting asks ${armType} for ${kind} category ${String(entry.category)}, which the type does not document (documented: ${documentedList}).`,
              );
            }
          }
        };
        asked(setting.props.logs, "log", documented.logs);
        asked(setting.props.metrics, "metric", documented.metrics);
        return problems.map((message) => ({ urn: setting.urn, message }));
      }),
);

export const keyFirstVersionExpiry = resourceRule(
  {
    name: "azure-key-first-version-expiry",
    description: "A Key Vault key's first version expires: properties.attributes.expires is set.",
    severity: "medium",
    anchor: anchor(
      "project",
      `${LEARN}/key-vault/keys/how-to-configure-key-rotation`,
      "Key rotation policy: expiry time sets the expiration of newly rotated versions, not the current one (azure-native KeyRotationPolicyAttributes.expiryTime: for the new key version)",
    ),
    remediationSteps: "Set properties.attributes.expires (seconds since 1970) when the key is created.",
  },
  keyvault.Key,
  (p) =>
    unless(
      typeof p.properties?.attributes?.expires === "number",
      "Key's first version never expires: rotationPolicy.attributes.expiryTime only applies to new versions; set properties.attributes.expires.",
    ),
);

export const keyNameFingerprint = resourceRule(
  {
    name: "azure-key-name-fingerprint",
    description:
      "A Key Vault key's name ends with the fingerprint of its properties, so a change creates a new key.",
    severity: "medium",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/rest/api/keyvault/keyvault/keys/create-if-not-exist",
      "Keys - Create If Not Exist: if the key already exists it is returned without any write; existing keys are not updated",
    ),
    remediationSteps:
      "Name the key `<name>-<keyFingerprint(properties)>` (policies/lib/key-fingerprint.ts); consumers follow the new name.",
  },
  keyvault.Key,
  (p) => {
    const fingerprint = keyFingerprint(p.properties);
    return unless(
      String(p.keyName).endsWith(`-${fingerprint}`),
      `Key ${String(p.keyName)} does not name its properties: ARM never updates an existing key, so a changed policy would not reach it; name it <name>-${fingerprint}.`,
    );
  },
);

/** A role assignment on `key` (by its scope input). */
const grantsOn = (key: PolicyResource, resources: readonly PolicyResource[]) =>
  resources.filter((r) => r.type === TYPES.grant && inputDeps(r, "scope", TYPES.key).includes(key));

/** Is a grant's principal an identity of `resource` (derived from its outputs)? */
const grantsTo = (grant: PolicyResource, resource: PolicyResource) =>
  (grant.propertyDependencies.principalId ?? []).includes(resource);

/** Databricks resources that start classic compute (and so use managed disks) when they are created. */
function startsClassicCompute(r: PolicyResource): boolean {
  if (r.type === "databricks:index/cluster:Cluster") return true;
  if (r.type === "databricks:index/sqlEndpoint:SqlEndpoint") return r.props.enableServerlessCompute !== true;
  // A continuous job starts its run (and the pipeline update it triggers) as soon as it is created.
  if (r.type === "databricks:index/job:Job") {
    const continuous = r.props.continuous as { pauseStatus?: string } | undefined;
    return continuous !== undefined && continuous.pauseStatus !== "PAUSED";
  }
  return (
    r.type === "databricks:index/pipeline:Pipeline" &&
    r.props.continuous === true &&
    r.props.serverless !== true
  );
}

/** The Azure Databricks workspace a workspace-level resource is deployed to (through its provider). */
function workspaceOf(r: PolicyResource, resources: readonly PolicyResource[]): PolicyResource | undefined {
  const provider = r.provider && resources.find((p) => p.urn === r.provider?.urn);
  if (!provider) return undefined;
  return Object.values(provider.propertyDependencies)
    .flat()
    .find((d) => d.type === TYPES.workspace);
}

type Problem = { urn: string; message: string };

function storageAccountKeyProblems(account: PolicyResource, resources: readonly PolicyResource[]): Problem[] {
  const encryption = account.props.encryption as { keySource?: string } | undefined;
  if (encryption?.keySource !== "Microsoft.Keyvault") return [];
  const key = inputDeps(account, "encryption", TYPES.key)[0];
  const identity = inputDeps(account, "encryption", TYPES.identity)[0];
  if (!key) return [];
  if (!identity) {
    return [
      {
        urn: account.urn,
        message: `Storage account encrypts with key ${key.name} through an identity that exists only after the account: a new account needs a user-assigned identity granted the key first.`,
      },
    ];
  }
  const grants = grantsOn(key, resources).filter((g) => grantsTo(g, identity));
  if (grants.length === 0) {
    return [
      {
        urn: account.urn,
        message: `Storage account encrypts with key ${key.name} as ${identity.name}, but no role assignment grants ${identity.name} that key.`,
      },
    ];
  }
  return grants.some((g) => waitsFor(account, g, resources))
    ? []
    : [
        {
          urn: account.urn,
          message: `Storage account uses key ${key.name} before ${grants[0].name} grants it to ${identity.name}: add the grant to dependsOn.`,
        },
      ];
}

function workspaceKeyProblems(workspace: PolicyResource, resources: readonly PolicyResource[]): Problem[] {
  const problems: Problem[] = [];
  // Keys are found through the inputs that name them: their names are unknown at preview until they exist.
  for (const key of inputDeps(workspace, "encryption", TYPES.key)) {
    const ownGrants = grantsOn(key, resources).filter((g) => grantsTo(g, workspace));
    if (ownGrants.length === 0) {
      // Managed services: the control plane (AzureDatabricks) unwraps the key when the workspace is created.
      if (!grantsOn(key, resources).some((g) => waitsFor(workspace, g, resources))) {
        problems.push({
          urn: workspace.urn,
          message: `Workspace uses key ${key.name} before any role assignment grants it (managed services: to AzureDatabricks): add the grant to dependsOn.`,
        });
      }
      continue;
    }
    // Managed disks: the workspace's disk encryption set gets the key once the workspace exists; classic
    // compute started by the deployment must wait for that grant.
    for (const compute of resources.filter(
      (r) => startsClassicCompute(r) && workspaceOf(r, resources) === workspace,
    )) {
      if (!ownGrants.some((g) => waitsFor(compute, g, resources))) {
        problems.push({
          urn: compute.urn,
          message: `${compute.type.split(":").pop()} ${compute.name} starts classic compute before the workspace's disk encryption set is granted key ${key.name}: depend on that grant.`,
        });
      }
    }
  }
  // DBFS root: only the workspace's storage identity can unwrap it, and that identity exists once the
  // workspace does (prepareEncryption), so a grant to it must exist.
  for (const key of inputDeps(workspace, "parameters", TYPES.key)) {
    if (!grantsOn(key, resources).some((g) => grantsTo(g, workspace))) {
      problems.push({
        urn: workspace.urn,
        message: `Workspace encrypts its DBFS root with key ${key.name} but grants it to no identity of the workspace.`,
      });
    }
  }
  return problems;
}

export const cmkAfterGrant = stackRule(
  {
    name: "azure-cmk-after-grant",
    description:
      "Every customer-managed key consumer waits for the role assignment that grants its identity the key.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/storage/common/customer-managed-keys-configure-new-account`,
      "CMK for a new account: the user-assigned identity must have permissions on the key; Databricks CMK for managed services, managed disks and DBFS root",
    ),
    remediationSteps:
      "Add the key's role assignment to the consumer's dependsOn (storage account, workspace, and compute that starts with the deployment).",
  },
  (resources) => [
    ...resources
      .filter((r) => r.type === TYPES.account)
      .flatMap((r) => storageAccountKeyProblems(r, resources)),
    ...resources.filter((r) => r.type === TYPES.workspace).flatMap((r) => workspaceKeyProblems(r, resources)),
  ],
);

export const azureDeployabilityPolicies: Policies = [
  budgetNotifications,
  noVersioningWithHns,
  noArchiveOnZoneRedundant,
  cmkAfterGrant,
  sqlReadScaleTiers,
  sqlGeoSecondaryTier,
  diagnosticCategories,
  keyFirstVersionExpiry,
  keyNameFingerprint,
];
