import * as pulumi from "@pulumi/pulumi";
import * as databricks from "@pulumi/databricks";
import { eventLogTable, OPS_SCHEMA } from "../../sql/ops-sql";
import { DataSource } from "../../config/sources";
import { quoteIdentifier as q } from "../../sql/sql";

export interface PipelineAlertsArgs {
  /** Workspace-level names get this prefix (`lh-dev`). */
  readonly namePrefix: string;
  readonly catalogName: string;
  readonly sources: readonly DataSource[];
  /** SQL warehouse the alert queries run on. */
  readonly sqlWarehouseId: pulumi.Input<string>;
  /** Application id of the pipelines' service principal: it owns the event logs the alerts read. */
  readonly runAs: pulumi.Input<string>;
  /** Notification destinations (Slack, Teams) that receive the alerts. */
  readonly destinationIds: readonly pulumi.Input<string>[];
}

/** How long a batch refresh may take after it was due (the refresh job's timeout), in minutes. */
export const REFRESH_ALLOWANCE_MINUTES = 4 * 60;

/** A streaming source is late when its continuous pipeline has reported no flow progress for this long. */
export const STREAMING_WINDOW_MINUTES = 60;

const step = (field: string): number | undefined => {
  const match = /^(?:\*|\d+)\/(\d+)$/.exec(field);
  return match ? Number(match[1]) : undefined;
};

/**
 * The longest gap, in minutes, between two runs of a Quartz schedule (`sec min hour day-of-month month
 * day-of-week [year]`): every minute, minute steps, hourly, hour steps and lists, daily. Schedules restricted
 * to days of the week count as weekly and to days of the month as monthly (the safe side: no false alarm).
 */
export function schedulePeriodMinutes(cron: string): number {
  const [, minutes = "", hours = "", dayOfMonth = "", , dayOfWeek = ""] = cron.trim().split(/\s+/);
  const any = (field: string) => field === "*" || field === "?";
  const day = 24 * 60;
  if (!any(dayOfMonth)) return 31 * day;
  if (!any(dayOfWeek)) return 7 * day;
  if (minutes === "*") return 1;
  if (step(minutes) !== undefined) return step(minutes) as number;
  if (hours === "*") return 60;
  if (step(hours) !== undefined) return (step(hours) as number) * 60;
  if (/^\d+(,\d+)+$/.test(hours)) {
    const list = hours
      .split(",")
      .map(Number)
      .sort((a, b) => a - b);
    return Math.max(...list.map((h, i) => (i === 0 ? h + 24 - list[list.length - 1] : h - list[i - 1]))) * 60;
  }
  return day;
}

/** Minutes after which a source counts as late: its schedule's longest gap plus the refresh's allowance. */
export function expectedRefreshMinutes(source: DataSource): number {
  if (source.mode === "streaming" || !("schedule" in source.source) || !source.source.schedule) {
    return STREAMING_WINDOW_MINUTES;
  }
  return schedulePeriodMinutes(source.source.schedule) + REFRESH_ALLOWANCE_MINUTES;
}

/** SQL of the two alerts of a source, over the event log its pipeline publishes to the ops schema. */
export function pipelineAlertSql(source: DataSource, catalog: string) {
  const log = [catalog, OPS_SCHEMA, eventLogTable(source)].map(q).join(".");
  return {
    // update_progress events carry each update's state; FAILED is terminal (pipeline event log schema).
    failedUpdates: `SELECT count(*) AS failed_updates
FROM ${log}
WHERE event_type = 'update_progress'
  AND details:update_progress.state::string = 'FAILED'
  AND timestamp > current_timestamp() - INTERVAL 15 MINUTES`,
    // flow_progress events report every flow's progress: COMPLETED for triggered updates, RUNNING while a
    // continuous pipeline processes data. None at all counts as late too.
    minutesSinceRefresh: `SELECT coalesce(timestampdiff(MINUTE, max(timestamp), current_timestamp()), 2147483647) AS minutes_since_refresh
FROM ${log}
WHERE event_type = 'flow_progress'
  AND details:flow_progress.status::string IN ('COMPLETED', 'RUNNING')`,
  };
}

/**
 * Per data source, two Databricks SQL alerts on the event log its pipeline publishes (`ops.<source>_event_log`):
 * a pipeline update failed (an `update_progress` event in state FAILED in the last 15 minutes), and the source
 * has not refreshed within its expected window (no completed or running `flow_progress` event for longer
 * than its schedule's longest gap plus the refresh allowance; an hour for streaming sources). Both notify
 * the Slack and Teams destinations.
 */
export class PipelineAlerts extends pulumi.ComponentResource {
  public readonly alerts: databricks.AlertV2[];

  constructor(name: string, args: PipelineAlertsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:monitoring:PipelineAlerts", name, {}, opts);
    const notification = {
      notifyOnOk: true,
      subscriptions: args.destinationIds.map((destinationId) => ({ destinationId })),
    };
    const alert = (id: string, displayName: string, queryText: string, evaluation: object, cron: string) =>
      new databricks.AlertV2(
        `${name}-${id}`,
        {
          displayName,
          queryText,
          warehouseId: args.sqlWarehouseId,
          runAs: { servicePrincipalName: args.runAs },
          evaluation: { ...evaluation, notification } as databricks.types.input.AlertV2Evaluation,
          schedule: { quartzCronSchedule: cron, timezoneId: "UTC", pauseStatus: "UNPAUSED" },
        },
        { parent: this },
      );
    this.alerts = args.sources.flatMap((source) => {
      const sql = pipelineAlertSql(source, args.catalogName);
      const window = expectedRefreshMinutes(source);
      return [
        alert(
          `${source.name}-update-failed`,
          `${args.namePrefix}-${source.name}-update-failed`,
          sql.failedUpdates,
          {
            source: { name: "failed_updates" },
            comparisonOperator: "GREATER_THAN",
            threshold: { value: { doubleValue: 0 } },
            emptyResultState: "OK",
          },
          "0 0/15 * * * ?",
        ),
        alert(
          `${source.name}-late`,
          `${args.namePrefix}-${source.name}-late`,
          sql.minutesSinceRefresh,
          {
            source: { name: "minutes_since_refresh" },
            comparisonOperator: "GREATER_THAN",
            threshold: { value: { doubleValue: window } },
            emptyResultState: "TRIGGERED",
          },
          "0 30 * * * ?",
        ),
      ];
    });
    this.registerOutputs({});
  }
}
