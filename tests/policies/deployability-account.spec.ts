import * as assert from "assert";
import { StackValidationPolicy } from "@pulumi/policy";
import * as account from "../../policies/rules/deployability-account";
import * as workspace from "../../policies/rules/workspace";

import { resourceArgs, StackResourceSpec, stackViolationsOf, violationsOf } from "../support/policy";

const { DBFS_ROOT_CMK_PENDING } = workspace;

const ACCOUNT_PROVIDER = {
  host: "https://accounts.azuredatabricks.net",
  accountId: "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f",
};
const WORKSPACE_PROVIDER = { host: "https://adb-1234567890123456.7.azuredatabricks.net" };

const stackViolations = (policy: StackValidationPolicy, specs: StackResourceSpec[]) =>
  stackViolationsOf(policy, specs);

const NCC = "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig";
const TAG_POLICY = "databricks:index/tagPolicy:TagPolicy";
const BUDGET = "databricks:index/budgetPolicy:BudgetPolicy";

describe("deployability: the Databricks account", () => {
  describe("databricks-account-level-provider", () => {
    const policy = account.accountLevelProvider;
    it("passes account-level resources on the account provider, and tag policies that name their workspace", async () => {
      assert.deepStrictEqual(
        await stackViolations(policy, [
          { type: NCC, name: "ncc", props: { name: "ncc-lh-weu" }, provider: ACCOUNT_PROVIDER },
          { type: BUDGET, name: "budget", props: {}, provider: ACCOUNT_PROVIDER },
          {
            type: TAG_POLICY,
            name: "tags",
            props: { providerConfig: { workspaceId: "1" } },
            provider: ACCOUNT_PROVIDER,
          },
          { type: TAG_POLICY, name: "ws-tags", props: {}, provider: WORKSPACE_PROVIDER },
        ]),
        [],
      );
    });
    it("fails an NCC binding on a workspace provider, and a tag policy on the account provider without workspace", async () => {
      assert.deepStrictEqual(
        await stackViolations(policy, [
          {
            type: "databricks:index/mwsNccBinding:MwsNccBinding",
            name: "binding",
            props: {},
            provider: WORKSPACE_PROVIDER,
          },
          { type: TAG_POLICY, name: "tags", props: {}, provider: ACCOUNT_PROVIDER },
        ]),
        [
          "binding: MwsNccBinding binding uses a workspace-level provider: it can only be used with an account-level provider (host https://accounts.azuredatabricks.net and accountId).",
          "tags: TagPolicy tags uses an account-level provider without providerConfig.workspaceId: tag policies are served by a workspace API.",
        ],
      );
    });
  });

  describe("databricks-account-scoped-ownership", () => {
    const policy = account.accountScopedOwnership;
    it("passes account-wide objects in the account project", async () => {
      assert.deepStrictEqual(
        await stackViolations(policy, [
          { type: TAG_POLICY, name: "tag-pii", props: {}, where: "westeurope::lakehouse-account" },
          { type: NCC, name: "ncc", props: {}, where: "westeurope::lakehouse-account" },
        ]),
        [],
      );
    });
    it("fails a governed tag created by an environment stack (the second environment's up would fail)", async () => {
      assert.deepStrictEqual(
        await stackViolations(policy, [{ type: TAG_POLICY, name: "lh-dev-governance-tag-pii", props: {} }]),
        [
          "lh-dev-governance-tag-pii: TagPolicy lh-dev-governance-tag-pii is account-wide but project lakehouse creates it: only lakehouse-account may, or a second stack's create fails and its destroy removes it for all.",
        ],
      );
    });
  });

  describe("databricks-budget-policy-tags", () => {
    const policy = account.budgetPolicyTags;
    const config = { tags: ["owner", "costCenter", "environment"] };
    const valid = {
      policyName: "lh-dev-serverless",
      customTags: [
        { key: "owner", value: "data-platform" },
        { key: "costCenter", value: "cc-4100" },
        { key: "environment", value: "dev" },
      ],
    };
    const check = (props: Record<string, unknown>) =>
      violationsOf(policy, resourceArgs(BUDGET, props, config));
    it("passes a policy with the cost tags", async () => {
      assert.deepStrictEqual(await check(valid), []);
    });
    it("fails a policy without a cost tag", async () => {
      assert.deepStrictEqual(await check({ ...valid, customTags: valid.customTags.slice(0, 2) }), [
        "Budget policy lacks the cost tags environment: serverless usage would not be attributed.",
      ]);
    });
    it("fails reserved keys, repeated keys, a reserved name and more than 20 tags", async () => {
      const many = Array.from({ length: 19 }, (_, i) => ({ key: `k${i}`, value: "v" }));
      assert.deepStrictEqual(
        await check({
          policyName: "databricks:default-policy-x",
          customTags: [
            ...valid.customTags,
            { key: "budget-policy-id", value: "x" },
            { key: "owner", value: "y" },
            ...many,
          ],
        }),
        [
          "Budget policy has 24 custom tags: at most 20 are allowed.",
          "Budget policy repeats the custom tag keys owner.",
          "Budget policy uses the reserved tag keys budget-policy-id.",
          "Budget policy name databricks:default-policy-x starts with the reserved databricks:default-policy.",
        ],
      );
    });
  });

  describe("review-stack-no-production-copy", () => {
    const policy = account.reviewStackNoProductionCopy;
    const secondary = {
      type: "azure-native:sql:Database",
      name: "lh-pr42-replica-database",
      props: { createMode: "Secondary" },
    };
    it("passes a template stack's geo-secondary, and a review stack's database of its own", async () => {
      assert.deepStrictEqual(
        await stackViolations(policy, [
          { ...secondary, name: "lh-dev-replica-database" },
          {
            ...secondary,
            props: { createMode: "Default" },
            where: "pr-transfermarket-lakehouse-platform-42::lakehouse",
          },
        ]),
        [],
      );
    });
    it("fails a review stack's geo-secondary", async () => {
      assert.deepStrictEqual(
        await stackViolations(policy, [
          { ...secondary, where: "pr-transfermarket-lakehouse-platform-42::lakehouse" },
        ]),
        [
          "lh-pr42-replica-database: Review stack pr-transfermarket-lakehouse-platform-42 creates lh-pr42-replica-database with createMode Secondary: a copy of another database in a pull-request environment.",
        ],
      );
    });
  });
});

describe("databricks-workspace-cmk on a workspace's first deployment", () => {
  const WORKSPACE = {
    parameters: { prepareEncryption: { value: true } },
    encryption: {
      entities: {
        managedServices: { keySource: "Microsoft.Keyvault" },
        managedDisk: { keySource: "Microsoft.Keyvault" },
      },
    },
  };
  const check = (props: Record<string, unknown>) =>
    violationsOf(workspace.workspaceCmk, resourceArgs("azure-native:databricks:Workspace", props));
  it("passes a prepared workspace whose DBFS root key waits for the next update", async () => {
    assert.deepStrictEqual(
      await check({ ...WORKSPACE, tags: { [DBFS_ROOT_CMK_PENDING.key]: DBFS_ROOT_CMK_PENDING.value } }),
      [],
    );
  });
  it("fails the pending tag on a workspace that is not prepared for encryption", async () => {
    assert.deepStrictEqual(
      await check({
        ...WORKSPACE,
        parameters: { prepareEncryption: { value: false } },
        tags: { [DBFS_ROOT_CMK_PENDING.key]: DBFS_ROOT_CMK_PENDING.value },
      }),
      [
        "Databricks DBFS root is not encrypted with a customer-managed key: set parameters.prepareEncryption and parameters.encryption (lakehouse:dbfsRootCmk is false).",
      ],
    );
  });
});
