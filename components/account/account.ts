import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as databricks from "@pulumi/databricks";
import * as pulumiservice from "@pulumi/pulumiservice";
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import { CLASSIFICATIONS } from "../governance/governance";
import { networkWatcherOf, settingsSchema } from "../../config/config";
import { REGION_CODES } from "../core/naming";
import { MASK_KINDS } from "../../config/sources";
import { parseOrThrow } from "../../config/validation";
import { cidrsOverlap } from "../../policies/lib/cidr";
import { DeployerPoolOutputs, DeployerPools } from "../deployments/deployer-pools";

/** The account-level project's name, and so the namespace of its config keys (`lakehouse-account:<key>`). */
export const ACCOUNT_PROJECT = "lakehouse-account";

/** The Databricks account console API of Azure Databricks (account-level provider host). */
export const ACCOUNTS_HOST = "https://accounts.azuredatabricks.net";

/** Governed tag keys and their allowed values, account-wide (see README, "Who owns what"). */
export const GOVERNED_TAGS = {
  pii: { description: "Personal data, by how it is masked.", values: MASK_KINDS },
  classification: { description: "Data classification.", values: CLASSIFICATIONS },
} as const;

const shared = settingsSchema.shape;
/** An account ACL principal: a group or a service principal, never a single user. */
const aclPrincipal = z
  .string()
  .regex(
    /^(groups\/[A-Za-z0-9 ._-]{1,200}|servicePrincipals\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/,
    "must be groups/<group name> or servicePrincipals/<application id>",
  );
/** A deployer pool's VNet: a private IPv4 block from /16 to /25 (a runner half and a private-endpoint quarter). */
const poolAddressSpace = z.string().refine(
  (value) => {
    if (!ipaddr.IPv4.isValidCIDR(value)) return false;
    const [address, bits] = ipaddr.IPv4.parseCIDR(value);
    return (
      `${address.toString()}/${bits}` === value &&
      bits >= 16 &&
      bits <= 25 &&
      address.range() === "private" &&
      ipaddr.IPv4.networkAddressFromCIDR(value).toString() === address.toString()
    );
  },
  {
    error: (issue) =>
      `must be a private IPv4 network from /16 to /25, for example 10.250.0.0/24 (got ${JSON.stringify(issue.input)})`,
  },
);
const stackName = z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a stack name");

/** Every setting of the account project, by its key under `lakehouse-account:` (Pulumi.yaml has the defaults). */
export const accountSettingsSchema = z
  .strictObject({
    // The same rules as the environment project's settings of the same meaning.
    accountId: shared.azureDatabricksObjectId,
    location: shared.location,
    prefix: shared.prefix,
    owner: shared.owner,
    costCenter: shared.costCenter,
    environments: z.array(shared.environment).min(1),
    metastore: z.enum(["lookup", "create"]),
    metastoreOwner: z.string().min(1),
    tagPolicyWorkspaceId: z.string().regex(/^\d{1,19}$/, "must be a numeric Databricks workspace id"),
    // Who may manage and who may assign the governed tags, account-wide: every environment's deployer and
    // pipelines' principal (ACL principals: groups/<name> or servicePrincipals/<application id>).
    tagManagers: z.array(aclPrincipal).min(1),
    tagAssigners: z.array(aclPrincipal).min(1),
    pulumiOrganization: shared.pulumiOrganization,
    environmentProject: z.string().regex(/^[A-Za-z0-9_.-]{1,100}$/, "must be a Pulumi project name"),
    policyGroups: z.boolean(),
    productionStacks: z.array(stackName),
    preProductionStacks: z.array(stackName),
    // The deployers (components/deployments/deployer-pools.ts): a pool for production, one for the rest.
    deployerPools: z.boolean(),
    productionEnvironments: z.array(shared.environment).min(1),
    prodDeployerAddressSpace: poolAddressSpace,
    nonprodDeployerAddressSpace: poolAddressSpace,
    prodDeployerPrincipalId: shared.platformAdminsObjectId,
    nonprodDeployerPrincipalId: shared.platformAdminsObjectId,
    deployerInstances: z.coerce.number().int().min(1).max(10),
    deployerVmSize: z
      .string()
      .regex(/^Standard_[A-Za-z0-9_]+$/, "must be an Azure VM size such as Standard_D2ds_v5"),
    deployerSshPublicKey: z
      .string()
      .regex(
        /^(ssh-ed25519|ssh-rsa|ecdsa-sha2-nistp256) [A-Za-z0-9+/]+={0,2}( \S+)?$/,
        "must be an OpenSSH public key",
      ),
    deployerLogAnalyticsWorkspaceId: z
      .string()
      .regex(
        /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.OperationalInsights\/workspaces\/[-\w]{4,63}$/i,
        "must be the resource id of a Log Analytics workspace: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.OperationalInsights/workspaces/<name>",
      ),
    deployerFlowLogStorageId: z
      .string()
      .regex(
        /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Storage\/storageAccounts\/[a-z0-9]{3,24}$/i,
        "must be the resource id of a storage account in the pools' region: /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Storage/storageAccounts/<name>",
      ),
    networkWatcherId: shared.networkWatcherId,
    deployerTokenIssuedOn: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/, "must be a day, YYYY-MM-DD")
      // A real calendar day: Date.parse accepts 2026-02-30 and rolls it over.
      .refine((day) => {
        const date = new Date(`${day}T00:00:00Z`);
        return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === day;
      }, "must be a day, YYYY-MM-DD"),
    deployerAgentImage: z
      .string()
      .regex(
        /^pulumi\/customer-managed-workflow-agent(:[\w.-]+)?(@sha256:[0-9a-f]{64})?$/,
        "must be pulumi/customer-managed-workflow-agent:<tag> (optionally @sha256:<digest>)",
      ),
  })
  .superRefine((s, ctx) => {
    for (const environment of s.productionEnvironments) {
      if (!s.environments.includes(environment)) {
        ctx.addIssue({
          code: "custom",
          path: ["productionEnvironments"],
          message: `names ${environment}, which is not one of environments (${s.environments.join(", ")})`,
        });
      }
    }
    if (cidrsOverlap(s.prodDeployerAddressSpace, s.nonprodDeployerAddressSpace)) {
      ctx.addIssue({
        code: "custom",
        path: ["nonprodDeployerAddressSpace"],
        message: `overlaps prodDeployerAddressSpace (${s.prodDeployerAddressSpace}): the two pools' networks are separate`,
      });
    }
  });

export type AccountSettings = z.output<typeof accountSettingsSchema>;

/** The validated account config. */
export interface AccountConfig extends AccountSettings {
  readonly project: string;
  readonly stack: string;
}

/** Validates raw account settings (JSON types) into an `AccountConfig`, or one line per problem. */
export function parseAccountConfig(
  raw: Record<string, unknown>,
  context: { project: string; stack: string },
): AccountConfig {
  const settings = parseOrThrow(
    accountSettingsSchema,
    raw,
    (key) => `${ACCOUNT_PROJECT}:${key || "(config)"}`,
  );
  return { ...settings, ...context };
}

/** A config value as Pulumi stores it (text) in the JSON type it was written as; text the schema judges. */
function decodeSetting(value: string): unknown {
  if (value === "true" || value === "false") return value === "true";
  try {
    return /^[[{]/.test(value) ? JSON.parse(value) : value;
  } catch {
    return value;
  }
}

/** Reads `lakehouse-account:*` (defaults from account/Pulumi.yaml) into a validated `AccountConfig`. */
export function loadAccountConfig(): AccountConfig {
  const namespace = `${ACCOUNT_PROJECT}:`;
  const raw = Object.fromEntries(
    Object.entries(pulumi.runtime.allConfig())
      .filter(([key]) => key.startsWith(namespace))
      .map(([key, value]) => [key.slice(namespace.length), decodeSetting(value)]),
  );
  return parseAccountConfig(raw, { project: pulumi.getProject(), stack: pulumi.getStack() });
}

/** What environment stacks read from the account stack (`pulumi.StackReference`), by output name. */
export interface AccountOutputs {
  readonly accountId: string;
  /** Azure region of the metastore and the connectivity configuration; workspaces must be in it. */
  readonly region: string;
  readonly metastoreId: string;
  /**
   * Serverless network connectivity configuration id per environment name: each environment's serverless
   * compute gets private endpoints to its own lake only (review stacks use their template's).
   */
  readonly networkConnectivityConfigIds: Record<string, string>;
  /** Serverless budget policy id per environment name. */
  readonly budgetPolicyIds: Record<string, string>;
  /** Governed tag keys the account defines; environment stacks only assign them. */
  readonly governedTags: string[];
  /** The deployer pool of each environment (review stacks use their template environment's). */
  readonly deployerPools: Record<string, DeployerPoolOutputs>;
}

/** The fully qualified name of the account stack environment stacks of `organization` read. */
export function accountStackName(organization: string, stack: string): string {
  return `${organization}/${ACCOUNT_PROJECT}/${stack}`;
}

/** The published policy pack's name (policies/rules PACK_NAME; a test keeps them equal). */
export const POLICY_PACK = "lakehouse-policies";

/** A JSON file of the policy pack, whether this runs from components/account/ (ts-node) or dist/components/account/. */
function readPackFile<T>(...parts: string[]): T {
  const candidates = [
    path.join(__dirname, "..", "..", "policies"),
    path.join(__dirname, "..", "..", "..", "policies"),
  ];
  const dir = candidates.find((d) => fs.existsSync(path.join(d, "package.json"))) as string;
  return JSON.parse(fs.readFileSync(path.join(dir, ...parts), "utf8")) as T;
}

export interface DatabricksAccountArgs {
  readonly config: AccountConfig;
}

/**
 * What the Databricks account and the Pulumi organization own, not one environment: the regional Unity
 * Catalog metastore (looked up, or created where the region has none), one serverless network connectivity
 * configuration and one serverless budget policy per environment carrying the mandatory cost tags, the governed
 * tags, and the policy groups that enforce the pack on the environment stacks. Environment stacks read its
 * outputs and never create or destroy any of these.
 */
export class DatabricksAccount extends pulumi.ComponentResource {
  public readonly provider: databricks.Provider;
  public readonly metastoreId: pulumi.Output<string>;
  /** One serverless network connectivity configuration per environment. */
  public readonly nccs: Map<string, databricks.MwsNetworkConnectivityConfig>;
  public readonly budgetPolicies: Map<string, databricks.BudgetPolicy>;
  public readonly tagPolicies: databricks.TagPolicy[];
  /** Who manages and who may assign each governed tag. */
  public readonly tagRoles: databricks.AccessControlRuleSet[];
  public readonly region: string;
  /** Only with `deployerPools`: the deployers of every environment, which exist before any environment. */
  public readonly deployerPools?: DeployerPools;

  constructor(name: string, args: DatabricksAccountArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:account:DatabricksAccount", name, {}, opts);
    const { config } = args;
    const region = REGION_CODES[config.location];
    this.region = config.location;

    this.provider = new databricks.Provider(
      `${name}-provider`,
      { host: ACCOUNTS_HOST, accountId: config.accountId },
      { parent: this },
    );
    const inAccount = { parent: this, provider: this.provider };

    // Azure creates a region's metastore with its first Unity Catalog workspace; one metastore per region.
    if (config.metastore === "create") {
      const metastore = new databricks.Metastore(
        `${name}-metastore`,
        { name: `metastore-${config.location}`, region: config.location, owner: config.metastoreOwner },
        { ...inAccount, protect: true },
      );
      this.metastoreId = metastore.metastoreId;
    } else {
      this.metastoreId = databricks
        .getMetastoreOutput({ region: config.location }, { parent: this, provider: this.provider })
        .apply((m) => m.metastoreId);
    }

    // Private endpoint rules belong to a configuration and apply to every workspace bound to it (Learn, "What
    // is a network connectivity configuration (NCC)?"): one per environment keeps dev's serverless compute
    // off prod's lake, as the budget policies keep their costs apart. At most 10 per region and account, 50
    // workspaces each (rule network-ncc-limits).
    this.nccs = new Map(
      config.environments.map((environment) => [
        environment,
        new databricks.MwsNetworkConnectivityConfig(
          `${name}-ncc-${environment}`,
          { name: `ncc-${config.prefix}-${environment}-${region}`, region: config.location },
          { ...inAccount, protect: true },
        ),
      ]),
    );

    this.budgetPolicies = new Map(
      config.environments.map((environment) => [
        environment,
        new databricks.BudgetPolicy(
          `${name}-budget-${environment}`,
          {
            policyName: `${config.prefix}-${environment}-serverless`,
            customTags: Object.entries({
              owner: config.owner,
              costCenter: config.costCenter,
              environment,
            }).map(([key, value]) => ({ key, value })),
          },
          inAccount,
        ),
      ]),
    );

    // Governed tags are account-wide objects behind a workspace API: the account provider reaches them
    // through a long-lived workspace of the account (providerConfig), so no environment stack owns them.
    this.tagPolicies = Object.entries(GOVERNED_TAGS).map(
      ([tagKey, tag]) =>
        new databricks.TagPolicy(
          `${name}-tag-${tagKey}`,
          {
            tagKey,
            description: tag.description,
            values: tag.values.map((value) => ({ name: value })),
            providerConfig: { workspaceId: config.tagPolicyWorkspaceId },
          },
          // Tag keys are unique in the account and a new routing workspace replaces the policy: the old one
          // must go before its replacement can be created.
          { ...inAccount, deleteBeforeReplace: true },
        ),
    );

    // ASSIGN on the governed tags: one rule set per tag policy, authoritative, so it lives with the policies.
    this.tagRoles = grantTagAssign(
      `${name}-tag`,
      {
        accountId: config.accountId,
        tagPolicies: Object.fromEntries(
          Object.keys(GOVERNED_TAGS).map((key, i) => [key, this.tagPolicies[i].id]),
        ),
        managers: config.tagManagers,
        assigners: config.tagAssigners,
      },
      inAccount,
    );

    if (config.policyGroups) {
      const group = (id: string, environment: string, stacks: { project: string; stack: string }[]) =>
        new pulumiservice.PolicyGroup(
          `${name}-policy-group-${id}`,
          {
            name: `${id}-stacks`,
            organizationName: config.pulumiOrganization,
            entityType: "stacks",
            mode: "preventative",
            stacks: stacks.map((s) => ({ name: s.stack, routingProject: s.project })),
            policyPacks: [
              {
                name: POLICY_PACK,
                versionTag: readPackFile<{ version: string }>("package.json").version,
                config: readPackFile<Record<string, unknown>>("config", `${environment}.json`),
              },
            ],
          },
          // Membership is code; the policy-pack workflow enables each newly published version.
          { parent: this, ignoreChanges: ["policyPacks"] },
        );
      const env = (stack: string) => ({ project: config.environmentProject, stack });
      group("prod", "prod", config.productionStacks.map(env));
      group("dev", "dev", config.preProductionStacks.map(env));
      // Nothing of the account stack is billed to Azure or runs jobs: no budget, no alert channel to check.
      group("account", "account", [{ project: config.project, stack: config.stack }]);
    }

    if (config.deployerPools) {
      const nonprod = config.environments.filter((e) => !config.productionEnvironments.includes(e));
      this.deployerPools = new DeployerPools(
        `${name}-deployers`,
        {
          prefix: config.prefix,
          location: config.location,
          organization: config.pulumiOrganization,
          pools: [
            {
              name: "prod",
              environments: config.productionEnvironments,
              addressSpace: config.prodDeployerAddressSpace,
              deployerPrincipalId: config.prodDeployerPrincipalId,
            },
            ...(nonprod.length > 0
              ? [
                  {
                    name: "nonprod",
                    environments: nonprod,
                    addressSpace: config.nonprodDeployerAddressSpace,
                    deployerPrincipalId: config.nonprodDeployerPrincipalId,
                  },
                ]
              : []),
          ],
          instances: config.deployerInstances,
          vmSize: config.deployerVmSize,
          sshPublicKey: config.deployerSshPublicKey,
          agentImage: config.deployerAgentImage,
          tokenIssuedOn: config.deployerTokenIssuedOn,
          logging: {
            logAnalyticsWorkspaceId: config.deployerLogAnalyticsWorkspaceId,
            flowLogStorageId: config.deployerFlowLogStorageId,
            networkWatcher: networkWatcherOf(config.networkWatcherId),
          },
          tags: { owner: config.owner, costCenter: config.costCenter, dataClassification: "internal" },
        },
        { parent: this },
      );
    }

    this.registerOutputs({ metastoreId: this.metastoreId });
  }

  /** The outputs environment stacks read, as the account stack exports them. */
  public outputs(accountId: string): { [K in keyof AccountOutputs]: pulumi.Input<AccountOutputs[K]> } {
    return {
      accountId,
      region: this.region,
      metastoreId: this.metastoreId,
      networkConnectivityConfigIds: byEnvironment(this.nccs, (ncc) => ncc.networkConnectivityConfigId),
      budgetPolicyIds: byEnvironment(this.budgetPolicies, (policy) => policy.policyId),
      governedTags: pulumi.all(this.tagPolicies.map((t) => t.tagKey)),
      deployerPools: this.deployerPools?.outputs() ?? {},
    };
  }
}

/** One output per environment, as a map environment stacks index by their environment name. */
function byEnvironment<T>(
  resources: Map<string, T>,
  id: (resource: T) => pulumi.Output<string>,
): pulumi.Output<Record<string, string>> {
  return pulumi.output(
    Object.fromEntries([...resources].map(([environment, resource]) => [environment, id(resource)])),
  ) as pulumi.Output<Record<string, string>>;
}

export interface TagAssignArgs {
  readonly accountId: string;
  /** Tag policy ids by tag key. */
  readonly tagPolicies: Record<string, pulumi.Input<string>>;
  /** ACL principals (`groups/..`, `servicePrincipals/..`, `users/..`) that manage each tag policy's roles. */
  readonly managers: pulumi.Input<string>[];
  /** ACL principals that may assign each governed tag (the ASSIGN permission). */
  readonly assigners: pulumi.Input<string>[];
}

/**
 * The ASSIGN permission on governed tags (`roles/tagPolicy.assigner`), one rule set per tag policy
 * (provider docs, access_control_rule_set: tag policy usage). Authoritative per tag policy: managers are kept in it.
 */
export function grantTagAssign(
  name: string,
  args: TagAssignArgs,
  opts: pulumi.CustomResourceOptions,
): databricks.AccessControlRuleSet[] {
  return Object.entries(args.tagPolicies).map(
    ([key, id]) =>
      new databricks.AccessControlRuleSet(
        `${name}-${key}-roles`,
        {
          name: pulumi.interpolate`accounts/${args.accountId}/tagPolicies/${id}/ruleSets/default`,
          grantRules: [
            { role: "roles/tagPolicy.manager", principals: args.managers },
            { role: "roles/tagPolicy.assigner", principals: args.assigners },
          ],
        },
        opts,
      ),
  );
}
