// What issue 19 builds into the platform, asserted on the recorded plan of each stack: the VNet flow log with
// Traffic Analytics and its storage account, Microsoft Defender for SQL and zone redundancy on the replica,
// and the subscription's Defender plans where the stack owns them (prod).
import * as assert from "assert";
import { incarnationOf, inputsOf, planOf, resourceOf, resourcesOf } from "./support/plan";
import { FLOW_LOG_SINK_TAG } from "../components/network/flow-logs";
import {
  DEFENDER_FOR_STORAGE_PROPERTIES,
  FLOW_LOG_SINK_FIREWALL,
  resourceArgs,
  violationsOf,
} from "./support/policy";
import * as storageRules from "../policies/rules/storage";
import * as sqlRules from "../policies/rules/sql";
import { zoneRedundancyInputs } from "../components/ingestion/sql-replica";

const SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-00000000bbbb";
const BLOB_DATA_CONTRIBUTOR = `${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/ba92f5b4-2d11-453d-a403-e96b0029c9fe`;
const STACKS = [
  { stack: "dev", sku: "Standard_LRS", zoneRedundant: false, defender: false, protect: false, emails: 1 },
  { stack: "prod", sku: "Standard_GZRS", zoneRedundant: true, defender: true, protect: true, emails: 2 },
];

it("makes a Hyperscale replica zone-redundant with zone-redundant backups and a high-availability replica", async () => {
  const hyperscale = zoneRedundancyInputs("HS_Gen5_2", true);
  assert.deepStrictEqual(hyperscale, {
    zoneRedundant: true,
    requestedBackupStorageRedundancy: "Zone",
    highAvailabilityReplicaCount: 1,
  });
  assert.deepStrictEqual(zoneRedundancyInputs("HS_Gen5_2", false), { zoneRedundant: false });
  assert.deepStrictEqual(zoneRedundancyInputs("GP_Gen5_4", true), { zoneRedundant: true });
  assert.deepStrictEqual(
    await violationsOf(
      sqlRules.sqlHyperscaleZoneRedundancy,
      resourceArgs("azure-native:sql:Database", { sku: { name: "HS_Gen5_2" }, ...hyperscale }),
    ),
    [],
  );
});

it("marks the flow-log account with the tag the policy pack exempts", () => {
  assert.strictEqual(FLOW_LOG_SINK_TAG, storageRules.FLOW_LOG_SINK_TAG);
});

for (const s of STACKS) {
  const { stack } = s;
  const n = (suffix: string) => `lh-${stack}-${suffix}`;
  const rg = `${SUBSCRIPTION}/resourceGroups/rg-lh-${stack}-weu/providers`;

  describe(`FlowLogs (${stack})`, () => {
    it("logs the platform's VNet for 90 days, with Traffic Analytics, in the region's Network Watcher", async () => {
      const plan = await planOf(stack);
      const accountName = inputsOf(plan, "azure-native:storage:StorageAccount", n("flowlogs-account"))
        .accountName as string;
      assert.match(accountName, new RegExp(`^stlhflowlogs${stack}weu[0-9a-f]{4}$`));
      // The mandatory tags are the tagging spec's concern.
      const { tags, ...flowLog } = inputsOf(plan, "azure-native:network:FlowLog", n("flowlogs-vnet"));
      assert.ok(tags);
      const workspaceId = (
        flowLog.flowAnalyticsConfiguration as {
          networkWatcherFlowAnalyticsConfiguration: { workspaceId: string };
        }
      ).networkWatcherFlowAnalyticsConfiguration.workspaceId;
      assert.match(workspaceId, /^[0-9a-f-]{36}$/, "Traffic Analytics needs the workspace GUID");
      assert.deepStrictEqual(flowLog, {
        resourceGroupName: "NetworkWatcherRG",
        networkWatcherName: "NetworkWatcher_westeurope",
        flowLogName: `vnet-lh-flowlog-${stack}-weu`,
        location: "westeurope",
        targetResourceId: `${rg}/azure-native:network:VirtualNetwork/vnet-lh-${stack}-weu`,
        storageId: `${rg}/azure-native:storage:StorageAccount/${accountName}`,
        enabled: true,
        identity: {
          type: "UserAssigned",
          userAssignedIdentities: [
            `${rg}/azure-native:managedidentity:UserAssignedIdentity/id-lh-flowlogs-${stack}-weu`,
          ],
        },
        retentionPolicy: { enabled: true, days: 90 },
        format: { type: "JSON", version: 2 },
        flowAnalyticsConfiguration: {
          networkWatcherFlowAnalyticsConfiguration: {
            enabled: true,
            workspaceResourceId: `${rg}/azure-native:operationalinsights:Workspace/log-lh-${stack}-weu-${incarnationOf(stack)}`,
            workspaceId,
            workspaceRegion: "westeurope",
            trafficAnalyticsInterval: 10,
          },
        },
      });
      // No NSG flow log: they can no longer be created.
      assert.deepStrictEqual(resourcesOf(plan, "azure-native:network:FlowLog").length, 1);
    });

    it("writes to a standard, Entra-only, CMK-encrypted account whose public endpoint lets trusted services in only", async () => {
      const plan = await planOf(stack);
      const resource = resourceOf(plan, "azure-native:storage:StorageAccount", n("flowlogs-account"));
      assert.strictEqual(resource.protect, s.protect);
      const inputs = resource.inputs as Record<string, unknown>;
      assert.deepStrictEqual(
        {
          kind: inputs.kind,
          sku: inputs.sku,
          isHnsEnabled: inputs.isHnsEnabled,
          allowSharedKeyAccess: inputs.allowSharedKeyAccess,
          publicNetworkAccess: inputs.publicNetworkAccess,
          networkRuleSet: inputs.networkRuleSet,
          sinkTag: (inputs.tags as Record<string, string>)[FLOW_LOG_SINK_TAG],
          minimumTlsVersion: inputs.minimumTlsVersion,
          allowBlobPublicAccess: inputs.allowBlobPublicAccess,
          keySource: (inputs.encryption as { keySource: string }).keySource,
          requireInfrastructureEncryption: (inputs.encryption as { requireInfrastructureEncryption: boolean })
            .requireInfrastructureEncryption,
        },
        {
          kind: "StorageV2",
          sku: { name: s.sku },
          isHnsEnabled: undefined,
          allowSharedKeyAccess: false,
          // Network Watcher FAQ: public network access enabled from selected networks, trusted services let in.
          publicNetworkAccess: "Enabled",
          networkRuleSet: FLOW_LOG_SINK_FIREWALL,
          sinkTag: "true",
          minimumTlsVersion: "TLS1_2",
          allowBlobPublicAccess: false,
          keySource: "Microsoft.Keyvault",
          requireInfrastructureEncryption: true,
        },
      );
      const writer = inputsOf(
        plan,
        "azure-native:authorization:RoleAssignment",
        n("flowlogs-identity-blob-writer"),
      );
      assert.deepStrictEqual(
        [writer.roleDefinitionId, writer.scope],
        [BLOB_DATA_CONTRIBUTOR, `${rg}/azure-native:storage:StorageAccount/${inputs.accountName as string}`],
      );
      assert.deepStrictEqual(
        inputsOf(plan, "azure-native:storage:ManagementPolicy", n("flowlogs-lifecycle")).policy,
        {
          rules: [
            {
              name: "delete-old-versions",
              enabled: true,
              type: "Lifecycle",
              definition: {
                filters: { blobTypes: ["blockBlob"] },
                actions: { version: { delete: { daysAfterCreationGreaterThan: 7 } } },
              },
            },
          ],
        },
      );
    });
  });

  describe(`SqlReplica posture (${stack})`, () => {
    it("turns on Microsoft Defender for SQL with every alert, mailed to the alert addresses and the admins", async () => {
      const plan = await planOf(stack);
      const policy = inputsOf(
        plan,
        "azure-native:sql:ServerSecurityAlertPolicy",
        n("replica-threat-detection"),
      );
      assert.deepStrictEqual(
        [policy.securityAlertPolicyName, policy.state, policy.disabledAlerts, policy.emailAccountAdmins],
        ["Default", "Enabled", [], true],
      );
      assert.strictEqual((policy.emailAddresses as string[]).length, s.emails);
      assert.match(policy.serverName as string, new RegExp(`^sql-lh-replica-${stack}-weu-`));
    });

    it(`is ${s.zoneRedundant ? "" : "not "}zone-redundant`, async () => {
      const plan = await planOf(stack);
      assert.strictEqual(
        inputsOf(plan, "azure-native:sql:Database", n("replica-database")).zoneRedundant,
        s.zoneRedundant,
      );
    });
  });

  describe(`StorageThreatProtection (${stack})`, () => {
    it("turns Defender for Storage on for each account of the stack, with both extensions, overriding the subscription", async () => {
      const plan = await planOf(stack);
      const settings = resourcesOf(plan, "azure-native:security:DefenderForStorage");
      assert.deepStrictEqual(
        settings.map((r) => [r.name, r.inputs]),
        ["lake", "flowlogs"].map((role) => [
          n(`storage-defender-${role}`),
          {
            resourceId: `${rg}/azure-native:storage:StorageAccount/${
              inputsOf(
                plan,
                "azure-native:storage:StorageAccount",
                n(role === "lake" ? "lake-account" : "flowlogs-account"),
              ).accountName as string
            }`,
            settingName: "current",
            properties: DEFENDER_FOR_STORAGE_PROPERTIES,
          },
        ]),
      );
    });
  });

  describe(`DefenderPlans (${stack})`, () => {
    it(`${s.defender ? "turns on" : "leaves to the landing zone"} the Defender plans for Storage and Key Vault`, async () => {
      const plan = await planOf(stack);
      const pricings = resourcesOf(plan, "azure-native:security:Pricing");
      if (!s.defender) {
        assert.deepStrictEqual(pricings, []);
        return;
      }
      assert.deepStrictEqual(
        pricings.map((p) => [p.name, p.retainOnDelete, p.inputs]),
        [
          [
            n("defender-storage"),
            true,
            {
              scopeId: SUBSCRIPTION,
              pricingName: "StorageAccounts",
              pricingTier: "Standard",
              subPlan: "DefenderForStorageV2",
              extensions: [
                {
                  name: "OnUploadMalwareScanning",
                  isEnabled: "True",
                  additionalExtensionProperties: { CapGBPerMonthPerStorageAccount: "5000" },
                },
                { name: "SensitiveDataDiscovery", isEnabled: "True" },
              ],
            },
          ],
          [
            n("defender-keyvault"),
            true,
            { scopeId: SUBSCRIPTION, pricingName: "KeyVaults", pricingTier: "Standard" },
          ],
        ],
      );
    });
  });
}
