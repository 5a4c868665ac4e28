import * as assert from "assert";
import { incarnationOf, planOf, resourceOf } from "./support/plan";

const TENANT = "00000000-0000-0000-0000-00000000aaaa";

function expectedTags(stack: string, classification: string) {
  return {
    owner: "data-platform",
    costCenter: "cc-4100",
    environment: stack,
    dataClassification: classification,
    managedBy: "pulumi",
    project: "lakehouse",
    stack,
  };
}

const stacks = [
  { stack: "dev", classification: "confidential", retention: 30, protect: false },
  { stack: "prod", classification: "restricted", retention: 365, protect: true },
];

for (const { stack, classification, retention, protect } of stacks) {
  describe(`Foundation component (${stack})`, () => {
    const tags = expectedTags(stack, classification);

    it("creates the stack's resource group", async () => {
      const group = resourceOf(
        await planOf(stack),
        "azure-native:resources:ResourceGroup",
        `lh-${stack}-foundation-rg`,
      );
      assert.deepStrictEqual(group.inputs, {
        location: "westeurope",
        resourceGroupName: `rg-lh-${stack}-weu`,
        tags,
      });
      assert.strictEqual(group.protect, protect);
      assert.strictEqual(
        group.parent,
        `urn:pulumi:${stack}::lakehouse::lakehouse:core:LakehousePlatform$lakehouse:core:Foundation::lh-${stack}-foundation`,
      );
    });

    it("creates a Log Analytics workspace with Entra-only access and no public network access", async () => {
      const logs = resourceOf(
        await planOf(stack),
        "azure-native:operationalinsights:Workspace",
        `lh-${stack}-foundation-logs`,
      );
      assert.deepStrictEqual(logs.inputs, {
        features: { disableLocalAuth: true, enableLogAccessUsingOnlyResourcePermissions: true },
        location: "westeurope",
        publicNetworkAccessForIngestion: "Disabled",
        publicNetworkAccessForQuery: "Disabled",
        resourceGroupName: `rg-lh-${stack}-weu`,
        retentionInDays: retention,
        sku: { name: "PerGB2018" },
        tags,
        // Unique per incarnation: a deleted workspace keeps its name for 14 days.
        workspaceName: `log-lh-${stack}-weu-${incarnationOf(stack)}`,
      });
      assert.strictEqual(logs.protect, protect);
    });

    it("creates an RBAC-only Key Vault with purge protection and no public network access", async () => {
      const vault = resourceOf(
        await planOf(stack),
        "azure-native:keyvault:Vault",
        `lh-${stack}-foundation-kv`,
      );
      const inputs = vault.inputs as { vaultName: string; properties: unknown };
      // Globally unique (stable hash), then unique per incarnation (purge protection keeps the name 90 days).
      assert.match(inputs.vaultName, new RegExp(`^kv-lh-${stack}-weu-[0-9a-f]{4}-${incarnationOf(stack)}$`));
      assert.deepStrictEqual(vault.inputs, {
        location: "westeurope",
        properties: {
          enablePurgeProtection: true,
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          enabledForDeployment: false,
          enabledForDiskEncryption: false,
          enabledForTemplateDeployment: false,
          networkAcls: { bypass: "AzureServices", defaultAction: "Deny" },
          publicNetworkAccess: "Disabled",
          sku: { family: "A", name: "premium" },
          softDeleteRetentionInDays: 90,
          tenantId: TENANT,
        },
        resourceGroupName: `rg-lh-${stack}-weu`,
        tags,
        vaultName: inputs.vaultName,
      });
      assert.strictEqual(vault.protect, protect);
    });
  });
}
