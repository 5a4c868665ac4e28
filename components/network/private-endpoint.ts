import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import { AzurePlacement } from "../core/naming";

export interface PrivateEndpointWithRecordsArgs extends AzurePlacement {
  /** The subnet the endpoint's network interface goes in. */
  readonly subnetId: pulumi.Input<string>;
  /** Resource id of the service the endpoint connects to. */
  readonly resourceId: pulumi.Input<string>;
  /** Private link sub-resource (`dfs`, `vault`, `databricks_ui_api`, ...). */
  readonly groupId: string;
  /** Distinguishes the endpoints in Azure names (`pep-<prefix>-<role>-...`). */
  readonly role: string;
  /** The private DNS zones its addresses are registered in, by config name. */
  readonly zones: readonly { readonly name: string; readonly id: pulumi.Input<string> }[];
}

/**
 * A private endpoint with the DNS zone group that registers its addresses in private zones: `${name}-pep`,
 * a child of `parent`, and `${name}-pep-dns`, its child. What waits for the service's name to resolve
 * privately waits for the zone group.
 */
export function privateEndpointWithRecords(
  name: string,
  args: PrivateEndpointWithRecordsArgs,
  parent: pulumi.Resource,
): { endpoint: network.PrivateEndpoint; records: network.PrivateDnsZoneGroup } {
  const { naming, location, resourceGroupName } = args;
  const endpointName = naming.name("privateEndpoint", args.role);
  const endpoint = new network.PrivateEndpoint(
    `${name}-pep`,
    {
      resourceGroupName,
      location,
      privateEndpointName: endpointName,
      subnet: { id: args.subnetId },
      privateLinkServiceConnections: [
        { name: endpointName, privateLinkServiceId: args.resourceId, groupIds: [args.groupId] },
      ],
    },
    { parent },
  );
  const records = new network.PrivateDnsZoneGroup(
    `${name}-pep-dns`,
    {
      resourceGroupName,
      privateEndpointName: endpoint.name,
      privateDnsZoneGroupName: "default",
      privateDnsZoneConfigs: args.zones.map((zone) => ({ name: zone.name, privateDnsZoneId: zone.id })),
    },
    { parent: endpoint },
  );
  return { endpoint, records };
}

/**
 * A private DNS zone linked (resolution only, no auto-registration) to a VNet: `${name}` and `${name}-link`,
 * the link named after the VNet.
 */
export function linkedPrivateZone(
  name: string,
  args: {
    readonly resourceGroupName: pulumi.Input<string>;
    readonly zoneName: string;
    readonly virtualNetwork: network.VirtualNetwork;
  },
  parent: pulumi.Resource,
): privatedns.PrivateZone {
  const { resourceGroupName } = args;
  const zone = new privatedns.PrivateZone(
    name,
    { resourceGroupName, location: "global", privateZoneName: args.zoneName },
    { parent },
  );
  new privatedns.VirtualNetworkLink(
    `${name}-link`,
    {
      resourceGroupName,
      location: "global",
      privateZoneName: zone.name,
      virtualNetworkLinkName: args.virtualNetwork.name,
      virtualNetwork: { id: args.virtualNetwork.id },
      registrationEnabled: false,
    },
    { parent: zone },
  );
  return zone;
}
