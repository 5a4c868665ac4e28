import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { AzurePlacement } from "../core/naming";
import { natGatewayWithStaticIp } from "./nat-gateway";
import { linkedPrivateZone, privateEndpointWithRecords } from "./private-endpoint";
import { PRIVATE_DNS_ZONES, PrivateDnsZoneKey } from "./dns-zones";

export { AZURE_MONITOR_ONLY_ZONES, AZURE_MONITOR_ZONES, PRIVATE_DNS_ZONES } from "./dns-zones";
export type { PrivateDnsZoneKey } from "./dns-zones";

export const DATABRICKS_DELEGATION = "Microsoft.Databricks/workspaces";

/** The subnets carved out of the stack's address space. */
export interface SubnetPlan {
  /** Databricks host ("public") subnet: a quarter of the space. */
  readonly host: string;
  /** Databricks container ("private") subnet: the next quarter. */
  readonly container: string;
  /** Private endpoints: an eighth, after the Databricks subnets. */
  readonly privateEndpoints: string;
}

function toInt(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

function toIp(n: number): string {
  return [24, 16, 8, 0].map((shift) => Math.floor(n / 2 ** shift) % 256).join(".");
}

/** Splits a /16 to /22 address space into the platform's subnets (Databricks needs at least /26 each). */
export function planSubnets(addressSpace: string): SubnetPlan {
  const [ip, bits] = addressSpace.split("/");
  const prefix = Number(bits);
  const base = toInt(ip) - (toInt(ip) % 2 ** (32 - prefix));
  const quarter = 2 ** (32 - prefix - 2);
  return {
    host: `${toIp(base)}/${prefix + 2}`,
    container: `${toIp(base + quarter)}/${prefix + 2}`,
    privateEndpoints: `${toIp(base + 2 * quarter)}/${prefix + 3}`,
  };
}

export interface NetworkArgs extends AzurePlacement {
  /** IPv4 address space of the VNet, /16 to /22. */
  readonly addressSpace: string;
  /**
   * Private address of an existing landing zone's hub firewall: the Databricks subnets route 0.0.0.0/0 to it
   * (the landing zone peers the VNet to its hub). Unset: a NAT gateway of the stack's own.
   */
  readonly egressFirewallIp?: string;
  /**
   * A landing zone's central private DNS zones (Cloud Adoption Framework, "Private Link and DNS integration
   * at scale"), by zone key, every zone the stack's endpoints use: the stack creates no zones or links and
   * registers its endpoints there. Undefined: zones of the stack's own, linked to its VNet.
   */
  readonly centralZoneIds?: Readonly<Partial<Record<PrivateDnsZoneKey, pulumi.Input<string>>>>;
  /** The VNet's DNS servers (the landing zone's resolver, which resolves the central zones). */
  readonly dnsServers?: readonly string[];
}

/** The route that sends cluster egress to the hub firewall. */
export const DEFAULT_ROUTE = "0.0.0.0/0";

export interface PrivateEndpointArgs {
  /** Resource id of the service the endpoint connects to. */
  readonly resourceId: pulumi.Input<string>;
  /** Private link sub-resource (`dfs`, `blob`, `vault`, `sqlServer`, `namespace`, `databricks_ui_api`, ...). */
  readonly groupId: string;
  /** Zone (or zones) the endpoint registers its addresses in. */
  readonly zone: PrivateDnsZoneKey | readonly PrivateDnsZoneKey[];
  /** Distinguishes several endpoints of one component in Azure names. */
  readonly role: string;
}

/**
 * The stack's private network, after the Databricks SRA: a VNet with the two Databricks subnets delegated to
 * the workspace (no public IPs, no default outbound access), a private-endpoint subnet, NSGs on every subnet,
 * and the private DNS zones linked to the VNet. `privateEndpoint` is the one way a component connects a
 * service to it.
 */
export class Network extends pulumi.ComponentResource {
  public readonly virtualNetwork: network.VirtualNetwork;
  public readonly hostSubnet: network.Subnet;
  public readonly containerSubnet: network.Subnet;
  public readonly privateEndpointSubnet: network.Subnet;
  public readonly databricksSecurityGroup: network.NetworkSecurityGroup;
  public readonly privateEndpointSecurityGroup: network.NetworkSecurityGroup;
  /** The stack's own private zones; none with `centralZoneIds`. */
  public readonly dnsZones: Partial<Record<PrivateDnsZoneKey, privatedns.PrivateZone>>;
  /** The id of the zone of each key endpoints register in: the stack's own or the landing zone's. */
  public readonly dnsZoneIds: Partial<Record<PrivateDnsZoneKey, pulumi.Input<string>>>;
  public readonly subnets: SubnetPlan;
  /** Azure names of the Databricks subnets, as the workspace's parameters want them. */
  public readonly hostSubnetName: string;
  public readonly containerSubnetName: string;
  /**
   * Explicit outbound path of the Databricks subnets (they have no default outbound access): a NAT gateway
   * with a Standard public IP, or, with `egressFirewallIp`, a route table to the hub firewall.
   */
  public readonly egress: network.NatGateway | network.RouteTable;

  /** Each private endpoint's DNS zone group: what waits for an endpoint's name to resolve waits for this. */
  public readonly dnsRecords = new Map<network.PrivateEndpoint, network.PrivateDnsZoneGroup>();

  private readonly args: NetworkArgs;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:core:Network", name, {}, opts);
    this.args = args;
    const { naming, location, resourceGroupName } = args;
    this.subnets = planSubnets(args.addressSpace);

    this.virtualNetwork = new network.VirtualNetwork(
      `${name}-vnet`,
      {
        resourceGroupName,
        location,
        virtualNetworkName: naming.name("virtualNetwork"),
        addressSpace: { addressPrefixes: [args.addressSpace] },
        ...(args.dnsServers ? { dhcpOptions: { dnsServers: [...args.dnsServers] } } : {}),
      },
      // Subnets are resources of their own; the VNet must not fight over them.
      { parent: this, ignoreChanges: ["subnets"] },
    );

    const securityGroup = (role: string) =>
      new network.NetworkSecurityGroup(
        `${name}-nsg-${role}`,
        { resourceGroupName, location, networkSecurityGroupName: naming.name("networkSecurityGroup", role) },
        // Databricks maintains its required rules through a network intent policy; Pulumi must not remove them.
        { parent: this, ignoreChanges: ["securityRules"] },
      );
    this.databricksSecurityGroup = securityGroup("dbw");
    this.privateEndpointSecurityGroup = securityGroup("pep");

    // Clusters need outbound connections even with back-end Private Link (metastore, artifact and log
    // storage, Event Hubs: Learn, "User-defined route settings for Azure Databricks"); a subnet without
    // default outbound access has none unless a NAT gateway or a route gives it one.
    this.egress = args.egressFirewallIp
      ? new network.RouteTable(
          `${name}-rt`,
          {
            resourceGroupName,
            location,
            routeTableName: naming.name("routeTable", "dbw"),
            // The hub's routes must not bypass the firewall: routes learned over ExpressRoute or VPN are
            // dropped too, so on-premises traffic also goes through the firewall, which must route it on
            // (README, "Who reaches what").
            disableBgpRoutePropagation: true,
            routes: [
              {
                name: "default-to-firewall",
                addressPrefix: DEFAULT_ROUTE,
                nextHopType: network.RouteNextHopType.VirtualAppliance,
                nextHopIpAddress: args.egressFirewallIp,
              },
            ],
          },
          { parent: this },
        )
      : natGatewayWithStaticIp(
          `${name}-ng`,
          // Standard is zonal: with no zone, Azure places it in one zone, a single-zone failure domain for
          // cluster egress (Learn, "NAT gateway and availability zones"). The zone-redundant StandardV2 SKU
          // (with StandardV2 public IPs) is in preview and not in azure-native 3.28's API: an accepted risk.
          { naming, location, resourceGroupName, role: "dbw", ipRole: "ng" },
          this,
        );
    const egress =
      this.egress instanceof network.RouteTable
        ? { routeTable: { id: this.egress.id } }
        : { natGateway: { id: this.egress.id } };

    const subnet = (
      role: string,
      addressPrefix: string,
      extra: Partial<network.SubnetArgs>,
      dependsOn?: pulumi.Resource,
    ) =>
      new network.Subnet(
        `${name}-snet-${role}`,
        {
          resourceGroupName,
          virtualNetworkName: this.virtualNetwork.name,
          subnetName: naming.name("subnet", role),
          addressPrefix,
          defaultOutboundAccess: false,
          ...extra,
        },
        // Azure updates one subnet of a VNet at a time.
        { parent: this, dependsOn },
      );
    const databricksSubnet: Partial<network.SubnetArgs> = {
      networkSecurityGroup: { id: this.databricksSecurityGroup.id },
      delegations: [{ name: "databricks", serviceName: DATABRICKS_DELEGATION }],
      ...egress,
    };
    this.hostSubnetName = naming.name("subnet", "host");
    this.containerSubnetName = naming.name("subnet", "container");
    this.hostSubnet = subnet("host", this.subnets.host, databricksSubnet);
    this.containerSubnet = subnet("container", this.subnets.container, databricksSubnet, this.hostSubnet);
    this.privateEndpointSubnet = subnet(
      "pep",
      this.subnets.privateEndpoints,
      {
        networkSecurityGroup: { id: this.privateEndpointSecurityGroup.id },
        privateEndpointNetworkPolicies: network.VirtualNetworkPrivateEndpointNetworkPolicies.Enabled,
      },
      this.containerSubnet,
    );

    this.dnsZones = {};
    for (const key of args.centralZoneIds ? [] : (Object.keys(PRIVATE_DNS_ZONES) as PrivateDnsZoneKey[])) {
      const zone = linkedPrivateZone(
        `${name}-dns-${key}`,
        { resourceGroupName, zoneName: PRIVATE_DNS_ZONES[key], virtualNetwork: this.virtualNetwork },
        this,
      );
      this.dnsZones[key] = zone;
    }
    this.dnsZoneIds =
      args.centralZoneIds ??
      Object.fromEntries(Object.entries(this.dnsZones).map(([key, zone]) => [key, zone.id]));

    this.registerOutputs({
      virtualNetwork: this.virtualNetwork,
      hostSubnet: this.hostSubnet,
      containerSubnet: this.containerSubnet,
      privateEndpointSubnet: this.privateEndpointSubnet,
    });
  }

  /**
   * A private endpoint for a service, in the private-endpoint subnet, with the DNS zone group that registers
   * it in the private zone; created as a child of `parent`, the component that owns the service.
   */
  public privateEndpoint(
    name: string,
    args: PrivateEndpointArgs,
    parent: pulumi.Resource,
  ): network.PrivateEndpoint {
    const { endpoint, records } = privateEndpointWithRecords(
      name,
      {
        ...this.args,
        subnetId: this.privateEndpointSubnet.id,
        resourceId: args.resourceId,
        groupId: args.groupId,
        role: args.role,
        zones: (typeof args.zone === "string" ? [args.zone] : args.zone).map((zone) => {
          const id = this.dnsZoneIds[zone];
          if (id === undefined) {
            throw new pulumi.ResourceError(
              `${name}: no ${PRIVATE_DNS_ZONES[zone]} zone to register in`,
              this,
            );
          }
          return { name: zone, id };
        }),
      },
      parent,
    );
    this.dnsRecords.set(endpoint, records);
    return endpoint;
  }
}
