import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { AzurePlacement } from "../core/naming";
import { natGatewayWithStaticIp } from "./nat-gateway";
import { linkedPrivateZone, privateEndpointWithRecords } from "./private-endpoint";

/** Private DNS zones of every service the platform reaches over private endpoints. */
export const PRIVATE_DNS_ZONES = {
  databricks: "privatelink.azuredatabricks.net",
  dfs: "privatelink.dfs.core.windows.net",
  blob: "privatelink.blob.core.windows.net",
  vault: "privatelink.vaultcore.azure.net",
  sql: "privatelink.database.windows.net",
  eventhub: "privatelink.servicebus.windows.net",
  grafana: "privatelink.grafana.azure.com",
  // Azure Monitor Private Link Scope (with blob, for the agents' solution packs).
  monitor: "privatelink.monitor.azure.com",
  oms: "privatelink.oms.opinsights.azure.com",
  ods: "privatelink.ods.opinsights.azure.com",
  agentsvc: "privatelink.agentsvc.azure-automation.net",
} as const;

/** The zones an Azure Monitor Private Link Scope's endpoint (group `azuremonitor`) registers in. */
export const AZURE_MONITOR_ZONES: readonly PrivateDnsZoneKey[] = [
  "monitor",
  "oms",
  "ods",
  "agentsvc",
  "blob",
];

export type PrivateDnsZoneKey = keyof typeof PRIVATE_DNS_ZONES;

/** The zones only an Azure Monitor Private Link Scope uses (blob serves the stack's storage too). */
export const AZURE_MONITOR_ONLY_ZONES: readonly PrivateDnsZoneKey[] = AZURE_MONITOR_ZONES.filter(
  (zone) => zone !== "blob",
);

/** A stable link role for a VNet outside the stack, from its resource id. */
export function externalLinkRole(virtualNetworkId: string): string {
  return `dns${createHash("sha256").update(virtualNetworkId.toLowerCase()).digest("hex").slice(0, 6)}`;
}

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
   * VNets outside the stack that must resolve its private endpoints (peering does not share DNS zone links:
   * Learn, "Azure Private Endpoint DNS configuration"), by role: every private zone is linked to each.
   */
  readonly linkedVirtualNetworks?: Readonly<Record<string, pulumi.Input<string>>>;
  /**
   * Zones the stack must not create because the landing zone's central zones serve them (an Azure Monitor
   * Private Link Scope on the hub: one set of Azure Monitor zones per DNS). Default: none.
   */
  readonly centralZones?: readonly PrivateDnsZoneKey[];
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
  /** The stack's private zones (all but `centralZones`). */
  public readonly dnsZones: Record<PrivateDnsZoneKey, privatedns.PrivateZone>;
  public readonly subnets: SubnetPlan;
  /** Azure names of the Databricks subnets, as the workspace's parameters want them. */
  public readonly hostSubnetName: string;
  public readonly containerSubnetName: string;
  /**
   * Explicit outbound path of the Databricks subnets (they have no default outbound access): a NAT gateway
   * with a Standard public IP, or, with `egressFirewallIp`, a route table to the hub firewall.
   */
  public readonly egress: network.NatGateway | network.RouteTable;

  /** The zones' links to the VNets of `linkedVirtualNetworks`: what a caller from there waits for. */
  public readonly externalDnsLinks: privatedns.VirtualNetworkLink[] = [];

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

    this.dnsZones = Object.fromEntries(
      (Object.keys(PRIVATE_DNS_ZONES) as PrivateDnsZoneKey[])
        .filter((key) => !(args.centralZones ?? []).includes(key))
        .map((key) => {
          const zone = linkedPrivateZone(
            `${name}-dns-${key}`,
            { resourceGroupName, zoneName: PRIVATE_DNS_ZONES[key], virtualNetwork: this.virtualNetwork },
            this,
          );
          for (const [role, id] of Object.entries(args.linkedVirtualNetworks ?? {})) {
            this.externalDnsLinks.push(
              new privatedns.VirtualNetworkLink(
                `${name}-dns-${key}-link-${role}`,
                {
                  resourceGroupName,
                  location: "global",
                  privateZoneName: zone.name,
                  virtualNetworkLinkName: naming.name("virtualNetwork", role),
                  virtualNetwork: { id },
                  registrationEnabled: false,
                },
                { parent: zone },
              ),
            );
          }
          return [key, zone];
        }),
    ) as Record<PrivateDnsZoneKey, privatedns.PrivateZone>;

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
          const dnsZone = this.dnsZones[zone] as privatedns.PrivateZone | undefined;
          if (!dnsZone) throw new pulumi.ResourceError(`${name}: zone ${zone} is the landing zone's`, this);
          return { name: zone, id: dnsZone.id };
        }),
      },
      parent,
    );
    this.dnsRecords.set(endpoint, records);
    return endpoint;
  }
}
