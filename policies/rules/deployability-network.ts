import { Policies, PolicyResource } from "@pulumi/policy";
import { read } from "../lib/unknown";
import { anchor, stackRule } from "../lib/rule";

// Deployability: Reachability constraints (issue 16): a private path exists for every party that must get in.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.

const LEARN = "https://learn.microsoft.com/azure";

const TYPES = {
  subnet: "azure-native:network:Subnet",
  natGateway: "azure-native:network:NatGateway",
  routeTable: "azure-native:network:RouteTable",
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

export const networkDeployabilityPolicies: Policies = [subnetEgress];
