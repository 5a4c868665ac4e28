// Generates the Lakeflow declarative pipeline (DLT) SQL of one data source from its validated source file.
// Every identifier goes through quoteIdentifier and every literal through quoteString; expectation
// expressions were checked against a token grammar when the file was loaded (sql/sql.ts).
import {
  datasetKind,
  decryptExpression,
  encryptExpression,
  GovernanceSqlContext,
  maskedColumnName,
  maskedExpression,
  maskFunctionName,
  qualifiedFunction,
  rowFilterFunctionName,
  storesMaskedValue,
} from "./governance-sql";
import { DataSource, SourceAggregate, SourceColumn, SourceTable } from "../config/sources";
import { quoteIdentifier as q, quoteString } from "./sql";

/**
 * Where a source's data comes from and goes to, as the pipeline sees it, and the governance functions and
 * secret scope its masks and encryption use.
 */
export interface PipelineSqlContext extends GovernanceSqlContext {
  /** The foreign catalog of the OLTP read replica, for `sqlserver` sources. */
  readonly replicaCatalog: string;
  /** `abfss://landing@<account>.dfs.core.windows.net/`, for `files` sources. */
  readonly landingUrl: string;
  /** Kafka endpoint of the Event Hubs namespace and the service credential that reads it. */
  readonly eventHubs?: { readonly bootstrapServers: string; readonly credential: string };
}

/** The three SQL files of a source's pipeline. */
export interface PipelineSql {
  readonly bronze: string;
  readonly silver: string;
  readonly gold: string;
}

/** Column the pipeline adds to every bronze row: when the row was ingested. */
export const INGESTED_AT = "_ingested_at";

const TIME_GRAINS = { hour: "HOUR", day: "DAY", week: "WEEK", month: "MONTH" } as const;

export function tableName(catalog: string, schema: string, table: string): string {
  return [catalog, schema, table].map(q).join(".");
}

function header(source: DataSource, layer: string): string {
  // The file name is shown, never interpreted; strip anything that could end the comment.
  const file = source.file.replace(/[^\w./-]/g, "_");
  return `-- ${layer} of data source ${source.name}, generated from ${file} by the lakehouse platform. Do not edit.\n`;
}

function tableProperties(source: DataSource, quality: string): string {
  const properties = { quality, source: source.name, owner: source.owner };
  return `TBLPROPERTIES (${Object.entries(properties)
    .map(([key, value]) => `${quoteString(key)} = ${quoteString(value)}`)
    .join(", ")})`;
}

/** Spark DDL of the columns, for `from_json` / `read_files` schemas. */
function schemaDdl(columns: readonly SourceColumn[]): string {
  return quoteString(columns.map((c) => `${q(c.name)} ${c.type.toUpperCase()}`).join(", "));
}

const isStreamingKind = (source: DataSource) => datasetKind(source) === "STREAMING TABLE";

function sourceView(
  source: DataSource,
  table: SourceTable,
  ctx: PipelineSqlContext,
): { name: string; sql: string } {
  const view = `${table.name}_source`;
  const kind = source.source.kind;
  if (kind === "eventhub") {
    // No kafka.group.id: every streaming read of this view (bronze, PII, silver) is its own query, and the
    // Kafka source gives each query its own consumer group; queries sharing one interfere.
    if (!ctx.eventHubs) {
      throw new Error(`source ${source.name} reads Event Hubs, but the platform has no Event Hubs namespace`);
    }
    const fields = table.columns.map((c) => `payload.${q(c.name)} AS ${q(c.name)}`).join(",\n  ");
    return {
      name: view,
      sql: `CREATE TEMPORARY VIEW ${q(view)} AS
SELECT
  ${fields},
  timestamp AS ${q(INGESTED_AT)}
FROM (
  SELECT from_json(CAST(value AS STRING), ${schemaDdl(table.columns)}) AS payload, timestamp
  FROM STREAM read_kafka(
    bootstrapServers => ${quoteString(ctx.eventHubs.bootstrapServers)},
    subscribe => ${quoteString(source.name)},
    startingOffsets => 'earliest',
    \`databricks.serviceCredential\` => ${quoteString(ctx.eventHubs.credential)}
  )
);
`,
    };
  }
  if (kind === "files") {
    const path = `${ctx.landingUrl}${source.name}/${table.name}/`;
    return {
      name: view,
      sql: `CREATE TEMPORARY VIEW ${q(view)} AS
SELECT ${table.columns.map((c) => q(c.name)).join(", ")}, _metadata.file_modification_time AS ${q(INGESTED_AT)}
FROM STREAM read_files(
  ${quoteString(path)},
  format => ${quoteString(source.source.format)},
  schema => ${schemaDdl(table.columns)}
);
`,
    };
  }
  const [schema, name] = (table.sourceTable ?? `dbo.${table.name}`).split(".");
  return {
    name: view,
    sql: `CREATE TEMPORARY VIEW ${q(view)} AS
SELECT ${table.columns.map((c) => q(c.name)).join(", ")}, current_timestamp() AS ${q(INGESTED_AT)}
FROM ${[ctx.replicaCatalog, schema, name].map(q).join(".")};
`,
  };
}

/** Bronze: raw rows without PII columns; the PII columns, keyed by primary key, in `<source>_pii`. */
export function bronzeSql(source: DataSource, ctx: PipelineSqlContext): string {
  const streaming = isStreamingKind(source);
  const create = streaming ? "CREATE OR REFRESH STREAMING TABLE" : "CREATE OR REFRESH MATERIALIZED VIEW";
  const from = (view: string) => (streaming ? `STREAM(${q(view)})` : q(view));
  const parts = [header(source, "Bronze")];
  for (const table of source.tables) {
    const view = sourceView(source, table, ctx);
    const plain = table.columns.filter((c) => !c.pii).map((c) => q(c.name));
    parts.push(
      view.sql,
      `${create} ${tableName(ctx.catalog, `${source.name}_bronze`, table.name)}
COMMENT ${quoteString(`Raw ${table.name} rows of ${source.name}, without PII columns.`)}
${tableProperties(source, "bronze")}
AS SELECT ${[...plain, q(INGESTED_AT)].join(", ")}
FROM ${from(view.name)};
`,
    );
    const pii = table.columns.filter((c) => c.pii);
    if (pii.length > 0) {
      const keys = table.primaryKey.map(q);
      parts.push(`${create} ${tableName(ctx.catalog, `${source.name}_pii`, table.name)}
COMMENT ${quoteString(`PII columns of ${table.name} (${pii.map((c) => c.name).join(", ")}), keyed by ${table.primaryKey.join(", ")}.`)}
${tableProperties(source, "bronze_pii")}
AS SELECT ${[...keys, ...pii.map((c) => piiValue(ctx, c)), q(INGESTED_AT)].join(", ")}
FROM ${from(view.name)};
`);
    }
  }
  return parts.join("\n");
}

/** A PII column as stored: encrypted columns as base64 AES-GCM ciphertext, the others as they are. */
function piiValue(ctx: PipelineSqlContext, column: SourceColumn): string {
  return column.encrypt ? `${encryptExpression(ctx, column.name)} AS ${q(column.name)}` : q(column.name);
}

function constraintLines(table: SourceTable): string[] {
  const clause = { warn: "", drop: " ON VIOLATION DROP ROW", fail: " ON VIOLATION FAIL UPDATE" } as const;
  return table.expectations.map(
    (e) => `  CONSTRAINT ${q(e.name)} EXPECT (${e.expr})${clause[e.onViolation]}`,
  );
}

/** AUTO CDC needs non-null keys: a row with a null key is dropped before it reaches the target. */
function keyConstraintLines(table: SourceTable): string[] {
  return table.primaryKey.map(
    (key) => `  CONSTRAINT ${q(`_${key}_key_not_null`)} EXPECT (${q(key)} IS NOT NULL) ON VIOLATION DROP ROW`,
  );
}

const parenthesized = (lines: string[]) => (lines.length === 0 ? "" : ` (\n${lines.join(",\n")}\n)`);

/** Silver's columns with their types; every PII column carries its mask function. */
function silverColumnLines(source: DataSource, table: SourceTable, ctx: PipelineSqlContext): string[] {
  return table.columns
    .map((c) => {
      const type = c.encrypt ? "STRING" : c.type.toUpperCase();
      const using = c.pii && storesMaskedValue(c) ? ` USING COLUMNS (${q(maskedColumnName(c))})` : "";
      const mask = c.pii ? ` MASK ${qualifiedFunction(ctx, maskFunctionName(source, c))}${using}` : "";
      return `  ${q(c.name)} ${type}${mask}`;
    })
    .concat(
      table.columns
        .filter((c) => c.pii && storesMaskedValue(c))
        .map((c) => `  ${q(maskedColumnName(c))} STRING`),
    )
    .concat(`  ${q(INGESTED_AT)} TIMESTAMP`);
}

function rowFilterClause(source: DataSource, table: SourceTable, ctx: PipelineSqlContext): string {
  const filter = source.access.rowFilter;
  if (!filter || !table.columns.some((c) => c.name === filter.column)) return "";
  return `\nWITH ROW FILTER ${qualifiedFunction(ctx, rowFilterFunctionName(source))} ON (${q(filter.column)})`;
}

/**
 * Silver's select list: non-PII columns typed and trimmed, PII columns as stored (encrypted where the source
 * asks, unless they come from the PII table, which is encrypted already).
 */
function silverSelect(table: SourceTable, ctx: PipelineSqlContext, plainFrom = "", piiFrom = ""): string {
  // Masked values that need a secret, from the clear value (PII table columns are stored encrypted).
  const masked = table.columns
    .filter((c) => c.pii && storesMaskedValue(c))
    .map((c) => {
      const stored = `${piiFrom}${q(c.name)}`;
      const clear = piiFrom && c.encrypt ? decryptExpression(ctx, stored) : stored;
      return `${maskedExpression(ctx, c.mask ?? "redact", c.type, clear)} AS ${q(maskedColumnName(c))}`;
    });
  return table.columns
    .map((c) =>
      c.pii
        ? piiFrom
          ? `${piiFrom}${q(c.name)}`
          : piiValue(ctx, c)
        : c.type === "string"
          ? `trim(${plainFrom}${q(c.name)}) AS ${q(c.name)}`
          : `CAST(${plainFrom}${q(c.name)} AS ${c.type.toUpperCase()}) AS ${q(c.name)}`,
    )
    .concat(masked)
    .concat(`${plainFrom}${q(INGESTED_AT)}`)
    .join(",\n  ");
}

/**
 * Silver: typed, trimmed, deduplicated on the primary key, with the source's expectations, and with the PII
 * columns back in place behind their dynamic masks (encrypted columns stay ciphertext) and the source's row
 * filter. Streams read the source view bronze was written from; replica snapshots join bronze and PII.
 */
export function silverSql(source: DataSource, ctx: PipelineSqlContext): string {
  const parts = [header(source, "Silver")];
  for (const table of source.tables) {
    const silver = tableName(ctx.catalog, `${source.name}_silver`, table.name);
    const keys = table.primaryKey.map(q).join(", ");
    const clauses = `${rowFilterClause(source, table, ctx)}
COMMENT ${quoteString(`Cleaned, typed and deduplicated ${table.name} of ${source.name}; PII masked.`)}
${tableProperties(source, "silver")}`;
    if (isStreamingKind(source)) {
      const checked = `${table.name}_checked`;
      parts.push(`CREATE TEMPORARY VIEW ${q(checked)}${parenthesized([...keyConstraintLines(table), ...constraintLines(table)])}
AS SELECT
  ${silverSelect(table, ctx)}
FROM STREAM(${q(`${table.name}_source`)});

CREATE OR REFRESH STREAMING TABLE ${silver}${parenthesized(silverColumnLines(source, table, ctx))}${clauses};

CREATE FLOW ${q(`${table.name}_upsert`)} AS AUTO CDC INTO ${silver}
FROM STREAM(${q(checked)})
KEYS (${keys})
SEQUENCE BY ${q(INGESTED_AT)}
STORED AS SCD TYPE 1;
`);
    } else {
      const bronze = tableName(ctx.catalog, `${source.name}_bronze`, table.name);
      const hasPii = table.columns.some((c) => c.pii);
      const from = hasPii
        ? `${bronze} AS b\nLEFT JOIN ${tableName(ctx.catalog, `${source.name}_pii`, table.name)} AS p USING (${keys})`
        : bronze;
      const latest = table.watermarkColumn
        ? `${hasPii ? "b." : ""}${q(table.watermarkColumn)}`
        : `${hasPii ? "b." : ""}${q(INGESTED_AT)}`;
      parts.push(`CREATE OR REFRESH MATERIALIZED VIEW ${silver}${parenthesized([...silverColumnLines(source, table, ctx), ...constraintLines(table)])}${clauses}
AS SELECT
  ${silverSelect(table, ctx, hasPii ? "b." : "", hasPii ? "p." : "")}
FROM ${from}
QUALIFY row_number() OVER (PARTITION BY ${table.primaryKey.map((k) => `${hasPii ? "b." : ""}${q(k)}`).join(", ")} ORDER BY ${latest} DESC) = 1;
`);
    }
  }
  return parts.join("\n");
}

function measure(m: SourceAggregate["measures"][number]): string {
  const column = m.column === undefined ? "*" : q(m.column);
  const call = m.fn === "count_distinct" ? `count(DISTINCT ${column})` : `${m.fn}(${column})`;
  return `${call} AS ${q(m.name)}`;
}

/**
 * Gold's aggregate of a table that declares none: rows per day of ingestion for streams; a replica snapshot
 * is re-read whole on every refresh (every row would carry the refresh's day), so its rows count per day of
 * their watermark column, or in total without one.
 */
export function defaultAggregate(source: DataSource, table: SourceTable): SourceAggregate {
  const measures: SourceAggregate["measures"] = [{ name: "row_count", fn: "count" }];
  if (isStreamingKind(source)) {
    const description = `Rows of ${table.name} ingested per day.`;
    const timeBucket = { column: INGESTED_AT, grain: "day" } as const;
    return { name: `${table.name}_daily`, description, timeBucket, groupBy: [], measures };
  }
  // Only a date or timestamp has days; a version number or a string watermark gets the total count.
  const watermark = table.columns.find((c) => c.name === table.watermarkColumn);
  if (table.watermarkColumn && (watermark?.type === "date" || watermark?.type === "timestamp")) {
    const description = `Rows of ${table.name} per day of ${table.watermarkColumn}.`;
    const timeBucket = { column: table.watermarkColumn, grain: "day" } as const;
    return { name: `${table.name}_daily`, description, timeBucket, groupBy: [], measures };
  }
  const description = `Rows of ${table.name} in the latest snapshot.`;
  return { name: `${table.name}_row_count`, description, groupBy: [], measures };
}

/** The gold views of a table: its aggregates, or the default row count. Name checks use this too. */
export function goldAggregates(source: DataSource, table: SourceTable): readonly SourceAggregate[] {
  return table.aggregates.length > 0 ? table.aggregates : [defaultAggregate(source, table)];
}

/** Gold: the source's aggregates as materialized views (a daily row count where a table declares none). */
export function goldSql(source: DataSource, ctx: PipelineSqlContext): string {
  const parts = [header(source, "Gold")];
  for (const table of source.tables) {
    const silver = tableName(ctx.catalog, `${source.name}_silver`, table.name);
    const aggregates = goldAggregates(source, table);
    for (const a of aggregates) {
      const select = [
        ...(a.timeBucket
          ? [
              `date_trunc(${quoteString(TIME_GRAINS[a.timeBucket.grain])}, ${q(a.timeBucket.column)}) AS ${q("period")}`,
            ]
          : []),
        ...a.groupBy.map(q),
        ...a.measures.map(measure),
      ];
      parts.push(`CREATE OR REFRESH MATERIALIZED VIEW ${tableName(ctx.catalog, `${source.name}_gold`, a.name)}
COMMENT ${quoteString(a.description ?? `${a.name} of ${table.name} (${source.name}).`)}
${tableProperties(source, "gold")}
AS SELECT
  ${select.join(",\n  ")}
FROM ${silver}
GROUP BY ALL;
`);
    }
  }
  return parts.join("\n");
}

/** The SQL files of a source's pipeline. */
export function pipelineSql(source: DataSource, ctx: PipelineSqlContext): PipelineSql {
  return { bronze: bronzeSql(source, ctx), silver: silverSql(source, ctx), gold: goldSql(source, ctx) };
}
