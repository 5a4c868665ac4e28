import * as pulumi from "@pulumi/pulumi";
import * as pulumiservice from "@pulumi/pulumiservice";
import { version as sdkVersion } from "@pulumi/pulumi/version";
import { chatChannels, isReviewStack, PlatformConfig } from "../../config/config";

/**
 * The image deployments run in, which pins the Pulumi CLI (Pulumi docs, "Custom Executor Images"): the CLI
 * released with this program's SDK (they share version numbers; `.pulumi-version` pins the workflows' CLI to
 * the same one). The full image, not `pulumi/pulumi-nodejs`: it also has the Azure CLI (pulumi-docker-containers
 * `docker/pulumi/Dockerfile`), which the Databricks providers sign in with, and Node.js 24 as its default.
 */
export const EXECUTOR_IMAGE = `pulumi/pulumi:${sdkVersion}`;

/**
 * Signs the Azure CLI in with the deployment's Azure OIDC token: azure-native reads the ARM_* variables itself,
 * but the Databricks providers' Azure sign-in has no OIDC-token credential outside GitHub Actions and falls
 * back to the Azure CLI (Databricks docs, "Azure CLI authentication"; unified authentication's default order).
 * The runner hosts refuse deployments the instance metadata service, so there is no managed identity either.
 * The token: `ARM_OIDC_TOKEN` (set with Deployments' Azure OIDC), else the raw token Pulumi documents for every
 * deployment (`PULUMI_OIDC_TOKEN`, or the file `/mnt/pulumi/pulumi.oidc`).
 */
export const AZURE_CLI_LOGIN =
  'az login --service-principal --username "$ARM_CLIENT_ID" --tenant "$ARM_TENANT_ID" ' +
  '--federated-token "${ARM_OIDC_TOKEN:-${PULUMI_OIDC_TOKEN:-$(cat /mnt/pulumi/pulumi.oidc)}}" ' +
  "--allow-no-subscriptions --output none";

/** Paths whose changes trigger a deployment; documentation-only changes do not. */
export const DEPLOYMENT_PATHS = [
  "index.ts",
  "components/**",
  "config/**",
  "sql/**",
  "sources/**",
  "policies/**",
  "Pulumi.yaml",
  "Pulumi.*.yaml",
  "package.json",
  "package-lock.json",
];

/**
 * Commands Deployments runs before every operation: the Azure CLI sign-in, the install CI runs, then the
 * offline plan with the
 * policy pack. The stack is named literally: review stacks inherit their template's settings and have no
 * stack file of their own, so they plan the pull request's code with the template's config.
 */
export const preRunCommands = (stack: string): string[] => [
  AZURE_CLI_LOGIN,
  "npm ci --no-audit --no-fund",
  `npm run plan -- --stack ${stack}`,
];

export interface DeploymentsArgs {
  readonly project: string;
  readonly stack: string;
  readonly settings: PlatformConfig["deployments"];
  readonly subscriptionId: pulumi.Input<string>;
  readonly tenantId: pulumi.Input<string>;
  /** Where drift and failed deployments are reported (the platform's alert channels). */
  readonly alerts: Pick<PlatformConfig["alerts"], "slackWebhookUrl" | "teamsWebhookUrl">;
  /**
   * The customer-managed runner pool every deployment of this stack runs on (its environment's deployers,
   * inside the network the workspace is reached from). Review stacks inherit it from their template.
   */
  readonly agentPoolId: pulumi.Input<string>;
  /** When this program runs (the clock of a review stack's TTL). Default: now. */
  readonly now?: Date;
}

/**
 * Pulumi Deployments of this stack as code: GitHub-triggered previews on every pull request, updates on push
 * where config asks (dev), review stacks from this stack as template, OIDC to Azure (no stored credential),
 * the offline plan (with the policy pack) before every operation, drift detection where config asks (prod,
 * reported, never remediated), and a time-to-live that destroys review stacks.
 */
export class Deployments extends pulumi.ComponentResource {
  /** The stack's own settings; a review stack has none (it runs with its template's). */
  public readonly settings?: pulumiservice.DeploymentSettings;

  constructor(name: string, args: DeploymentsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:cicd:Deployments", name, {}, opts);
    const { settings: d, project, stack } = args;
    const target = { organization: d.organization, project, stack };

    // Settings copied to a review stack would point it at main and deploy it on every push, next to dev.
    if (!isReviewStack(stack)) {
      const settings = new pulumiservice.DeploymentSettings(
        `${name}-settings`,
        {
          ...target,
          sourceContext: { git: { branch: `refs/heads/${d.branch}`, repoDir: "." } },
          vcs: {
            provider: "github",
            repository: d.repository,
            deployCommits: d.deployOnPush,
            // Pull requests are previewed (and commented on) by GitHub Actions only, with the pack of the PR.
            previewPullRequests: false,
            pullRequestTemplate: d.reviewStacks,
            paths: DEPLOYMENT_PATHS,
          },
          operationContext: {
            preRunCommands: preRunCommands(stack),
            environmentVariables: {
              ARM_USE_OIDC: "true",
              ARM_CLIENT_ID: d.azureClientId,
              ARM_TENANT_ID: args.tenantId,
              ARM_SUBSCRIPTION_ID: args.subscriptionId,
            },
            oidc: {
              azure: {
                clientId: d.azureClientId,
                tenantId: args.tenantId,
                subscriptionId: args.subscriptionId,
              },
            },
            options: { skipInstallDependencies: true, deleteAfterDestroy: d.reviewStacks },
          },
          executorContext: { executorImage: EXECUTOR_IMAGE },
          agentPoolId: args.agentPoolId,
        },
        { parent: this },
      );

      if (d.driftScheduleCron !== "") {
        new pulumiservice.DriftSchedule(
          `${name}-drift`,
          { ...target, scheduleCron: d.driftScheduleCron, autoRemediate: false },
          { parent: this, dependsOn: [settings] },
        );
      }
      this.settings = settings;
      this.reportToChannels(name, args);
    } else {
      // A review stack destroys itself once its time is up; the timestamp is set on its first update.
      const expires = new Date((args.now ?? new Date()).getTime() + d.reviewStackTtlHours * 3600 * 1000);
      new pulumiservice.TtlSchedule(
        `${name}-ttl`,
        { ...target, timestamp: expires.toISOString(), deleteAfterDestroy: true },
        { parent: this, ignoreChanges: ["timestamp"] },
      );
    }
    this.registerOutputs({ settings: this.settings });
  }

  /** Drift found, drift checks and deployments that failed reach the same Slack/Teams channels as the alerts. */
  private reportToChannels(name: string, args: DeploymentsArgs): void {
    const formats = {
      slack: pulumiservice.WebhookFormat.Slack,
      teams: pulumiservice.WebhookFormat.MicrosoftTeams,
    };
    for (const { kind, url } of chatChannels(args.alerts)) {
      new pulumiservice.Webhook(
        `${name}-${kind}`,
        {
          active: true,
          displayName: `${args.project}/${args.stack} drift and failed deployments`,
          organizationName: args.settings.organization,
          projectName: args.project,
          stackName: args.stack,
          payloadUrl: url,
          format: formats[kind],
          filters: [
            pulumiservice.WebhookFilters.DriftDetected,
            pulumiservice.WebhookFilters.DriftDetectionFailed,
            pulumiservice.WebhookFilters.DeploymentFailed,
            pulumiservice.WebhookFilters.UpdateFailed,
          ],
        },
        { parent: this },
      );
    }
  }
}
