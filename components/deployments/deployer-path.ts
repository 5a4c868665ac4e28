import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { Naming } from "../core/naming";

/** A deployer pool's network, as the account stack exports it (`deployerPools[environment]`). */
export interface DeployerPoolNetwork {
  readonly agentPoolId: pulumi.Input<string>;
  readonly virtualNetworkId: pulumi.Input<string>;
  readonly addressSpace: pulumi.Input<string>;
}

export interface DeployerPathArgs {
  readonly naming: Naming;
  readonly resourceGroupName: pulumi.Input<string>;
  /** The environment's VNet (from `Network`). */
  readonly virtualNetwork: network.VirtualNetwork;
  /** Its address space (config `addressSpace`). */
  readonly addressSpace: string;
  /** The environment's deployer pool. */
  readonly pool: DeployerPoolNetwork;
}

/** The resource group and name of a VNet, from its resource id (`/subscriptions/../resourceGroups/<rg>/../<name>`). */
export function parseVirtualNetworkId(id: string): { resourceGroupName: string; name: string } {
  const match = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/.+\/([^/]+)$/i.exec(id);
  if (!match) throw new Error(`deployer pool: ${id} is not a virtual network id`);
  return { resourceGroupName: match[1], name: match[2] };
}

/**
 * The private path from the environment's deployer pool to the workspace (and every other private endpoint of
 * the stack): VNet peering both ways between the environment's VNet and the pool's. Peering is made of two
 * halves, one on each VNet, and carries traffic only once both exist (Learn, "Create, change, or delete a
 * virtual network peering"); this stack owns both halves, the remote one in the account stack's resource
 * group, because the peering belongs to the pair and must die with the environment: a review stack's
 * destroy leaves nothing on the pool's VNet. The private DNS zones are linked to the pool's VNet by `Network`
 * (`linkedVirtualNetworks`); the workspace provider waits for both (`DatabricksWorkspace.deployerPath`).
 */
export class DeployerPath extends pulumi.ComponentResource {
  /** The peering on the environment's VNet, towards the pool. */
  public readonly localPeering: network.VirtualNetworkPeering;
  /** The peering on the pool's VNet, towards the environment. */
  public readonly remotePeering: network.VirtualNetworkPeering;
  /** The pool's agent pool id: `DeploymentSettings.agentPoolId`. */
  public readonly agentPoolId: pulumi.Output<string>;

  constructor(name: string, args: DeployerPathArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:cicd:DeployerPath", name, {}, opts);
    const { naming, pool } = args;
    this.agentPoolId = pulumi.output(pool.agentPoolId);
    const remote = pulumi.output(pool.virtualNetworkId).apply(parseVirtualNetworkId);
    // No forwarded traffic, no gateway transit: the pool reaches this VNet's own addresses only.
    const closed = {
      allowVirtualNetworkAccess: true,
      allowForwardedTraffic: false,
      allowGatewayTransit: false,
      useRemoteGateways: false,
    };
    this.localPeering = new network.VirtualNetworkPeering(
      `${name}-to-pool`,
      {
        ...closed,
        resourceGroupName: args.resourceGroupName,
        virtualNetworkName: args.virtualNetwork.name,
        virtualNetworkPeeringName: naming.name("virtualNetwork", "deployers"),
        remoteVirtualNetwork: { id: pool.virtualNetworkId },
        remoteAddressSpace: { addressPrefixes: [pool.addressSpace] },
      },
      { parent: this },
    );
    this.remotePeering = new network.VirtualNetworkPeering(
      `${name}-from-pool`,
      {
        ...closed,
        resourceGroupName: remote.resourceGroupName,
        virtualNetworkName: remote.name,
        // One peering per environment VNet on the pool's VNet: named after the environment's VNet.
        virtualNetworkPeeringName: naming.name("virtualNetwork"),
        remoteVirtualNetwork: { id: args.virtualNetwork.id },
        remoteAddressSpace: { addressPrefixes: [args.addressSpace] },
      },
      // Azure changes one peering of a VNet pair at a time.
      { parent: this, dependsOn: [this.localPeering] },
    );
    this.registerOutputs({ localPeering: this.localPeering, remotePeering: this.remotePeering });
  }
}
