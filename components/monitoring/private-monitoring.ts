import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as dashboard from "@pulumi/azure-native/dashboard";
import * as monitor from "@pulumi/azure-native/monitor";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { AzurePlacement } from "../core/naming";
import { AZURE_MONITOR_ZONES, Network } from "../network/network";

export interface PrivateMonitoringArgs extends AzurePlacement {
  readonly network: Network;
  /** The Log Analytics workspace and Application Insights component, both closed to public networks. */
  readonly logAnalytics: operationalinsights.Workspace;
  readonly applicationInsights: applicationinsights.Component;
  /** Managed Grafana, outside the VNet: it reaches the scope through a managed private endpoint. */
  readonly grafana: dashboard.Grafana;
}

/** Group id of an Azure Monitor Private Link Scope's private link resource. */
export const AZURE_MONITOR_GROUP = "azuremonitor";

/**
 * Azure Monitor over Private Link (Learn, "Use Azure Private Link to connect networks to Azure Monitor"): a
 * private link scope holding Log Analytics and Application Insights, private-only for ingestion and query,
 * its private endpoint in the VNet with the five zones Azure Monitor answers in, and a managed private
 * endpoint from Managed Grafana to the scope (Learn, "Connect to a data source privately"), which the
 * scope's owner approves once (README, "One-time steps").
 */
export class PrivateMonitoring extends pulumi.ComponentResource {
  public readonly scope: monitor.PrivateLinkScope;
  public readonly endpoint: pulumi.Resource;
  public readonly grafanaEndpoint: dashboard.ManagedPrivateEndpoint;

  constructor(name: string, args: PrivateMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:monitoring:PrivateMonitoring", name, {}, opts);
    const { naming, location, resourceGroupName } = args;

    this.scope = new monitor.PrivateLinkScope(
      `${name}-ampls`,
      {
        resourceGroupName,
        location: "global",
        scopeName: naming.name("monitorPrivateLinkScope"),
        accessModeSettings: {
          ingestionAccessMode: monitor.AccessMode.PrivateOnly,
          queryAccessMode: monitor.AccessMode.PrivateOnly,
        },
      },
      { parent: this },
    );
    const scoped = { logs: args.logAnalytics.id, appinsights: args.applicationInsights.id };
    for (const [role, linkedResourceId] of Object.entries(scoped)) {
      new monitor.PrivateLinkScopedResource(
        `${name}-ampls-${role}`,
        { resourceGroupName, scopeName: this.scope.name, name: role, linkedResourceId },
        { parent: this.scope },
      );
    }
    this.endpoint = args.network.privateEndpoint(
      `${name}-ampls`,
      { resourceId: this.scope.id, groupId: AZURE_MONITOR_GROUP, zone: AZURE_MONITOR_ZONES, role: "ampls" },
      this,
    );
    this.grafanaEndpoint = new dashboard.ManagedPrivateEndpoint(
      `${name}-grafana-ampls`,
      {
        resourceGroupName,
        location,
        workspaceName: args.grafana.name,
        managedPrivateEndpointName: "ampls",
        privateLinkResourceId: this.scope.id,
        privateLinkResourceRegion: location,
        groupIds: [AZURE_MONITOR_GROUP],
        requestMessage: "Managed Grafana reads Log Analytics and Application Insights through the scope",
      },
      { parent: this },
    );
    this.registerOutputs({ scope: this.scope, endpoint: this.endpoint });
  }
}
