// The request body of a stack's first Pulumi Deployment, from the program's own DeploymentSettings (one source
// of truth): before the first update the stack has no deployment settings, so the first deployment carries
// them inline (Pulumi Cloud REST API, CreateDeploymentRequest: sourceContext, operationContext,
// executorContext, vcs, agentPoolID, with inheritSettings false); that update creates the DeploymentSettings
// resource, which every later deployment inherits.
//   node dist/tools/deployment-request.js <plan.json> <update|preview> <commit>
//     reads DEPLOYER_POOLS (the account stack's deployerPools output, JSON), AZURE_TENANT_ID, AZURE_SUBSCRIPTION_ID
//   node dist/tools/deployment-request.js account-stack <plan.json>
//     prints the account stack the plan's stack reads (org/lakehouse-account/<stack>)
import * as fs from "fs";
import type { PlanDocument } from "./plan/report";
import { FAKE_SUBSCRIPTION_ID, FAKE_TENANT_ID } from "./plan/mocks";

const SETTINGS = "pulumiservice:index:DeploymentSettings";

type Json = Record<string, unknown>;

export interface FirstDeploymentArgs {
  readonly operation: "update" | "preview";
  /** The commit to deploy (replaces the settings' branch: the two are mutually exclusive). */
  readonly commit: string;
  /** The account stack's `deployerPools` output. */
  readonly deployerPools: Record<string, { readonly agentPoolId?: string }>;
  readonly tenantId: string;
  readonly subscriptionId: string;
}

/** The account stack an offline plan's stack reads (the name its StackReference is given). */
export function accountStackOf(plan: PlanDocument): string {
  const ref = plan.resources.find(
    (r) =>
      r.type === "pulumi:pulumi:StackReference" &&
      /\/lakehouse-account\//.test(String((r.inputs as Json).name)),
  );
  if (!ref) throw new Error(`the plan of ${plan.stack} reads no account stack`);
  return String((ref.inputs as Json).name);
}

/**
 * The CreateDeploymentRequest of the first deployment of the plan's stack: its DeploymentSettings inputs with
 * the values the offline plan cannot know (Azure tenant and subscription, the agent pool) filled in.
 */
export function firstDeploymentRequest(plan: PlanDocument, args: FirstDeploymentArgs): Json {
  const settings = plan.resources.filter((r) => r.type === SETTINGS);
  if (settings.length !== 1) {
    throw new Error(
      `the plan of ${plan.stack} has ${settings.length} DeploymentSettings (review stacks have none: they inherit their template's)`,
    );
  }
  const inputs = settings[0].inputs as Json;
  const environment = String(inputs.stack);
  const agentPoolId = args.deployerPools[environment]?.agentPoolId;
  if (!agentPoolId) {
    throw new Error(
      `DEPLOYER_POOLS (the account stack's deployerPools output) has no agent pool for ${environment} (it has: ${Object.keys(args.deployerPools).join(", ") || "none"})`,
    );
  }
  const operationContext = inputs.operationContext as Json;
  const azure = { ARM_TENANT_ID: args.tenantId, ARM_SUBSCRIPTION_ID: args.subscriptionId };
  const { branch: _branch, ...git } = (inputs.sourceContext as { git: Json }).git;
  const request: Json = {
    operation: args.operation,
    inheritSettings: false,
    sourceContext: { git: { ...git, commit: args.commit } },
    vcs: inputs.vcs,
    operationContext: {
      ...operationContext,
      environmentVariables: { ...(operationContext.environmentVariables as Json), ...azure },
      oidc: {
        azure: {
          ...((operationContext.oidc as { azure: Json }).azure ?? {}),
          tenantId: args.tenantId,
          subscriptionId: args.subscriptionId,
        },
      },
    },
    executorContext: { executorImage: { reference: (inputs.executorContext as Json).executorImage } },
    agentPoolID: agentPoolId,
  };
  // Nothing of the offline plan's stand-ins may reach Pulumi Cloud.
  const text = JSON.stringify(request);
  for (const fake of [FAKE_SUBSCRIPTION_ID, FAKE_TENANT_ID]) {
    if (text.includes(fake))
      throw new Error(`the first deployment's settings still hold the plan's stand-in ${fake}`);
  }
  return request;
}

function main(argv: string[]): void {
  const read = (file: string) => JSON.parse(fs.readFileSync(file, "utf8")) as PlanDocument;
  if (argv[0] === "account-stack") {
    process.stdout.write(`${accountStackOf(read(argv[1]))}\n`);
    return;
  }
  const [file, operation, commit] = argv;
  const env = (name: string) => {
    const value = process.env[name];
    if (!value) throw new Error(`${name} is not set`);
    return value;
  };
  if (operation !== "update" && operation !== "preview")
    throw new Error(`operation ${operation}: update or preview`);
  const request = firstDeploymentRequest(read(file), {
    operation,
    commit,
    deployerPools: JSON.parse(env("DEPLOYER_POOLS")) as FirstDeploymentArgs["deployerPools"],
    tenantId: env("AZURE_TENANT_ID"),
    subscriptionId: env("AZURE_SUBSCRIPTION_ID"),
  });
  process.stdout.write(`${JSON.stringify(request)}\n`);
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (e) {
    process.stderr.write(`deployment-request: ${(e as Error).message}\n`);
    process.exit(1);
  }
}
