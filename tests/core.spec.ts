// The secure lakehouse core, asserted on the recorded plan of each stack: every security-relevant property
// with its exact value, so turning one secure default off fails here.
import * as assert from "assert";
import { firstVersionExpiry } from "../components/security/keys";
import { planSubnets } from "../components/network/network";
import { accountPlanOf, inputsOf, planOf, resourceOf, resourcesOf } from "./support/plan";

const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-00000000bbbb";
const CRYPTO_USER = `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/e147488a-f6f5-4113-8e2d-b22465e65bf6`;

const STACKS = [
  {
    stack: "dev",
    space: "10.20",
    sku: "Standard_LRS",
    softDeleteDays: 7,
    protect: false,
    csp: "Disabled",
    tokenDays: "90",
    nodeTypes: ["Standard_D4ds_v5", "Standard_E4ds_v5"],
    maxWorkers: 4,
    maxAutotermination: 30,
    maxDbu: 12,
    spot: true,
    warehouse: { clusterSize: "2X-Small", maxNumClusters: 1 },
  },
  {
    stack: "prod",
    space: "10.30",
    sku: "Standard_GZRS",
    softDeleteDays: 30,
    protect: true,
    csp: "Enabled",
    tokenDays: "30",
    nodeTypes: ["Standard_D8ds_v5", "Standard_E8ds_v5", "Standard_E16ds_v5"],
    maxWorkers: 16,
    maxAutotermination: 60,
    maxDbu: 80,
    spot: false,
    warehouse: { clusterSize: "Small", maxNumClusters: 4 },
  },
];

const ZONE_OF_GROUP: Record<string, string> = {
  vault: "privatelink.vaultcore.azure.net",
  dfs: "privatelink.dfs.core.windows.net",
  blob: "privatelink.blob.core.windows.net",
  databricks_ui_api: "privatelink.azuredatabricks.net",
  browser_authentication: "privatelink.azuredatabricks.net",
  sqlServer: "privatelink.database.windows.net",
  namespace: "privatelink.servicebus.windows.net",
  grafana: "privatelink.grafana.azure.com",
};

/** Resource types whose deletion loses data or keys: protected in prod. */
const STATEFUL_TYPES = [
  "azure-native:resources:ResourceGroup",
  "azure-native:operationalinsights:Workspace",
  "azure-native:keyvault:Vault",
  "azure-native:keyvault:Key",
  "azure-native:storage:StorageAccount",
  "azure-native:storage:BlobContainer",
  "azure-native:databricks:Workspace",
  "azure-native:sql:Server",
  "azure-native:sql:Database",
  "azure-native:eventhub:Namespace",
  "databricks:index/catalog:Catalog",
  "databricks:index/schema:Schema",
  "azure-native:keyvault:Secret",
  "random:index/randomPassword:RandomPassword",
];

describe("subnet plan", () => {
  it("carves the Databricks and private-endpoint subnets out of any /16 to /22", () => {
    assert.deepStrictEqual(planSubnets("10.20.0.0/16"), {
      host: "10.20.0.0/18",
      container: "10.20.64.0/18",
      privateEndpoints: "10.20.128.0/19",
    });
    assert.deepStrictEqual(planSubnets("192.168.4.0/22"), {
      host: "192.168.4.0/24",
      container: "192.168.5.0/24",
      privateEndpoints: "192.168.6.0/25",
    });
  });
});

for (const s of STACKS) {
  const { stack } = s;
  const n = (suffix: string) => `lh-${stack}-${suffix}`;
  const group = `rg-lh-${stack}-weu`;
  const idOf = (type: string, name: string) =>
    `${SUBSCRIPTION}/resourceGroups/${group}/providers/${type}/${name}`;

  describe(`Network (${stack})`, () => {
    it("creates the VNet from the configured address space", async () => {
      const vnet = inputsOf(await planOf(stack), "azure-native:network:VirtualNetwork", n("network-vnet"));
      assert.deepStrictEqual(vnet.addressSpace, { addressPrefixes: [`${s.space}.0.0/16`] });
      assert.strictEqual(vnet.virtualNetworkName, `vnet-lh-${stack}-weu`);
    });

    it("delegates the Databricks subnets to the workspace, behind an NSG, without default outbound access", async () => {
      const plan = await planOf(stack);
      const nsg = idOf("azure-native:network:NetworkSecurityGroup", `nsg-lh-dbw-${stack}-weu`);
      for (const [role, prefix] of [
        ["host", `${s.space}.0.0/18`],
        ["container", `${s.space}.64.0/18`],
      ]) {
        const subnet = inputsOf(plan, "azure-native:network:Subnet", n(`network-snet-${role}`));
        assert.strictEqual(subnet.subnetName, `snet-lh-${role}-${stack}-weu`);
        assert.strictEqual(subnet.addressPrefix, prefix);
        assert.strictEqual(subnet.defaultOutboundAccess, false);
        assert.deepStrictEqual(subnet.delegations, [
          { name: "databricks", serviceName: "Microsoft.Databricks/workspaces" },
        ]);
        assert.deepStrictEqual(subnet.networkSecurityGroup, { id: nsg });
      }
      const endpoints = inputsOf(plan, "azure-native:network:Subnet", n("network-snet-pep"));
      assert.strictEqual(endpoints.addressPrefix, `${s.space}.128.0/19`);
      assert.strictEqual(endpoints.defaultOutboundAccess, false);
      assert.strictEqual(endpoints.privateEndpointNetworkPolicies, "Enabled");
      assert.deepStrictEqual(endpoints.networkSecurityGroup, {
        id: idOf("azure-native:network:NetworkSecurityGroup", `nsg-lh-pep-${stack}-weu`),
      });
    });

    it("links a private DNS zone per service to the VNet, without auto-registration", async () => {
      const plan = await planOf(stack);
      const zones = resourcesOf(plan, "azure-native:privatedns:PrivateZone").map(
        (z) => (z.inputs as { privateZoneName: string }).privateZoneName,
      );
      assert.deepStrictEqual(zones.sort(), [
        "privatelink.agentsvc.azure-automation.net",
        "privatelink.azuredatabricks.net",
        "privatelink.blob.core.windows.net",
        "privatelink.database.windows.net",
        "privatelink.dfs.core.windows.net",
        "privatelink.grafana.azure.com",
        "privatelink.monitor.azure.com",
        "privatelink.ods.opinsights.azure.com",
        "privatelink.oms.opinsights.azure.com",
        "privatelink.servicebus.windows.net",
        "privatelink.vaultcore.azure.net",
      ]);
      const links = resourcesOf(plan, "azure-native:privatedns:VirtualNetworkLink");
      assert.strictEqual(links.length, zones.length);
      for (const link of links) {
        const inputs = link.inputs as Record<string, unknown>;
        assert.strictEqual(inputs.registrationEnabled, false);
        assert.deepStrictEqual(inputs.virtualNetwork, {
          id: idOf("azure-native:network:VirtualNetwork", `vnet-lh-${stack}-weu`),
        });
      }
    });

    it("gives every private endpoint a DNS zone group in the zone of its service", async () => {
      const plan = await planOf(stack);
      // The deployers' endpoints are in their pool's network (tests/deployments.spec.ts).
      const endpoints = resourcesOf(plan, "azure-native:network:PrivateEndpoint").filter(
        (e) => ![n("deployer-ui-api-pep"), n("deployer-grafana-pep")].includes(e.name),
      );
      assert.deepStrictEqual(endpoints.map((e) => e.name).sort(), [
        n("databricks-browser-auth-pep"),
        n("databricks-dbfs-blob-pep"),
        n("databricks-dbfs-dfs-pep"),
        n("databricks-ui-api-pep"),
        n("eventhubs-namespace-pep"),
        n("flowlogs-blob-pep"),
        n("keys-kv-pep"),
        n("lake-blob-pep"),
        n("lake-dfs-pep"),
        n("monitoring-grafana-pep"),
        n("private-monitoring-ampls-pep"),
        n("replica-sql-pep"),
      ]);
      for (const endpoint of endpoints) {
        const inputs = endpoint.inputs as {
          privateEndpointName: string;
          subnet: { id: string };
          privateLinkServiceConnections: { groupIds: string[] }[];
        };
        assert.strictEqual(inputs.subnet.id, idOf("azure-native:network:Subnet", `snet-lh-pep-${stack}-weu`));
        const groupId = inputs.privateLinkServiceConnections[0].groupIds[0];
        // The Azure Monitor scope answers in five zones (checked in reachability.spec.ts).
        if (groupId === "azuremonitor") continue;
        const zoneGroups = resourcesOf(plan, "azure-native:network:PrivateDnsZoneGroup").filter(
          (g) => g.parent === endpoint.urn,
        );
        assert.strictEqual(zoneGroups.length, 1, `${endpoint.name} has no DNS zone group`);
        const zoneGroup = zoneGroups[0].inputs as {
          privateEndpointName: string;
          privateDnsZoneConfigs: { privateDnsZoneId: string }[];
        };
        assert.strictEqual(zoneGroup.privateEndpointName, inputs.privateEndpointName);
        assert.deepStrictEqual(
          zoneGroup.privateDnsZoneConfigs.map((c) => c.privateDnsZoneId),
          [idOf("azure-native:privatedns:PrivateZone", ZONE_OF_GROUP[groupId])],
        );
      }
    });
  });

  describe(`Keys (${stack})`, () => {
    it("creates one HSM-backed, rotating key per purpose, named after its properties, expiring from its first version", async () => {
      const plan = await planOf(stack);
      for (const purpose of ["managed-services", "managed-disks", "dbfs-root", "storage"]) {
        const resource = resourceOf(plan, "azure-native:keyvault:Key", n(`keys-${purpose}`));
        const key = resource.inputs as { keyName: string; properties: { attributes: { expires: number } } };
        assert.strictEqual(key.keyName, `cmk-${purpose}-597d8fb0`);
        // Two years after the plan ran (within the hour the test run may take).
        const expires = key.properties.attributes.expires;
        assert.ok(Math.abs(expires - firstVersionExpiry(new Date())) < 3600, `expires is ${expires}`);
        assert.strictEqual(resource.retainOnDelete, true);
        assert.deepStrictEqual(key.properties, {
          kty: "RSA-HSM",
          keySize: 3072,
          keyOps: ["wrapKey", "unwrapKey"],
          attributes: { enabled: true, exportable: false, expires },
          rotationPolicy: {
            attributes: { expiryTime: "P2Y" },
            lifetimeActions: [
              { action: { type: "rotate" }, trigger: { timeAfterCreate: "P1Y" } },
              { action: { type: "notify" }, trigger: { timeBeforeExpiry: "P30D" } },
            ],
          },
        });
      }
    });

    it("lets each service identity use its own key only", async () => {
      const plan = await planOf(stack);
      const assignments = resourcesOf(plan, "azure-native:authorization:RoleAssignment")
        .map((r) => r.inputs as { roleDefinitionId: string; scope: string; principalId: string })
        .filter((r) => r.roleDefinitionId === CRYPTO_USER)
        .map((r) => r.scope.split("/").pop())
        .sort();
      assert.deepStrictEqual(assignments, [
        "cmk-dbfs-root-597d8fb0",
        "cmk-managed-disks-597d8fb0",
        "cmk-managed-services-597d8fb0",
        "cmk-storage-597d8fb0",
      ]);
      const control = inputsOf(
        plan,
        "azure-native:authorization:RoleAssignment",
        n("databricks-control-plane-key"),
      );
      assert.strictEqual(control.principalId, "4b5c6d7e-8f90-4a1b-2c3d-4e5f60718293");
    });
  });

  describe(`DatabricksWorkspace (${stack})`, () => {
    it("is premium, VNet-injected, without public IPs or public network access, encrypted with CMKs", async () => {
      const plan = await planOf(stack);
      const workspace = resourceOf(plan, "azure-native:databricks:Workspace", n("databricks-workspace"));
      const inputs = workspace.inputs as Record<string, unknown>;
      assert.strictEqual(workspace.protect, s.protect);
      assert.deepStrictEqual(inputs.sku, { name: "premium" });
      assert.strictEqual(inputs.publicNetworkAccess, "Disabled");
      assert.strictEqual(inputs.requiredNsgRules, "NoAzureDatabricksRules");
      assert.strictEqual(
        inputs.managedResourceGroupId,
        `${SUBSCRIPTION}/resourceGroups/rg-lh-dbwmanaged-${stack}-weu`,
      );
      const vault = `https://${(inputsOf(plan, "azure-native:keyvault:Vault", n("foundation-kv")) as { vaultName: string }).vaultName}.vault.azure.net/`;
      const key = (keyName: string) => ({
        keyName,
        keyVersion: "0123456789abcdef0123456789abcdef",
        keyVaultUri: vault,
      });
      const dbfsName = (inputs.parameters as { storageAccountName: { value: string } }).storageAccountName
        .value;
      assert.match(dbfsName, new RegExp(`^stlhdbfs${stack}weu[0-9a-f]{4}$`));
      assert.deepStrictEqual(inputs.parameters, {
        customVirtualNetworkId: {
          value: idOf("azure-native:network:VirtualNetwork", `vnet-lh-${stack}-weu`),
        },
        customPublicSubnetName: { value: `snet-lh-host-${stack}-weu` },
        customPrivateSubnetName: { value: `snet-lh-container-${stack}-weu` },
        enableNoPublicIp: { value: true },
        prepareEncryption: { value: true },
        requireInfrastructureEncryption: { value: true },
        storageAccountName: { value: dbfsName },
        storageAccountSkuName: { value: s.sku },
        encryption: { value: { keySource: "Microsoft.Keyvault", ...key("cmk-dbfs-root-597d8fb0") } },
      });
      assert.deepStrictEqual(inputs.encryption, {
        entities: {
          managedServices: {
            keySource: "Microsoft.Keyvault",
            keyVaultProperties: key("cmk-managed-services-597d8fb0"),
          },
          managedDisk: {
            keySource: "Microsoft.Keyvault",
            keyVaultProperties: key("cmk-managed-disks-597d8fb0"),
            rotationToLatestKeyVersionEnabled: true,
          },
        },
      });
      assert.deepStrictEqual(inputs.enhancedSecurityCompliance, {
        automaticClusterUpdate: { value: "Enabled" },
        enhancedSecurityMonitoring: { value: "Enabled" },
        complianceSecurityProfile: { value: s.csp },
      });
      assert.deepStrictEqual(inputs.defaultCatalog, { initialType: "UnityCatalog" });
    });

    it("hardens the workspace settings", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/workspaceConf:WorkspaceConf", n("databricks-conf")).customConfig,
        {
          enableTokensConfig: "true",
          maxTokenLifetimeDays: s.tokenDays,
          enableVerboseAuditLogs: "true",
          enableExportNotebook: "false",
          enableNotebookTableClipboard: "false",
          enableResultsDownloading: "false",
          enableDbfsFileBrowser: "false",
          enableDeprecatedGlobalInitScripts: "false",
          enableWebTerminal: "false",
          storeInteractiveNotebookResultsInCustomerAccount: "true",
        },
      );
      assert.deepStrictEqual(
        inputsOf(
          plan,
          "databricks:index/disableLegacyDbfsSetting:DisableLegacyDbfsSetting",
          n("databricks-no-legacy-dbfs"),
        ).disableLegacyDbfs,
        { value: true },
      );
      assert.deepStrictEqual(
        inputsOf(
          plan,
          "databricks:index/disableLegacyAccessSetting:DisableLegacyAccessSetting",
          n("databricks-no-legacy-access"),
        ).disableLegacyAccess,
        { value: true },
      );
    });

    it("assigns the metastore and builds the workspace provider from the workspace's outputs", async () => {
      const plan = await planOf(stack);
      const account = await accountPlanOf();
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/metastoreAssignment:MetastoreAssignment", n("databricks-metastore")),
        // The region's metastore, read from the account stack (never a hand-copied id).
        {
          metastoreId: (account.outputs as { metastoreId: string }).metastoreId,
          workspaceId: "1234567890123456",
        },
      );
      assert.deepStrictEqual(inputsOf(plan, "pulumi:providers:databricks", n("databricks-provider")), {
        host: "https://adb-1234567890123456.7.azuredatabricks.net",
        azureWorkspaceResourceId: idOf("azure-native:databricks:Workspace", `dbw-lh-${stack}-weu`),
      });
    });
  });

  describe(`LakehouseStorage (${stack})`, () => {
    it("creates an ADLS Gen2 account that is private, Entra-only, TLS 1.2, CMK-encrypted", async () => {
      const plan = await planOf(stack);
      const account = resourceOf(plan, "azure-native:storage:StorageAccount", n("lake-account"));
      const inputs = account.inputs as Record<string, unknown>;
      const identity = idOf("azure-native:managedidentity:UserAssignedIdentity", `id-lh-lake-${stack}-weu`);
      const vault = (
        inputsOf(plan, "azure-native:keyvault:Vault", n("foundation-kv")) as { vaultName: string }
      ).vaultName;
      assert.strictEqual(account.protect, s.protect);
      assert.match(inputs.accountName as string, new RegExp(`^stlhlake${stack}weu[0-9a-f]{4}$`));
      const { tags: _tags, accountName: _name, ...security } = inputs;
      assert.deepStrictEqual(security, {
        resourceGroupName: group,
        location: "westeurope",
        kind: "StorageV2",
        sku: { name: s.sku },
        accessTier: "Hot",
        isHnsEnabled: true,
        enableHttpsTrafficOnly: true,
        minimumTlsVersion: "TLS1_2",
        allowBlobPublicAccess: false,
        allowSharedKeyAccess: false,
        defaultToOAuthAuthentication: true,
        allowCrossTenantReplication: false,
        allowedCopyScope: "PrivateLink",
        isLocalUserEnabled: false,
        isSftpEnabled: false,
        publicNetworkAccess: "Disabled",
        networkRuleSet: {
          defaultAction: "Deny",
          bypass: "AzureServices",
          resourceAccessRules: [
            {
              tenantId: "00000000-0000-0000-0000-00000000aaaa",
              resourceId: idOf("azure-native:databricks:AccessConnector", `dac-lh-${stack}-weu`),
            },
          ],
        },
        identity: { type: "UserAssigned", userAssignedIdentities: [identity] },
        encryption: {
          keySource: "Microsoft.Keyvault",
          requireInfrastructureEncryption: true,
          keyVaultProperties: {
            keyName: "cmk-storage-597d8fb0",
            keyVaultUri: `https://${vault}.vault.azure.net/`,
          },
          encryptionIdentity: { encryptionUserAssignedIdentity: identity },
          services: {
            blob: { enabled: true, keyType: "Account" },
            file: { enabled: true, keyType: "Account" },
          },
        },
      });
    });

    it("keeps deleted blobs and containers restorable; no versioning, which HNS accounts do not have", async () => {
      const service = inputsOf(
        await planOf(stack),
        "azure-native:storage:BlobServiceProperties",
        n("lake-blob-service"),
      );
      assert.deepStrictEqual(service.deleteRetentionPolicy, {
        enabled: true,
        days: s.softDeleteDays,
        allowPermanentDelete: false,
      });
      assert.deepStrictEqual(service.containerDeleteRetentionPolicy, {
        enabled: true,
        days: s.softDeleteDays,
      });
      assert.strictEqual(service.isVersioningEnabled, undefined);
    });

    it("creates the medallion containers, all private", async () => {
      const plan = await planOf(stack);
      const containers = resourcesOf(plan, "azure-native:storage:BlobContainer");
      assert.deepStrictEqual(
        containers.map((c) => (c.inputs as { containerName: string }).containerName),
        ["landing", "bronze", "silver", "gold", "catalog"],
      );
      for (const container of containers) {
        assert.strictEqual((container.inputs as { publicAccess: string }).publicAccess, "None");
        assert.strictEqual(container.protect, s.protect);
      }
    });

    it("moves old landing data to cool, to archive where the SKU has it, bronze to cool only", async () => {
      const policy = inputsOf(
        await planOf(stack),
        "azure-native:storage:ManagementPolicy",
        n("lake-lifecycle"),
      ).policy as {
        rules: { name: string; definition: unknown }[];
      };
      // Zone-redundant SKUs (prod: GZRS) have no archive tier.
      const archive = s.sku === "Standard_LRS";
      assert.deepStrictEqual(
        policy.rules.map((r) => [r.name, r.definition]),
        [
          [
            archive ? "landing-to-cool-and-archive" : "landing-to-cool",
            {
              filters: { blobTypes: ["blockBlob"], prefixMatch: ["landing/"] },
              actions: {
                baseBlob: {
                  tierToCool: { daysAfterModificationGreaterThan: 30 },
                  ...(archive ? { tierToArchive: { daysAfterModificationGreaterThan: 90 } } : {}),
                  delete: { daysAfterModificationGreaterThan: 730 },
                },
              },
            },
          ],
          [
            "bronze-to-cool",
            {
              filters: { blobTypes: ["blockBlob"], prefixMatch: ["bronze/"] },
              actions: { baseBlob: { tierToCool: { daysAfterModificationGreaterThan: 90 } } },
            },
          ],
        ],
      );
    });

    it("creates the account only after its identity holds the key", async () => {
      const plan = await planOf(stack);
      const account = resourceOf(plan, "azure-native:storage:StorageAccount", n("lake-account"));
      const grant = resourceOf(
        plan,
        "azure-native:authorization:RoleAssignment",
        n("keys-storage-identity-key"),
      );
      assert.ok(account.dependencies.includes(grant.urn), "the account does not wait for its key grant");
    });

    it("gives the access connector a system identity with data access to the lake account only", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        inputsOf(plan, "azure-native:databricks:AccessConnector", n("lake-connector")).identity,
        { type: "SystemAssigned" },
      );
      const account = idOf(
        "azure-native:storage:StorageAccount",
        (inputsOf(plan, "azure-native:storage:StorageAccount", n("lake-account")) as { accountName: string })
          .accountName,
      );
      for (const [role, id] of [
        ["storageBlobDataContributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe"],
        ["storageQueueDataContributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88"],
      ]) {
        const assignment = inputsOf(
          plan,
          "azure-native:authorization:RoleAssignment",
          n(`lake-connector-${role}`),
        );
        assert.strictEqual(assignment.scope, account);
        assert.strictEqual(
          assignment.roleDefinitionId,
          `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${id}`,
        );
        assert.strictEqual(assignment.principalType, "ServicePrincipal");
      }
    });
  });

  describe(`UnityCatalog (${stack})`, () => {
    const catalog = `lh_${stack}`;

    it("binds an ISOLATED catalog, storage credential and external locations to this workspace only", async () => {
      const plan = await planOf(stack);
      const lake = (
        inputsOf(plan, "azure-native:storage:StorageAccount", n("lake-account")) as { accountName: string }
      ).accountName;
      const cat = resourceOf(plan, "databricks:index/catalog:Catalog", n("uc-catalog"));
      assert.strictEqual(cat.protect, s.protect);
      assert.deepStrictEqual(cat.inputs, {
        name: catalog,
        comment: "Governed medallion lakehouse of this environment.",
        storageRoot: `abfss://catalog@${lake}.dfs.core.windows.net/`,
        isolationMode: "ISOLATED",
        owner: "lakehouse-platform-admins",
        enablePredictiveOptimization: "ENABLE",
        // A stack that may be destroyed (dev, review) drops the tables its pipelines created.
        forceDestroy: stack !== "prod",
      });
      const credential = inputsOf(
        plan,
        "databricks:index/storageCredential:StorageCredential",
        n("uc-credential"),
      );
      assert.strictEqual(credential.isolationMode, "ISOLATION_MODE_ISOLATED");
      assert.deepStrictEqual(credential.azureManagedIdentity, {
        accessConnectorId: idOf("azure-native:databricks:AccessConnector", `dac-lh-${stack}-weu`),
      });
      for (const container of ["landing", "bronze", "silver", "gold", "catalog"]) {
        const location = inputsOf(
          plan,
          "databricks:index/externalLocation:ExternalLocation",
          n(`uc-${container}`),
        );
        assert.deepStrictEqual(
          [location.url, location.credentialName, location.isolationMode, location.readOnly, location.owner],
          [
            `abfss://${container}@${lake}.dfs.core.windows.net/`,
            `${catalog}_lake`,
            "ISOLATION_MODE_ISOLATED",
            container === "landing",
            "lakehouse-platform-admins",
          ],
        );
      }
      // ISOLATED securables are bound to the workspace that creates them; a binding of its own for that
      // workspace would unbind them whenever it is replaced (provider docs, workspace_binding).
      assert.deepStrictEqual(resourcesOf(plan, "databricks:index/workspaceBinding:WorkspaceBinding"), []);
    });

    it("creates bronze, silver and gold schemas per source, and a PII schema for sources with PII", async () => {
      const plan = await planOf(stack);
      const schemas = resourcesOf(plan, "databricks:index/schema:Schema").filter((sc) =>
        sc.name.startsWith(n("uc-")),
      );
      assert.deepStrictEqual(schemas.map((sc) => (sc.inputs as { name: string }).name).sort(), [
        "match_stats_bronze",
        "match_stats_gold",
        "match_stats_silver",
        "ops",
        "registry_bronze",
        "registry_gold",
        "registry_pii",
        "registry_silver",
        "transfers_bronze",
        "transfers_gold",
        "transfers_pii",
        "transfers_silver",
      ]);
      for (const schema of schemas) {
        assert.strictEqual(schema.protect, s.protect);
        const inputs = schema.inputs as Record<string, string>;
        assert.strictEqual(inputs.catalogName, catalog);
        assert.strictEqual(inputs.owner, "lakehouse-platform-admins");
      }
      const pii = inputsOf(plan, "databricks:index/schema:Schema", n("uc-registry-pii"));
      assert.match(pii.storageRoot as string, /^abfss:\/\/bronze@.*\/registry_pii$/);
    });
  });

  describe(`Compute (${stack})`, () => {
    it("bounds job and interactive clusters by policy", async () => {
      const plan = await planOf(stack);
      const definition = (name: string) =>
        JSON.parse(
          inputsOf(plan, "databricks:index/clusterPolicy:ClusterPolicy", n(name)).definition as string,
        ) as Record<string, unknown>;
      const nodeTypes = { type: "allowlist", values: s.nodeTypes, defaultValue: s.nodeTypes[0] };
      const shared = {
        spark_version: { type: "unlimited", defaultValue: "auto:latest-lts" },
        node_type_id: nodeTypes,
        driver_node_type_id: nodeTypes,
        num_workers: { type: "range", minValue: 0, maxValue: s.maxWorkers },
        "autoscale.min_workers": { type: "range", minValue: 1, maxValue: s.maxWorkers, defaultValue: 1 },
        "autoscale.max_workers": { type: "range", minValue: 1, maxValue: s.maxWorkers, defaultValue: 4 },
        dbus_per_hour: { type: "range", maxValue: s.maxDbu },
        enable_local_disk_encryption: { type: "fixed", value: true },
        "ssh_public_keys.*": { type: "forbidden" },
        "azure_attributes.first_on_demand": { type: "fixed", value: 1 },
        "azure_attributes.availability": {
          type: "fixed",
          value: s.spot ? "SPOT_WITH_FALLBACK_AZURE" : "ON_DEMAND_AZURE",
        },
        ...(s.spot ? { "azure_attributes.spot_bid_max_price": { type: "fixed", value: -1 } } : {}),
        "custom_tags.owner": { type: "fixed", value: "data-platform" },
        "custom_tags.costCenter": { type: "fixed", value: "cc-4100" },
        "custom_tags.environment": { type: "fixed", value: stack },
        "custom_tags.dataClassification": {
          type: "fixed",
          value: stack === "prod" ? "restricted" : "confidential",
        },
      };
      assert.deepStrictEqual(definition("compute-jobs-policy"), {
        ...shared,
        cluster_type: { type: "fixed", value: "job" },
        data_security_mode: { type: "fixed", value: "SINGLE_USER" },
      });
      assert.deepStrictEqual(definition("compute-interactive-policy"), {
        ...shared,
        cluster_type: { type: "fixed", value: "all-purpose" },
        data_security_mode: { type: "fixed", value: "USER_ISOLATION" },
        autotermination_minutes: {
          type: "range",
          minValue: 10,
          maxValue: s.maxAutotermination,
          defaultValue: 30,
        },
      });
    });

    it("creates a serverless SQL warehouse that stops when idle and carries the cost tags", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(inputsOf(plan, "databricks:index/sqlEndpoint:SqlEndpoint", n("compute-sql")), {
        name: `lh-${stack}-sql`,
        clusterSize: s.warehouse.clusterSize,
        warehouseType: "PRO",
        enableServerlessCompute: true,
        enablePhoton: true,
        autoStopMins: 10,
        minNumClusters: 1,
        maxNumClusters: s.warehouse.maxNumClusters,
        spotInstancePolicy: "COST_OPTIMIZED",
        channel: { name: "CHANNEL_NAME_CURRENT" },
        tags: {
          customTags: [
            { key: "owner", value: "data-platform" },
            { key: "costCenter", value: "cc-4100" },
            { key: "environment", value: stack },
            { key: "dataClassification", value: stack === "prod" ? "restricted" : "confidential" },
          ],
        },
      });
    });
  });

  describe(`Protection (${stack})`, () => {
    it(`${s.protect ? "protects" : "does not protect"} every stateful resource`, async () => {
      const plan = await planOf(stack);
      // A foreign catalog holds no data: it only points at the replica.
      const stateful = plan.resources.filter(
        (r) => STATEFUL_TYPES.includes(r.type) && !(r.inputs as { connectionName?: string }).connectionName,
      );
      // group, logs, vault, 4 keys, lake, flow-log account, 5 containers, workspace, replica server and database,
      // Event Hubs, catalog, 11 source schemas, the ops and governance schemas, 2 PII secrets and their 2 random values
      assert.strictEqual(stateful.length, 1 + 1 + 1 + 4 + 1 + 1 + 5 + 1 + 2 + 1 + 1 + 13 + 2 + 2);
      assert.deepStrictEqual(
        stateful.filter((r) => r.protect !== s.protect).map((r) => r.urn),
        [],
      );
    });
  });
}
