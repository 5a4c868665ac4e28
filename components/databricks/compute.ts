import * as pulumi from "@pulumi/pulumi";
import * as databricks from "@pulumi/databricks";
import { MandatoryTags, PlatformConfig } from "../../config/config";

export interface ComputeArgs {
  /** Workspace-level names get this prefix (`lh-dev`). */
  readonly namePrefix: string;
  /** Limits of policy-governed compute (node types, size, idle time, spot, DBU cap). */
  readonly compute: PlatformConfig["compute"];
  /** Cost tags every cluster and warehouse carries. */
  readonly tags: MandatoryTags;
  readonly groups: PlatformConfig["groups"];
  /** Client id of the Entra application pipelines and jobs run as. */
  readonly pipelinesClientId: string;
  /** Databricks account id (from the account stack): names the pipelines principal's account-level rule set. */
  readonly accountId: pulumi.Input<string>;
  /**
   * ACL principal of the identity that deploys (`servicePrincipals/<application id>`, or `users/<name>`): it
   * sets `run_as` on every pipeline and job, which needs the Service Principal User role.
   */
  readonly deployer: pulumi.Input<string>;
}

type PolicyRule = Record<string, unknown>;

/**
 * Cluster policy rules shared by job and interactive clusters: Unity Catalog access mode, node types from the
 * allow-list, bounded autoscaling and DBU/hour, local disk encryption, no SSH keys, cost tags fixed to the
 * mandatory tags, and spot workers with fallback to on-demand when config asks (the driver stays on-demand).
 */
export function baseClusterPolicy(
  compute: PlatformConfig["compute"],
  tags: MandatoryTags,
): Record<string, PolicyRule> {
  const nodeTypes = { type: "allowlist", values: [...compute.nodeTypes], defaultValue: compute.nodeTypes[0] };
  return {
    spark_version: { type: "unlimited", defaultValue: "auto:latest-lts" },
    node_type_id: nodeTypes,
    driver_node_type_id: nodeTypes,
    num_workers: { type: "range", minValue: 0, maxValue: compute.maxWorkers },
    "autoscale.min_workers": { type: "range", minValue: 1, maxValue: compute.maxWorkers, defaultValue: 1 },
    "autoscale.max_workers": {
      type: "range",
      minValue: 1,
      maxValue: compute.maxWorkers,
      defaultValue: Math.min(4, compute.maxWorkers),
    },
    dbus_per_hour: { type: "range", maxValue: compute.maxDbuPerHour },
    enable_local_disk_encryption: { type: "fixed", value: true },
    "ssh_public_keys.*": { type: "forbidden" },
    "azure_attributes.first_on_demand": { type: "fixed", value: 1 },
    "azure_attributes.availability": {
      type: "fixed",
      value: compute.spotWorkers ? "SPOT_WITH_FALLBACK_AZURE" : "ON_DEMAND_AZURE",
    },
    ...(compute.spotWorkers ? { "azure_attributes.spot_bid_max_price": { type: "fixed", value: -1 } } : {}),
    ...Object.fromEntries(
      Object.entries(tags).map(([key, value]) => [`custom_tags.${key}`, { type: "fixed", value }]),
    ),
  };
}

/** Cluster policy rules of pipeline compute: the shared limits without what Lakeflow sets itself. */
export function pipelineClusterPolicy(
  compute: PlatformConfig["compute"],
  tags: MandatoryTags,
): Record<string, PolicyRule> {
  // The pipeline runtime picks the Spark version (not user settable on pipeline compute).
  // eslint-disable-next-line @typescript-eslint/no-unused-vars
  const { spark_version, ...rest } = baseClusterPolicy(compute, tags);
  return {
    ...rest,
    // Pipeline compute has cluster type `dlt`; Unity Catalog pipelines run in standard (shared) access mode.
    cluster_type: { type: "fixed", value: "dlt" },
    data_security_mode: { type: "fixed", value: "USER_ISOLATION" },
  };
}

/**
 * Governed compute: cluster policies for jobs, pipelines and interactive work (the only way non-admins get
 * clusters), a serverless SQL warehouse with auto-stop, and the pipelines' service principal with who may
 * use it and the private folder of the code it runs. No instance pool: jobs run on job clusters and pipelines
 * on their policy's classic compute, so idle pool VMs would cost more than the start-up time they save.
 */
export class Compute extends pulumi.ComponentResource {
  public readonly jobPolicy: databricks.ClusterPolicy;
  /** Pipeline compute (cluster type `dlt`); every pipeline cluster uses it. */
  public readonly pipelinePolicy: databricks.ClusterPolicy;
  public readonly interactivePolicy: databricks.ClusterPolicy;
  public readonly sqlWarehouse: databricks.SqlEndpoint;
  /** The workspace identity of the pipelines' Entra application (run-as of every pipeline and job). */
  public readonly pipelinesPrincipal: databricks.ServicePrincipal;
  /**
   * Who may use the pipelines' principal (account-level roles): the deployer and the platform admins. Every
   * pipeline and job that runs as it waits for this rule set.
   */
  public readonly runAsRoles: databricks.AccessControlRuleSet;
  /**
   * Workspace folder of the code the pipelines' principal runs (pipeline, governance and run-metadata SQL),
   * in that principal's home folder: only it and the platform admins may write there.
   */
  public readonly codeRoot: string;
  /** The folder's permissions: every file under `codeRoot` waits for them. */
  public readonly codeFolder: databricks.Permissions;

  constructor(name: string, args: ComputeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:core:Compute", name, {}, opts);
    const { compute, tags, groups, namePrefix } = args;
    const base = baseClusterPolicy(compute, tags);

    this.pipelinesPrincipal = new databricks.ServicePrincipal(
      `${name}-pipelines-principal`,
      {
        applicationId: args.pipelinesClientId,
        displayName: `${namePrefix}-pipelines`,
        allowClusterCreate: false,
        allowInstancePoolCreate: false,
        // The governance and run-metadata jobs run SQL files on the warehouse as this principal.
        databricksSqlAccess: true,
        workspaceAccess: true,
      },
      { parent: this },
    );
    // Setting a service principal as run_as needs its Service Principal User role (provider docs, job and
    // pipeline: run_as). Authoritative for the principal's roles: managers are kept here too.
    const admins = `groups/${groups.platformAdmins}`;
    this.runAsRoles = new databricks.AccessControlRuleSet(
      `${name}-pipelines-principal-roles`,
      {
        name: pulumi.interpolate`accounts/${args.accountId}/servicePrincipals/${args.pipelinesClientId}/ruleSets/default`,
        grantRules: [
          { role: "roles/servicePrincipal.manager", principals: [args.deployer, admins] },
          { role: "roles/servicePrincipal.user", principals: [args.deployer, admins] },
        ],
      },
      // The rule set is one authoritative object per principal: a review stack runs as its template's
      // principal and declares the same rule set, so destroying it must not strip the roles dev relies on.
      { parent: this, dependsOn: [this.pipelinesPrincipal], retainOnDelete: true },
    );

    // Not /Shared: every workspace user may manage objects there, and this principal reads PII and defines
    // the masks. Its home folder is private to it and the workspace admins; engineers may read the code.
    this.codeRoot = `/Users/${args.pipelinesClientId}/lakehouse`;
    const folder = new databricks.Directory(
      `${name}-code-folder`,
      { path: this.codeRoot },
      { parent: this, dependsOn: [this.pipelinesPrincipal] },
    );
    this.codeFolder = new databricks.Permissions(
      `${name}-code-folder-permissions`,
      {
        directoryPath: folder.path,
        accessControls: [
          { groupName: groups.platformAdmins, permissionLevel: "CAN_MANAGE" },
          { groupName: groups.dataEngineers, permissionLevel: "CAN_READ" },
        ],
      },
      { parent: this },
    );

    this.jobPolicy = new databricks.ClusterPolicy(
      `${name}-jobs-policy`,
      {
        name: `${namePrefix}-jobs`,
        description: "Job clusters: dedicated Unity Catalog access, bounded size, cost tags.",
        definition: JSON.stringify({
          ...base,
          cluster_type: { type: "fixed", value: "job" },
          data_security_mode: { type: "fixed", value: "SINGLE_USER" },
        }),
      },
      { parent: this },
    );
    this.pipelinePolicy = new databricks.ClusterPolicy(
      `${name}-pipelines-policy`,
      {
        name: `${namePrefix}-pipelines`,
        description:
          "Pipeline compute: cluster type dlt, standard Unity Catalog access, bounded size, cost tags.",
        definition: JSON.stringify(pipelineClusterPolicy(compute, tags)),
      },
      { parent: this },
    );
    this.interactivePolicy = new databricks.ClusterPolicy(
      `${name}-interactive-policy`,
      {
        name: `${namePrefix}-interactive`,
        description:
          "Interactive clusters: shared Unity Catalog access, auto-termination, bounded size, cost tags.",
        maxClustersPerUser: 1,
        definition: JSON.stringify({
          ...base,
          cluster_type: { type: "fixed", value: "all-purpose" },
          data_security_mode: { type: "fixed", value: "USER_ISOLATION" },
          autotermination_minutes: {
            type: "range",
            minValue: 10,
            maxValue: compute.maxAutoterminationMinutes,
            defaultValue: Math.min(30, compute.maxAutoterminationMinutes),
          },
        }),
      },
      { parent: this },
    );

    this.sqlWarehouse = new databricks.SqlEndpoint(
      `${name}-sql`,
      {
        name: `${namePrefix}-sql`,
        clusterSize: compute.sqlWarehouseSize,
        warehouseType: "PRO",
        enableServerlessCompute: true,
        enablePhoton: true,
        autoStopMins: 10,
        minNumClusters: 1,
        maxNumClusters: compute.sqlWarehouseMaxClusters,
        spotInstancePolicy: "COST_OPTIMIZED",
        channel: { name: "CHANNEL_NAME_CURRENT" },
        tags: { customTags: Object.entries(tags).map(([key, value]) => ({ key, value })) },
      },
      { parent: this },
    );

    const canUse = (principals: string[]) =>
      principals.map((groupName) => ({ groupName, permissionLevel: "CAN_USE" }));
    // Jobs of the pipelines' principal run pipeline and SQL tasks only: it needs the pipeline policy alone.
    new databricks.Permissions(
      `${name}-jobs-policy-permissions`,
      { clusterPolicyId: this.jobPolicy.id, accessControls: canUse([groups.dataEngineers]) },
      { parent: this },
    );
    new databricks.Permissions(
      `${name}-pipelines-policy-permissions`,
      {
        clusterPolicyId: this.pipelinePolicy.id,
        accessControls: [
          ...canUse([groups.dataEngineers]),
          { servicePrincipalName: args.pipelinesClientId, permissionLevel: "CAN_USE" },
        ],
      },
      { parent: this, dependsOn: [this.pipelinesPrincipal] },
    );
    new databricks.Permissions(
      `${name}-interactive-policy-permissions`,
      {
        clusterPolicyId: this.interactivePolicy.id,
        accessControls: canUse([groups.dataEngineers, groups.analysts]),
      },
      { parent: this },
    );
    new databricks.Permissions(
      `${name}-sql-permissions`,
      {
        sqlEndpointId: this.sqlWarehouse.id,
        accessControls: [
          ...canUse([groups.dataEngineers, groups.analysts]),
          { groupName: groups.platformAdmins, permissionLevel: "CAN_MANAGE" },
          // The governance and run-metadata jobs' SQL tasks run here as the pipelines' principal.
          { servicePrincipalName: args.pipelinesClientId, permissionLevel: "CAN_USE" },
        ],
      },
      { parent: this, dependsOn: [this.pipelinesPrincipal] },
    );

    this.registerOutputs({ sqlWarehouse: this.sqlWarehouse });
  }
}
