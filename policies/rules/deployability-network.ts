import { Policies, PolicyResource } from "@pulumi/policy";
import { knownString, read, Read } from "../lib/unknown";
import { anchor, LEARN, stackRule } from "../lib/rule";
import { privateEndpointsOf, privateRecordsOf, racing, recordsOfEndpoints } from "../lib/private-path";

// Deployability: Reachability constraints (issue 16): a private path exists for every party that must get in.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.

const TYPES = {
  subnet: "azure-native:network:Subnet",
  natGateway: "azure-native:network:NatGateway",
  routeTable: "azure-native:network:RouteTable",
  route: "azure-native:network:Route",
  virtualNetwork: "azure-native:network:VirtualNetwork",
  logAnalytics: "azure-native:operationalinsights:Workspace",
  appInsights: "azure-native:applicationinsights:Component",
  scopedResource: "azure-native:monitor:PrivateLinkScopedResource",
  scope: "azure-native:monitor:PrivateLinkScope",
  privateZone: "azure-native:privatedns:PrivateZone",
  storageAccount: "azure-native:storage:StorageAccount",
  // PrivateEndpointApproval (components/network/private-endpoint-approval.ts), a dynamic resource.
  approval: "pulumi-nodejs:dynamic:Resource",
  externalLocation: "databricks:index/externalLocation:ExternalLocation",
  nccRule: "databricks:index/mwsNccPrivateEndpointRule:MwsNccPrivateEndpointRule",
  nccBinding: "databricks:index/mwsNccBinding:MwsNccBinding",
  ncc: "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
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

/** A value read, or undefined when it is unknown at preview. */
const known = <T>(value: Read<T>): T | undefined => (value.known ? value.value : undefined);

/**
 * Next hops that give 0.0.0.0/0 an outbound path: a firewall, Azure's internet egress, or the VPN or
 * ExpressRoute gateway (forced tunnelling to on-premises, which routes it on).
 */
export const EGRESS_NEXT_HOPS = ["VirtualAppliance", "Internet", "VirtualNetworkGateway"];

/** Prefix sets that cover every IPv4 destination: the default route, or its two halves (a common NVA trick). */
const DEFAULT_COVERS = [["0.0.0.0/0"], ["0.0.0.0/1", "128.0.0.0/1"]];

type RouteInput = { addressPrefix?: unknown; nextHopType?: unknown };

/**
 * Do these routes send every destination out (0.0.0.0/0, or 0.0.0.0/1 and 128.0.0.0/1, to an egress next
 * hop)? A route with a prefix or next hop unknown at preview is given the benefit.
 */
const sendsEverythingOut = (routes: readonly RouteInput[]) => {
  const out = routes.filter((route) => {
    const hop = read(() => route.nextHopType);
    return !hop.known || EGRESS_NEXT_HOPS.includes(String(hop.value));
  });
  const prefixes = out.map((route) => read(() => route.addressPrefix));
  const known = new Set<string>();
  for (const prefix of prefixes) {
    if (!prefix.known) return true;
    known.add(String(prefix.value));
  }
  return DEFAULT_COVERS.some((cover) => cover.every((prefix) => known.has(prefix)));
};

/** A NAT gateway of the plan with a public IP or prefix: without one it has no outbound address. */
const hasPublicAddress = (gateway: PolicyResource) =>
  [gateway.props.publicIpAddresses, gateway.props.publicIpPrefixes].some((list) => {
    const value = read(() => list as unknown[] | undefined);
    return !value.known || (value.value ?? []).length > 0;
  });

/** Does a route table of the stack send 0.0.0.0/0 out, inline or through separate `network:Route`s? */
const hasDefaultRoute = (table: PolicyResource, resources: readonly PolicyResource[]) => {
  const routes = read(() => (table.props.routes ?? []) as RouteInput[]);
  const separate = resources
    .filter(
      (r) =>
        r.type === TYPES.route &&
        (r.parent === table || (r.propertyDependencies.routeTableName ?? []).includes(table)),
    )
    .map((r) => r.props as RouteInput);
  return !routes.known || sendsEverythingOut([...routes.value, ...separate]);
};

type SubnetInput = {
  name?: unknown;
  defaultOutboundAccess?: unknown;
  delegations?: { serviceName?: unknown }[];
  natGateway?: unknown;
  routeTable?: unknown;
};

/** Is the subnet delegated to a service that runs compute in it (Databricks clusters)? */
const runsCompute = (subnet: SubnetInput) => {
  const delegations = read(() => subnet.delegations ?? []);
  return (
    delegations.known &&
    delegations.value.some((d) => COMPUTE_DELEGATIONS.includes(String(d.serviceName ?? "")))
  );
};

/** Whether an object input (`{ id }`) of a subnet is set, known or not. */
const subnetRefSet = (subnet: SubnetInput, input: "natGateway" | "routeTable") => {
  const value = read(() => subnet[input]);
  return !value.known || (value.value !== undefined && value.value !== null);
};

export const subnetEgress = stackRule(
  {
    name: "network-subnet-egress",
    description:
      "A compute subnet without default outbound access (a Subnet resource or a subnet inline in a VirtualNetwork) has an explicit outbound path: a NAT gateway with a public IP or prefix, or a route table whose 0.0.0.0/0 route (or 0.0.0.0/1 and 128.0.0.0/1; inline or separate Routes) goes to a virtual appliance, the internet or the virtual network gateway (forced tunnelling). A NAT gateway or route table from outside the stack cannot be read and is trusted.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/classic/udr`,
      "User-defined route settings for Azure Databricks: clusters need outbound connections to the metastore, artifact and log storage and Event Hubs; Default outbound access in Azure: a subnet with defaultOutboundAccess false needs an explicit outbound method (NAT gateway, load balancer, public IP, or a route to a firewall); Virtual network traffic routing: next hop None drops the traffic",
    ),
    remediationSteps:
      "Attach a NAT gateway (natGateway.id) to the subnet, or a route table (routeTable.id) whose routes send 0.0.0.0/0 to the hub firewall (nextHopType VirtualAppliance, lakehouse:egressFirewallIp) or the internet.",
  },
  (resources) => {
    const noPath = (urn: string, name: unknown) => ({
      urn,
      message: `Subnet ${String(name)} runs clusters without default outbound access and has no outbound path: attach a NAT gateway or a route table whose 0.0.0.0/0 route goes to a virtual appliance or the internet, or clusters cannot reach the metastore, artifact and log storage.`,
    });
    /** A subnet's path: a NAT gateway, or route tables of the plan (`tables`), or one from outside it. */
    const hasPath = (subnet: SubnetInput, gateways: PolicyResource[], tables: PolicyResource[]) =>
      (gateways.length > 0 ? gateways.some(hasPublicAddress) : subnetRefSet(subnet, "natGateway")) ||
      (tables.length > 0
        ? tables.some((t) => hasDefaultRoute(t, resources))
        : subnetRefSet(subnet, "routeTable"));
    const needsPath = (subnet: SubnetInput) =>
      known(read(() => subnet.defaultOutboundAccess)) === false && runsCompute(subnet);
    const standalone = resources
      .filter((r) => r.type === TYPES.subnet && needsPath(r.props as SubnetInput))
      .filter(
        (subnet) =>
          !hasPath(
            subnet.props as SubnetInput,
            inputDeps(subnet, "natGateway", TYPES.natGateway),
            inputDeps(subnet, "routeTable", TYPES.routeTable),
          ),
      )
      .map((subnet) => noPath(subnet.urn, subnet.props.subnetName ?? subnet.name));
    // Inline subnets share their VNet's dependencies: a route table the VNet waits for is theirs.
    const inline = resources
      .filter((r) => r.type === TYPES.virtualNetwork)
      .flatMap((vnet) => {
        const subnets = read(() => (vnet.props.subnets ?? []) as SubnetInput[]);
        if (!subnets.known) return [];
        const tables = inputDeps(vnet, "subnets", TYPES.routeTable);
        return subnets.value
          .filter(needsPath)
          .filter((subnet) => !hasPath(subnet, [], subnetRefSet(subnet, "routeTable") ? tables : []))
          .map((subnet) => noPath(vnet.urn, known(read(() => subnet.name)) ?? vnet.name));
      });
    return [...standalone, ...inline];
  },
);

const MONITOR_KINDS: Record<string, string> = {
  [TYPES.logAnalytics]: "Log Analytics workspace",
  [TYPES.appInsights]: "Application Insights component",
};

/** The zones an Azure Monitor Private Link Scope's endpoint registers in (Learn, "Configure private link for Azure Monitor", DNS zones). */
export const AZURE_MONITOR_ZONE_NAMES = [
  "privatelink.monitor.azure.com",
  "privatelink.oms.opinsights.azure.com",
  "privatelink.ods.opinsights.azure.com",
  "privatelink.agentsvc.azure-automation.net",
  "privatelink.blob.core.windows.net",
];

/**
 * What is wrong with the way a scope of the plan is reached: no `azuremonitor` private endpoint, or one whose
 * DNS zone group misses zones; undefined when it is reached.
 */
const scopeGap = (scope: PolicyResource, resources: readonly PolicyResource[]): string | undefined => {
  const endpoints = privateEndpointsOf(scope, "azuremonitor", resources);
  if (endpoints.length === 0) {
    return `has no private endpoint (group azuremonitor): no network reaches the resource through it; add one with a DNS zone group for ${AZURE_MONITOR_ZONE_NAMES.join(", ")}`;
  }
  const gaps = endpoints.map((endpoint) => {
    const zoneNames = recordsOfEndpoints([endpoint], resources)
      .flatMap((group) => group.propertyDependencies.privateDnsZoneConfigs ?? [])
      .filter((zone) => zone.type === TYPES.privateZone)
      .map((zone) => knownString(zone, "privateZoneName"));
    return AZURE_MONITOR_ZONE_NAMES.filter((zone) => !zoneNames.includes(zone));
  });
  const best = gaps.reduce((a, b) => (b.length < a.length ? b : a));
  return best.length === 0
    ? undefined
    : `is reached through a private endpoint whose DNS zone group misses ${best.join(", ")}: those Azure Monitor names resolve to public addresses the resource refuses; add the zones to the zone group`;
};

export const monitorPrivateLinkScope = stackRule(
  {
    name: "network-monitor-private-link-scope",
    description:
      "A Log Analytics workspace or Application Insights component closed to public ingestion or query is in an Azure Monitor Private Link Scope that a network reaches: a scope of the stack has a private endpoint (group azuremonitor) whose DNS zone group covers the five Azure Monitor zones; a scope from outside the stack (a landing zone's, on its hub) is trusted.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/azure-monitor/logs/private-link-security`,
      "Use Azure Private Link to connect networks to Azure Monitor: with public access disabled, a resource is reached only through the private link scopes it is added to, whose private endpoint registers in privatelink.monitor.azure.com, privatelink.oms.opinsights.azure.com, privatelink.ods.opinsights.azure.com, privatelink.agentsvc.azure-automation.net and privatelink.blob.core.windows.net",
    ),
    remediationSteps:
      "Add the resource to the stack's private link scope (monitor.PrivateLinkScopedResource with linkedResourceId) and give the scope a private endpoint with group azuremonitor and a DNS zone group of the five zones (PrivateMonitoring does), or add it to the landing zone's scope (lakehouse:monitorPrivateLinkScopeId).",
  },
  (resources) =>
    resources
      .filter((r) => r.type in MONITOR_KINDS)
      .filter(
        (r) =>
          r.props.publicNetworkAccessForIngestion === "Disabled" ||
          r.props.publicNetworkAccessForQuery === "Disabled",
      )
      .flatMap((r) => {
        const memberships = resources.filter(
          (m) =>
            m.type === TYPES.scopedResource && (m.propertyDependencies.linkedResourceId ?? []).includes(r),
        );
        if (memberships.length === 0) {
          return [
            {
              urn: r.urn,
              message: `${MONITOR_KINDS[r.type]} ${r.name} accepts no public ingestion or query and is in no Azure Monitor Private Link Scope: nothing can send to it or query it; add it to the scope (PrivateLinkScopedResource).`,
            },
          ];
        }
        const gaps = memberships.map((m) => {
          const scope = (m.propertyDependencies.scopeName ?? []).find((d) => d.type === TYPES.scope);
          // A scope outside the stack (a landing zone's): its endpoint and zones are the landing zone's.
          const gap = scope ? scopeGap(scope, resources) : undefined;
          return gap && scope ? `Azure Monitor Private Link Scope ${scope.name} ${gap}` : undefined;
        });
        const gap = gaps.every((g) => g !== undefined) ? gaps[0] : undefined;
        return gap
          ? [
              {
                urn: r.urn,
                message: `${MONITOR_KINDS[r.type]} ${r.name} accepts no public ingestion or query, and its ${gap}.`,
              },
            ]
          : [];
      }),
);

/** The storage account an `abfss://` URL names, if any. */
const accountOfUrl = (url: unknown) =>
  typeof url === "string"
    ? /^abfss:\/\/[^@/]+@([a-z0-9]+)\.dfs\.core\.windows\.net/.exec(url)?.[1]
    : undefined;

/** Inputs of Unity Catalog objects that name the storage serverless compute reads and writes. */
const UC_PATH_INPUTS = ["url", "storageRoot"];

/** The names of the storage accounts Unity Catalog paths of the plan point at. */
const catalogAccounts = (resources: readonly PolicyResource[]) =>
  new Set(
    resources
      .filter((r) => r.type.startsWith("databricks:"))
      .flatMap((r) => UC_PATH_INPUTS.map((input) => known(read(() => accountOfUrl(r.props[input])))))
      .filter((name): name is string => name !== undefined),
  );

/** Closed to serverless compute's public path: public access off, or a firewall that denies by default. */
const closedToPublic = (account: PolicyResource) =>
  account.props.publicNetworkAccess === "Disabled" ||
  (account.props.networkRuleSet as { defaultAction?: unknown } | undefined)?.defaultAction === "Deny";

export const serverlessLakeConnectivity = stackRule(
  {
    name: "network-serverless-lake-connectivity",
    description:
      "A storage account that Unity Catalog reads (an external location, a catalog, schema or metastore storage root) and that is closed to public networks (public access disabled, or a firewall denying by default) has an approved serverless private endpoint rule for dfs and for blob, in the network connectivity configuration its workspace is bound to.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/serverless-network-security/serverless-private-link`,
      "Configure private connectivity to Azure resources: serverless compute reaches a resource without public access through a private endpoint rule of the NCC attached to its workspace, which the resource owner approves; What is a network connectivity configuration (NCC)?: rules apply to the workspaces the NCC is attached to",
    ),
    remediationSteps:
      "Add a databricks.MwsNccPrivateEndpointRule (groupId dfs and blob, resourceId the account) to the NCC the workspace's MwsNccBinding names, on the account provider, and a PrivateEndpointApproval of its endpoint on the account (ServerlessConnectivity does both).",
  },
  (resources) => {
    const names = catalogAccounts(resources);
    const bound = resources
      .filter((r) => r.type === TYPES.nccBinding)
      .map((b) => read(() => b.props.networkConnectivityConfigId));
    // A rule counts when it is in a configuration a workspace of the stack is bound to (unknown: trusted).
    const inBoundNcc = (rule: PolicyResource) => {
      const ncc = read(() => rule.props.networkConnectivityConfigId);
      return bound.length === 0 || !ncc.known || bound.some((b) => !b.known || b.value === ncc.value);
    };
    const lakes = resources.filter(
      (r) => r.type === TYPES.storageAccount && closedToPublic(r) && names.has(r.props.accountName as string),
    );
    return lakes.flatMap((account) =>
      (["dfs", "blob"] as const).flatMap((groupId) => {
        const name = String(account.props.accountName);
        const all = resources.filter(
          (r) =>
            r.type === TYPES.nccRule &&
            r.props.groupId === groupId &&
            (r.propertyDependencies.resourceId ?? []).includes(account),
        );
        const rules = all.filter(inBoundNcc);
        if (rules.length === 0) {
          return [
            {
              urn: account.urn,
              message:
                all.length === 0
                  ? `Storage account ${name} is read by serverless compute (a Unity Catalog path) and closed to public networks, but no serverless private endpoint rule reaches its ${groupId} sub-resource: add an MwsNccPrivateEndpointRule (groupId ${groupId}).`
                  : `Storage account ${name}: the serverless private endpoint rule to its ${groupId} sub-resource is in network connectivity configuration ${String(all[0].props.networkConnectivityConfigId)}, which no workspace of the stack is bound to: add the rule to the configuration the workspace's MwsNccBinding names.`,
            },
          ];
        }
        // An approval of the rule's endpoint on this account: its `match` reads the rule's endpoint name.
        const approved = rules.some((rule) =>
          resources.some(
            (c) =>
              c.type === TYPES.approval &&
              (c.propertyDependencies.match ?? []).includes(rule) &&
              (c.propertyDependencies.targetId ?? []).includes(account),
          ),
        );
        return approved
          ? []
          : [
              {
                urn: account.urn,
                message: `Storage account ${name}: the serverless private endpoint to its ${groupId} sub-resource is never approved: add a PrivateEndpointApproval of the rule's endpoint on the account, or the connection stays pending and serverless compute cannot reach the account.`,
              },
            ];
      }),
    );
  },
);

/** Databricks' limits on network connectivity configurations (Learn, serverless private link requirements). */
export const NCC_LIMITS = { perRegion: 10, workspacesPerNcc: 50, endpointRulesPerRegion: 100 } as const;

export const nccLimits = stackRule(
  {
    name: "network-ncc-limits",
    description: `A stack stays within Databricks' limits on network connectivity configurations: at most ${NCC_LIMITS.perRegion} per region and account, ${NCC_LIMITS.workspacesPerNcc} workspaces bound to one, ${NCC_LIMITS.endpointRulesPerRegion} private endpoint rules per region.`,
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/serverless-network-security/serverless-private-link`,
      "Configure private connectivity to Azure resources, requirements: up to 10 NCCs per region per account, up to 50 workspaces per NCC, up to 100 private endpoints per region across the NCCs",
    ),
    remediationSteps:
      "Share a configuration between environments of one classification, or split the region's workspaces across Databricks accounts; the account stack makes one per lakehouse-account:environments entry.",
  },
  (resources) => {
    /** How many of `items` there are of each value (unknown values are not counted). */
    const count = (items: (string | undefined)[]) => [
      ...items.reduce(
        (m, k) => (k === undefined ? m : m.set(k, (m.get(k) ?? 0) + 1)),
        new Map<string, number>(),
      ),
    ];
    const nccs = resources.filter((r) => r.type === TYPES.ncc);
    const perRegion = count(nccs.map((r) => knownString(r, "region")));
    const bindings = resources.filter((r) => r.type === TYPES.nccBinding);
    const perNcc = count(bindings.map((b) => knownString(b, "networkConnectivityConfigId")));
    const rules = resources.filter((r) => r.type === TYPES.nccRule);
    return [
      ...perRegion
        .filter(([, n]) => n > NCC_LIMITS.perRegion)
        .map(([region, n]) => ({
          urn: nccs[0].urn,
          message: `${n} network connectivity configurations in ${region}: Databricks allows ${NCC_LIMITS.perRegion} per region and account; give fewer environments one of their own.`,
        })),
      ...perNcc
        .filter(([, n]) => n > NCC_LIMITS.workspacesPerNcc)
        .map(([ncc, n]) => ({
          urn: bindings[0].urn,
          message: `${n} workspaces bound to network connectivity configuration ${ncc}: Databricks allows ${NCC_LIMITS.workspacesPerNcc}.`,
        })),
      ...(rules.length > NCC_LIMITS.endpointRulesPerRegion
        ? [
            {
              urn: rules[0].urn,
              message: `${rules.length} serverless private endpoint rules: Databricks allows ${NCC_LIMITS.endpointRulesPerRegion} per region, across the account's configurations.`,
            },
          ]
        : []),
    ];
  },
);

/** Sub-resources of the DBFS root that clusters use behind its storage firewall. */
const DBFS_GROUPS = ["dfs", "blob"];

export const workspaceDeployerPath = stackRule(
  {
    name: "network-workspace-deployer-path",
    description:
      "When a workspace disables public network access, every workspace-level resource waits for the DNS records of its front-end private endpoint; when its DBFS root is behind the storage firewall, also for those of the DBFS root's dfs and blob endpoints.",
    severity: "high",
    anchor: anchor(
      "project",
      `${LEARN}/databricks/security/network/front-end/front-end-private-connect`,
      "Configure front-end private connectivity: with public network access disabled, the workspace URL is reached only through the databricks_ui_api private endpoint, whose private DNS record resolves it; Enable firewall support for your workspace storage account: with the firewall on, classic compute reaches the workspace storage account through its dfs and blob private endpoints",
    ),
    remediationSteps:
      "Make the workspace's databricks provider depend on the front-end endpoint's PrivateDnsZoneGroup and, with defaultStorageFirewall Enabled, on the DBFS root's dfs and blob endpoints' ones (DatabricksWorkspace does), and deploy from inside the VNet.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === TYPES.workspace && r.props.publicNetworkAccess === "Disabled")
      .flatMap((workspace) => {
        const records = privateRecordsOf(workspace, "databricks_ui_api", resources);
        const firewalled = workspace.props.defaultStorageFirewall === "Enabled";
        const dbfs = (firewalled ? DBFS_GROUPS : []).map((groupId) => ({
          groupId,
          records: privateRecordsOf(workspace, groupId, resources),
        }));
        const providers = resources.filter(
          (r) =>
            r.type === TYPES.databricksProvider &&
            Object.values(r.propertyDependencies).some((deps) => deps.includes(workspace)),
        );
        const missing = dbfs
          .filter((path) => path.records.length === 0)
          .map((path) => ({
            urn: workspace.urn,
            message: `Workspace ${workspace.name} puts its DBFS root behind the storage firewall (defaultStorageFirewall Enabled) but has no ${path.groupId} private endpoint to it with DNS records: clusters cannot reach the DBFS root; add one with a DNS zone group.`,
          }));
        return [
          ...missing,
          ...providers.flatMap((provider) => {
            const racingFront = racing(provider, records, resources);
            const frontEnd =
              racingFront.length === 0
                ? []
                : [
                    {
                      urn: provider.urn,
                      message:
                        records.length === 0
                          ? `Workspace ${workspace.name} disables public network access but has no front-end private endpoint with DNS records: its ${racingFront.length} workspace-level resources (through provider ${provider.name}) cannot reach it; add a databricks_ui_api private endpoint with a DNS zone group.`
                          : `Provider ${provider.name} of workspace ${workspace.name}, which disables public network access, does not wait for the front-end private endpoint's DNS records: ${racingFront.length} workspace-level resources (first: ${racingFront[0].name}) would race them; add the DNS zone group to the provider's dependsOn.`,
                    },
                  ];
            const storage = dbfs
              .filter((path) => path.records.length > 0)
              .flatMap(({ groupId, records: zones }) => {
                const late = racing(provider, zones, resources);
                return late.length === 0
                  ? []
                  : [
                      {
                        urn: provider.urn,
                        message: `Provider ${provider.name} of workspace ${workspace.name}, whose DBFS root is behind the storage firewall, does not wait for the DBFS root's ${groupId} private endpoint's DNS records: ${late.length} workspace-level resources (first: ${late[0].name}) may start compute that cannot reach it; add the DNS zone group to the provider's dependsOn.`,
                      },
                    ];
              });
            return [...frontEnd, ...storage];
          }),
        ];
      }),
);

export const networkDeployabilityPolicies: Policies = [
  workspaceDeployerPath,
  subnetEgress,
  monitorPrivateLinkScope,
  serverlessLakeConnectivity,
  nccLimits,
];
