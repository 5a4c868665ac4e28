import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { AzurePlacement } from "../core/naming";

export interface NatGatewayArgs extends AzurePlacement {
  /** Role of the gateway in its Azure name (`ng-<prefix>-<role>-...`). */
  readonly role: string;
  /** Role of its public IP in its Azure name (`pip-<prefix>-<ipRole>-...`). */
  readonly ipRole: string;
}

/**
 * An explicit outbound path for subnets without default outbound access: a Standard NAT gateway with one
 * static Standard public IPv4 address (Learn, "Default outbound access in Azure": such subnets need a NAT
 * gateway, a load balancer or a route to reach anything outside the VNet). Created as `${name}` and
 * `${name}-pip`, children of `parent`.
 */
export function natGatewayWithStaticIp(
  name: string,
  args: NatGatewayArgs,
  parent: pulumi.Resource,
): network.NatGateway {
  const { naming, location, resourceGroupName } = args;
  const ip = new network.PublicIPAddress(
    `${name}-pip`,
    {
      resourceGroupName,
      location,
      publicIpAddressName: naming.name("publicIp", args.ipRole),
      sku: { name: network.PublicIPAddressSkuName.Standard },
      publicIPAllocationMethod: network.IPAllocationMethod.Static,
      publicIPAddressVersion: network.IPVersion.IPv4,
    },
    { parent },
  );
  return new network.NatGateway(
    name,
    {
      resourceGroupName,
      location,
      natGatewayName: naming.name("natGateway", args.role),
      sku: { name: network.NatGatewaySkuName.Standard },
      idleTimeoutInMinutes: 4,
      publicIpAddresses: [{ id: ip.id }],
    },
    { parent },
  );
}
