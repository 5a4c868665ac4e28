import * as azureDatabricks from "@pulumi/azure-native/databricks";
import * as eventhub from "@pulumi/azure-native/eventhub";
import { Policies } from "@pulumi/policy";
import { anchor, resourceRule, publicAccessDisabled, unless } from "../lib/rule";

export const workspacePremium = resourceRule(
  {
    name: "databricks-workspace-premium",
    description:
      "Databricks workspaces are premium (Unity Catalog, access control, audit logs). Unset fails.",
    severity: "high",
    anchor: anchor(
      "Azure Policy",
      "2cc2c3b5-c2f8-45aa-a9e6-f90d85ae8352",
      "Azure Databricks workspaces should be Premium SKU that supports features like private link, customer-managed key for encryption",
    ),
    remediationSteps: "Set sku.name: premium.",
  },
  azureDatabricks.Workspace,
  (p) =>
    unless(
      p.sku?.name === "premium",
      `Databricks workspace is not premium: sku.name is ${String(p.sku?.name ?? "unset")}, must be premium.`,
    ),
);

export const workspaceNoPublicIp = resourceRule(
  {
    name: "databricks-workspace-no-public-ip",
    description:
      "Databricks clusters get no public IPs (secure cluster connectivity). Unset fails: written out.",
    severity: "critical",
    anchor: anchor(
      "Azure Policy",
      "51c1490f-3319-459c-bbbc-7f391bbed753",
      "Azure Databricks Clusters should disable public IP",
    ),
    remediationSteps: "Set parameters.enableNoPublicIp.value: true.",
  },
  azureDatabricks.Workspace,
  (p) =>
    unless(
      p.parameters?.enableNoPublicIp?.value === true,
      "Databricks clusters get public IPs: parameters.enableNoPublicIp.value must be true.",
    ),
);

export const workspaceVnetInjection = resourceRule(
  {
    name: "databricks-workspace-vnet-injection",
    description: "Databricks workspaces are injected into the platform's VNet. Unset fails.",
    severity: "high",
    anchor: anchor(
      "Azure Policy",
      "9c25c9e4-ee12-4882-afd2-11fb9d87893f",
      "Azure Databricks Workspaces should be in a virtual network",
    ),
    remediationSteps:
      "Set parameters.customVirtualNetworkId, customPublicSubnetName and customPrivateSubnetName.",
  },
  azureDatabricks.Workspace,
  (p) =>
    unless(
      Boolean(
        p.parameters?.customVirtualNetworkId?.value &&
        p.parameters?.customPublicSubnetName?.value &&
        p.parameters?.customPrivateSubnetName?.value,
      ),
      "Databricks workspace is not VNet-injected: set parameters.customVirtualNetworkId, customPublicSubnetName and customPrivateSubnetName.",
    ),
);

export const workspacePrivateLink = resourceRule(
  {
    name: "databricks-workspace-private",
    description:
      "Databricks workspaces have public network access disabled (private link). Unset fails: Azure's default is Enabled.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_158",
      "Ensure Databricks Workspace data plane to control plane communication happens over private link; Azure Policy 0e7849de-b939-4c50-ab48-fc6b0f5eeba2",
    ),
    remediationSteps:
      "Set publicNetworkAccess: Disabled and requiredNsgRules: NoAzureDatabricksRules, with private endpoints.",
  },
  azureDatabricks.Workspace,
  (p) => [
    ...publicAccessDisabled("Databricks workspace", p.publicNetworkAccess),
    ...unless(
      p.requiredNsgRules === "NoAzureDatabricksRules",
      `Databricks workspace keeps control-plane NSG rules: requiredNsgRules is ${String(p.requiredNsgRules ?? "unset")}, must be NoAzureDatabricksRules.`,
    ),
  ],
);

/**
 * The tag of a workspace's first deployment: Azure creates the DBFS root's identity with the workspace, so
 * its key can only be turned on by the next update (Microsoft Learn, "Configure customer-managed keys for
 * DBFS root": prepare the workspace, grant the key to its storage identity, then update it).
 */
export const DBFS_ROOT_CMK_PENDING = { key: "lakehouse-bootstrap", value: "dbfs-root-cmk-pending" } as const;

export const workspaceCmk = resourceRule(
  {
    name: "databricks-workspace-cmk",
    description:
      "Databricks workspaces encrypt managed services, managed disks and the DBFS root with customer-managed keys. Unset fails.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV2_AZURE_48",
      "Ensure that Databricks Workspaces enables customer-managed key for root DBFS encryption (managed services and disks: project SRA)",
    ),
    remediationSteps:
      "Set encryption.entities.managedServices and managedDisk with keySource Microsoft.Keyvault, parameters.prepareEncryption, and parameters.encryption (lakehouse:dbfsRootCmk); on a workspace's first deployment only, the tag lakehouse-bootstrap: dbfs-root-cmk-pending stands for parameters.encryption until the next update.",
  },
  azureDatabricks.Workspace,
  (p) => [
    ...unless(
      p.encryption?.entities?.managedServices?.keySource === "Microsoft.Keyvault",
      "Databricks managed services are not encrypted with a customer-managed key: encryption.entities.managedServices.keySource must be Microsoft.Keyvault.",
    ),
    ...unless(
      p.encryption?.entities?.managedDisk?.keySource === "Microsoft.Keyvault",
      "Databricks managed disks are not encrypted with a customer-managed key: encryption.entities.managedDisk.keySource must be Microsoft.Keyvault.",
    ),
    ...unless(
      p.parameters?.prepareEncryption?.value === true &&
        (p.parameters?.encryption?.value?.keySource === "Microsoft.Keyvault" ||
          p.tags?.[DBFS_ROOT_CMK_PENDING.key] === DBFS_ROOT_CMK_PENDING.value),
      "Databricks DBFS root is not encrypted with a customer-managed key: set parameters.prepareEncryption and parameters.encryption (lakehouse:dbfsRootCmk is false).",
    ),
  ],
);

export const eventHubsSecure = {
  ...resourceRule(
    {
      name: "eventhubs-secure",
      description:
        "Event Hubs namespaces require TLS 1.2, disable SAS keys and public network access. Unset TLS passes (1.2 is the default since API 2022-01-01-preview and TLS 1.0/1.1 are retired); unset SAS and public access fail.",
      severity: "high",
      anchor: anchor(
        "checkov",
        "CKV_AZURE_223",
        "Ensure Event Hub Namespace uses at least TLS 1.2; Azure Policy 5d4e3c65-4873-47be-94f3-6f8b953a3598, 0602787f-9896-402a-a6e1-39ee63ee435e",
      ),
      remediationSteps:
        "Set minimumTlsVersion: 1.2 or leave it unset (remediable automatically), disableLocalAuth: true and publicNetworkAccess: Disabled.",
    },
    eventhub.Namespace,
    (p) => [
      ...unless(
        p.minimumTlsVersion === undefined || p.minimumTlsVersion === "1.2" || p.minimumTlsVersion === "1.3",
        `Event Hubs allows TLS below 1.2: minimumTlsVersion is ${String(p.minimumTlsVersion)}, must be 1.2 or unset.`,
      ),
      ...unless(p.disableLocalAuth === true, "Event Hubs accepts SAS keys: disableLocalAuth must be true."),
      ...publicAccessDisabled("Event Hubs", p.publicNetworkAccess),
    ],
  ),
  remediateResource: (args: { type: string; props: Record<string, unknown> }) =>
    args.type === "azure-native:eventhub:Namespace" && args.props.minimumTlsVersion !== "1.3"
      ? { ...args.props, minimumTlsVersion: "1.2" }
      : undefined,
};

export const workspacePolicies: Policies = [
  workspacePremium,
  workspaceNoPublicIp,
  workspaceVnetInjection,
  workspacePrivateLink,
  workspaceCmk,
];
export const eventHubsPolicies: Policies = [eventHubsSecure];
