// Generates the governance SQL of the lakehouse from the source files: the dynamic mask and row-filter
// functions the pipelines' MASK / ROW FILTER clauses refer to, and the governed tags of every PII table and
// column. A governance job runs it (components/governance/governance.ts).
import { DataSource, MaskKind, SourceColumn } from "../config/sources";
import { quoteIdentifier as q, quoteString } from "./sql";

export interface GovernanceSqlContext {
  /** The environment's catalog (`lh_dev`). */
  readonly catalog: string;
  /** Schema of the mask and row-filter functions, modifiable by platform admins only. */
  readonly governanceSchema: string;
  /** Key Vault-backed secret scope with the hash salt and the encryption key. */
  readonly secretScope: string;
  /** The platform's PII readers group; each source adds its own `access.piiReaders`. */
  readonly piiReadersGroup: string;
  /** Groups that see every row whatever a source's row filter says. */
  readonly unrestrictedGroups: readonly string[];
}

/** Secret names in the scope (and the Key Vault behind it). */
export const HASH_SALT_SECRET = "pii-hash-salt";
export const ENCRYPTION_KEY_SECRET = "pii-encryption-key";

function secret(ctx: GovernanceSqlContext, name: string): string {
  return `secret(${quoteString(ctx.secretScope)}, ${quoteString(name)})`;
}

/** Encrypts a string column with AES-GCM and the scope's key, as base64 (bronze PII and silver). */
export function encryptExpression(ctx: GovernanceSqlContext, column: string): string {
  return `base64(aes_encrypt(${q(column)}, ${secret(ctx, ENCRYPTION_KEY_SECRET)}, 'GCM'))`;
}

const typeSlug = (type: string) => type.replace(/[^a-z0-9]+/g, "_").replace(/_$/, "");

/** Unqualified name of the mask function of a PII column: one per source, kind, type and encryption. */
export function maskFunctionName(source: DataSource, column: SourceColumn): string {
  return `${source.name}_mask_${column.mask}${column.encrypt ? "_encrypted" : ""}_${typeSlug(column.type)}`;
}

export function qualifiedFunction(ctx: GovernanceSqlContext, name: string): string {
  return [ctx.catalog, ctx.governanceSchema, name].map(q).join(".");
}

export function rowFilterFunctionName(source: DataSource): string {
  return `${source.name}_row_filter`;
}

/** The masked value of each kind, for readers outside the PII groups, computed from `value` (SQL). */
export function maskedExpression(
  ctx: GovernanceSqlContext,
  kind: MaskKind,
  type: string,
  value = "value",
): string {
  switch (kind) {
    case "email":
      return `regexp_replace(${value}, '^[^@]*', '***')`;
    case "hash":
      return `sha2(concat(${secret(ctx, HASH_SALT_SECRET)}, ${value}), 256)`;
    case "last4":
      return `concat(repeat('*', greatest(length(${value}) - 4, 0)), right(${value}, 4))`;
    case "year_only":
      return type === "date"
        ? `make_date(year(${value}), 1, 1)`
        : `CAST(make_date(year(${value}), 1, 1) AS TIMESTAMP)`;
    case "redact":
      return type === "string" ? "'[REDACTED]'" : `CAST(NULL AS ${type.toUpperCase()})`;
  }
}

/**
 * Whether the masked value needs a secret (the hash salt, or the key to decrypt before masking). Those are
 * computed by the pipeline, which may read the secret scope, into a companion column the mask returns:
 * `secret()` in a mask would run for readers outside the PII groups, who may not read the scope.
 */
export function storesMaskedValue(column: SourceColumn): boolean {
  const kind = column.mask ?? "redact";
  return kind === "hash" || (column.encrypt && kind !== "redact");
}

/** The companion column of a PII column whose masked value the pipeline stores (never a source column). */
export const maskedColumnName = (column: SourceColumn) => `_${column.name}_masked`;

/** Decrypts an encrypted column's base64 AES-GCM ciphertext (SQL expression over `value`). */
export function decryptExpression(ctx: GovernanceSqlContext, value: string): string {
  return `CAST(aes_decrypt(unbase64(${value}), ${secret(ctx, ENCRYPTION_KEY_SECRET)}, 'GCM') AS STRING)`;
}

/** How the pipeline creates a source's datasets: streams (Event Hubs, files) or snapshots (the replica). */
export function datasetKind(source: DataSource): "STREAMING TABLE" | "MATERIALIZED VIEW" {
  return source.source.kind === "sqlserver" ? "MATERIALIZED VIEW" : "STREAMING TABLE";
}

function piiReaders(ctx: GovernanceSqlContext, source: DataSource): string[] {
  return [...new Set([ctx.piiReadersGroup, ...source.access.piiReaders])];
}

const memberOfAny = (groups: readonly string[]) =>
  groups.map((g) => `is_account_group_member(${quoteString(g)})`).join(" OR ");

function maskFunction(ctx: GovernanceSqlContext, source: DataSource, column: SourceColumn): string {
  const type = column.encrypt ? "STRING" : column.type.toUpperCase();
  const clear = column.encrypt ? decryptExpression(ctx, "value") : "value";
  const stored = storesMaskedValue(column);
  // Masked values that need a secret come precomputed from the pipeline (USING COLUMNS).
  const hidden = stored ? "masked" : maskedExpression(ctx, column.mask ?? "redact", column.type);
  const what = `${column.mask}${column.encrypt ? " (encrypted)" : ""}`;
  return `CREATE OR REPLACE FUNCTION ${qualifiedFunction(ctx, maskFunctionName(source, column))}(value ${type}${stored ? ", masked STRING" : ""})
RETURNS ${type}
COMMENT ${quoteString(`Masks ${what} PII of ${source.name} for everyone outside its PII reader groups.`)}
RETURN CASE WHEN ${memberOfAny(piiReaders(ctx, source))} THEN ${clear} ELSE ${hidden} END;
`;
}

function rowFilterFunction(ctx: GovernanceSqlContext, source: DataSource): string | undefined {
  const filter = source.access.rowFilter;
  if (!filter) return undefined;
  const byGroup = Object.entries(filter.byGroup).map(
    ([group, values]) =>
      `(is_account_group_member(${quoteString(group)}) AND value IN (${values.map(quoteString).join(", ")}))`,
  );
  return `CREATE OR REPLACE FUNCTION ${qualifiedFunction(ctx, rowFilterFunctionName(source))}(value STRING)
RETURNS BOOLEAN
COMMENT ${quoteString(`Rows of ${source.name} each group may see, by ${filter.column}.`)}
RETURN ${[memberOfAny(ctx.unrestrictedGroups), ...byGroup].join("\n  OR ")};
`;
}

/** Every mask and row-filter function the sources need, each defined once. */
export function governanceFunctionsSql(sources: readonly DataSource[], ctx: GovernanceSqlContext): string {
  const statements = new Map<string, string>();
  for (const source of sources) {
    for (const column of source.tables.flatMap((t) => t.columns.filter((c) => c.pii))) {
      statements.set(maskFunctionName(source, column), maskFunction(ctx, source, column));
    }
    const filter = rowFilterFunction(ctx, source);
    if (filter) statements.set(rowFilterFunctionName(source), filter);
  }
  const header =
    "-- Mask and row-filter functions, generated from the source files by the lakehouse platform. Do not edit.\n";
  return [header, ...[...statements.keys()].sort().map((name) => statements.get(name))].join("\n");
}

/**
 * Governed tags of a source's PII tables and columns, with the statement of each table's type (pipeline
 * datasets are streaming tables or materialized views: `ALTER TABLE` does not apply to them). Run once the
 * pipeline has created the tables.
 */
export function governanceTagsSql(source: DataSource, ctx: GovernanceSqlContext): string {
  const alter = `ALTER ${datasetKind(source)}`;
  const lines = [
    `-- Governed tags of data source ${source.name}, generated by the lakehouse platform. Do not edit.`,
  ];
  for (const table of source.tables) {
    const pii = table.columns.filter((c) => c.pii);
    if (pii.length === 0) continue;
    const piiTable = [ctx.catalog, `${source.name}_pii`, table.name].map(q).join(".");
    lines.push(`${alter} ${piiTable} SET TAGS ('classification' = 'restricted');`);
    for (const schema of [`${source.name}_pii`, `${source.name}_silver`]) {
      const name = [ctx.catalog, schema, table.name].map(q).join(".");
      for (const column of pii) {
        lines.push(
          `${alter} ${name} ALTER COLUMN ${q(column.name)} SET TAGS ('pii' = ${quoteString(column.mask ?? "redact")}, 'classification' = 'restricted');`,
        );
      }
    }
  }
  return lines.join("\n") + "\n";
}
