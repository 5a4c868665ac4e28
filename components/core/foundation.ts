import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import * as resources from "@pulumi/azure-native/resources";
import { AzureRegion, Naming } from "./naming";

export interface FoundationArgs {
  /** Names every resource (see `Naming`). */
  readonly naming: Naming;
  /** Azure region of every resource. */
  readonly location: AzureRegion;
  /** Entra ID tenant that owns the Key Vault. */
  readonly tenantId: pulumi.Input<string>;
  /** Days Log Analytics keeps logs (30 to 730). */
  readonly logRetentionDays: number;
  /** Protects the stateful resources from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
}

/**
 * The resources every other component needs: the stack's resource group, its Log Analytics workspace (the
 * target of every diagnostic setting) and its Key Vault (customer-managed keys and secrets). Secure by
 * default: RBAC-only vault with purge protection and no public network access, Entra-only log access.
 */
export class Foundation extends pulumi.ComponentResource {
  public readonly resourceGroup: resources.ResourceGroup;
  public readonly logAnalytics: operationalinsights.Workspace;
  public readonly keyVault: keyvault.Vault;

  constructor(name: string, args: FoundationArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:core:Foundation", name, {}, opts);
    const { naming, location } = args;
    const stateful = { parent: this, protect: args.protect ?? false };

    this.resourceGroup = new resources.ResourceGroup(
      `${name}-rg`,
      { resourceGroupName: naming.name("resourceGroup"), location },
      stateful,
    );
    const resourceGroupName = this.resourceGroup.name;

    this.logAnalytics = new operationalinsights.Workspace(
      `${name}-logs`,
      {
        resourceGroupName,
        location,
        workspaceName: naming.incarnationName("logAnalyticsWorkspace"),
        sku: { name: operationalinsights.WorkspaceSkuNameEnum.PerGB2018 },
        retentionInDays: args.logRetentionDays,
        features: { disableLocalAuth: true, enableLogAccessUsingOnlyResourcePermissions: true },
        // Diagnostic settings reach the workspace over the Azure backbone; agents and queries from the
        // internet do not. Private query access arrives with the monitoring private link scope.
        publicNetworkAccessForIngestion: operationalinsights.PublicNetworkAccessType.Disabled,
        publicNetworkAccessForQuery: operationalinsights.PublicNetworkAccessType.Disabled,
      },
      stateful,
    );

    this.keyVault = new keyvault.Vault(
      `${name}-kv`,
      {
        resourceGroupName,
        location,
        vaultName: naming.incarnationName("keyVault"),
        properties: {
          tenantId: args.tenantId,
          // Premium keeps customer-managed keys in HSMs.
          sku: { family: keyvault.SkuFamily.A, name: keyvault.SkuName.Premium },
          enableRbacAuthorization: true,
          enableSoftDelete: true,
          softDeleteRetentionInDays: 90,
          enablePurgeProtection: true,
          enabledForDeployment: false,
          enabledForDiskEncryption: false,
          enabledForTemplateDeployment: false,
          publicNetworkAccess: "Disabled",
          // Trusted Azure services (Databricks, Storage) still reach their customer-managed keys.
          networkAcls: {
            defaultAction: keyvault.NetworkRuleAction.Deny,
            bypass: keyvault.NetworkRuleBypassOptions.AzureServices,
          },
        },
      },
      stateful,
    );

    this.registerOutputs({
      resourceGroup: this.resourceGroup,
      logAnalytics: this.logAnalytics,
      keyVault: this.keyVault,
    });
  }
}
