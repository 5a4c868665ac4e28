import { Policies, PolicyResource } from "@pulumi/policy";
import { read } from "../lib/unknown";
import { waitsFor } from "../lib/dependencies";
import { anchor, stackRule } from "../lib/rule";

// Deployability: Reachability constraints (issue 16): a private path exists for every party that must get in.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.

const LEARN = "https://learn.microsoft.com/azure";

const TYPES = {
  subnet: "azure-native:network:Subnet",
  natGateway: "azure-native:network:NatGateway",
  routeTable: "azure-native:network:RouteTable",
  logAnalytics: "azure-native:operationalinsights:Workspace",
  appInsights: "azure-native:applicationinsights:Component",
  scopedResource: "azure-native:monitor:PrivateLinkScopedResource",
  storageAccount: "azure-native:storage:StorageAccount",
  connection: "azure-native:storage:PrivateEndpointConnection",
  externalLocation: "databricks:index/externalLocation:ExternalLocation",
  nccRule: "databricks:index/mwsNccPrivateEndpointRule:MwsNccPrivateEndpointRule",
  workspace: "azure-native:databricks:Workspace",
  endpoint: "azure-native:network:PrivateEndpoint",
  zoneGroup: "azure-native:network:PrivateDnsZoneGroup",
  databricksProvider: "pulumi:providers:databricks",
} as const;

/** Subnet delegations whose subnets run compute that must reach services outside the VNet. */
export const COMPUTE_DELEGATIONS = ["Microsoft.Databricks/workspaces"];

/** The resources of `type` an input of `resource` depends on. */
const inputDeps = (resource: PolicyResource, input: string, type: string) =>
  (resource.propertyDependencies[input] ?? []).filter((d) => d.type === type);

/** Whether an object input (`{ id }`) is set, known or not. */
const objectSet = (resource: PolicyResource, input: string) => {
  const value = read(() => resource.props[input] as unknown);
  return !value.known || (value.value !== undefined && value.value !== null);
};

/** Does a route table of the stack send 0.0.0.0/0 somewhere? */
const hasDefaultRoute = (table: PolicyResource) => {
  const routes = read(() => (table.props.routes ?? []) as { addressPrefix?: unknown }[]);
  return !routes.known || routes.value.some((route) => route.addressPrefix === "0.0.0.0/0");
};

/** Is the subnet delegated to a service that runs compute in it (Databricks clusters)? */
const runsCompute = (subnet: PolicyResource) => {
  const delegations = read(() => (subnet.props.delegations ?? []) as { serviceName?: unknown }[]);
  return (
    delegations.known &&
    delegations.value.some((d) => COMPUTE_DELEGATIONS.includes(String(d.serviceName ?? "")))
  );
};

export const subnetEgress = stackRule(
  {
    name: "network-subnet-egress",
    description:
      "A compute subnet without default outbound access has an explicit outbound path: a NAT gateway, or a route table with a 0.0.0.0/0 route.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/classic/udr`,
      "User-defined route settings for Azure Databricks: clusters need outbound connections to the metastore, artifact and log storage and Event Hubs; Default outbound access in Azure: a subnet with defaultOutboundAccess false needs an explicit outbound method (NAT gateway, load balancer, public IP, or a route to a firewall)",
    ),
    remediationSteps:
      "Attach a NAT gateway (natGateway.id) to the subnet, or a route table (routeTable.id) whose routes send 0.0.0.0/0 to the hub firewall (lakehouse:egressFirewallIp).",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.subnet && r.props.defaultOutboundAccess === false && runsCompute(r))
      .flatMap((subnet) => {
        const viaNat = inputDeps(subnet, "natGateway", TYPES.natGateway).length > 0;
        const tables = inputDeps(subnet, "routeTable", TYPES.routeTable);
        const viaRoute = tables.length > 0 ? tables.some(hasDefaultRoute) : objectSet(subnet, "routeTable");
        if (viaNat || objectSet(subnet, "natGateway") || viaRoute) return [];
        return [
          {
            urn: subnet.urn,
            message: `Subnet ${String(subnet.props.subnetName ?? subnet.name)} runs clusters without default outbound access and has no outbound path: attach a NAT gateway or a route table with a 0.0.0.0/0 route, or clusters cannot reach the metastore, artifact and log storage.`,
          },
        ];
      }),
);

const MONITOR_KINDS: Record<string, string> = {
  [TYPES.logAnalytics]: "Log Analytics workspace",
  [TYPES.appInsights]: "Application Insights component",
};

export const monitorPrivateLinkScope = stackRule(
  {
    name: "network-monitor-private-link-scope",
    description:
      "A Log Analytics workspace or Application Insights component closed to public ingestion or query is in an Azure Monitor Private Link Scope.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/azure-monitor/logs/private-link-security`,
      "Use Azure Private Link to connect networks to Azure Monitor: with public access disabled, a resource is reached only through the private link scopes it is added to",
    ),
    remediationSteps:
      "Add the resource to the stack's private link scope (monitor.PrivateLinkScopedResource with linkedResourceId), or keep its public access.",
  },
  (resources) => {
    const scoped = new Set(
      resources
        .filter((r) => r.type === TYPES.scopedResource)
        .flatMap((r) => r.propertyDependencies.linkedResourceId ?? []),
    );
    return resources
      .filter((r) => r.type in MONITOR_KINDS)
      .filter(
        (r) =>
          r.props.publicNetworkAccessForIngestion === "Disabled" ||
          r.props.publicNetworkAccessForQuery === "Disabled",
      )
      .filter((r) => !scoped.has(r))
      .map((r) => ({
        urn: r.urn,
        message: `${MONITOR_KINDS[r.type]} ${r.name} accepts no public ingestion or query and is in no Azure Monitor Private Link Scope: nothing can send to it or query it; add it to the scope (PrivateLinkScopedResource).`,
      }));
  },
);

/** The storage account an `abfss://` URL names, if any. */
const accountOfUrl = (url: unknown) =>
  typeof url === "string"
    ? /^abfss:\/\/[^@/]+@([a-z0-9]+)\.dfs\.core\.windows\.net/.exec(url)?.[1]
    : undefined;

export const serverlessLakeConnectivity = stackRule(
  {
    name: "network-serverless-lake-connectivity",
    description:
      "A storage account that Unity Catalog reads (an external location) and that is closed to public networks has an approved serverless private endpoint rule for dfs and for blob.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/serverless-network-security/serverless-private-link`,
      "Configure private connectivity to Azure resources: serverless compute reaches a resource without public access through a private endpoint rule of the workspace's NCC, which the resource owner approves",
    ),
    remediationSteps:
      "Add a databricks.MwsNccPrivateEndpointRule (groupId dfs and blob, resourceId the account) on the account provider, and a storage.PrivateEndpointConnection that approves its endpoint (ServerlessConnectivity does both).",
  },
  (resources) => {
    const names = new Set(
      resources.filter((r) => r.type === TYPES.externalLocation).map((r) => accountOfUrl(r.props.url)),
    );
    const lakes = resources.filter(
      (r) =>
        r.type === TYPES.storageAccount &&
        r.props.publicNetworkAccess === "Disabled" &&
        names.has(r.props.accountName as string),
    );
    return lakes.flatMap((account) =>
      (["dfs", "blob"] as const).flatMap((groupId) => {
        const rules = resources.filter(
          (r) =>
            r.type === TYPES.nccRule &&
            r.props.groupId === groupId &&
            (r.propertyDependencies.resourceId ?? []).includes(account),
        );
        const name = String(account.props.accountName);
        if (rules.length === 0) {
          return [
            {
              urn: account.urn,
              message: `Storage account ${name} is read by serverless compute (a Unity Catalog external location) and closed to public networks, but no serverless private endpoint rule reaches its ${groupId} sub-resource: add an MwsNccPrivateEndpointRule (groupId ${groupId}).`,
            },
          ];
        }
        const approved = rules.some((rule) =>
          resources.some(
            (c) =>
              c.type === TYPES.connection &&
              (c.propertyDependencies.privateEndpointConnectionName ?? []).includes(rule) &&
              (c.props.privateLinkServiceConnectionState as { status?: unknown } | undefined)?.status ===
                "Approved",
          ),
        );
        return approved
          ? []
          : [
              {
                urn: account.urn,
                message: `Storage account ${name}: the serverless private endpoint to its ${groupId} sub-resource is never approved: add a storage PrivateEndpointConnection with status Approved for the rule's endpoint, or the connection stays pending and serverless compute cannot reach the account.`,
              },
            ];
      }),
    );
  },
);

/** The front-end (UI/API) private endpoint of a workspace: group `databricks_ui_api`, connected to it. */
export const frontEndOf = (workspace: PolicyResource, resources: readonly PolicyResource[]) =>
  resources.filter((r) => {
    if (r.type !== TYPES.endpoint) return false;
    if (!(r.propertyDependencies.privateLinkServiceConnections ?? []).includes(workspace)) return false;
    const groups = read(() =>
      ((r.props.privateLinkServiceConnections ?? []) as { groupIds?: unknown[] }[]).flatMap(
        (c) => c.groupIds ?? [],
      ),
    );
    return !groups.known || groups.value.includes("databricks_ui_api");
  });

export const workspaceDeployerPath = stackRule(
  {
    name: "network-workspace-deployer-path",
    description:
      "When a workspace disables public network access, every workspace-level resource waits for the DNS records of its front-end private endpoint.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/front-end/front-end-private-connect`,
      "Configure front-end private connectivity: with public network access disabled, the workspace URL is reached only through the databricks_ui_api private endpoint, whose private DNS record resolves it",
    ),
    remediationSteps:
      "Make the workspace's databricks provider depend on the front-end endpoint's PrivateDnsZoneGroup (DatabricksWorkspace does), and deploy from inside the VNet.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.workspace && r.props.publicNetworkAccess === "Disabled")
      .flatMap((workspace) => {
        const endpoints = frontEndOf(workspace, resources);
        const records = resources.filter(
          (r) =>
            r.type === TYPES.zoneGroup &&
            endpoints.some(
              (e) => (r.propertyDependencies.privateEndpointName ?? []).includes(e) || r.parent === e,
            ),
        );
        const providers = resources.filter(
          (r) =>
            r.type === TYPES.databricksProvider &&
            Object.values(r.propertyDependencies).some((deps) => deps.includes(workspace)),
        );
        return providers.flatMap((provider) => {
          // What waits for the provider waits for what the provider waits for: ask once per provider.
          if (records.some((z) => waitsFor(provider, z, resources))) return [];
          const used = resources.filter((r) => r.provider?.urn === provider.urn);
          const racing = used.filter((r) => !records.some((z) => waitsFor(r, z, resources)));
          if (racing.length === 0) return [];
          return [
            {
              urn: provider.urn,
              message:
                records.length === 0
                  ? `Workspace ${workspace.name} disables public network access but has no front-end private endpoint with DNS records: its ${racing.length} workspace-level resources (through provider ${provider.name}) cannot reach it; add a databricks_ui_api private endpoint with a DNS zone group.`
                  : `Provider ${provider.name} of workspace ${workspace.name}, which disables public network access, does not wait for the front-end private endpoint's DNS records: ${racing.length} workspace-level resources (first: ${racing[0].name}) would race them; add the DNS zone group to the provider's dependsOn.`,
            },
          ];
        });
      }),
);

export const networkDeployabilityPolicies: Policies = [
  workspaceDeployerPath,
  subnetEgress,
  monitorPrivateLinkScope,
  serverlessLakeConnectivity,
];
