import * as pulumi from "@pulumi/pulumi";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as databricks from "@pulumi/databricks";
import * as random from "@pulumi/random";
import { PlatformConfig } from "../../config/config";
import {
  ENCRYPTION_KEY_SECRET,
  GovernanceSqlContext,
  governanceFunctionsSql,
  governanceTagsSql,
  HASH_SALT_SECRET,
} from "../../sql/governance-sql";
import { assignRole } from "../security/roles";
import { DataSource } from "../../config/sources";
import type { UnityCatalog } from "../storage/unity-catalog";
import { InvalidInputError } from "../../config/validation";

/** Schema of the mask and row-filter functions. */
export const GOVERNANCE_SCHEMA = "governance";
/** Key Vault-backed secret scope of the PII hash salt and encryption key. */
export const PII_SECRET_SCOPE = "pii";
export const CLASSIFICATIONS = ["public", "internal", "confidential", "restricted"] as const;

/** The governance names and groups the generated SQL refers to. */
export function governanceSqlContext(
  catalog: string,
  groups: PlatformConfig["groups"],
): GovernanceSqlContext {
  return {
    catalog,
    governanceSchema: GOVERNANCE_SCHEMA,
    secretScope: PII_SECRET_SCOPE,
    piiReadersGroup: groups.piiReaders,
    unrestrictedGroups: [groups.platformAdmins, groups.dataEngineers],
  };
}

/** Every group the platform and the source files name: the only principals that get access. */
export function platformGroups(groups: PlatformConfig["groups"], sources: readonly DataSource[]): string[] {
  const named = sources.flatMap((s) => [
    ...s.access.readers,
    ...s.access.piiReaders,
    ...Object.keys(s.access.rowFilter?.byGroup ?? {}),
  ]);
  return [
    ...new Set([groups.platformAdmins, groups.dataEngineers, groups.analysts, groups.piiReaders, ...named]),
  ];
}

/** Privileges of the principal that runs pipelines in a schema it writes. */
export const WRITER_PRIVILEGES = [
  "USE_SCHEMA",
  "SELECT",
  "MODIFY",
  "CREATE_TABLE",
  "CREATE_MATERIALIZED_VIEW",
];
export const READER_PRIVILEGES = ["USE_SCHEMA", "SELECT"];

/** Securable -> principal -> privileges; one entry becomes one authoritative `databricks.Grants`. */
export class GrantPlan {
  private readonly grants = new Map<
    string,
    { key: Record<string, pulumi.Input<string>>; byPrincipal: Map<string, Set<string>> }
  >();

  /** Adds privileges for principals on a securable (`{ schema: "lh_dev.transfers_gold" }`). */
  public grant(
    id: string,
    securable: Record<string, pulumi.Input<string>>,
    principals: readonly string[],
    privileges: readonly string[],
  ): this {
    const entry = this.grants.get(id) ?? { key: securable, byPrincipal: new Map<string, Set<string>>() };
    for (const principal of principals) {
      const held = entry.byPrincipal.get(principal) ?? new Set<string>();
      privileges.forEach((p) => held.add(p));
      entry.byPrincipal.set(principal, held);
    }
    this.grants.set(id, entry);
    return this;
  }

  public entries() {
    return [...this.grants].map(([id, { key, byPrincipal }]) => ({
      id,
      securable: key,
      grants: [...byPrincipal].map(([principal, privileges]) => ({ principal, privileges: [...privileges] })),
    }));
  }
}

export interface GovernanceArgs {
  readonly catalogName: string;
  /** Default classification tag of the catalog. */
  readonly dataClassification: string;
  readonly groups: PlatformConfig["groups"];
  readonly sources: readonly DataSource[];
  /** Application id of the service principal pipelines and jobs run as: the only writer. */
  readonly pipelinesPrincipal: string;
  /** Governed tag keys the account stack defines (its `governedTags` output). */
  readonly governedTags: pulumi.Input<string[]>;
  /** Names of the other securables that get grants. */
  readonly securables: {
    readonly landingLocation: pulumi.Input<string>;
    /** The replica's foreign catalog; review stacks have none. */
    readonly replicaCatalog?: pulumi.Input<string>;
    readonly eventHubsCredential?: pulumi.Input<string>;
  };
  /**
   * The Unity Catalog securables Pulumi creates and the pipelines' principal: each grant waits for its own
   * securable only (a grant waiting for all of them made the program quadratic in the number of sources).
   */
  readonly unityCatalog: Pick<UnityCatalog, "catalog" | "schemas" | "opsSchema">;
  readonly principal: pulumi.Resource;
  /** The Key Vault behind the PII secret scope. */
  readonly keyVault: keyvault.Vault;
  readonly resourceGroupName: pulumi.Input<string>;
  readonly subscriptionId: pulumi.Input<string>;
  /** Object id of the AzureDatabricks application, which reads the vault for the secret scope. */
  readonly azureDatabricksObjectId: string;
  /** SQL warehouse the governance job runs its SQL on. */
  readonly sqlWarehouseId: pulumi.Input<string>;
  /**
   * Workspace folder of the governance SQL: one only the platform admins and the pipelines' principal may
   * write, because that principal runs it (never under /Shared, where every user may edit).
   */
  readonly workspaceRoot: string;
  /** What the SQL files wait for: the folder's permissions. */
  readonly codeFolder: pulumi.Resource;
  /** The pipelines' principal's Service Principal User role for the deployer: the job's run_as needs it. */
  readonly runAsRoles: pulumi.Resource;
  readonly alertEmails: readonly string[];
  /** Protects the PII keys (hash salt, encryption key) from deletion. Default: false. */
  readonly protect?: boolean;
}

const hasPii = (source: DataSource) => source.tables.some((t) => t.columns.some((c) => c.pii));

/** The grants of the whole catalog, computed from config: groups and the pipelines' service principal only. */
export function planGrants(
  args: Pick<GovernanceArgs, "catalogName" | "groups" | "sources" | "pipelinesPrincipal" | "securables">,
): GrantPlan {
  const { catalogName, groups, sources, pipelinesPrincipal: writer } = args;
  const plan = new GrantPlan();
  const catalog = { catalog: catalogName };
  plan.grant("catalog", catalog, [groups.dataEngineers], ["USE_CATALOG", "BROWSE", "CREATE_SCHEMA"]);
  plan.grant("catalog", catalog, [groups.analysts], ["USE_CATALOG", "BROWSE"]);
  plan.grant("catalog", catalog, [groups.piiReaders, writer], ["USE_CATALOG"]);
  for (const source of sources) {
    const schema = (suffix: string) => ({ schema: `${catalogName}.${source.name}_${suffix}` });
    const { readers, piiReaders } = source.access;
    plan.grant("catalog", catalog, [...readers, ...piiReaders], ["USE_CATALOG"]);
    plan.grant(`${source.name}-bronze`, schema("bronze"), [groups.dataEngineers], READER_PRIVILEGES);
    plan.grant(
      `${source.name}-silver`,
      schema("silver"),
      [groups.dataEngineers, ...readers],
      READER_PRIVILEGES,
    );
    plan.grant(
      `${source.name}-gold`,
      schema("gold"),
      [groups.dataEngineers, groups.analysts, ...readers],
      READER_PRIVILEGES,
    );
    for (const suffix of ["bronze", "silver", "gold"]) {
      plan.grant(`${source.name}-${suffix}`, schema(suffix), [writer], WRITER_PRIVILEGES);
    }
    if (hasPii(source)) {
      // Only the PII groups read the PII schema; nobody else, not even engineers.
      plan.grant(`${source.name}-pii`, schema("pii"), [groups.piiReaders, ...piiReaders], READER_PRIVILEGES);
      plan.grant(`${source.name}-pii`, schema("pii"), [writer], WRITER_PRIVILEGES);
    }
  }
  const { landingLocation, replicaCatalog, eventHubsCredential } = args.securables;
  plan.grant(
    "landing",
    { externalLocation: landingLocation },
    [groups.dataEngineers, writer],
    ["READ_FILES"],
  );
  if (replicaCatalog !== undefined) {
    plan.grant("replica", { catalog: replicaCatalog }, [writer], ["USE_CATALOG", "USE_SCHEMA", "SELECT"]);
  }
  if (eventHubsCredential !== undefined) {
    plan.grant("eventhubs", { credential: eventHubsCredential }, [writer], ["ACCESS"]);
  }
  plan.grant("ops", { schema: `${catalogName}.ops` }, [groups.dataEngineers], READER_PRIVILEGES);
  plan.grant("ops", { schema: `${catalogName}.ops` }, [writer], WRITER_PRIVILEGES);
  // Masks run as their definer; only the governance job (the pipelines' principal) writes the functions.
  plan.grant(
    "governance",
    { schema: `${catalogName}.${GOVERNANCE_SCHEMA}` },
    [writer],
    ["USE_SCHEMA", "EXECUTE", "CREATE_FUNCTION"],
  );
  return plan;
}

/**
 * PII and access governance from config. Unity Catalog grants go to groups and the pipelines' service
 * principal only, never to users or `account users`: one authoritative `databricks.Grants` per securable, so
 * drift is corrected on every `up`; people read, only the pipelines write. The groups get workspace access.
 * PII is masked by dynamic functions in a `governance` schema that only platform admins own, hashed with a
 * salt and encrypted with a key kept in Key Vault behind a secret scope; governed `pii` and `classification`
 * tags mark what is sensitive. A governance job (re)creates the functions and tags the PII tables.
 */
export class Governance extends pulumi.ComponentResource {
  public readonly grants: ReadonlyMap<string, databricks.Grants>;
  public readonly governanceSchema: databricks.Schema;
  public readonly secretScope: databricks.SecretScope;
  /**
   * Hourly: recreates the mask functions and tags the streaming sources' PII tables (batch sources' refresh
   * jobs run the functions before and their tags after each refresh).
   */
  public readonly job: databricks.Job;
  /** Workspace path of the mask and row-filter functions' SQL. */
  public readonly functionsPath: pulumi.Output<string>;
  /** Workspace path of each PII source's tag SQL, by source name. */
  public readonly tagsPaths: ReadonlyMap<string, pulumi.Output<string>>;

  constructor(name: string, args: GovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:governance:Governance", name, {}, opts);
    const { groups, catalogName, sources } = args;
    const ctx = governanceSqlContext(catalogName, groups);

    this.governanceSchema = new databricks.Schema(
      `${name}-schema`,
      {
        catalogName,
        name: GOVERNANCE_SCHEMA,
        owner: groups.platformAdmins,
        comment: "Mask and row-filter functions of the lakehouse. Only platform admins may change them.",
        // The governance job creates the functions: a stack that may be destroyed drops them with it.
        forceDestroy: !(args.protect ?? false),
      },
      // Silver tables' masks refer to its functions: losing it would break every read.
      { parent: this, dependsOn: [args.unityCatalog.catalog], protect: args.protect ?? false },
    );

    this.grants = new Map(
      planGrants(args)
        .entries()
        .map(({ id, securable, grants }) => [
          id,
          new databricks.Grants(
            `${name}-${id}`,
            { ...securable, grants },
            { parent: this, dependsOn: [args.principal, ...this.securableOf(id, args)] },
          ),
        ]),
    );

    for (const group of platformGroups(groups, sources)) {
      new databricks.PermissionAssignment(
        `${name}-access-${group.replace(/[^A-Za-z0-9-]/g, "-")}`,
        { groupName: group, permissions: [group === groups.platformAdmins ? "ADMIN" : "USER"] },
        { parent: this },
      );
    }

    this.secretScope = this.piiSecrets(name, args);
    this.tagSecurables(name, args);
    const file = (id: string, path: string, sql: string) =>
      new databricks.WorkspaceFile(
        `${name}-${id}`,
        { path, contentBase64: Buffer.from(sql, "utf8").toString("base64") },
        { parent: this, dependsOn: [args.codeFolder] },
      );
    const root = args.workspaceRoot;
    this.functionsPath = file(
      "functions",
      `${root}/functions.sql`,
      governanceFunctionsSql(sources, ctx),
    ).path;
    this.tagsPaths = new Map(
      sources
        .filter(hasPii)
        .map((source) => [
          source.name,
          file(`tags-${source.name}`, `${root}/tags/${source.name}.sql`, governanceTagsSql(source, ctx)).path,
        ]),
    );
    this.job = this.governanceJob(name, args);
    this.registerOutputs({ governanceSchema: this.governanceSchema });
  }

  /** The Pulumi-created securable a grant (by its plan id) is about; names from other components carry theirs. */
  private securableOf(id: string, args: GovernanceArgs): pulumi.Resource[] {
    const { catalog, schemas, opsSchema } = args.unityCatalog;
    if (id === "catalog") return [catalog];
    if (id === "ops") return [opsSchema];
    if (id === "governance") return [this.governanceSchema];
    const [, source, suffix] = /^(.+)-(bronze|silver|gold|pii)$/.exec(id) ?? [];
    const schema = source ? schemas.get(source)?.[suffix as "bronze" | "silver" | "gold" | "pii"] : undefined;
    return schema ? [schema] : [];
  }

  /** The hash salt and encryption key: random, kept in Key Vault, read through a Key Vault-backed scope. */
  private piiSecrets(name: string, args: GovernanceArgs): databricks.SecretScope {
    const { keyVault, groups } = args;
    const keep = { parent: this, protect: args.protect ?? false };
    // Secrets expire after two years (renewed on the first `up` of each year).
    const expires = Math.floor(Date.UTC(new Date().getUTCFullYear() + 2, 0, 1) / 1000);
    for (const secretName of [HASH_SALT_SECRET, ENCRYPTION_KEY_SECRET]) {
      const value = new random.RandomPassword(
        `${name}-${secretName}-value`,
        { length: 32, special: false },
        keep,
      );
      new keyvault.Secret(
        `${name}-${secretName}`,
        {
          resourceGroupName: args.resourceGroupName,
          vaultName: keyVault.name,
          secretName,
          // Explicitly secret: the provider marks `result` secret only engine-side (additionalSecretOutputs).
          properties: {
            value: pulumi.secret(value.result),
            contentType: "text/plain",
            attributes: { enabled: true, expires },
          },
        },
        keep,
      );
    }
    // The Databricks control plane reads Key Vault-backed scopes as the AzureDatabricks application.
    assignRole(
      `${name}-scope-reader`,
      {
        principalId: args.azureDatabricksObjectId,
        principalType: "ServicePrincipal",
        role: "keyVaultSecretsUser",
        scope: keyVault.id,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );
    const scope = new databricks.SecretScope(
      `${name}-pii-scope`,
      {
        name: PII_SECRET_SCOPE,
        backendType: "AZURE_KEYVAULT",
        keyvaultMetadata: { resourceId: keyVault.id, dnsName: keyVault.properties.vaultUri },
      },
      { parent: this },
    );
    const acls: [string, string][] = [
      [groups.platformAdmins, "MANAGE"],
      [args.pipelinesPrincipal, "READ"],
      [groups.piiReaders, "READ"],
    ];
    for (const [principal, permission] of acls) {
      new databricks.SecretAcl(
        `${name}-pii-scope-${permission.toLowerCase()}-${principal.replace(/[^A-Za-z0-9-]/g, "-")}`,
        { scope: scope.name, principal, permission },
        { parent: scope },
      );
    }
    return scope;
  }

  /**
   * The governed tags of the securables Pulumi creates. The tag policies themselves belong to the account
   * stack (account-wide objects): the key comes from its outputs, so a missing policy fails the preview.
   */
  private tagSecurables(name: string, args: GovernanceArgs): void {
    const tagKey = pulumi.output(args.governedTags).apply((keys) => {
      if (!keys.includes("classification")) {
        throw new InvalidInputError([
          `the account stack defines no governed tag "classification" (it has: ${keys.join(", ") || "none"})`,
        ]);
      }
      return "classification";
    });
    const tag = (
      id: string,
      entityType: string,
      entityName: string,
      tagValue: string,
      securable: pulumi.Resource,
    ) =>
      new databricks.EntityTagAssignment(
        `${name}-tag-${id}`,
        { entityType, entityName, tagKey, tagValue },
        { parent: this, dependsOn: [securable] },
      );
    const { catalog, schemas } = args.unityCatalog;
    tag("catalog", "catalogs", args.catalogName, args.dataClassification, catalog);
    for (const source of args.sources.filter(hasPii)) {
      const pii = schemas.get(source.name)?.pii;
      tag(
        `${source.name}-pii`,
        "schemas",
        `${args.catalogName}.${source.name}_pii`,
        "restricted",
        pii ?? catalog,
      );
    }
  }

  /**
   * The hourly job: the functions, then the streaming sources' tags (their tables exist once their continuous
   * job has run them); batch sources' refresh jobs run their own tags after each refresh.
   */
  private governanceJob(name: string, args: GovernanceArgs): databricks.Job {
    const streamed = args.sources.filter((source) => source.mode === "streaming");
    return new databricks.Job(
      `${name}-job`,
      {
        name: `${name}-functions-and-tags`,
        description:
          "Recreates the PII mask and row-filter functions and tags the streaming sources' PII tables and columns.",
        schedule: { quartzCronExpression: "0 0 * * * ?", timezoneId: "UTC", pauseStatus: "UNPAUSED" },
        maxConcurrentRuns: 1,
        // A run triggered while another is active waits instead of being skipped.
        queue: { enabled: true },
        timeoutSeconds: 1800,
        tasks: [
          sqlFileTask("functions", this.functionsPath, args.sqlWarehouseId, { maxRetries: 1 }),
          ...streamed
            .filter((source) => this.tagsPaths.has(source.name))
            .map((source) =>
              sqlFileTask(
                `tags_${source.name}`,
                this.tagsPaths.get(source.name) as pulumi.Output<string>,
                args.sqlWarehouseId,
                { dependsOns: [{ taskKey: "functions" }] },
              ),
            ),
        ],
        runAs: { servicePrincipalName: args.pipelinesPrincipal },
        emailNotifications: { onFailures: [...args.alertEmails], noAlertForSkippedRuns: true },
        tags: { purpose: "governance" },
      },
      { parent: this, dependsOn: [...this.grants.values(), args.runAsRoles] },
    );
  }
}

/** A job task that runs a SQL file from the workspace on a SQL warehouse. */
export function sqlFileTask(
  taskKey: string,
  path: pulumi.Input<string>,
  warehouseId: pulumi.Input<string>,
  extra: { maxRetries?: number; dependsOns?: { taskKey: string }[] } = {},
) {
  return { taskKey, ...extra, sqlTask: { file: { path, source: "WORKSPACE" }, warehouseId } };
}
