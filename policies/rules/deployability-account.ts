import * as databricks from "@pulumi/databricks";
import { Policies, PolicyResource } from "@pulumi/policy";
import { anchor, resourceRule, stackRule, unless } from "../lib/rule";

// Deployability: what belongs to the Databricks account and the stacks that share it (issue 15). Each rule
// cites the Databricks documentation (Terraform provider docs/resources, account API) or Microsoft Learn.

/** Resource types the Databricks provider serves only through an account-level provider. */
export const ACCOUNT_LEVEL_TYPES = [
  "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
  "databricks:index/mwsNccBinding:MwsNccBinding",
  "databricks:index/mwsNccPrivateEndpointRule:MwsNccPrivateEndpointRule",
  "databricks:index/budgetPolicy:BudgetPolicy",
];

/** Objects of the whole account: created and destroyed by the account project only. */
export const ACCOUNT_SCOPED_TYPES = [
  "databricks:index/metastore:Metastore",
  "databricks:index/mwsNetworkConnectivityConfig:MwsNetworkConnectivityConfig",
  "databricks:index/budgetPolicy:BudgetPolicy",
  "databricks:index/tagPolicy:TagPolicy",
];

/** The account-level project, by its Pulumi project name (the second part of every URN). */
export const ACCOUNT_PROJECT_NAME = "lakehouse-account";

const urnParts = (urn: string) => {
  const [, stack, project] = /^urn:pulumi:([^:]*)::([^:]*)::/.exec(urn) ?? [];
  return { stack: stack ?? "", project: project ?? "" };
};

const isAccountProvider = (provider: PolicyResource["provider"]): boolean => {
  const props = (provider?.props ?? {}) as { host?: unknown; accountId?: unknown };
  return typeof props.accountId === "string" && /^https:\/\/accounts\./.test(String(props.host ?? ""));
};

export const accountLevelProvider = stackRule(
  {
    name: "databricks-account-level-provider",
    description:
      "Account-level Databricks resources (network connectivity, NCC bindings and rules, budget policies) use an account-level provider; a tag policy managed through one names its workspace.",
    severity: "high",
    anchor: anchor(
      "project",
      "Databricks Terraform provider docs/resources mws_network_connectivity_config.md, mws_ncc_binding.md, budget_policy.md, tag_policy.md",
      "This resource can only be used with an account-level provider; tag_policy: provider_config.workspace_id for management through an account provider",
    ),
    remediationSteps:
      "Give the resource a databricks.Provider with host https://accounts.azuredatabricks.net and accountId; on a TagPolicy managed through it, set providerConfig.workspaceId.",
  },
  (resources) =>
    resources.flatMap((r) => {
      if (r.provider === undefined) return [];
      const account = isAccountProvider(r.provider);
      if (ACCOUNT_LEVEL_TYPES.includes(r.type) && !account) {
        return [
          {
            urn: r.urn,
            message: `${r.type.split(":").pop()} ${r.name} uses a workspace-level provider: it can only be used with an account-level provider (host https://accounts.azuredatabricks.net and accountId).`,
          },
        ];
      }
      const workspaceId = (r.props as { providerConfig?: { workspaceId?: unknown } }).providerConfig
        ?.workspaceId;
      if (r.type === "databricks:index/tagPolicy:TagPolicy" && account && !workspaceId) {
        return [
          {
            urn: r.urn,
            message: `TagPolicy ${r.name} uses an account-level provider without providerConfig.workspaceId: tag policies are served by a workspace API.`,
          },
        ];
      }
      return [];
    }),
);

export const accountScopedOwnership = stackRule(
  {
    name: "databricks-account-scoped-ownership",
    description:
      "Account-wide objects (metastore, network connectivity configuration, budget policies, governed tags) are created only by the account project, so no environment's create or destroy affects another.",
    severity: "high",
    anchor: anchor(
      "project",
      "README Who owns what",
      "One metastore per region; NCC, budget policies and tag policies are account-wide (Databricks account API); environment stacks read them by stack reference",
    ),
    remediationSteps: `Move the resource to the ${ACCOUNT_PROJECT_NAME} project and read its id from that stack's outputs (pulumi.StackReference).`,
  },
  (resources) =>
    resources
      .filter(
        (r) => ACCOUNT_SCOPED_TYPES.includes(r.type) && urnParts(r.urn).project !== ACCOUNT_PROJECT_NAME,
      )
      .map((r) => ({
        urn: r.urn,
        message: `${r.type.split(":").pop()} ${r.name} is account-wide but project ${urnParts(r.urn).project} creates it: only ${ACCOUNT_PROJECT_NAME} may, or a second stack's create fails and its destroy removes it for all.`,
      })),
);

/** Keys Databricks keeps for itself on every budget policy (budget policy API, custom_tags). */
const RESERVED_BUDGET_TAGS = ["budget-policy-name", "budget-policy-id", "budget-policy-resolution-result"];
const MAX_BUDGET_TAGS = 20;

export const budgetPolicyTags = resourceRule<
  databricks.BudgetPolicy,
  databricks.BudgetPolicyArgs,
  { tags?: string[] }
>(
  {
    name: "databricks-budget-policy-tags",
    description:
      "Serverless budget policies carry the mandatory cost tags, at most 20 unique custom tags, none of the reserved keys, and no reserved name.",
    severity: "medium",
    anchor: anchor(
      "project",
      "Databricks Terraform provider docs/resources/budget_policy.md",
      "custom_tags: at most 20 entries, unique keys, not budget-policy-name, budget-policy-id or budget-policy-resolution-result; policy_name can't start with databricks:default-policy",
    ),
    remediationSteps:
      "Set customTags to the mandatory cost tags (owner, costCenter, environment) with unique, non-reserved keys, at most 20.",
    configSchema: {
      properties: {
        tags: { type: "array", items: { type: "string" }, default: ["owner", "costCenter", "environment"] },
      },
    },
  },
  databricks.BudgetPolicy,
  (p, config) => {
    const tags = (p.customTags ?? []) as { key: string; value?: string }[];
    const keys = tags.map((t) => t.key);
    const duplicates = [...new Set(keys.filter((k, i) => keys.indexOf(k) !== i))];
    const reserved = keys.filter((k) => RESERVED_BUDGET_TAGS.includes(k));
    const missing = (config.tags ?? []).filter(
      (k) => !tags.some((t) => t.key === k && (t.value ?? "") !== ""),
    );
    return [
      ...unless(
        tags.length <= MAX_BUDGET_TAGS,
        `Budget policy has ${tags.length} custom tags: at most ${MAX_BUDGET_TAGS} are allowed.`,
      ),
      ...unless(
        duplicates.length === 0,
        `Budget policy repeats the custom tag keys ${duplicates.join(", ")}.`,
      ),
      ...unless(reserved.length === 0, `Budget policy uses the reserved tag keys ${reserved.join(", ")}.`),
      ...unless(
        !String(p.policyName ?? "").startsWith("databricks:default-policy"),
        `Budget policy name ${String(p.policyName)} starts with the reserved databricks:default-policy.`,
      ),
      ...unless(
        missing.length === 0,
        `Budget policy lacks the cost tags ${missing.join(", ")}: serverless usage would not be attributed.`,
      ),
    ];
  },
);

/** `createMode`s that make a database a copy of another (Azure SQL Database REST API, CreateMode). */
const COPY_MODES = ["Copy", "Secondary", "OnlineSecondary", "PointInTimeRestore", "Restore", "Recovery"];

export const reviewStackNoProductionCopy = stackRule(
  {
    name: "review-stack-no-production-copy",
    description:
      "A pull request's review stack (pr-…) holds no copy of another database: no geo-secondary (at most four per primary) and no copy or restore.",
    severity: "high",
    anchor: anchor(
      "project",
      "Microsoft Learn Active geo-replication",
      "A primary database can have up to four geo-secondaries; review stacks would exhaust them and copy production data into pull requests",
    ),
    remediationSteps:
      "Build review stacks without the replica (config.review) or read the template's replica through a stack reference.",
  },
  (resources) =>
    resources
      .filter(
        (r) =>
          urnParts(r.urn).stack.startsWith("pr-") &&
          r.type === "azure-native:sql:Database" &&
          COPY_MODES.includes(String((r.props as { createMode?: unknown }).createMode)),
      )
      .map((r) => ({
        urn: r.urn,
        message: `Review stack ${urnParts(r.urn).stack} creates ${r.name} with createMode ${String((r.props as { createMode?: unknown }).createMode)}: a copy of another database in a pull-request environment.`,
      })),
);

export const accountDeployabilityPolicies: Policies = [
  accountLevelProvider,
  accountScopedOwnership,
  budgetPolicyTags,
  reviewStackNoProductionCopy,
];
