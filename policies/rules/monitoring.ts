import { Policies, PolicyResource } from "@pulumi/policy";
import { LOGGING_RESOURCE_TYPES } from "../lib/logging-types";
import { anchor, stackRule } from "../lib/rule";

const FAILURE_ALERTS = ["on-update-failure", "on-update-fatal-failure"];

/** Does `setting` send the logs of `resource` (by dependency at preview, by id once known)? */
function targets(setting: PolicyResource, resource: PolicyResource): boolean {
  return (
    (setting.propertyDependencies.resourceUri ?? []).includes(resource) ||
    (resource.props.id !== undefined && setting.props.resourceUri === resource.props.id)
  );
}

export const diagnosticsEverywhere = stackRule(
  {
    name: "monitoring-diagnostic-settings",
    description: "Every resource of a type that emits logs has a diagnostic setting that targets it.",
    severity: "medium",
    anchor: anchor(
      "Azure Policy",
      "7f89b1eb-583c-429a-8828-af049802c1d9",
      "Audit diagnostic setting for selected resource types",
    ),
    remediationSteps:
      "Add the resource to the monitoring component's watched list (components/core/platform.ts); it creates the setting.",
  },
  (resources) => {
    const settings = resources.filter((r) => r.type === "azure-native:monitor:DiagnosticSetting");
    return resources
      .filter((r) => (LOGGING_RESOURCE_TYPES as readonly string[]).includes(r.type))
      .filter((r) => !settings.some((s) => targets(s, r)))
      .map((r) => ({
        urn: r.urn,
        message: `${r.type} ${r.name} sends its logs nowhere: add a diagnostic setting to Log Analytics.`,
      }));
  },
);

export const failureNotifications = stackRule(
  {
    name: "monitoring-failure-notifications",
    description:
      "An action group reaches a chat channel (Slack or Teams), and every job and pipeline notifies on failure.",
    severity: "medium",
    anchor: anchor("project", "monitoring", "Failures reach people"),
    remediationSteps:
      "Set lakehouse:slackWebhookUrl or teamsWebhookUrl; create jobs and pipelines through the ingestion component.",
  },
  (resources) => {
    const problems: { urn?: string; message: string }[] = [];
    const chat = resources.some(
      (r) =>
        r.type === "azure-native:monitor:ActionGroup" &&
        ((r.props.webhookReceivers as unknown[]) ?? []).length > 0,
    );
    if (!chat) {
      problems.push({
        message: "No action group has a Slack or Teams webhook receiver: alerts reach no chat channel.",
      });
    }
    for (const job of resources.filter((r) => r.type === "databricks:index/job:Job")) {
      const email = (job.props.emailNotifications as { onFailures?: string[] } | undefined)?.onFailures ?? [];
      const hooks =
        (job.props.webhookNotifications as { onFailures?: unknown[] } | undefined)?.onFailures ?? [];
      if (email.length === 0 && hooks.length === 0) {
        problems.push({
          urn: job.urn,
          message: `Job ${job.name} notifies nobody when it fails: set emailNotifications.onFailures or webhookNotifications.onFailures.`,
        });
      }
    }
    for (const pipeline of resources.filter((r) => r.type === "databricks:index/pipeline:Pipeline")) {
      const notifications =
        (pipeline.props.notifications as { alerts?: string[]; emailRecipients?: string[] }[] | undefined) ??
        [];
      const notified = notifications.some(
        (n) =>
          (n.emailRecipients ?? []).length > 0 && (n.alerts ?? []).some((a) => FAILURE_ALERTS.includes(a)),
      );
      if (!notified) {
        problems.push({
          urn: pipeline.urn,
          message: `Pipeline ${pipeline.name} notifies nobody when an update fails: set notifications with on-update-failure.`,
        });
      }
    }
    return problems;
  },
);

export const monitoringPolicies: Policies = [diagnosticsEverywhere, failureNotifications];
