import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import {
  ACCOUNT_PROJECT,
  ACCOUNTS_HOST,
  parseAccountConfig,
  POLICY_PACK,
} from "../components/account/account";
import { InvalidInputError } from "../config/validation";
import { PACK_NAME, policies } from "../policies/rules";
import {
  accountPlanOf,
  inputsOf,
  planOf,
  PROJECT_DIR,
  resourceOf,
  resourcesOf,
  runPlan,
  runPlanAsUsers,
} from "./support/plan";
import type { PlanDocument } from "../tools/plan/report";
import { tempDir } from "./support/files";

/** Resources that belong to the Databricks account or the Pulumi organization, never to one environment. */
const ACCOUNT_SCOPED_TYPES = [
  "databricks:index/metastore:Metastore",
  "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
  "databricks:index/budgetPolicy:BudgetPolicy",
  "databricks:index/tagPolicy:TagPolicy",
  "pulumiservice:index:PolicyGroup",
];
const ACCOUNT_ID = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
const A = (role: string) => `lh-account-${role}`;

describe("account project (lakehouse-account, stack westeurope)", () => {
  it("plans with the account-level provider and the policy pack, with no violation", async () => {
    const run = await runPlan("--project", "account");
    assert.strictEqual(run.code, 0, run.stderr);
    const lines = run.stdout.split("\n");
    assert.strictEqual(
      lines[0],
      'Offline plan of stack "westeurope": 14 resources (12 cloud resources, 2 components)',
    );
    assert.ok(
      lines.includes(
        `Policies: ${policies.length} (2 advisory, 2 disabled, ${policies.length - 4} mandatory)`,
      ),
      run.stdout,
    );
    assert.ok(lines.includes("Violations: 0 (0 mandatory)"), run.stdout);
    const plan = await accountPlanOf();
    assert.deepStrictEqual(inputsOf(plan, "pulumi:providers:databricks", A("provider")), {
      host: ACCOUNTS_HOST,
      accountId: ACCOUNT_ID,
    });
    for (const r of plan.resources.filter((r) => r.type.startsWith("databricks:index/"))) {
      assert.strictEqual(
        (r as unknown as { urn: string }).urn.includes("lakehouse:account:DatabricksAccount"),
        true,
      );
    }
  });

  it("lets the tag assigners of its config assign the governed tags, one authoritative rule set per tag policy", async () => {
    const plan = await accountPlanOf();
    for (const key of ["pii", "classification"]) {
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/accessControlRuleSet:AccessControlRuleSet", A(`tag-${key}-roles`)),
        {
          name: `accounts/${ACCOUNT_ID}/tagPolicies/${A(`tag-${key}`)}-id/ruleSets/default`,
          grantRules: [
            { role: "roles/tagPolicy.manager", principals: ["groups/lakehouse-platform-admins"] },
            {
              role: "roles/tagPolicy.assigner",
              principals: [
                "groups/lakehouse-platform-admins",
                "servicePrincipals/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
              ],
            },
          ],
        },
      );
    }
  });

  it("looks the region's metastore up (Azure creates it with the region's first Unity Catalog workspace)", async () => {
    const plan = await accountPlanOf();
    assert.deepStrictEqual(resourcesOf(plan, "databricks:index/metastore:Metastore"), []);
    assert.match(String((plan.outputs as { metastoreId: string }).metastoreId), /^00000000-0000-4000-8000-/);
  });

  it("owns one network connectivity configuration per environment, protected", async () => {
    const nccs = resourcesOf(
      await accountPlanOf(),
      "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
    );
    assert.deepStrictEqual(
      nccs.map((ncc) => [ncc.name, ncc.inputs, ncc.protect]),
      ["dev", "prod"].map((env) => [
        A(`ncc-${env}`),
        { name: `ncc-lh-${env}-weu`, region: "westeurope" },
        true,
      ]),
    );
  });

  it("gives every environment a serverless budget policy carrying the mandatory cost tags", async () => {
    const plan = await accountPlanOf();
    assert.deepStrictEqual(
      resourcesOf(plan, "databricks:index/budgetPolicy:BudgetPolicy").map((r) => [r.name, r.inputs]),
      ["dev", "prod"].map((env) => [
        A(`budget-${env}`),
        {
          policyName: `lh-${env}-serverless`,
          customTags: [
            { key: "owner", value: "data-platform" },
            { key: "costCenter", value: "cc-4100" },
            { key: "environment", value: env },
          ],
        },
      ]),
    );
  });

  it("owns the governed tags, managed through a long-lived workspace by the account provider", async () => {
    const plan = await accountPlanOf();
    assert.deepStrictEqual(
      resourcesOf(plan, "databricks:index/tagPolicy:TagPolicy").map((r) => [r.name, r.inputs]),
      [
        [
          A("tag-pii"),
          {
            tagKey: "pii",
            description: "Personal data, by how it is masked.",
            values: ["redact", "email", "hash", "last4", "year_only"].map((name) => ({ name })),
            providerConfig: { workspaceId: "1234567890123456" },
          },
        ],
        [
          A("tag-classification"),
          {
            tagKey: "classification",
            description: "Data classification.",
            values: ["public", "internal", "confidential", "restricted"].map((name) => ({ name })),
            providerConfig: { workspaceId: "1234567890123456" },
          },
        ],
      ],
    );
  });

  it("keeps the policy groups' membership as code, each with its policy-pack config", async () => {
    const plan = await accountPlanOf();
    const pack = (env: string) => ({
      name: POLICY_PACK,
      versionTag: JSON.parse(fs.readFileSync(path.join(PROJECT_DIR, "policies", "package.json"), "utf8"))
        .version,
      config: JSON.parse(
        fs.readFileSync(path.join(PROJECT_DIR, "policies", "config", `${env}.json`), "utf8"),
      ),
    });
    assert.strictEqual(POLICY_PACK, PACK_NAME);
    assert.deepStrictEqual(
      resourcesOf(plan, "pulumiservice:index:PolicyGroup").map((r) => r.inputs),
      [
        ["prod", [{ name: "prod", routingProject: "lakehouse" }]],
        ["dev", [{ name: "dev", routingProject: "lakehouse" }]],
        ["account", [{ name: "westeurope", routingProject: ACCOUNT_PROJECT }]],
      ].map(([id, stacks]) => ({
        name: `${id}-stacks`,
        organizationName: "transfermarket",
        entityType: "stacks",
        mode: "preventative",
        stacks,
        policyPacks: [pack(id as string)],
      })),
    );
  });

  it("exports what environment stacks read", async () => {
    const plan = await accountPlanOf();
    const ids = (type: string) => resourcesOf(plan, type).map((r) => r.id);
    const outputs = plan.outputs as Record<string, unknown>;
    assert.deepStrictEqual(Object.keys(outputs).sort(), [
      "accountId",
      "budgetPolicyIds",
      "governedTags",
      "metastoreId",
      "networkConnectivityConfigIds",
      "region",
    ]);
    assert.strictEqual(outputs.region, "westeurope");
    assert.strictEqual(outputs.accountId, ACCOUNT_ID);
    assert.deepStrictEqual(
      Object.values(outputs.networkConnectivityConfigIds as object).map((id) => `account/${String(id)}`),
      ids("databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig"),
    );
    assert.deepStrictEqual(
      Object.values(outputs.budgetPolicyIds as object),
      ids("databricks:index/budgetPolicy:BudgetPolicy"),
    );
    assert.deepStrictEqual(outputs.governedTags, ["pii", "classification"]);
  });
});

for (const stack of ["dev", "prod"]) {
  describe(`environment stack ${stack} and the account stack`, () => {
    it("creates no account-scoped resource", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        plan.resources.filter((r) => ACCOUNT_SCOPED_TYPES.includes(r.type)).map((r) => r.urn),
        [],
      );
    });

    it("reads the account stack by stack reference: metastore, connectivity, budget policy, governed tags", async () => {
      const [plan, account] = [await planOf(stack), await accountPlanOf()];
      const outputs = account.outputs as Record<string, unknown>;
      assert.deepStrictEqual(resourceOf(plan, "pulumi:pulumi:StackReference", `lh-${stack}-account`).inputs, {
        name: "transfermarket/lakehouse-account/westeurope",
      });
      assert.strictEqual(
        inputsOf(
          plan,
          "databricks:index/metastoreAssignment:MetastoreAssignment",
          `lh-${stack}-databricks-metastore`,
        ).metastoreId,
        outputs.metastoreId,
      );
      // Binding a workspace to the account's configuration is an account-level call.
      const binding = resourceOf(
        plan,
        "databricks:index/mwsNccBinding:MwsNccBinding",
        `lh-${stack}-databricks-ncc`,
      );
      assert.deepStrictEqual(binding.inputs, {
        // Its own environment's configuration: no path from dev's serverless compute to prod's lake.
        networkConnectivityConfigId: (outputs.networkConnectivityConfigIds as Record<string, string>)[stack],
        workspaceId: "1234567890123456",
      });
      assert.deepStrictEqual(inputsOf(plan, "pulumi:providers:databricks", `lh-${stack}-account-provider`), {
        host: ACCOUNTS_HOST,
        accountId: ACCOUNT_ID,
      });
      assert.strictEqual(
        (plan.outputs as { serverlessBudgetPolicyId: string }).serverlessBudgetPolicyId,
        (outputs.budgetPolicyIds as Record<string, string>)[stack],
      );
    });

    it("keeps no hand-copied metastore id in its config", () => {
      const file = fs.readFileSync(path.join(PROJECT_DIR, `Pulumi.${stack}.yaml`), "utf8");
      assert.doesNotMatch(file, /metastore/i);
    });
  });
}

describe("offline plan of both projects", () => {
  it("plans the account stack first and feeds its outputs to the environment's stack reference", async () => {
    // As `npm run plan -- --stack dev` runs it: no saved account plan.
    const run = await runPlanAsUsers("--stack", "dev", "--json");
    assert.strictEqual(run.code, 0, run.stderr);
    const [plan, account] = [JSON.parse(run.stdout) as PlanDocument, await accountPlanOf()];
    const ids = (account.outputs as { budgetPolicyIds: Record<string, string> }).budgetPolicyIds;
    assert.strictEqual(
      (plan.outputs as { serverlessBudgetPolicyId: string }).serverlessBudgetPolicyId,
      ids.dev,
    );
    assert.strictEqual(
      inputsOf(
        plan,
        "databricks:index/metastoreAssignment:MetastoreAssignment",
        "lh-dev-databricks-metastore",
      ).metastoreId,
      (account.outputs as { metastoreId: string }).metastoreId,
    );
  });
});

describe("an environment stack and an account stack of another region", () => {
  it("exits 2: a workspace binds only to its own region's metastore and connectivity configuration", async () => {
    const account = await accountPlanOf();
    const file = path.join(tempDir({}), "northeurope.json");
    fs.writeFileSync(
      file,
      JSON.stringify({ ...account, outputs: { ...(account.outputs as object), region: "northeurope" } }),
    );
    const run = await runPlanAsUsers("--stack", "dev", "--account-outputs", file);
    assert.strictEqual(run.code, 2, run.stderr);
    assert.match(
      run.stderr,
      /lakehouse:accountStack: westeurope serves northeurope, but this stack is in westeurope/,
    );
  });
});

describe("account config", () => {
  const valid = {
    accountId: ACCOUNT_ID,
    location: "westeurope",
    prefix: "lh",
    owner: "data-platform",
    costCenter: "cc-4100",
    environments: ["dev", "prod"],
    metastore: "lookup",
    metastoreOwner: "lakehouse-platform-admins",
    tagPolicyWorkspaceId: "1234567890123456",
    tagManagers: ["groups/lakehouse-platform-admins"],
    tagAssigners: [
      "groups/lakehouse-platform-admins",
      "servicePrincipals/5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9",
    ],
    pulumiOrganization: "transfermarket",
    environmentProject: "lakehouse",
    policyGroups: true,
    productionStacks: ["prod"],
    preProductionStacks: ["dev"],
  };
  const context = { project: ACCOUNT_PROJECT, stack: "westeurope" };
  it("turns valid settings into an AccountConfig", () => {
    assert.deepStrictEqual(parseAccountConfig(valid, context), { ...valid, ...context });
  });
  it("refuses a workspace URL for the tag policies' workspace, an unknown metastore mode and a misspelt key", () => {
    assert.throws(
      () =>
        parseAccountConfig(
          {
            ...valid,
            tagPolicyWorkspaceId: "adb-1234.7.azuredatabricks.net",
            metastore: "find",
            tagAssigners: ["users/someone@example.com"],
            acountId: "x",
          },
          context,
        ),
      (error: unknown) =>
        error instanceof InvalidInputError &&
        error.problems.join("\n") ===
          [
            'lakehouse-account:metastore: must be one of lookup, create (got "find")',
            'lakehouse-account:tagPolicyWorkspaceId: must be a numeric Databricks workspace id (got "adb-1234.7.azuredatabricks.net")',
            'lakehouse-account:tagAssigners[0]: must be groups/<group name> or servicePrincipals/<application id> (got "users/someone@example.com")',
            "lakehouse-account:acountId: unknown field",
          ].join("\n"),
    );
  });
});

describe("--account-outputs", () => {
  it("exits 2 for a file that is not an account plan", async () => {
    const file = path.join(tempDir({ "plan.json": "{}" }), "plan.json");
    const run = await runPlanAsUsers("--stack", "dev", "--account-outputs", file);
    assert.deepStrictEqual(
      [run.code, run.stderr],
      [2, `--account-outputs ${file}: no outputs (not a --project account --json plan)\n`],
    );
  });
});

describe("account stack in CI", () => {
  it("previews the account stack on every pull request with the pack and the account's policy config", () => {
    const workflow = parse(
      fs.readFileSync(path.join(PROJECT_DIR, ".github", "workflows", "pull-request.yml"), "utf8"),
    ) as {
      jobs: Record<string, { steps: { uses?: string; with?: Record<string, unknown> }[] }>;
    };
    const preview = workflow.jobs["preview-account"].steps.find((s) => s.uses?.startsWith("pulumi/actions@"));
    assert.deepStrictEqual(preview?.with, {
      "pulumi-version-file": ".pulumi-version",
      command: "preview",
      "work-dir": "account",
      "stack-name": "${{ vars.PULUMI_ORGANIZATION }}/lakehouse-account/westeurope",
      policyPacks: "../policies",
      policyPackConfigs: "../policies/config/account.json",
      "comment-on-pr": true,
      diff: true,
    });
  });

  it("runs the compiled account program, built with the environment project", () => {
    const project = parse(fs.readFileSync(path.join(PROJECT_DIR, "account", "Pulumi.yaml"), "utf8")) as {
      name: string;
      main: string;
    };
    assert.deepStrictEqual([project.name, project.main], [ACCOUNT_PROJECT, "../dist/account/"]);
    assert.ok(fs.existsSync(path.join(PROJECT_DIR, "dist", "account", "index.js")));
  });
});
