import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";

export interface DiagnosticsArgs {
  /** Resource whose logs and metrics are sent. */
  readonly resourceId: pulumi.Input<string>;
  /** Log Analytics workspace that receives them. */
  readonly workspaceId: pulumi.Input<string>;
  /** Log categories; default: the `allLogs` category group. */
  readonly categories?: readonly string[];
  /** Send the AllMetrics category too. Default: true. */
  readonly metrics?: boolean;
}

/** Sends a resource's logs (and metrics) to Log Analytics; the one way components create diagnostic settings. */
export function sendDiagnostics(
  name: string,
  args: DiagnosticsArgs,
  parent: pulumi.Resource,
): monitor.DiagnosticSetting {
  return new monitor.DiagnosticSetting(
    name,
    {
      name: "to-log-analytics",
      resourceUri: args.resourceId,
      workspaceId: args.workspaceId,
      logAnalyticsDestinationType: "Dedicated",
      logs: args.categories
        ? args.categories.map((category) => ({ category, enabled: true }))
        : [{ categoryGroup: "allLogs", enabled: true }],
      metrics: (args.metrics ?? true) ? [{ category: "AllMetrics", enabled: true }] : [],
    },
    { parent },
  );
}
