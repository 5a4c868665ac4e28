import * as pulumi from "@pulumi/pulumi";
import * as monitor from "@pulumi/azure-native/monitor";

export interface DiagnosticsArgs {
  /** Resource whose logs and metrics are sent. */
  readonly resourceId: pulumi.Input<string>;
  /** Log Analytics workspace that receives them. */
  readonly workspaceId: pulumi.Input<string>;
  /** Log categories the target's type documents (policies/lib/diagnostic-categories.ts). */
  readonly logs: readonly string[];
  /** Log category groups the type documents (`allLogs`), sent in addition to `logs`. Default: none. */
  readonly logGroups?: readonly string[];
  /** Metric categories the target's type documents (`AllMetrics` for most; storage says `Transaction`). */
  readonly metrics: readonly string[];
}

/** Sends a resource's logs and metrics to Log Analytics; the one way components create diagnostic settings. */
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
      logs: [
        ...(args.logGroups ?? []).map((categoryGroup) => ({ categoryGroup, enabled: true })),
        ...args.logs.map((category) => ({ category, enabled: true })),
      ],
      metrics: args.metrics.map((category) => ({ category, enabled: true })),
    },
    { parent },
  );
}
