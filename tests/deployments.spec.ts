import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { Deployments, DEPLOYMENT_PATHS, EXECUTOR_IMAGE } from "../components/deployments/deployments";
import { environmentPool } from "../components/deployments/deployer-path";
import type { DeployerPoolOutputs } from "../components/deployments/deployer-pools";
import { inputsOf, resourceOf, savedAccountPlanOf, planOf, resourcesOf } from "./support/plan";

const SUBSCRIPTION = "00000000-0000-0000-0000-00000000bbbb";
const TENANT = "00000000-0000-0000-0000-00000000aaaa";

for (const stack of ["dev", "prod"]) {
  describe(`Deployments (${stack})`, () => {
    it("manages one deployment settings resource for the stack, triggered from GitHub", async () => {
      const plan = await planOf(stack);
      assert.strictEqual(resourcesOf(plan, "pulumiservice:index:DeploymentSettings").length, 1);
      const settings = inputsOf(
        plan,
        "pulumiservice:index:DeploymentSettings",
        `lh-${stack}-deployments-settings`,
      );
      assert.deepStrictEqual(
        [settings.organization, settings.project, settings.stack, settings.sourceContext],
        ["transfermarket", "lakehouse", stack, { git: { branch: "refs/heads/main", repoDir: "." } }],
      );
      // `vcs`, not the deprecated `github`; pull requests are previewed by GitHub Actions only.
      assert.strictEqual(settings.github, undefined);
      assert.deepStrictEqual(settings.vcs, {
        provider: "github",
        repository: "transfermarket/lakehouse-platform",
        deployCommits: stack === "dev",
        previewPullRequests: false,
        pullRequestTemplate: stack === "dev",
        paths: DEPLOYMENT_PATHS,
      });
      // The Pulumi CLI is pinned: the image of the SDK's release on Node 24 (tests/versions.spec.ts).
      assert.deepStrictEqual(settings.executorContext, { executorImage: EXECUTOR_IMAGE });
      // Every deployment of the stack runs on its environment's pool, inside the network (README, "The
      // deployment path"): prod's pool for prod, the nonprod pool for dev and its review stacks.
      const account = await savedAccountPlanOf();
      const pool = inputsOf(
        account,
        "pulumiservice:index:AgentPool",
        `lh-account-deployers-${stack === "prod" ? "prod" : "nonprod"}-agents`,
      );
      assert.strictEqual(
        settings.agentPoolId,
        (account.outputs as { deployerPools: Record<string, { agentPoolId: string }> }).deployerPools[stack]
          .agentPoolId,
      );
      assert.strictEqual(pool.name, `lh-${stack === "prod" ? "prod" : "nonprod"}-deployers`);
      const context = settings.operationContext as Record<string, unknown>;
      // Named literally: review stacks inherit these commands and have no stack file of their own.
      assert.deepStrictEqual(context.preRunCommands, [
        'az login --service-principal --username "$ARM_CLIENT_ID" --tenant "$ARM_TENANT_ID" --federated-token "${ARM_OIDC_TOKEN:-${PULUMI_OIDC_TOKEN:-$(cat /mnt/pulumi/pulumi.oidc)}}" --allow-no-subscriptions --output none',
        "npm ci --no-audit --no-fund",
        `npm run plan -- --stack ${stack}`,
      ]);
      assert.deepStrictEqual(context.oidc, {
        azure: {
          clientId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
          tenantId: TENANT,
          subscriptionId: SUBSCRIPTION,
        },
      });
      assert.deepStrictEqual(context.environmentVariables, {
        ARM_USE_OIDC: "true",
        ARM_CLIENT_ID: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
        ARM_TENANT_ID: TENANT,
        ARM_SUBSCRIPTION_ID: SUBSCRIPTION,
      });
    });

    // The deployers' endpoints in their pool's network (its subnet, resource group and zones), each waited for
    // by the provider that calls the service.
    const DEPLOYER_ENDPOINTS = [
      {
        what: "a front-end endpoint of the workspace",
        endpoint: "deployer-ui-api",
        target: ["azure-native:databricks:Workspace", "databricks-workspace"],
        groupId: "databricks_ui_api",
        role: "dbwdeploy",
        zone: "databricks",
        provider: ["pulumi:providers:databricks", "databricks-provider"],
      },
      {
        what: "a Grafana endpoint",
        endpoint: "deployer-grafana",
        target: ["azure-native:dashboard:Grafana", "monitoring-grafana"],
        groupId: "grafana",
        role: "amgdeploy",
        zone: "grafana",
        provider: ["pulumi:providers:grafana", "dashboards-provider"],
      },
    ] as const;
    for (const e of DEPLOYER_ENDPOINTS) {
      it(`gives the deployers ${e.what} in their pool's network, waited for by its provider`, async () => {
        const plan = await planOf(stack);
        const account = await savedAccountPlanOf();
        const pool = (
          account.outputs as {
            deployerPools: Record<
              string,
              { privateEndpointSubnetId: string; dnsZoneIds: Record<string, string> }
            >;
          }
        ).deployerPools[stack];
        const inputs = inputsOf(
          plan,
          "azure-native:network:PrivateEndpoint",
          `lh-${stack}-${e.endpoint}-pep`,
        );
        const target = resourceOf(plan, e.target[0], `lh-${stack}-${e.target[1]}`);
        assert.deepStrictEqual(
          [
            inputs.resourceGroupName,
            inputs.location,
            (inputs.subnet as { id: string }).id,
            inputs.privateLinkServiceConnections,
          ],
          [
            `rg-lh-deployer-${stack === "prod" ? "prod" : "nonprod"}-weu`,
            "westeurope",
            pool.privateEndpointSubnetId,
            [
              {
                name: `pep-lh-${e.role}-${stack}-weu`,
                privateLinkServiceId: target.id,
                groupIds: [e.groupId],
              },
            ],
          ],
        );
        const records = resourceOf(
          plan,
          "azure-native:network:PrivateDnsZoneGroup",
          `lh-${stack}-${e.endpoint}-pep-dns`,
        );
        assert.deepStrictEqual((records.inputs as Record<string, unknown>).privateDnsZoneConfigs, [
          { name: e.zone, privateDnsZoneId: pool.dnsZoneIds[e.zone] },
        ]);
        const provider = resourceOf(plan, e.provider[0], `lh-${stack}-${e.provider[1]}`);
        assert.ok(provider.dependencies.includes(records.urn));
      });
    }

    it("reports drift and failed deployments to the alert channels, with the webhook URLs kept secret", async () => {
      const hooks = resourcesOf(await planOf(stack), "pulumiservice:index:Webhook").map((h) => h.inputs);
      const hook = (format: string) => ({
        active: true,
        displayName: `lakehouse/${stack} drift and failed deployments`,
        organizationName: "transfermarket",
        projectName: "lakehouse",
        stackName: stack,
        payloadUrl: "[secret]",
        format,
        filters: ["drift_detected", "drift_detection_failed", "deployment_failed", "update_failed"],
      });
      assert.deepStrictEqual(hooks, [hook("slack"), hook("ms_teams")]);
    });

    it(
      stack === "prod" ? "detects drift every six hours without remediating it" : "has no drift schedule",
      async () => {
        const drift = resourcesOf(await planOf(stack), "pulumiservice:index:DriftSchedule").map(
          (d) => d.inputs,
        );
        assert.deepStrictEqual(
          drift,
          stack === "prod"
            ? [
                {
                  organization: "transfermarket",
                  project: "lakehouse",
                  stack: "prod",
                  scheduleCron: "0 */6 * * *",
                  autoRemediate: false,
                },
              ]
            : [],
        );
      },
    );
  });
}

describe("review stacks", () => {
  it("destroy themselves when their time to live is over, and keep their template's settings", async () => {
    const created: { type: string; inputs: Record<string, unknown> }[] = [];
    await pulumi.runtime.setMocks(
      {
        newResource: (args) => {
          created.push({ type: args.type, inputs: args.inputs });
          return { id: `${args.name}-id`, state: args.inputs };
        },
        call: () => {
          throw new Error("no invokes expected");
        },
      },
      "lakehouse",
      "pr-transfermarket-lakehouse-platform-42",
    );
    new Deployments("review", {
      project: "lakehouse",
      stack: "pr-transfermarket-lakehouse-platform-42",
      subscriptionId: SUBSCRIPTION,
      tenantId: TENANT,
      alerts: { slackWebhookUrl: pulumi.secret("https://hooks.slack.com/services/T0/B0/x") },
      now: new Date("2026-11-25T10:00:00Z"),
      agentPoolId: "00000000-0000-4000-8000-000000000001",
      settings: {
        enabled: true,
        organization: "transfermarket",
        repository: "transfermarket/lakehouse-platform",
        branch: "main",
        deployOnPush: true,
        reviewStacks: true,
        reviewStackTtlHours: 48,
        driftScheduleCron: "",
        azureClientId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
      },
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    // Settings of its own would point the review stack at main and deploy it on every push.
    assert.deepStrictEqual(
      created.map((c) => c.type),
      ["lakehouse:cicd:Deployments", "pulumiservice:index:TtlSchedule"],
    );
    assert.deepStrictEqual(
      created.filter((c) => c.type === "pulumiservice:index:TtlSchedule").map((c) => c.inputs),
      [
        {
          organization: "transfermarket",
          project: "lakehouse",
          stack: "pr-transfermarket-lakehouse-platform-42",
          timestamp: "2026-11-27T10:00:00.000Z",
          deleteAfterDestroy: true,
        },
      ],
    );
  });
});

describe("environmentPool", () => {
  const pool = (subscription: string): DeployerPoolOutputs => ({
    agentPoolId: "pool",
    virtualNetworkId: `/subscriptions/${subscription}/resourceGroups/rg-pool/providers/Microsoft.Network/virtualNetworks/vnet`,
    addressSpace: "10.250.1.0/24",
    privateEndpointSubnetId: `/subscriptions/${subscription}/resourceGroups/rg-pool/providers/Microsoft.Network/virtualNetworks/vnet/subnets/pep`,
    dnsZoneIds: { databricks: "zone-dbw", grafana: "zone-amg" },
  });
  const args = { environment: "dev", subscriptionId: "SUB-A", accountStack: "westeurope" };
  it("returns the environment's pool when it is in the stack's subscription (case-insensitive)", () => {
    assert.deepStrictEqual(environmentPool({ dev: pool("sub-a") }, args), pool("sub-a"));
  });
  it("refuses a pool in another subscription, naming the account stack's output", () => {
    assert.throws(
      () => environmentPool({ dev: pool("sub-b") }, args),
      (e: Error) =>
        e.name === "InvalidInputError" &&
        e.message ===
          "lakehouse:accountStack: westeurope: output deployerPools.dev.privateEndpointSubnetId is in subscription sub-b, this stack deploys to SUB-A: the deployers' private endpoints are created with the stack's Azure provider, so a pool must be in the subscription of the environments it deploys (deploy the account stack's pools there, or the environment in the pool's subscription)",
    );
  });
  it("refuses an environment the account stack has no pool for", () => {
    assert.throws(
      () => environmentPool({ prod: pool("sub-a") }, args),
      /lakehouse:accountStack: westeurope has no deployer pool for environment "dev" \(it has: prod\)/,
    );
  });
});
