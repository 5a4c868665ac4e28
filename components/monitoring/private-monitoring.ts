import * as pulumi from "@pulumi/pulumi";
import * as applicationinsights from "@pulumi/azure-native/applicationinsights";
import * as dashboard from "@pulumi/azure-native/dashboard";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as operationalinsights from "@pulumi/azure-native/operationalinsights";
import { Provider as AzureProvider } from "@pulumi/azure-native/provider";
import { AzurePlacement } from "../core/naming";
import { AZURE_MONITOR_ZONES, Network } from "../network/network";
import { PrivateEndpointApproval } from "../network/private-endpoint-approval";

/**
 * API versions of the scope's connections (2021-07-01-preview: the REST spec's PrivateEndpointConnections
 * list, get and put; azure-native 3.28 offers it too) and of Grafana's managed private endpoints (3.28's).
 */
const MONITOR_API_VERSION = "2021-07-01-preview";
const GRAFANA_API_VERSION = "2024-10-01";

export interface PrivateMonitoringArgs extends AzurePlacement {
  readonly network: Network;
  /** The Log Analytics workspace and Application Insights component, both closed to public networks. */
  readonly logAnalytics: operationalinsights.Workspace;
  readonly applicationInsights: applicationinsights.Component;
  /** Managed Grafana, outside the VNet: it reaches the scope through a managed private endpoint. */
  readonly grafana: dashboard.Grafana;
  /**
   * Resource id of a landing zone's Azure Monitor Private Link Scope (on its hub, with its private endpoint
   * and central DNS zones): the stack adds its resources to it instead of creating a scope of its own.
   */
  readonly existingScopeId?: string;
}

/** Group id of an Azure Monitor Private Link Scope's private link resource. */
export const AZURE_MONITOR_GROUP = "azuremonitor";

/**
 * The scope's access modes for the networks connected to it (Learn, "Design your Private Link setup", access
 * modes). Query: PrivateOnly, so nothing in the VNet queries Azure Monitor resources outside the platform's
 * scope. Ingestion: Open, because Learn advises Private Only only once every Azure Monitor resource the VNet
 * sends to is in the scope, and agents in the VNet (a deployer VM's Defender or landing-zone agents) send to
 * workspaces that are not; Log Analytics ingestion ignores the mode anyway (resource-specific endpoints),
 * and the platform's own resources refuse public ingestion themselves.
 */
export const ACCESS_MODES = {
  ingestionAccessMode: monitor.AccessMode.Open,
  queryAccessMode: monitor.AccessMode.PrivateOnly,
} as const;

/** Resource group, scope name and subscription of a private link scope's resource id. */
export function parseScopeId(id: string): {
  subscriptionId: string;
  resourceGroupName: string;
  scopeName: string;
} {
  const match =
    /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/microsoft\.insights\/privateLinkScopes\/([^/]+)$/i.exec(
      id,
    );
  if (!match) throw new Error(`not an Azure Monitor Private Link Scope id: ${id}`);
  return { subscriptionId: match[1], resourceGroupName: match[2], scopeName: match[3] };
}

/**
 * Azure Monitor over Private Link (Learn, "Use Azure Private Link to connect networks to Azure Monitor"): Log
 * Analytics and Application Insights in a private link scope, reached from the VNet through the scope's
 * private endpoint with the five zones Azure Monitor answers in; and Managed Grafana's managed private
 * endpoint to the scope (Learn, "Connect to a data source privately"), approved on the scope by this stack.
 * In a landing zone (`existingScopeId`) the hub's single scope serves every spoke (Learn: "create only a
 * single AMPLS object per DNS"): the stack adds its resources to that scope and creates no scope, endpoint or
 * Azure Monitor zones of its own.
 */
export class PrivateMonitoring extends pulumi.ComponentResource {
  /** The stack's own scope; none in a landing zone. */
  public readonly scope?: monitor.PrivateLinkScope;
  /** The scope's private endpoint in the VNet; none in a landing zone. */
  public readonly endpoint?: network.PrivateEndpoint;
  public readonly grafanaEndpoint: dashboard.ManagedPrivateEndpoint;
  /** The approval of Grafana's connection on the scope. */
  public readonly grafanaApproval: PrivateEndpointApproval;

  constructor(name: string, args: PrivateMonitoringArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:monitoring:PrivateMonitoring", name, {}, opts);
    const { naming, location, resourceGroupName } = args;

    let scope: {
      id: pulumi.Input<string>;
      resourceGroupName: pulumi.Input<string>;
      scopeName: pulumi.Input<string>;
    };
    let onScope: pulumi.CustomResourceOptions;
    if (args.existingScopeId) {
      const existing = parseScopeId(args.existingScopeId);
      scope = { id: args.existingScopeId, ...existing };
      // The landing zone's scope usually lives in its connectivity or management subscription.
      onScope = {
        parent: this,
        provider: new AzureProvider(
          `${name}-scope-provider`,
          { subscriptionId: existing.subscriptionId },
          { parent: this },
        ),
      };
    } else {
      this.scope = new monitor.PrivateLinkScope(
        `${name}-ampls`,
        {
          resourceGroupName,
          location: "global",
          scopeName: naming.name("monitorPrivateLinkScope"),
          accessModeSettings: ACCESS_MODES,
        },
        { parent: this },
      );
      scope = { id: this.scope.id, resourceGroupName, scopeName: this.scope.name };
      onScope = { parent: this.scope };
      this.endpoint = args.network.privateEndpoint(
        `${name}-ampls`,
        { resourceId: this.scope.id, groupId: AZURE_MONITOR_GROUP, zone: AZURE_MONITOR_ZONES, role: "ampls" },
        this,
      );
    }
    const scoped = { logs: args.logAnalytics.id, appinsights: args.applicationInsights.id };
    for (const [role, linkedResourceId] of Object.entries(scoped)) {
      new monitor.PrivateLinkScopedResource(
        `${name}-ampls-${role}`,
        {
          resourceGroupName: scope.resourceGroupName,
          scopeName: scope.scopeName,
          // Unique in a landing zone's scope shared by many stacks.
          name: args.existingScopeId ? naming.name("monitorPrivateLinkScope", role) : role,
          linkedResourceId,
        },
        onScope,
      );
    }

    // Grafana's connection is known by its request message alone, unique to this stack's Grafana (resource
    // group and name); the managed endpoint exposes nothing of the private endpoint Grafana creates in its
    // managed network. The approval's text names it too. Both fit Private Link's 140 characters (its
    // `requestMessage`: "Restricted to 140 chars"): 16 + a resource group's 90 + 1 + Grafana's 23 + 10.
    const grafanaRef = pulumi.interpolate`${resourceGroupName}/${args.grafana.name}`;
    const requestMessage = pulumi.interpolate`Managed Grafana ${grafanaRef}`;
    const approvedMessage = pulumi.interpolate`Managed Grafana ${grafanaRef}: approved`;
    this.grafanaEndpoint = new dashboard.ManagedPrivateEndpoint(
      `${name}-grafana-ampls`,
      {
        resourceGroupName,
        location,
        workspaceName: args.grafana.name,
        managedPrivateEndpointName: "ampls",
        privateLinkResourceId: scope.id,
        privateLinkResourceRegion: location,
        groupIds: [AZURE_MONITOR_GROUP],
        requestMessage,
      },
      { parent: this },
    );
    // Grafana creates its endpoint in its managed network, pending until the scope's owner approves it;
    // approved by anybody (the managed endpoint says so), nothing is left to do. Learn asks for a
    // Grafana-side Refresh only for Private Link service targets (README, "Who reaches what").
    this.grafanaApproval = new PrivateEndpointApproval(
      `${name}-grafana-ampls-approval`,
      {
        targetId: scope.id,
        apiVersion: MONITOR_API_VERSION,
        match: { descriptions: [requestMessage, approvedMessage] },
        description: approvedMessage,
        requester: { id: this.grafanaEndpoint.id, apiVersion: GRAFANA_API_VERSION },
      },
      // A replaced managed endpoint (same name, so the same id) opens a new connection: a new approval.
      { ...onScope, dependsOn: [this.grafanaEndpoint], replaceWith: [this.grafanaEndpoint] },
    );
    this.registerOutputs({
      scope: this.scope,
      endpoint: this.endpoint,
      grafanaApproval: this.grafanaApproval,
    });
  }
}
