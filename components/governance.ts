import * as pulumi from "@pulumi/pulumi";
import * as databricks from "@pulumi/databricks";
import { PlatformConfig } from "./config";
import { DataSource } from "./sources";

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
  readonly groups: PlatformConfig["groups"];
  readonly sources: readonly DataSource[];
  /** Application id of the service principal pipelines and jobs run as: the only writer. */
  readonly pipelinesPrincipal: string;
  /** Names of the other securables that get grants. */
  readonly securables: {
    readonly landingLocation: pulumi.Input<string>;
    readonly replicaCatalog: pulumi.Input<string>;
    readonly eventHubsCredential?: pulumi.Input<string>;
  };
  /** Securables the grants apply to; nothing is granted before they exist. */
  readonly dependsOn: pulumi.Input<pulumi.Resource>[];
}

const hasPii = (source: DataSource) => source.tables.some((t) => t.columns.some((c) => c.pii));

/** The grants of the whole catalog, computed from config: groups and the pipelines' service principal only. */
export function planGrants(args: Omit<GovernanceArgs, "dependsOn">): GrantPlan {
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
  plan.grant("replica", { catalog: replicaCatalog }, [writer], ["USE_CATALOG", "USE_SCHEMA", "SELECT"]);
  if (eventHubsCredential !== undefined) {
    plan.grant("eventhubs", { credential: eventHubsCredential }, [writer], ["ACCESS"]);
  }
  return plan;
}

/**
 * Unity Catalog grants from config, to groups and the pipelines' service principal only, never to users or
 * `account users`: one authoritative `databricks.Grants` per securable, so drift is corrected on every `up`.
 * People read; only the pipelines' service principal writes.
 */
export class Governance extends pulumi.ComponentResource {
  public readonly grants: ReadonlyMap<string, databricks.Grants>;

  constructor(name: string, args: GovernanceArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:governance:Governance", name, {}, opts);
    this.grants = new Map(
      planGrants(args)
        .entries()
        .map(({ id, securable, grants }) => [
          id,
          new databricks.Grants(
            `${name}-${id}`,
            { ...securable, grants },
            { parent: this, dependsOn: args.dependsOn },
          ),
        ]),
    );
    this.registerOutputs({});
  }
}
