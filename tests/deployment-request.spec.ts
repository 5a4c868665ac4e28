// The first deployment's inline settings come from the program's own DeploymentSettings (one source of truth).
import * as assert from "assert";
import { accountStackOf, firstDeploymentRequest } from "../tools/deployment-request";
import { AZURE_CLI_LOGIN, DEPLOYMENT_PATHS, EXECUTOR_IMAGE } from "../components/deployments/deployments";
import { planOf } from "./support/plan";

const ARGS = {
  operation: "update" as const,
  commit: "abc123",
  deployerPools: { dev: { agentPoolId: "pool-nonprod" }, prod: { agentPoolId: "pool-prod" } },
  tenantId: "tenant",
  subscriptionId: "subscription",
};

describe("first deployment request (tools/deployment-request.ts)", () => {
  it("is dev's DeploymentSettings at the commit, with the real tenant, subscription and agent pool", async () => {
    const plan = await planOf("dev");
    assert.strictEqual(accountStackOf(plan), "transfermarket/lakehouse-account/westeurope");
    assert.deepStrictEqual(firstDeploymentRequest(plan, ARGS), {
      operation: "update",
      inheritSettings: false,
      sourceContext: { git: { repoDir: ".", commit: "abc123" } },
      vcs: {
        provider: "github",
        repository: "transfermarket/lakehouse-platform",
        deployCommits: true,
        previewPullRequests: false,
        pullRequestTemplate: true,
        paths: DEPLOYMENT_PATHS,
      },
      operationContext: {
        preRunCommands: [AZURE_CLI_LOGIN, "npm ci --no-audit --no-fund", "npm run plan -- --stack dev"],
        environmentVariables: {
          ARM_USE_OIDC: "true",
          ARM_CLIENT_ID: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
          ARM_TENANT_ID: "tenant",
          ARM_SUBSCRIPTION_ID: "subscription",
        },
        oidc: {
          azure: {
            clientId: "7a8b9c0d-1e2f-4a3b-8c4d-5e6f7a8b9c0d",
            tenantId: "tenant",
            subscriptionId: "subscription",
          },
        },
        options: { skipInstallDependencies: true, deleteAfterDestroy: true },
      },
      executorContext: { executorImage: { reference: EXECUTOR_IMAGE } },
      agentPoolID: "pool-nonprod",
    });
  });

  it("refuses an account stack without the environment's pool, naming what it has", async () => {
    const plan = await planOf("dev");
    assert.throws(
      () => firstDeploymentRequest(plan, { ...ARGS, deployerPools: { prod: { agentPoolId: "pool-prod" } } }),
      /DEPLOYER_POOLS \(the account stack's deployerPools output\) has no agent pool for dev \(it has: prod\)/,
    );
  });

  it("never sends the offline plan's stand-in ids", async () => {
    const plan = await planOf("dev");
    assert.throws(
      () => firstDeploymentRequest(plan, { ...ARGS, tenantId: "00000000-0000-0000-0000-00000000aaaa" }),
      /still hold the plan's stand-in 00000000-0000-0000-0000-00000000aaaa/,
    );
  });
});
