// Every policy of the pack, both ways: a compliant resource (the platform's own secure defaults) passes, and
// each mutation that breaks the rule reports the exact message (pulumi-policy-aws style).
import * as assert from "assert";
import { ResourceValidationPolicy, UnknownValueError } from "@pulumi/policy";
import * as runtime from "@pulumi/pulumi/runtime";
import { policies, POLICY_DOMAINS } from "../../policies/rules";
import * as compute from "../../policies/rules/compute";
import * as cost from "../../policies/rules/cost";
import * as keyvault from "../../policies/rules/keyvault";
import * as reliability from "../../policies/rules/reliability";
import * as sql from "../../policies/rules/sql";
import * as storage from "../../policies/rules/storage";
import * as uc from "../../policies/rules/unity-catalog";
import * as workspace from "../../policies/rules/workspace";
import { Props, ResourceCase, resourceArgs, violationsOf } from "../support/policy";

const TAGS = {
  owner: "data-platform",
  costCenter: "cc-4100",
  environment: "dev",
  dataClassification: "confidential",
};

const STORAGE_ACCOUNT = {
  sku: { name: "Standard_ZRS" },
  enableHttpsTrafficOnly: true,
  minimumTlsVersion: "TLS1_2",
  allowBlobPublicAccess: false,
  allowSharedKeyAccess: false,
  allowCrossTenantReplication: false,
  isLocalUserEnabled: false,
  publicNetworkAccess: "Disabled",
  networkRuleSet: { defaultAction: "Deny" },
  encryption: { keySource: "Microsoft.Keyvault", requireInfrastructureEncryption: true },
};
const SQL_SERVER = {
  publicNetworkAccess: "Disabled",
  minimalTlsVersion: "1.2",
  administrators: { azureADOnlyAuthentication: true, login: "lakehouse-platform-admins" },
};
const VAULT = {
  properties: {
    enablePurgeProtection: true,
    enableSoftDelete: true,
    enableRbacAuthorization: true,
    publicNetworkAccess: "Disabled",
  },
};
const WORKSPACE = {
  sku: { name: "premium" },
  publicNetworkAccess: "Disabled",
  requiredNsgRules: "NoAzureDatabricksRules",
  parameters: {
    enableNoPublicIp: { value: true },
    customVirtualNetworkId: { value: "/vnet" },
    customPublicSubnetName: { value: "host" },
    customPrivateSubnetName: { value: "container" },
    prepareEncryption: { value: true },
    encryption: { value: { keySource: "Microsoft.Keyvault" } },
  },
  encryption: {
    entities: {
      managedServices: { keySource: "Microsoft.Keyvault" },
      managedDisk: { keySource: "Microsoft.Keyvault" },
    },
  },
};
const CLUSTER = {
  autoterminationMinutes: 30,
  dataSecurityMode: "USER_ISOLATION",
  policyId: "policy",
  enableLocalDiskEncryption: true,
  nodeTypeId: "Standard_D4ds_v5",
  azureAttributes: { availability: "SPOT_WITH_FALLBACK_AZURE" },
  customTags: TAGS,
  autoscale: { minWorkers: 1, maxWorkers: 4 },
};
const policyDefinition = (overrides: Props = {}) =>
  JSON.stringify({
    cluster_type: { type: "fixed", value: "all-purpose" },
    data_security_mode: { type: "fixed", value: "USER_ISOLATION" },
    autotermination_minutes: { type: "range", minValue: 10, maxValue: 60 },
    node_type_id: { type: "allowlist", values: ["Standard_D4ds_v5"] },
    driver_node_type_id: { type: "allowlist", values: ["Standard_D4ds_v5"] },
    "azure_attributes.availability": { type: "fixed", value: "SPOT_WITH_FALLBACK_AZURE" },
    "ssh_public_keys.*": { type: "forbidden" },
    enable_local_disk_encryption: { type: "fixed", value: true },
    "autoscale.max_workers": { type: "range", minValue: 1, maxValue: 4 },
    num_workers: { type: "range", minValue: 0, maxValue: 4 },
    dbus_per_hour: { type: "range", maxValue: 12 },
    ...Object.fromEntries(
      Object.entries(TAGS).map(([k, v]) => [`custom_tags.${k}`, { type: "fixed", value: v }]),
    ),
    ...overrides,
  });
const COMPUTE_CONFIG = {
  allowedNodeTypes: ["Standard_D4ds_v5"],
  requireSpotWorkers: true,
  maxMinutes: 60,
  maxWorkers: 4,
  maxDbuPerHour: 12,
};

const del = (key: string) => (p: Props) => {
  delete p[key];
};
const set = (path: string, value: unknown) => (p: Props) => {
  const keys = path.split(".");
  let target = p as Record<string, unknown>;
  for (const key of keys.slice(0, -1)) {
    target = (target[key] ??= {}) as Record<string, unknown>;
  }
  target[keys[keys.length - 1]] = value;
};

const cases: ResourceCase[] = [
  {
    policy: storage.storageHttpsOnly,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "HTTP allowed",
        set("enableHttpsTrafficOnly", false),
        ["Storage account accepts plain HTTP: enableHttpsTrafficOnly must be true."],
      ],
    ],
  },
  {
    policy: storage.storageTls12,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "TLS 1.0",
        set("minimumTlsVersion", "TLS1_0"),
        ["Storage account allows TLS below 1.2: minimumTlsVersion is TLS1_0, must be TLS1_2."],
      ],
      [
        "no TLS minimum",
        del("minimumTlsVersion"),
        ["Storage account allows TLS below 1.2: minimumTlsVersion is unset, must be TLS1_2."],
      ],
    ],
  },
  {
    policy: storage.storageNoPublicBlobs,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "anonymous blobs",
        set("allowBlobPublicAccess", true),
        ["Storage account allows anonymous blob access: allowBlobPublicAccess must be false."],
      ],
    ],
  },
  {
    policy: storage.containerPrivate,
    type: "azure-native:storage:BlobContainer",
    valid: { containerName: "bronze", publicAccess: "None" },
    invalid: [
      [
        "public container",
        set("publicAccess", "Container"),
        ["Blob container is public: publicAccess is Container, must be None."],
      ],
    ],
  },
  {
    policy: storage.storageNoSharedKey,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "shared keys by default",
        del("allowSharedKeyAccess"),
        ["Storage account accepts shared keys: allowSharedKeyAccess must be false."],
      ],
    ],
  },
  {
    policy: storage.storageDefaultDeny,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "allow by default",
        set("networkRuleSet.defaultAction", "Allow"),
        ["Storage account firewall allows by default: networkRuleSet.defaultAction must be Deny."],
      ],
    ],
  },
  {
    policy: storage.storageNoPublicNetwork,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "public network",
        set("publicNetworkAccess", "Enabled"),
        [
          "Storage account is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled.",
        ],
      ],
    ],
  },
  {
    policy: storage.storageInfrastructureEncryption,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "single encryption",
        set("encryption.requireInfrastructureEncryption", false),
        [
          "Storage account lacks infrastructure encryption: encryption.requireInfrastructureEncryption must be true.",
        ],
      ],
    ],
  },
  {
    policy: storage.storageCustomerManagedKey,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "platform keys",
        set("encryption.keySource", "Microsoft.Storage"),
        [
          "Storage account uses platform-managed keys: encryption.keySource is Microsoft.Storage, must be Microsoft.Keyvault.",
        ],
      ],
    ],
  },
  {
    policy: storage.storageNoCrossTenantOrLocalUsers,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    invalid: [
      [
        "cross-tenant replication",
        set("allowCrossTenantReplication", true),
        ["Storage account may replicate to other tenants: allowCrossTenantReplication must be false."],
      ],
      [
        "local users",
        del("isLocalUserEnabled"),
        ["Storage account allows local users: isLocalUserEnabled must be false."],
      ],
    ],
  },
  {
    policy: storage.storageRedundancy,
    type: "azure-native:storage:StorageAccount",
    valid: STORAGE_ACCOUNT,
    config: { allowedSkus: ["Standard_ZRS", "Standard_GZRS"] },
    invalid: [
      [
        "locally redundant",
        set("sku.name", "Standard_LRS"),
        [
          "Storage account is not zone- or geo-redundant: sku is Standard_LRS, must be one of Standard_ZRS, Standard_GZRS.",
        ],
      ],
    ],
  },
  {
    policy: sql.sqlEntraOnly,
    type: "azure-native:sql:Server",
    valid: SQL_SERVER,
    invalid: [
      [
        "SQL logins allowed",
        set("administrators.azureADOnlyAuthentication", false),
        ["SQL server allows SQL authentication: administrators.azureADOnlyAuthentication must be true."],
      ],
      [
        "a SQL admin login",
        (p) => Object.assign(p, { administratorLogin: "sa", administratorLoginPassword: "x" }),
        [
          "SQL server has a SQL administrator login: remove administratorLogin and administratorLoginPassword.",
        ],
      ],
    ],
  },
  {
    policy: sql.sqlPrivateTls,
    type: "azure-native:sql:Server",
    valid: SQL_SERVER,
    invalid: [
      [
        "public network",
        set("publicNetworkAccess", "Enabled"),
        ["SQL server is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled."],
      ],
      [
        "TLS 1.0",
        set("minimalTlsVersion", "1.0"),
        ["SQL server allows TLS below 1.2: minimalTlsVersion is 1.0, must be 1.2."],
      ],
    ],
  },
  {
    policy: sql.sqlNoWideFirewall,
    type: "azure-native:sql:FirewallRule",
    valid: { startIpAddress: "10.1.2.0", endIpAddress: "10.1.2.255" },
    invalid: [
      [
        "the internet",
        (p) => Object.assign(p, { startIpAddress: "0.0.0.0", endIpAddress: "255.255.255.255" }),
        [
          "SQL firewall rule opens 0.0.0.0-255.255.255.255; rules may open at most 256 addresses and never 0.0.0.0.",
        ],
      ],
      [
        "all of Azure",
        (p) => Object.assign(p, { startIpAddress: "0.0.0.0", endIpAddress: "0.0.0.0" }),
        ["SQL firewall rule opens 0.0.0.0-0.0.0.0; rules may open at most 256 addresses and never 0.0.0.0."],
      ],
      [
        "a /16",
        (p) => Object.assign(p, { startIpAddress: "10.1.0.0", endIpAddress: "10.1.255.255" }),
        [
          "SQL firewall rule opens 10.1.0.0-10.1.255.255; rules may open at most 256 addresses and never 0.0.0.0.",
        ],
      ],
    ],
  },
  {
    policy: keyvault.keyVaultPurgeProtection,
    type: "azure-native:keyvault:Vault",
    valid: VAULT,
    invalid: [
      [
        "no purge protection",
        set("properties.enablePurgeProtection", false),
        ["Key Vault can be purged: properties.enablePurgeProtection must be true."],
      ],
      [
        "no soft delete",
        set("properties.enableSoftDelete", false),
        ["Key Vault soft delete is disabled: properties.enableSoftDelete must not be false."],
      ],
    ],
  },
  {
    policy: keyvault.keyVaultRbac,
    type: "azure-native:keyvault:Vault",
    valid: VAULT,
    invalid: [
      [
        "access policies",
        set("properties.enableRbacAuthorization", false),
        ["Key Vault uses access policies: properties.enableRbacAuthorization must be true."],
      ],
    ],
  },
  {
    policy: keyvault.keyVaultPrivate,
    type: "azure-native:keyvault:Vault",
    valid: VAULT,
    invalid: [
      [
        "public",
        set("properties.publicNetworkAccess", "Enabled"),
        [
          "Key Vault is reachable from public networks: properties.publicNetworkAccess must be Disabled or networkAcls.defaultAction Deny.",
        ],
      ],
    ],
  },
  {
    policy: keyvault.keyVaultExpiry,
    type: "azure-native:keyvault:Key",
    valid: { properties: { rotationPolicy: { attributes: { expiryTime: "P2Y" } } } },
    invalid: [
      [
        "a key that never expires",
        set("properties.rotationPolicy", {}),
        [
          "Key never expires: set properties.rotationPolicy.attributes.expiryTime or properties.attributes.expires.",
        ],
      ],
    ],
  },
  {
    policy: keyvault.keyVaultExpiry,
    type: "azure-native:keyvault:Secret",
    valid: { properties: { attributes: { expires: 1893456000 } } },
    invalid: [
      [
        "a secret that never expires",
        set("properties.attributes", {}),
        ["Secret never expires: set properties.attributes.expires."],
      ],
    ],
  },
  {
    policy: workspace.workspacePremium,
    type: "azure-native:databricks:Workspace",
    valid: WORKSPACE,
    invalid: [
      [
        "standard tier",
        set("sku.name", "standard"),
        ["Databricks workspace is not premium: sku.name is standard, must be premium."],
      ],
    ],
  },
  {
    policy: workspace.workspaceNoPublicIp,
    type: "azure-native:databricks:Workspace",
    valid: WORKSPACE,
    invalid: [
      [
        "public IPs",
        set("parameters.enableNoPublicIp.value", false),
        ["Databricks clusters get public IPs: parameters.enableNoPublicIp.value must be true."],
      ],
    ],
  },
  {
    policy: workspace.workspaceVnetInjection,
    type: "azure-native:databricks:Workspace",
    valid: WORKSPACE,
    invalid: [
      [
        "a managed VNet",
        set("parameters.customVirtualNetworkId", undefined),
        [
          "Databricks workspace is not VNet-injected: set parameters.customVirtualNetworkId, customPublicSubnetName and customPrivateSubnetName.",
        ],
      ],
    ],
  },
  {
    policy: workspace.workspacePrivateLink,
    type: "azure-native:databricks:Workspace",
    valid: WORKSPACE,
    invalid: [
      [
        "public network",
        set("publicNetworkAccess", "Enabled"),
        [
          "Databricks workspace is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled.",
        ],
      ],
      [
        "control-plane NSG rules",
        set("requiredNsgRules", "AllRules"),
        [
          "Databricks workspace keeps control-plane NSG rules: requiredNsgRules is AllRules, must be NoAzureDatabricksRules.",
        ],
      ],
    ],
  },
  {
    policy: workspace.workspaceCmk,
    type: "azure-native:databricks:Workspace",
    valid: WORKSPACE,
    invalid: [
      [
        "no managed-services CMK",
        set("encryption.entities.managedServices.keySource", "Default"),
        [
          "Databricks managed services are not encrypted with a customer-managed key: encryption.entities.managedServices.keySource must be Microsoft.Keyvault.",
        ],
      ],
      [
        "no managed-disk CMK",
        set("encryption.entities.managedDisk", undefined),
        [
          "Databricks managed disks are not encrypted with a customer-managed key: encryption.entities.managedDisk.keySource must be Microsoft.Keyvault.",
        ],
      ],
      [
        "the DBFS opt-out",
        set("parameters.encryption", undefined),
        [
          "Databricks DBFS root is not encrypted with a customer-managed key: set parameters.prepareEncryption and parameters.encryption (lakehouse:dbfsRootCmk is false).",
        ],
      ],
    ],
  },
  {
    policy: compute.clusterAutotermination,
    type: "databricks:index/cluster:Cluster",
    valid: CLUSTER,
    config: COMPUTE_CONFIG,
    invalid: [
      [
        "never terminates",
        set("autoterminationMinutes", 0),
        ["Cluster auto-termination is 0 minutes; it must be between 1 and 60."],
      ],
      [
        "idles too long",
        set("autoterminationMinutes", 240),
        ["Cluster auto-termination is 240 minutes; it must be between 1 and 60."],
      ],
    ],
  },
  {
    policy: compute.clusterAutotermination,
    type: "databricks:index/clusterPolicy:ClusterPolicy",
    valid: { definition: policyDefinition() },
    config: COMPUTE_CONFIG,
    invalid: [
      [
        "an interactive policy without auto-termination",
        set(
          "definition",
          policyDefinition({ autotermination_minutes: { type: "range", minValue: 0, maxValue: 10000 } }),
        ),
        [
          "Cluster policy lets interactive clusters idle without limit: autotermination_minutes must be fixed or a range from 1 to at most 60.",
        ],
      ],
    ],
  },
  {
    policy: compute.warehouseAutoStop,
    type: "databricks:index/sqlEndpoint:SqlEndpoint",
    valid: { autoStopMins: 10 },
    config: { maxMinutes: 30 },
    invalid: [
      [
        "never stops",
        set("autoStopMins", 0),
        ["SQL warehouse auto-stop is 0 minutes; it must be between 1 and 30."],
      ],
    ],
  },
  {
    policy: compute.unityCatalogAccessMode,
    type: "databricks:index/cluster:Cluster",
    valid: CLUSTER,
    invalid: [
      [
        "no isolation",
        set("dataSecurityMode", "NONE"),
        [
          `Cluster allows an access mode outside Unity Catalog; data_security_mode must be one of ${compute.UC_ACCESS_MODES.join(", ")}.`,
        ],
      ],
    ],
  },
  {
    policy: compute.unityCatalogAccessMode,
    type: "databricks:index/clusterPolicy:ClusterPolicy",
    valid: { definition: policyDefinition() },
    invalid: [
      [
        "legacy table ACLs",
        set(
          "definition",
          policyDefinition({ data_security_mode: { type: "fixed", value: "LEGACY_TABLE_ACL" } }),
        ),
        [
          `Cluster policy allows an access mode outside Unity Catalog; data_security_mode must be one of ${compute.UC_ACCESS_MODES.join(", ")}.`,
        ],
      ],
    ],
  },
  {
    policy: compute.clusterHasPolicy,
    type: "databricks:index/pipeline:Pipeline",
    valid: { clusters: [{ label: "default", policyId: "jobs" }] },
    invalid: [
      [
        "an ungoverned pipeline cluster",
        set("clusters", [{ label: "default" }]),
        ["Pipeline clusters have no cluster policy: set clusters[].policyId."],
      ],
    ],
  },
  {
    policy: compute.clusterHasPolicy,
    type: "databricks:index/cluster:Cluster",
    valid: CLUSTER,
    invalid: [["an ungoverned cluster", del("policyId"), ["Cluster has no cluster policy: set policyId."]]],
  },
  {
    policy: compute.clusterHardening,
    type: "databricks:index/clusterPolicy:ClusterPolicy",
    valid: { definition: policyDefinition() },
    invalid: [
      [
        "SSH keys allowed",
        set("definition", policyDefinition({ "ssh_public_keys.*": { type: "unlimited" } })),
        ['Cluster policy allows SSH keys: "ssh_public_keys.*" must be forbidden.'],
      ],
    ],
  },
  {
    policy: compute.clusterHardening,
    type: "databricks:index/cluster:Cluster",
    valid: CLUSTER,
    invalid: [
      [
        "an SSH key",
        set("sshPublicKeys", ["ssh-rsa AAA"]),
        ["Cluster accepts SSH keys: remove sshPublicKeys."],
      ],
      [
        "unencrypted disks",
        set("enableLocalDiskEncryption", false),
        ["Cluster local disks are not encrypted: enableLocalDiskEncryption must be true."],
      ],
    ],
  },
  {
    policy: compute.jobsOnJobClusters,
    type: "databricks:index/job:Job",
    valid: { tasks: [{ taskKey: "refresh", pipelineTask: { pipelineId: "p" } }] },
    invalid: [
      [
        "an interactive cluster",
        set("tasks", [{ taskKey: "adhoc", existingClusterId: "0101-abc" }]),
        ["Job task adhoc runs on the interactive cluster 0101-abc: use a job cluster."],
      ],
    ],
  },
  {
    policy: compute.nodeTypes,
    type: "databricks:index/clusterPolicy:ClusterPolicy",
    valid: { definition: policyDefinition() },
    config: COMPUTE_CONFIG,
    invalid: [
      [
        "a large node type",
        set(
          "definition",
          policyDefinition({
            node_type_id: { type: "allowlist", values: ["Standard_D4ds_v5", "Standard_M128s"] },
          }),
        ),
        ["Cluster policy allows node type Standard_M128s for node_type_id, which is not in the allow-list."],
      ],
      [
        "on-demand workers where spot is required",
        set(
          "definition",
          policyDefinition({ "azure_attributes.availability": { type: "fixed", value: "ON_DEMAND_AZURE" } }),
        ),
        [
          "Cluster policy does not put workers on spot: azure_attributes.availability must be fixed to SPOT_WITH_FALLBACK_AZURE.",
        ],
      ],
    ],
  },
  {
    policy: compute.nodeTypes,
    type: "databricks:index/cluster:Cluster",
    valid: CLUSTER,
    config: COMPUTE_CONFIG,
    invalid: [
      [
        "a node type outside the list",
        set("nodeTypeId", "Standard_NC24"),
        ["Cluster uses node type Standard_NC24, which is not in the allow-list (Standard_D4ds_v5)."],
      ],
    ],
  },
  {
    policy: compute.costTags,
    type: "databricks:index/sqlEndpoint:SqlEndpoint",
    valid: { tags: { customTags: Object.entries(TAGS).map(([key, value]) => ({ key, value })) } },
    invalid: [
      [
        "no cost tags",
        set("tags", {}),
        ["Missing cost tags: owner, costCenter, environment, dataClassification."],
      ],
    ],
  },
  {
    policy: compute.costTags,
    type: "databricks:index/clusterPolicy:ClusterPolicy",
    valid: { definition: policyDefinition() },
    invalid: [
      [
        "a tag left open",
        set("definition", policyDefinition({ "custom_tags.owner": { type: "unlimited" } })),
        ["Missing cost tags: owner."],
      ],
    ],
  },
  {
    policy: compute.computeSize,
    type: "databricks:index/clusterPolicy:ClusterPolicy",
    valid: { definition: policyDefinition() },
    config: COMPUTE_CONFIG,
    invalid: [
      [
        "too many workers and DBUs",
        set(
          "definition",
          policyDefinition({
            "autoscale.max_workers": { type: "range", maxValue: 50 },
            dbus_per_hour: { type: "range", maxValue: 500 },
          }),
        ),
        [
          "Cluster policy allows autoscale.max_workers above 4.",
          "Cluster policy allows more than 12 DBU/hour: dbus_per_hour must have maxValue <= 12.",
        ],
      ],
    ],
  },
  {
    policy: compute.computeSize,
    type: "databricks:index/pipeline:Pipeline",
    valid: { clusters: [{ autoscale: { minWorkers: 1, maxWorkers: 4 } }] },
    config: COMPUTE_CONFIG,
    invalid: [
      [
        "a big pipeline cluster",
        set("clusters", [{ autoscale: { minWorkers: 1, maxWorkers: 10 } }]),
        ["Pipeline cluster scales to 10 workers; the limit is 4."],
      ],
    ],
  },
  {
    policy: workspace.eventHubsSecure,
    type: "azure-native:eventhub:Namespace",
    valid: { minimumTlsVersion: "1.2", disableLocalAuth: true, publicNetworkAccess: "Disabled" },
    invalid: [
      [
        "TLS 1.0",
        set("minimumTlsVersion", "1.0"),
        ["Event Hubs allows TLS below 1.2: minimumTlsVersion is 1.0, must be 1.2 or unset."],
      ],
      [
        "SAS keys",
        set("disableLocalAuth", false),
        ["Event Hubs accepts SAS keys: disableLocalAuth must be true."],
      ],
      [
        "public network",
        set("publicNetworkAccess", "Enabled"),
        ["Event Hubs is reachable from public networks: publicNetworkAccess is Enabled, must be Disabled."],
      ],
    ],
  },
  {
    policy: cost.allowedLocations,
    type: "azure-native:keyvault:Vault",
    valid: { location: "westeurope" },
    config: { locations: ["westeurope"] },
    invalid: [
      ["another region", set("location", "eastus"), ["Location eastus is not allowed; allowed: westeurope."]],
    ],
  },
  {
    policy: uc.noBroadGrants,
    type: "databricks:index/grants:Grants",
    valid: { catalog: "lh_dev", grants: [{ principal: "lakehouse-analysts", privileges: ["USE_CATALOG"] }] },
    invalid: [
      [
        "account users and a user",
        set("grants", [
          { principal: "account users", privileges: ["USE_CATALOG"] },
          { principal: "bob@example.com", privileges: ["SELECT"] },
        ]),
        [
          'Grant to "account users": grants go to groups and service principals only, never users or broad principals.',
          'Grant to "bob@example.com": grants go to groups and service principals only, never users or broad principals.',
        ],
      ],
    ],
  },
  {
    policy: uc.adminOnlyPrivileges,
    type: "databricks:index/grant:Grant",
    valid: { catalog: "lh_dev", principal: "lakehouse-platform-admins", privileges: ["ALL_PRIVILEGES"] },
    config: { adminsGroup: "lakehouse-platform-admins" },
    invalid: [
      [
        "MANAGE for engineers",
        (p) => Object.assign(p, { principal: "lakehouse-data-engineers", privileges: ["MANAGE"] }),
        ["lakehouse-data-engineers is granted MANAGE; only lakehouse-platform-admins may hold them."],
      ],
    ],
  },
  {
    policy: uc.piiSchemaGrants,
    type: "databricks:index/grants:Grants",
    valid: {
      schema: "lh_dev.transfers_pii",
      grants: [
        { principal: "transfers-pii-readers", privileges: ["USE_SCHEMA", "SELECT"] },
        { principal: "pipelines-app", privileges: ["MODIFY", "SELECT"] },
      ],
    },
    config: { piiGroupPattern: "pii-readers$", piiWriters: ["pipelines-app"] },
    invalid: [
      [
        "analysts",
        set("grants", [{ principal: "lakehouse-analysts", privileges: ["SELECT"] }]),
        ["PII schema lh_dev.transfers_pii is granted to lakehouse-analysts, which is not a PII group."],
      ],
      [
        "a PII group that writes",
        set("grants", [{ principal: "transfers-pii-readers", privileges: ["SELECT", "MODIFY"] }]),
        ["PII schema lh_dev.transfers_pii grants MODIFY to transfers-pii-readers; PII groups may only read."],
      ],
    ],
  },
  {
    policy: uc.isolatedCatalogs,
    type: "databricks:index/catalog:Catalog",
    valid: { name: "lh_prod", isolationMode: "ISOLATED" },
    invalid: [
      [
        "an open catalog",
        set("isolationMode", "OPEN"),
        ["Catalog lh_prod is open to every workspace of the metastore: isolationMode must be ISOLATED."],
      ],
    ],
  },
  {
    policy: uc.credentialGrants,
    type: "databricks:index/grants:Grants",
    valid: {
      externalLocation: "lh_dev_landing",
      grants: [{ principal: "lakehouse-data-engineers", privileges: ["READ_FILES"] }],
    },
    invalid: [
      [
        "analysts",
        set("grants", [{ principal: "lakehouse-analysts", privileges: ["READ_FILES"] }]),
        [
          "externalLocation lh_dev_landing is granted to lakehouse-analysts; credentials and locations are for engineers and pipelines only.",
        ],
      ],
    ],
  },
  {
    policy: reliability.protectStateful,
    type: "azure-native:keyvault:Vault",
    valid: VAULT,
    protect: true,
    invalid: [
      [
        "unprotected",
        () => undefined,
        ["azure-native:keyvault:Vault test is stateful but not protected: set protect."],
      ],
    ],
  },
  {
    policy: reliability.noPlaintextSecrets,
    type: "azure-native:sql:Server",
    valid: SQL_SERVER,
    invalid: [
      [
        "a SQL password",
        set("administratorLoginPassword", "hunter2"),
        [
          "Input administratorLoginPassword is set: this platform uses Entra ID, never administratorLoginPassword.",
        ],
      ],
    ],
  },
];

describe("policy pack", () => {
  it("holds the 50 rules of POLICY-RULES.md, the 14 peer rules (issue 19) and the deployability rules, each with a name, description, severity, anchor and remediation", () => {
    const { deployability, ...domains } = POLICY_DOMAINS;
    assert.strictEqual(policies.length, 64 + deployability.length);
    assert.strictEqual(new Set(policies.map((p) => p.name)).size, policies.length);
    assert.deepStrictEqual(
      Object.fromEntries(Object.entries(domains).map(([domain, list]) => [domain, list.length])),
      {
        storage: 16,
        sql: 8,
        keyvault: 7,
        "databricks workspace": 5,
        "databricks compute": 8,
        "event hubs": 1,
        monitoring: 2,
        "tagging and cost": 4,
        "unity catalog and PII": 6,
        reliability: 2,
        network: 3,
        "subscription posture": 2,
      },
    );
    for (const policy of policies) {
      assert.match(policy.name, /^[a-z0-9-]+$/);
      assert.ok(policy.description && policy.severity && policy.remediationSteps, policy.name);
      assert.ok(policy.framework?.name && policy.framework.reference, `${policy.name} has no anchor`);
    }
  });

  for (const c of cases) {
    describe(`${c.policy.name} on ${c.type.split(":").pop()}`, () => {
      it("passes the secure configuration", async () => {
        assert.deepStrictEqual(
          await violationsOf(
            c.policy,
            resourceArgs(c.type, structuredClone(c.valid), c.config, c.protect ?? false),
          ),
          [],
        );
      });
      for (const [what, mutate, messages] of c.invalid) {
        it(`reports ${what}`, async () => {
          const props = structuredClone(c.valid);
          mutate(props);
          const protect = c.policy === reliability.protectStateful ? false : (c.protect ?? false);
          assert.deepStrictEqual(
            await violationsOf(c.policy, resourceArgs(c.type, props, c.config, protect)),
            messages,
          );
        });
      }
    });
  }

  it("ignores resource types a rule is not about", async () => {
    for (const c of cases) {
      assert.deepStrictEqual(
        await violationsOf(
          c.policy,
          resourceArgs("random:index/randomPassword:RandomPassword", { length: 32 }),
        ),
        [],
        c.policy.name,
      );
    }
  });

  it("neither passes nor fails on values unknown during preview", async () => {
    const unknown = runtime.unknownValue;
    await assert.rejects(
      violationsOf(
        storage.storageNoPublicNetwork,
        resourceArgs("azure-native:storage:StorageAccount", {
          ...STORAGE_ACCOUNT,
          publicNetworkAccess: unknown,
        }),
      ),
      UnknownValueError,
    );
    await assert.rejects(
      violationsOf(
        workspace.workspaceNoPublicIp,
        resourceArgs("azure-native:databricks:Workspace", { ...WORKSPACE, parameters: unknown }),
      ),
      UnknownValueError,
    );
    await assert.rejects(
      violationsOf(
        uc.noBroadGrants,
        resourceArgs("databricks:index/grants:Grants", { catalog: "c", grants: unknown }),
      ),
      UnknownValueError,
    );
  });

  it("offers safe automatic fixes for TLS versions", async () => {
    const fix = async (policy: ResourceValidationPolicy, type: string, props: Props) =>
      policy.remediateResource?.(resourceArgs(type, props));
    assert.deepStrictEqual(
      await fix(storage.storageTls12, "azure-native:storage:StorageAccount", { minimumTlsVersion: "TLS1_0" }),
      { minimumTlsVersion: "TLS1_2" },
    );
    assert.deepStrictEqual(
      await fix(sql.sqlPrivateTls, "azure-native:sql:Server", { minimalTlsVersion: "1.0" }),
      { minimalTlsVersion: "1.2" },
    );
    assert.deepStrictEqual(
      await fix(workspace.eventHubsSecure, "azure-native:eventhub:Namespace", { minimumTlsVersion: "1.1" }),
      { minimumTlsVersion: "1.2" },
    );
  });

  it("finds credentials that are not Pulumi secrets, in what only the plan can see", () => {
    const secret = { [runtime.specialSigKey]: runtime.specialSecretSig, value: "https://hooks.slack.com/x" };
    assert.deepStrictEqual(
      reliability.plaintextSecretFindings([
        {
          urn: "u1",
          inputs: { webhookReceivers: [{ name: "slack", serviceUri: "https://hooks.slack.com/plain" }] },
        },
        { urn: "u2", inputs: { webhookReceivers: [{ name: "slack", serviceUri: secret }] } },
        { urn: "u3", inputs: { config: { slack: { url: "https://hooks.slack.com/plain" } } } },
        { urn: "u4", inputs: { properties: { apiKey: "Disabled" }, secretName: "pii-hash-salt" } },
      ]),
      [
        {
          urn: "u1",
          message: "Input webhookReceivers.serviceUri looks like a credential but is not a Pulumi secret.",
        },
        { urn: "u3", message: "Input config.slack.url looks like a credential but is not a Pulumi secret." },
      ],
    );
  });
});
