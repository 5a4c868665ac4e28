import * as pulumi from "@pulumi/pulumi";
import * as databricks from "@pulumi/databricks";
import { sqlFileTask } from "../governance/governance";
import { jobRunsSql, sourceRunsSql } from "../../sql/ops-sql";
import { DataSource } from "../../config/sources";

export interface RunMetadataArgs {
  /** Workspace-level names get this prefix (`lh-dev`). */
  readonly namePrefix: string;
  readonly catalogName: string;
  /** The workspace whose job runs the views show (the system tables hold every workspace's). */
  readonly workspaceId: pulumi.Input<string>;
  readonly sources: readonly DataSource[];
  /** SQL warehouse the views are (re)created on. */
  readonly sqlWarehouseId: pulumi.Input<string>;
  /** Client id of the Entra application the job runs as. */
  readonly runAs: string;
  readonly alertEmails: readonly string[];
  /** Workspace folder of the SQL: one only the platform admins and the run-as principal may write. */
  readonly workspaceRoot: string;
  /** What the SQL files wait for: the folder's permissions. */
  readonly codeFolder: pulumi.Resource;
  /** What the job waits for: the deployer's Service Principal User role on the run-as. */
  readonly runAsRoles: pulumi.Resource;
}

/**
 * Pipeline and job run metadata in the `ops` schema: each pipeline publishes its event log there, and an
 * hourly job keeps views over them (updates with state and duration; flows with rows written, rows dropped
 * and expectation results) and over the jobs system tables (every run of a source's job), for dashboards.
 */
export class RunMetadata extends pulumi.ComponentResource {
  public readonly job: databricks.Job;

  constructor(name: string, args: RunMetadataArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:monitoring:RunMetadata", name, {}, opts);
    const root = args.workspaceRoot;
    const file = (id: string, sql: pulumi.Input<string>) =>
      new databricks.WorkspaceFile(
        `${name}-${id}`,
        {
          path: `${root}/${id}.sql`,
          contentBase64: pulumi.output(sql).apply((text) => Buffer.from(text, "utf8").toString("base64")),
        },
        { parent: this, dependsOn: [args.codeFolder] },
      );
    const task = (taskKey: string, path: pulumi.Input<string>) =>
      sqlFileTask(taskKey, path, args.sqlWarehouseId);
    // The jobs system tables: USE on the system catalog and lakeflow schema, SELECT on its tables.
    // Non-authoritative (databricks.Grant): the system catalog's other grants are not this stack's.
    const systemGrants = [
      new databricks.Grant(
        `${name}-system-catalog`,
        { catalog: "system", principal: args.runAs, privileges: ["USE_CATALOG"] },
        { parent: this },
      ),
      new databricks.Grant(
        `${name}-system-lakeflow`,
        { schema: "system.lakeflow", principal: args.runAs, privileges: ["USE_SCHEMA", "SELECT"] },
        { parent: this },
      ),
    ];
    // One task per source: a source whose pipeline has not run yet has no event log, and fails alone.
    const tasks = [
      task(
        "job_runs",
        file(
          "job_runs",
          pulumi.output(args.workspaceId).apply((id) => jobRunsSql(args.catalogName, id)),
        ).path,
      ),
      ...args.sources.map((source) =>
        task(
          `runs_${source.name}`,
          file(`runs_${source.name}`, sourceRunsSql(source, args.catalogName)).path,
        ),
      ),
    ];
    this.job = new databricks.Job(
      `${name}-job`,
      {
        name: `${args.namePrefix}-run-metadata`,
        description: "Keeps the ops views over pipeline event logs and job runs current.",
        schedule: { quartzCronExpression: "0 10 * * * ?", timezoneId: "UTC", pauseStatus: "UNPAUSED" },
        maxConcurrentRuns: 1,
        queue: { enabled: true },
        timeoutSeconds: 1800,
        tasks,
        runAs: { servicePrincipalName: args.runAs },
        emailNotifications: { onFailures: [...args.alertEmails], noAlertForSkippedRuns: true },
        tags: { purpose: "run-metadata" },
      },
      { parent: this, dependsOn: [...systemGrants, args.runAsRoles] },
    );
    this.registerOutputs({ job: this.job });
  }
}
