import * as pulumi from "@pulumi/pulumi";
import * as databricks from "@pulumi/databricks";
import { PlatformConfig } from "../../config/config";
import { eventLogTable, OPS_SCHEMA } from "../../sql/ops-sql";
import { PipelineSql, pipelineSql, PipelineSqlContext } from "../../sql/pipeline-sql";
import { sqlFileTask } from "../governance/governance";
import { DataSource } from "../../config/sources";

/** Lakeflow events that notify the alert targets: every failure of an update or a flow. */
export const PIPELINE_FAILURE_ALERTS = ["on-update-failure", "on-update-fatal-failure", "on-flow-failure"];

/** Where notifications of failed runs go; the monitoring component adds its destinations here. */
export interface FailureNotifications {
  readonly emails: readonly string[];
  /** Ids of Databricks notification destinations (Slack, Teams). */
  readonly destinationIds?: readonly pulumi.Input<string>[];
}

export interface IngestionArgs {
  /** Workspace-level names get this prefix (`lh-dev`). */
  readonly namePrefix: string;
  readonly catalogName: string;
  readonly sources: readonly DataSource[];
  /**
   * Where each source reads from (replica foreign catalog, landing container, Event Hubs); values may be
   * outputs of other components.
   */
  readonly sqlContext: pulumi.Input<PipelineSqlContext>;
  /** Pipeline compute's cluster policy (cluster type `dlt`), classic compute inside the workspace's VNet. */
  readonly pipelinePolicyId: pulumi.Input<string>;
  /** Client id of the Entra application every pipeline and job runs as. */
  readonly runAs: pulumi.Input<string>;
  /** The governance SQL batch refreshes run: the mask functions before, the source's PII tags after. */
  readonly governance: {
    readonly functionsPath: pulumi.Input<string>;
    readonly tagsPaths: ReadonlyMap<string, pulumi.Input<string>>;
    readonly sqlWarehouseId: pulumi.Input<string>;
  };
  readonly maxWorkers: number;
  readonly notifications: FailureNotifications;
  readonly groups: PlatformConfig["groups"];
  /**
   * Workspace folder of the generated SQL: one only the platform admins and the run-as principal may write
   * (never under /Shared, where every user may edit code that principal runs).
   */
  readonly workspaceRoot: string;
  /** What the SQL files wait for: the folder's permissions. */
  readonly codeFolder: pulumi.Resource;
  /** What every pipeline and job waits for: the deployer's Service Principal User role on the run-as. */
  readonly runAsRoles: pulumi.Resource;
  /** What a source's pipeline waits for: its schemas' grants and the shared ones. */
  readonly dependsOnFor?: (source: string) => pulumi.Resource[];
}

/** The resources one data source adds. */
export interface SourceIngestion {
  readonly sql: pulumi.Output<PipelineSql>;
  readonly files: readonly databricks.WorkspaceFile[];
  readonly pipeline: databricks.Pipeline;
  /** The schedule of a batch source, or the continuous job of a streaming source. */
  readonly job?: databricks.Job;
}

/**
 * Config-driven ingestion: for every source file, its pipeline SQL (bronze with the PII split, silver with
 * expectations, gold aggregates) deployed as workspace files, a Lakeflow declarative pipeline in Unity
 * Catalog that runs as the pipelines' service principal, run by a job: a continuous job for streaming
 * sources, a scheduled one with retries and a timeout for batch sources. Failures notify the alert
 * targets. Pipelines run on the pipeline cluster policy inside the workspace's VNet, because every service
 * they read is reachable only through private endpoints there.
 */
export class Ingestion extends pulumi.ComponentResource {
  public readonly sources: ReadonlyMap<string, SourceIngestion>;

  constructor(name: string, args: IngestionArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:ingestion:Ingestion", name, {}, opts);
    const root = args.workspaceRoot;
    const emails = [...args.notifications.emails];
    const destinations = [...(args.notifications.destinationIds ?? [])];

    this.sources = new Map(
      args.sources.map((source) => {
        // Cluster tags: `owner` is the platform's, fixed by the cluster policy; the source's team is its own key.
        const tags = { source: source.name, sourceOwner: source.owner };
        const sql = pulumi.output(args.sqlContext).apply((ctx) => pipelineSql(source, ctx));
        const files = (["bronze", "silver", "gold"] as const).map(
          (layer) =>
            new databricks.WorkspaceFile(
              `${name}-${source.name}-${layer}`,
              {
                path: `${root}/${source.name}/${layer}.sql`,
                contentBase64: sql.apply((s) => Buffer.from(s[layer], "utf8").toString("base64")),
              },
              { parent: this, dependsOn: [args.codeFolder] },
            ),
        );
        const streaming = source.mode === "streaming";
        const pipeline = new databricks.Pipeline(
          `${name}-${source.name}`,
          {
            name: `${args.namePrefix}-${source.name}`,
            catalog: args.catalogName,
            schema: `${source.name}_silver`,
            // Streaming sources run continuously through their continuous job (which retries failures).
            continuous: false,
            development: false,
            channel: "CURRENT",
            edition: "ADVANCED",
            photon: true,
            serverless: false,
            clusters: [
              {
                label: "default",
                policyId: args.pipelinePolicyId,
                applyPolicyDefaultValues: true,
                autoscale: { minWorkers: 1, maxWorkers: args.maxWorkers, mode: "ENHANCED" },
                customTags: tags,
              },
            ],
            libraries: files.map((file) => ({ file: { path: file.path } })),
            notifications: [{ emailRecipients: emails, alerts: PIPELINE_FAILURE_ALERTS }],
            runAs: { servicePrincipalName: args.runAs },
            configuration: { "lakehouse.source": source.name },
            // Every update's events (states, rows, expectation results) land in the ops schema.
            eventLog: { catalog: args.catalogName, schema: OPS_SCHEMA, name: eventLogTable(source) },
            tags,
          },
          { parent: this, dependsOn: [args.runAsRoles, ...(args.dependsOnFor?.(source.name) ?? [])] },
        );
        new databricks.Permissions(
          `${name}-${source.name}-permissions`,
          {
            pipelineId: pipeline.id,
            accessControls: [
              { groupName: args.groups.platformAdmins, permissionLevel: "CAN_MANAGE" },
              { groupName: args.groups.dataEngineers, permissionLevel: "CAN_RUN" },
            ],
          },
          { parent: pipeline },
        );

        const schedule = "schedule" in source.source ? source.source.schedule : undefined;
        const tagsPath = args.governance.tagsPaths.get(source.name);
        const failures = {
          emailNotifications: { onFailures: emails, noAlertForSkippedRuns: true },
          webhookNotifications: { onFailures: destinations.map((id) => ({ id })) },
        };
        const job = streaming
          ? // A continuous job runs the (triggered) pipeline continuously and retries a failed run with
            // backoff: on a new stack the first runs fail until the governance job has created the masks'
            // functions, then the stream starts by itself (Databricks docs, "Pipeline task for jobs").
            new databricks.Job(
              `${name}-${source.name}-job`,
              {
                name: `${args.namePrefix}-${source.name}-stream`,
                description: `Runs the ${source.name} pipeline continuously.`,
                continuous: { pauseStatus: "UNPAUSED" },
                // Restart the active run when the job changes, so new pipeline code reaches the stream
                // (provider docs, job: control_run_state, continuous jobs only).
                controlRunState: true,
                maxConcurrentRuns: 1,
                tasks: [{ taskKey: "stream", pipelineTask: { pipelineId: pipeline.id, fullRefresh: false } }],
                runAs: { servicePrincipalName: args.runAs },
                ...failures,
                tags,
              },
              { parent: this, dependsOn: [args.runAsRoles] },
            )
          : schedule === undefined
            ? undefined
            : new databricks.Job(
                `${name}-${source.name}-job`,
                {
                  name: `${args.namePrefix}-${source.name}-refresh`,
                  description: `Refreshes the ${source.name} pipeline on its schedule.`,
                  schedule: { quartzCronExpression: schedule, timezoneId: "UTC", pauseStatus: "UNPAUSED" },
                  maxConcurrentRuns: 1,
                  queue: { enabled: true },
                  timeoutSeconds: 4 * 3600,
                  // The masks' functions first (a new stack has none yet), then the refresh, then the tags
                  // of the tables the refresh created; nothing here waits for another job's run.
                  tasks: [
                    sqlFileTask("functions", args.governance.functionsPath, args.governance.sqlWarehouseId, {
                      maxRetries: 1,
                    }),
                    {
                      taskKey: "refresh",
                      dependsOns: [{ taskKey: "functions" }],
                      pipelineTask: { pipelineId: pipeline.id, fullRefresh: false },
                      maxRetries: 2,
                      minRetryIntervalMillis: 10 * 60 * 1000,
                      retryOnTimeout: true,
                      timeoutSeconds: 3 * 3600,
                    },
                    ...(tagsPath === undefined
                      ? []
                      : [
                          sqlFileTask("tags", tagsPath, args.governance.sqlWarehouseId, {
                            dependsOns: [{ taskKey: "refresh" }],
                          }),
                        ]),
                  ],
                  runAs: { servicePrincipalName: args.runAs },
                  // A refresh that runs twice as long as usual warns before the timeout fails it.
                  health: {
                    rules: [{ metric: "RUN_DURATION_SECONDS", op: "GREATER_THAN", value: 2 * 3600 }],
                  },
                  emailNotifications: {
                    onFailures: emails,
                    onDurationWarningThresholdExceededs: emails,
                    noAlertForSkippedRuns: true,
                  },
                  webhookNotifications: {
                    onFailures: destinations.map((id) => ({ id })),
                    onDurationWarningThresholdExceededs: destinations.map((id) => ({ id })),
                  },
                  tags,
                },
                { parent: this, dependsOn: [args.runAsRoles] },
              );
        if (job) {
          new databricks.Permissions(
            `${name}-${source.name}-job-permissions`,
            {
              jobId: job.id,
              accessControls: [
                { groupName: args.groups.platformAdmins, permissionLevel: "CAN_MANAGE" },
                { groupName: args.groups.dataEngineers, permissionLevel: "CAN_MANAGE_RUN" },
              ],
            },
            { parent: job },
          );
        }
        return [source.name, { sql, files, pipeline, job }];
      }),
    );
    this.registerOutputs({});
  }
}
