import * as pulumi from "@pulumi/pulumi";
import * as network from "@pulumi/azure-native/network";
import { privateEndpointWithRecords } from "../network/private-endpoint";
import { AzureRegion, Naming } from "../core/naming";
import { InvalidInputError } from "../../config/validation";
import { DeployerPoolOutputs, DeployerZone } from "./deployer-pools";

export interface DeployerPathArgs {
  readonly naming: Naming;
  readonly location: AzureRegion;
  /** The environment's deployer pool, as the account stack exports it. */
  readonly pool: pulumi.Input<DeployerPoolOutputs>;
}

export interface DeployerEndpointArgs {
  /** Resource id of the service the deployers call. */
  readonly resourceId: pulumi.Input<string>;
  /** Private link sub-resource (`databricks_ui_api`, `grafana`). */
  readonly groupId: string;
  /** The pool's private DNS zone the endpoint registers in. */
  readonly zone: DeployerZone;
  /** Distinguishes the endpoints in Azure names. */
  readonly role: string;
}

/** The subscription and resource group of a resource, from its id (`/subscriptions/<id>/resourceGroups/<rg>/...`). */
function placementOf(id: string): { subscriptionId: string; resourceGroupName: string } | undefined {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\//i.exec(id);
  return match ? { subscriptionId: match[1], resourceGroupName: match[2] } : undefined;
}

/** The resource group of a resource, from its id. */
export function resourceGroupOf(id: string): string {
  const placement = placementOf(id);
  if (!placement) throw new Error(`deployer pool: ${id} is not the id of a resource in a resource group`);
  return placement.resourceGroupName;
}

/**
 * The environment's pool from the account stack's `deployerPools` output, refused unless this stack can build
 * its deployers' endpoints in it: they are created with the stack's own Azure provider, that is in the stack's
 * subscription, so the pool's private-endpoint subnet must be in that subscription. (Its region is the
 * account stack's, which the stack already requires to be its own: a workspace binds only to a metastore of
 * its region; a private endpoint lives in its VNet's region.)
 */
export function environmentPool(
  pools: Record<string, DeployerPoolOutputs>,
  args: { readonly environment: string; readonly subscriptionId: string; readonly accountStack: string },
): DeployerPoolOutputs {
  const output = `lakehouse:accountStack: ${args.accountStack}`;
  const pool = pools[args.environment];
  if (pool === undefined) {
    throw new InvalidInputError([
      `${output} has no deployer pool for environment "${args.environment}" (it has: ${Object.keys(pools).join(", ") || "none"}); set lakehouse-account:deployerPools and its environments`,
    ]);
  }
  const placement = placementOf(pool.privateEndpointSubnetId ?? "");
  if (placement === undefined) {
    throw new InvalidInputError([
      `${output}: output deployerPools.${args.environment}.privateEndpointSubnetId is "${String(pool.privateEndpointSubnetId)}", not a subnet id (/subscriptions/<id>/resourceGroups/<rg>/...); update the account stack`,
    ]);
  }
  if (placement.subscriptionId.toLowerCase() !== args.subscriptionId.toLowerCase()) {
    throw new InvalidInputError([
      `${output}: output deployerPools.${args.environment}.privateEndpointSubnetId is in subscription ${placement.subscriptionId}, this stack deploys to ${args.subscriptionId}: the deployers' private endpoints are created with the stack's Azure provider, so a pool must be in the subscription of the environments it deploys (deploy the account stack's pools there, or the environment in the pool's subscription)`,
    ]);
  }
  return pool;
}

/**
 * The environment's deployers' private path: a private endpoint of each service the deployers call over its
 * data plane (the workspace's front end, `databricks_ui_api`), in the private-endpoint subnet of the
 * environment's deployer pool, registered in the pool's own private DNS zone: the pool's VNet is the deployers'
 * transit VNet (Learn, Azure Databricks "Private Link": a transit VNet holds the front-end `databricks_ui_api`
 * endpoints clients use, the workspace VNet the back-end one). Each workspace's record has its own name
 * (`adb-<workspace id>`), so every environment of a pool (dev and its review stacks) resolves in the one zone
 * the pool's VNet is linked to. Peering the
 * pool with each environment and linking each environment's zones to it would not: a VNet can be linked to
 * one private zone of a name only, and review stacks share their template's address space. The endpoints
 * belong to this stack (in the pool's resource group) and die with it.
 */
export class DeployerPath extends pulumi.ComponentResource {
  /** The pool's agent pool id: `DeploymentSettings.agentPoolId`. */
  public readonly agentPoolId: pulumi.Output<string>;
  /** Each endpoint's DNS zone group: what waits for the deployers to resolve a service waits for this. */
  public readonly records: network.PrivateDnsZoneGroup[] = [];
  private readonly args: DeployerPathArgs;

  constructor(name: string, args: DeployerPathArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:cicd:DeployerPath", name, {}, opts);
    this.args = args;
    this.agentPoolId = pulumi.output(args.pool).agentPoolId;
    this.registerOutputs({ agentPoolId: this.agentPoolId });
  }

  /** A private endpoint of a service in the pool's network; returns its DNS zone group. */
  public endpoint(name: string, args: DeployerEndpointArgs): network.PrivateDnsZoneGroup {
    const { naming, location } = this.args;
    const pool = pulumi.output(this.args.pool);
    const { records } = privateEndpointWithRecords(
      name,
      {
        naming,
        location,
        resourceGroupName: pool.privateEndpointSubnetId.apply(resourceGroupOf),
        subnetId: pool.privateEndpointSubnetId,
        resourceId: args.resourceId,
        groupId: args.groupId,
        role: args.role,
        zones: [{ name: args.zone, id: pool.dnsZoneIds.apply((ids) => ids[args.zone]) }],
      },
      this,
    );
    this.records.push(records);
    return records;
  }
}
