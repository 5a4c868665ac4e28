// The policy pack through the offline plan: deliberately insecure programs produce exactly the expected
// violations, and flipping single secure defaults of the real platform makes the plan fail with the
// matching rule's message.
import * as assert from "assert";
import * as path from "path";
import type { PlanDocument } from "../../tools/plan/report";
import { PROJECT_DIR, runPlan, runPlanWith } from "../support/plan";

const fixture = (name: string) => path.join(PROJECT_DIR, "tests", "fixtures", "programs", `${name}.ts`);

/** `level policy resource | message`, resource being the URN's last segment or (stack). */
const lines = (doc: PlanDocument) =>
  doc.violations.map(
    (v) => `${v.level} ${v.policy} ${v.urn ? v.urn.split("::").pop() : "(stack)"} | ${v.message}`,
  );

const NO_CHAT =
  "mandatory monitoring-failure-notifications (stack) | No action group has a Slack or Teams webhook receiver: alerts reach no chat channel.";
const NO_BUDGET = (level: string) =>
  `${level} cost-budget (stack) | The stack has no consumption budget: nothing warns when spend runs away.`;

const FIXTURES: [string, string, number, string[]][] = [
  [
    "public-storage",
    "dev",
    1,
    [
      "mandatory storage-tls-1-2 public | Storage account allows TLS below 1.2: minimumTlsVersion is unset, must be TLS1_2.",
      "mandatory storage-no-public-blob-access public | Storage account allows anonymous blob access: allowBlobPublicAccess must be false.",
      "mandatory storage-no-shared-key public | Storage account accepts shared keys: allowSharedKeyAccess must be false.",
      "mandatory storage-network-default-deny public | Storage account firewall allows by default: networkRuleSet.defaultAction must be Deny.",
      "mandatory storage-no-public-network public | Storage account is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled.",
      "mandatory storage-infrastructure-encryption public | Storage account lacks infrastructure encryption: encryption.requireInfrastructureEncryption must be true.",
      "mandatory storage-customer-managed-key public | Storage account uses platform-managed keys: encryption.keySource is unset, must be Microsoft.Keyvault.",
      "mandatory storage-soft-delete public | Storage account has no blob service properties: blob and container soft delete are off.",
      "mandatory storage-no-cross-tenant-or-local-users public | Storage account may replicate to other tenants: allowCrossTenantReplication must be false.",
      "mandatory storage-no-cross-tenant-or-local-users public | Storage account allows local users: isLocalUserEnabled must be false.",
      "advisory storage-redundancy public | Storage account is not zone- or geo-redundant: sku is Standard_LRS, must be one of Standard_ZRS, Standard_GRS, Standard_GZRS, Standard_RAGRS, Standard_RAGZRS, Premium_ZRS.",
      "mandatory monitoring-diagnostic-settings public | azure-native:storage:StorageAccount public sends its logs nowhere: add a diagnostic setting to Log Analytics.",
      NO_CHAT,
      NO_BUDGET("advisory"),
      "advisory reliability-protect-stateful public | azure-native:storage:StorageAccount public is stateful but not protected: set protect.",
      "mandatory defender-for-storage public | Storage account has no Defender for Storage setting: add a security.DefenderForStorage with malware scanning and sensitive data discovery.",
    ],
  ],
  [
    "public-workspace",
    "dev",
    1,
    [
      "mandatory databricks-workspace-no-public-ip public-ip | Databricks clusters get public IPs: parameters.enableNoPublicIp.value must be true.",
      "mandatory monitoring-diagnostic-settings public-ip | azure-native:databricks:Workspace public-ip sends its logs nowhere: add a diagnostic setting to Log Analytics.",
      NO_CHAT,
      NO_BUDGET("advisory"),
      "advisory reliability-protect-stateful public-ip | azure-native:databricks:Workspace public-ip is stateful but not protected: set protect.",
    ],
  ],
  [
    "broad-pii-grant",
    "dev",
    1,
    [
      NO_CHAT,
      NO_BUDGET("advisory"),
      'mandatory uc-no-broad-grants pii-for-everyone | Grant to "account users": grants go to groups and service principals only, never users or broad principals.',
      "mandatory uc-admin-only-privileges pii-for-everyone | account users is granted ALL_PRIVILEGES; only lakehouse-platform-admins may hold them.",
      "mandatory uc-pii-schema-grants pii-for-everyone | PII schema lh_dev.transfers_pii is granted to account users, which is not a PII group.",
    ],
  ],
  ["no-budget", "prod", 1, [NO_BUDGET("mandatory")]],
  ["no-budget", "dev", 0, [NO_BUDGET("advisory")]],
];

describe("insecure fixture programs through the offline plan", () => {
  for (const [name, stack, code, expected] of FIXTURES) {
    it(`${name} (${stack}) exits ${code} with exactly its violations`, async () => {
      const run = await runPlan("--stack", stack, "--json", "--program", fixture(name));
      assert.strictEqual(run.code, code, run.stderr);
      assert.deepStrictEqual(lines(JSON.parse(run.stdout) as PlanDocument), expected);
    });
  }
});

/** [resource type, resource name (prod), input path, insecure value, policy, message]. */
const FLIPS: [string, string, string, unknown, string, string][] = [
  [
    "azure-native:storage:StorageAccount",
    "lh-prod-lake-account",
    "allowSharedKeyAccess",
    true,
    "storage-no-shared-key",
    "Storage account accepts shared keys: allowSharedKeyAccess must be false.",
  ],
  [
    "azure-native:storage:StorageAccount",
    "lh-prod-lake-account",
    "minimumTlsVersion",
    "TLS1_0",
    "storage-tls-1-2",
    "Storage account allows TLS below 1.2: minimumTlsVersion is TLS1_0, must be TLS1_2.",
  ],
  [
    "azure-native:storage:StorageAccount",
    "lh-prod-lake-account",
    "publicNetworkAccess",
    "Enabled",
    "storage-no-public-network",
    "Storage account is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled.",
  ],
  [
    "azure-native:storage:StorageAccount",
    "lh-prod-lake-account",
    "networkRuleSet.defaultAction",
    "Allow",
    "storage-network-default-deny",
    "Storage account firewall allows by default: networkRuleSet.defaultAction must be Deny.",
  ],
  [
    "azure-native:storage:StorageAccount",
    "lh-prod-lake-account",
    "encryption.requireInfrastructureEncryption",
    false,
    "storage-infrastructure-encryption",
    "Storage account lacks infrastructure encryption: encryption.requireInfrastructureEncryption must be true.",
  ],
  [
    "azure-native:storage:BlobContainer",
    "lh-prod-lake-bronze",
    "publicAccess",
    "Blob",
    "storage-container-private",
    "Blob container is public: publicAccess is Blob, must be None.",
  ],
  [
    "azure-native:keyvault:Vault",
    "lh-prod-foundation-kv",
    "properties.enablePurgeProtection",
    false,
    "keyvault-purge-protection",
    "Key Vault can be purged: properties.enablePurgeProtection must be true.",
  ],
  [
    "azure-native:keyvault:Vault",
    "lh-prod-foundation-kv",
    "properties.enableRbacAuthorization",
    false,
    "keyvault-rbac",
    "Key Vault uses access policies: properties.enableRbacAuthorization must be true.",
  ],
  [
    "azure-native:databricks:Workspace",
    "lh-prod-databricks-workspace",
    "parameters.enableNoPublicIp.value",
    false,
    "databricks-workspace-no-public-ip",
    "Databricks clusters get public IPs: parameters.enableNoPublicIp.value must be true.",
  ],
  [
    "azure-native:databricks:Workspace",
    "lh-prod-databricks-workspace",
    "sku.name",
    "standard",
    "databricks-workspace-premium",
    "Databricks workspace is not premium: sku.name is standard, must be premium.",
  ],
  [
    "azure-native:databricks:Workspace",
    "lh-prod-databricks-workspace",
    "publicNetworkAccess",
    "Enabled",
    "databricks-workspace-private",
    "Databricks workspace is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled.",
  ],
  [
    "azure-native:sql:Server",
    "lh-prod-replica-server",
    "minimalTlsVersion",
    "1.0",
    "sql-private-tls-1-2",
    "SQL server allows TLS below 1.2: minimalTlsVersion is 1.0, must be 1.2.",
  ],
  [
    "azure-native:sql:Server",
    "lh-prod-replica-server",
    "administrators.azureADOnlyAuthentication",
    false,
    "sql-entra-only",
    "SQL server allows SQL authentication: administrators.azureADOnlyAuthentication must be true.",
  ],
  [
    "azure-native:eventhub:Namespace",
    "lh-prod-eventhubs-namespace",
    "disableLocalAuth",
    false,
    "eventhubs-secure",
    "Event Hubs accepts SAS keys: disableLocalAuth must be true.",
  ],
  [
    "databricks:index/catalog:Catalog",
    "lh-prod-uc-catalog",
    "isolationMode",
    "OPEN",
    "uc-isolated-catalogs",
    "Catalog lh_prod is open to every workspace of the metastore: isolationMode must be ISOLATED.",
  ],
  [
    "databricks:index/sqlEndpoint:SqlEndpoint",
    "lh-prod-compute-sql",
    "autoStopMins",
    0,
    "databricks-warehouse-auto-stop",
    "SQL warehouse auto-stop is 0 minutes; it must be between 1 and 30.",
  ],
  [
    "databricks:index/grants:Grants",
    "lh-prod-governance-catalog",
    "grants",
    [{ principal: "account users", privileges: ["USE_CATALOG"] }],
    "uc-no-broad-grants",
    'Grant to "account users": grants go to groups and service principals only, never users or broad principals.',
  ],
];

describe("flipping secure defaults of the platform", () => {
  it(`makes the prod plan exit 1 with the matching rule's message for each of ${FLIPS.length} inputs`, async () => {
    const mutations = FLIPS.map(([type, name, path, value]) => ({ type, name, path, value }));
    const run = await runPlanWith(
      { LAKEHOUSE_MUTATIONS: JSON.stringify(mutations) },
      "--stack",
      "prod",
      "--json",
      "--program",
      fixture("mutated-platform"),
    );
    assert.strictEqual(run.code, 1, run.stderr);
    const doc = JSON.parse(run.stdout) as PlanDocument;
    const found = doc.violations
      .filter((v) => v.level === "mandatory")
      .map((v) => `${v.policy} ${v.urn.split("::").pop()} | ${v.message}`);
    assert.deepStrictEqual(
      found.sort(),
      FLIPS.map(([, name, , , policy, message]) => `${policy} ${name} | ${message}`).sort(),
    );
  });

  it("finds nothing in the same program without mutations but the reported flow-log sink", async () => {
    const run = await runPlanWith(
      { LAKEHOUSE_MUTATIONS: "[]" },
      "--stack",
      "prod",
      "--json",
      "--program",
      fixture("mutated-platform"),
    );
    assert.strictEqual(run.code, 0, run.stderr);
    assert.deepStrictEqual(
      (JSON.parse(run.stdout) as PlanDocument).violations.map(
        (v) => `${v.level} ${v.policy} ${v.urn.split("::").pop()}`,
      ),
      ["advisory storage-flow-log-sink-public-endpoint lh-prod-flowlogs-account"],
    );
  });
});
