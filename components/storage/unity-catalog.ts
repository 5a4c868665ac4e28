import * as pulumi from "@pulumi/pulumi";
import * as databricks from "@pulumi/databricks";
import { PlatformConfig } from "../../config/config";
import { LAKE_CONTAINERS, LakeContainer, LakehouseStorage } from "./lakehouse-storage";
import { OPS_SCHEMA } from "../../sql/ops-sql";
import { DataSource } from "../../config/sources";

/** Medallion tiers; every source gets one schema per tier, plus `<source>_pii` when it declares PII. */
export const TIERS = ["bronze", "silver", "gold"] as const;
export type Tier = (typeof TIERS)[number];

/** The schemas of one data source. */
export interface SourceSchemas {
  readonly bronze: databricks.Schema;
  readonly silver: databricks.Schema;
  readonly gold: databricks.Schema;
  /** Bronze schema of the source's PII columns, keyed by primary key; only when the source declares PII. */
  readonly pii?: databricks.Schema;
}

export interface UnityCatalogArgs {
  /** Name of the environment's catalog (`lh_dev`). */
  readonly catalogName: string;
  /** The lake the catalog, schemas and external locations live in. */
  readonly storage: LakehouseStorage;
  /** The workspace's metastore assignment: nothing here exists before it. */
  readonly metastoreAssignment: pulumi.Resource;
  /** Entra ID groups: the platform admins own every securable. */
  readonly groups: PlatformConfig["groups"];
  readonly sources: readonly DataSource[];
  /** Protects the catalog and schemas from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
}

const hasPii = (source: DataSource) => source.tables.some((t) => t.columns.some((c) => c.pii));

/**
 * The environment's Unity Catalog structure: a storage credential on the lake's access connector, an
 * external location per lake container, one catalog bound to this workspace only (ISOLATED: bound to the
 * workspace that creates it), and per-source
 * schemas for each medallion tier plus a separate PII schema. Grants are `Governance`'s.
 *
 * Schemas are per source, not per tier: each source's owner, readers and PII readers then map to whole
 * schemas, so grants stay schema-level and a source is removed by removing its schemas.
 */
export class UnityCatalog extends pulumi.ComponentResource {
  public readonly storageCredential: databricks.StorageCredential;
  public readonly externalLocations: Record<LakeContainer, databricks.ExternalLocation>;
  public readonly catalog: databricks.Catalog;
  /** Schemas by source name. */
  public readonly schemas: ReadonlyMap<string, SourceSchemas>;
  /** Operational schema: pipeline event logs and run metadata. */
  public readonly opsSchema: databricks.Schema;

  constructor(name: string, args: UnityCatalogArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:core:UnityCatalog", name, {}, opts);
    const { catalogName, storage, groups } = args;
    const owner = groups.platformAdmins;
    const afterAssignment = { parent: this, dependsOn: [args.metastoreAssignment] };
    // ISOLATED securables are bound to the workspace that creates them (provider docs, workspace_binding);
    // a WorkspaceBinding for that same workspace would unbind it whenever the binding is replaced.

    this.storageCredential = new databricks.StorageCredential(
      `${name}-credential`,
      {
        name: `${catalogName}_lake`,
        comment: "Managed identity of the lake's access connector.",
        azureManagedIdentity: { accessConnectorId: storage.accessConnector.id },
        isolationMode: "ISOLATION_MODE_ISOLATED",
        owner,
      },
      afterAssignment,
    );

    this.externalLocations = Object.fromEntries(
      LAKE_CONTAINERS.map((container) => {
        const location = new databricks.ExternalLocation(
          `${name}-${container}`,
          {
            name: `${catalogName}_${container}`,
            url: storage.url(container),
            credentialName: this.storageCredential.name,
            // Raw files arrive from outside Unity Catalog; inside it they are only read.
            readOnly: container === "landing",
            isolationMode: "ISOLATION_MODE_ISOLATED",
            owner,
            comment: `The lake's ${container} container.`,
          },
          { parent: this, dependsOn: [storage.containers[container], args.metastoreAssignment] },
        );
        return [container, location];
      }),
    ) as Record<LakeContainer, databricks.ExternalLocation>;
    const stateful = { parent: this, protect: args.protect ?? false };
    // Pipelines create the tables: a stack that may be destroyed (dev, review) drops them with its catalog.
    const forceDestroy = !(args.protect ?? false);
    this.catalog = new databricks.Catalog(
      `${name}-catalog`,
      {
        name: catalogName,
        comment: "Governed medallion lakehouse of this environment.",
        storageRoot: storage.url("catalog"),
        isolationMode: "ISOLATED",
        owner,
        enablePredictiveOptimization: "ENABLE",
        forceDestroy,
      },
      { ...stateful, dependsOn: [this.externalLocations.catalog] },
    );
    const schema = (source: DataSource, suffix: string, container: Tier, comment: string) =>
      new databricks.Schema(
        `${name}-${source.name}-${suffix}`,
        {
          catalogName: this.catalog.name,
          name: `${source.name}_${suffix}`,
          storageRoot: storage.url(container, suffix === "pii" ? `${source.name}_pii` : source.name),
          owner,
          comment,
          properties: { source: source.name, tier: container, owner: source.owner },
          forceDestroy,
        },
        stateful,
      );
    this.schemas = new Map(
      args.sources.map((source) => {
        const schemas: SourceSchemas = {
          bronze: schema(source, "bronze", "bronze", `Raw ${source.name} data, without PII columns.`),
          silver: schema(source, "silver", "silver", `Cleaned, typed and deduplicated ${source.name} data.`),
          gold: schema(source, "gold", "gold", `Aggregates of ${source.name} for analysts.`),
          pii: hasPii(source)
            ? schema(source, "pii", "bronze", `PII columns of ${source.name}, keyed by primary key.`)
            : undefined,
        };
        return [source.name, schemas];
      }),
    );

    this.opsSchema = new databricks.Schema(
      `${name}-ops`,
      {
        catalogName: this.catalog.name,
        name: OPS_SCHEMA,
        storageRoot: storage.url("catalog", OPS_SCHEMA),
        owner,
        comment: "Pipeline event logs and run metadata of every source.",
        properties: { tier: "ops" },
        forceDestroy,
      },
      stateful,
    );

    this.registerOutputs({ catalog: this.catalog, storageCredential: this.storageCredential });
  }
}
