import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  LineCounter,
  Pair,
  parseDocument,
  visit,
  YAMLMap,
} from "yaml";
import { z } from "zod";
import { groupName } from "./config";
import { quartzCronProblem } from "./cron";
import { displayPath, listSourceDir, readSourceText } from "./source-files";
import { nameCollisions } from "./source-names";
import { checkExpectationExpression, SQL_IDENTIFIER, SQL_WORDS } from "../sql/sql";
import {
  controlCharacter,
  describe,
  formatCharacter,
  formatPath,
  InvalidInputError,
  parseOrThrow,
} from "./validation";

export { displayPath } from "./source-files";

const identifier = z
  .string()
  .regex(
    SQL_IDENTIFIER,
    "must be lower_snake_case: a lowercase letter, then lowercase letters, digits or underscores, at most 63 characters",
  );

/** Spark SQL column types a source may declare; `decimal(p,s)` is checked for its precision and scale below. */
const COLUMN_TYPE =
  /^(string|boolean|tinyint|smallint|int|bigint|float|double|date|timestamp|binary|decimal\(\d{1,3},\d{1,3}\))$/;

/** Spark's DECIMAL: precision 1 to 38, scale 0 to the precision. */
const MAX_DECIMAL_PRECISION = 38;

/** Why a `decimal(p,s)` type is out of range, or undefined. */
function decimalProblem(type: string): string | undefined {
  const match = /^decimal\((\d+),(\d+)\)$/.exec(type);
  if (!match) return undefined;
  const [precision, scale] = [Number(match[1]), Number(match[2])];
  if (precision < 1 || precision > MAX_DECIMAL_PRECISION) {
    return `decimal precision must be 1 to ${MAX_DECIMAL_PRECISION} (got ${type})`;
  }
  return scale > precision
    ? `decimal scale must be 0 to the precision, ${precision} (got ${type})`
    : undefined;
}

/** Free text that ends up in SQL comments and Unity Catalog: printable lines, not blank, at most 1024 characters. */
const text = z
  .string()
  .max(1024)
  .superRefine((value, ctx) => {
    // Line breaks are fine inside a SQL string literal (and end every folded YAML block); nothing else is.
    const control = controlCharacter(value, "\n");
    const format = formatCharacter(value);
    if (control) {
      ctx.addIssue({
        code: "custom",
        message: `must not contain control characters (${control.codePoint} at position ${control.index + 1})`,
      });
    } else if (format) {
      ctx.addIssue({
        code: "custom",
        message: `must not contain invisible format characters such as bidirectional overrides (${format.codePoint} at position ${format.index + 1})`,
      });
    } else if (value.trim() === "") {
      ctx.addIssue({ code: "custom", message: "must not be empty or only whitespace" });
    }
  });

export const MASK_KINDS = ["redact", "email", "hash", "last4", "year_only"] as const;
export type MaskKind = (typeof MASK_KINDS)[number];

/** Column types each mask kind can mask (`redact` masks any type). */
const MASK_TYPES: Record<MaskKind, RegExp | undefined> = {
  redact: undefined,
  email: /^string$/,
  hash: /^string$/,
  last4: /^string$/,
  year_only: /^(date|timestamp)$/,
};
const MASK_TYPE_HINT: Record<MaskKind, string> = {
  redact: "any type",
  email: "string columns only",
  hash: "string columns only",
  last4: "string columns only",
  year_only: "date or timestamp columns only",
};

/** A column's name: an identifier that expectations cannot mistake for SQL (see SQL_WORDS). */
const columnName = identifier.superRefine((name, ctx) => {
  if (SQL_WORDS.has(name)) {
    ctx.addIssue({
      code: "custom",
      message: `"${name}" is a SQL keyword or reserved word, which an expectation would read as SQL rather than as this column; rename the column (for example ${name}_value)`,
    });
  }
});

const column = z
  .strictObject({
    name: columnName,
    type: z
      .string()
      .regex(
        COLUMN_TYPE,
        "must be a Spark SQL type: string, boolean, tinyint, smallint, int, bigint, float, double, date, timestamp, binary or decimal(p,s)",
      ),
    description: text.optional(),
    /** Personal data: stored only in the source's `<source>_pii` schema and masked everywhere else. */
    pii: z.boolean().default(false),
    /** How the column is masked for readers outside the PII groups; PII columns default to `redact`. */
    mask: z.enum(MASK_KINDS).optional(),
    /** Encrypted at rest in bronze with a key from the Key Vault-backed secret scope. */
    encrypt: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
    const decimal = decimalProblem(c.type);
    if (decimal) ctx.addIssue({ code: "custom", path: ["type"], message: decimal });
    const allowed = c.mask === undefined ? undefined : MASK_TYPES[c.mask];
    if (c.mask !== undefined && allowed && !allowed.test(c.type)) {
      ctx.addIssue({
        code: "custom",
        path: ["mask"],
        message: `"${c.mask}" cannot mask a ${c.type} column (${MASK_TYPE_HINT[c.mask]})`,
      });
    }
    if (c.encrypt && c.type !== "string") {
      ctx.addIssue({
        code: "custom",
        path: ["encrypt"],
        message: `is only allowed on string columns (got ${c.type})`,
      });
    }
    if (!c.pii && c.mask !== undefined) {
      ctx.addIssue({ code: "custom", path: ["mask"], message: "is only allowed on a column with pii: true" });
    }
    if (!c.pii && c.encrypt) {
      ctx.addIssue({
        code: "custom",
        path: ["encrypt"],
        message: "is only allowed on a column with pii: true",
      });
    }
  })
  .transform((c) => ({ ...c, mask: c.pii ? (c.mask ?? "redact") : undefined }));

const expectation = z.strictObject({
  name: identifier,
  /** A boolean SQL expression over the table's columns (checked by `checkExpectationExpression`). */
  expr: z.string().min(1),
  onViolation: z.enum(["warn", "drop", "fail"]).default("warn"),
});

/** Reports every item whose `name` an earlier item of the same list already has. */
function refuseDuplicateNames(
  items: readonly { name: string }[],
  field: string,
  what: string,
  ctx: z.RefinementCtx,
): void {
  const seen = new Set<string>();
  items.forEach((item, i) => {
    if (seen.has(item.name)) {
      ctx.addIssue({
        code: "custom",
        path: [field, i, "name"],
        message: `duplicates ${what} "${item.name}"`,
      });
    }
    seen.add(item.name);
  });
}

export const AGGREGATE_FUNCTIONS = ["count", "count_distinct", "sum", "avg", "min", "max"] as const;

const NUMERIC_TYPE = /^(tinyint|smallint|int|bigint|float|double|decimal\(.*\))$/;

/** A gold aggregate: a materialized view over the table's silver data. */
const aggregate = z.strictObject({
  name: identifier,
  description: text.optional(),
  /** Date or timestamp column bucketed into `grain` periods (the view's first column, `period`). */
  timeBucket: z
    .strictObject({ column: identifier, grain: z.enum(["hour", "day", "week", "month"]) })
    .optional(),
  groupBy: z.array(identifier).default([]),
  measures: z
    .array(
      z.strictObject({ name: identifier, fn: z.enum(AGGREGATE_FUNCTIONS), column: identifier.optional() }),
    )
    .min(1),
});

const table = z
  .strictObject({
    name: identifier,
    description: text.optional(),
    /** Table in the OLTP database (sqlserver sources), `schema.table`; defaults to `dbo.<name>`. */
    sourceTable: z
      .string()
      .regex(
        /^[A-Za-z_][A-Za-z0-9_]{0,127}\.[A-Za-z_][A-Za-z0-9_]{0,127}$/,
        "must be schema.table, for example dbo.Players",
      )
      .optional(),
    /**
     * Column that orders a row's versions (for example a modified-at timestamp): silver keeps the latest per
     * key, and gold's default count of a replica table is per day of it. Replica tables are re-read whole.
     */
    watermarkColumn: identifier.optional(),
    primaryKey: z.array(identifier).min(1),
    columns: z.array(column).min(1),
    expectations: z.array(expectation).default([]),
    /** Gold materialized views; without any, gold gets a daily row count of the table. */
    aggregates: z.array(aggregate).default([]),
  })
  .superRefine((t, ctx) => {
    refuseDuplicateNames(t.columns, "columns", "column", ctx);
    refuseDuplicateNames(t.expectations, "expectations", "expectation", ctx);
    const columns = new Map(t.columns.map((c) => [c.name, c]));
    t.primaryKey.forEach((key, i) => {
      const message = !columns.has(key)
        ? `"${key}" is not a column of this table`
        : columns.get(key)?.pii
          ? `"${key}" is a pii column; the primary key joins bronze to the PII schema and must not be personal data`
          : undefined;
      if (message) ctx.addIssue({ code: "custom", path: ["primaryKey", i], message });
    });
    if (t.watermarkColumn !== undefined) {
      const message = !columns.has(t.watermarkColumn)
        ? `"${t.watermarkColumn}" is not a column of this table`
        : columns.get(t.watermarkColumn)?.pii
          ? `"${t.watermarkColumn}" is a pii column; the watermark orders silver rows, which hold no PII`
          : undefined;
      if (message) ctx.addIssue({ code: "custom", path: ["watermarkColumn"], message });
    }
    // Expectations run in silver and aggregates build gold, where PII columns are not present.
    const nonPii = new Set(t.columns.filter((c) => !c.pii).map((c) => c.name));
    const piiOnly = (name: string) => columns.get(name)?.pii === true;
    t.expectations.forEach((e, i) => {
      const problem = checkExpectationExpression(e.expr, nonPii);
      const pii = problem && /^refers to "(.*)", which/.exec(problem)?.[1];
      const message =
        pii && piiOnly(pii)
          ? `refers to "${pii}", a pii column: expectations run in silver, which holds no PII`
          : problem;
      if (message) ctx.addIssue({ code: "custom", path: ["expectations", i, "expr"], message });
    });
    refuseDuplicateNames(t.aggregates, "aggregates", "aggregate", ctx);
    t.aggregates.forEach((a, i) => {
      const check = (name: string, path: (string | number)[], numeric = false) => {
        const column = columns.get(name);
        const message = !column
          ? `"${name}" is not a column of this table`
          : column.pii
            ? `"${name}" is a pii column; gold holds no PII`
            : numeric && !NUMERIC_TYPE.test(column.type)
              ? `"${name}" is ${column.type}; this function needs a numeric column`
              : undefined;
        if (message) ctx.addIssue({ code: "custom", path: ["aggregates", i, ...path], message });
      };
      if (a.timeBucket) {
        const bucketed = columns.get(a.timeBucket.column);
        if (bucketed && !bucketed.pii && !/^(date|timestamp)$/.test(bucketed.type)) {
          ctx.addIssue({
            code: "custom",
            path: ["aggregates", i, "timeBucket", "column"],
            message: `"${a.timeBucket.column}" is ${bucketed.type}; a time bucket needs a date or timestamp column`,
          });
        } else {
          check(a.timeBucket.column, ["timeBucket", "column"]);
        }
      }
      a.groupBy.forEach((name, j) => check(name, ["groupBy", j]));
      a.measures.forEach((m, j) => {
        if (m.column === undefined && m.fn !== "count") {
          ctx.addIssue({
            code: "custom",
            path: ["aggregates", i, "measures", j, "column"],
            message: `is required for ${m.fn}`,
          });
        } else if (m.column !== undefined) {
          check(m.column, ["measures", j, "column"], m.fn === "sum" || m.fn === "avg");
        }
      });
    });
  });

/** Quartz cron, as Databricks job schedules take it (checked by cron-validate, see cron.ts). */
const quartzCron = z.string().superRefine((cron, ctx) => {
  const problem = quartzCronProblem(cron);
  if (problem) ctx.addIssue({ code: "custom", message: `${problem} (got ${describe(cron)})` });
});

/** Fields of `source` per kind; a field of another kind is named as such, not as an unknown field. */
const SOURCE_KINDS = {
  sqlserver: {
    kind: z.literal("sqlserver"),
    /** Batch schedule; sqlserver sources always read the read replica, never the primary. */
    schedule: quartzCron.optional(),
  },
  eventhub: {
    kind: z.literal("eventhub"),
    partitions: z.number().int().min(1).max(32).default(2),
    retentionHours: z.number().int().min(1).max(168).default(24),
  },
  files: {
    kind: z.literal("files"),
    format: z.enum(["csv", "json", "parquet", "avro"]),
    schedule: quartzCron.optional(),
  },
} as const;

/** `source.kind`s whose settings have `field`. */
const kindsWith = (field: string) =>
  Object.entries(SOURCE_KINDS)
    .filter(([, shape]) => field in shape)
    .map(([kind]) => kind);

/** Loose per kind, so a field of another kind gets its own message; the JSON Schema keeps them closed. */
export const SOURCE_KIND_SCHEMAS = [
  z.looseObject(SOURCE_KINDS.sqlserver),
  z.looseObject(SOURCE_KINDS.eventhub),
  z.looseObject(SOURCE_KINDS.files),
] as const;

const sourceSettings = z
  .discriminatedUnion("kind", SOURCE_KIND_SCHEMAS)
  .superRefine((settings, ctx) => {
    const shape = SOURCE_KINDS[settings.kind];
    for (const field of Object.keys(settings)) {
      if (field in shape) continue;
      const kinds = kindsWith(field);
      ctx.addIssue(
        kinds.length > 0
          ? {
              code: "custom",
              path: [field],
              message: `is only allowed when source.kind is ${kinds.join(" or ")} (this source's kind is ${settings.kind})`,
            }
          : { code: "unrecognized_keys", keys: [field], input: settings },
      );
    }
  })
  .transform((settings) => settings as SourceSettings);

/** What a valid `source` holds: exactly the fields of its kind. */
type SourceSettings = {
  [K in keyof typeof SOURCE_KINDS]: z.output<z.ZodObject<(typeof SOURCE_KINDS)[K]>>;
}[keyof typeof SOURCE_KINDS];

export const sourceSchema = z
  .strictObject({
    name: identifier,
    description: text.optional(),
    owner: z
      .string()
      .regex(/^[a-z][a-z0-9-]{1,62}$/, "must be a team slug: lowercase letters, digits and '-'"),
    mode: z.enum(["streaming", "batch"]),
    source: sourceSettings,
    tables: z.array(table).min(1),
    access: z.strictObject({
      readers: z.array(groupName).min(1),
      piiReaders: z.array(groupName).default([]),
      /**
       * Row-level security: members of a listed group see only the rows whose `column` holds one of its
       * values in silver; platform admins and data engineers see every row; anyone else sees none.
       */
      rowFilter: z
        .strictObject({
          column: identifier,
          byGroup: z.record(
            groupName,
            z
              .array(
                z
                  .string()
                  .regex(
                    /^[\w.-](?:[\w .-]{0,62}[\w.-])?$/,
                    "must be 1-64 letters, digits, spaces, '.', '_' or '-', not starting or ending with a space",
                  ),
              )
              .min(1),
          ),
        })
        .optional(),
    }),
  })
  .superRefine((s, ctx) => {
    const kind = s.source.kind;
    const allowed = s.mode === "streaming" ? ["eventhub", "files"] : ["sqlserver", "files"];
    if (!allowed.includes(kind)) {
      ctx.addIssue({
        code: "custom",
        path: ["source", "kind"],
        message: `must be ${allowed.join(" or ")} for a ${s.mode} source (got "${kind}")`,
      });
    }
    const schedule = "schedule" in s.source ? s.source.schedule : undefined;
    if (s.mode === "batch" && schedule === undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["source", "schedule"],
        message: "is required for a batch source",
      });
    }
    if (s.mode === "streaming" && schedule !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["source", "schedule"],
        message: "is not allowed on a streaming source (it runs continuously)",
      });
    }
    refuseDuplicateNames(s.tables, "tables", "table", ctx);
    if (kind !== "sqlserver") {
      s.tables.forEach((t, i) => {
        if (t.sourceTable !== undefined) {
          ctx.addIssue({
            code: "custom",
            path: ["tables", i, "sourceTable"],
            message: `is only allowed when source.kind is sqlserver (this source's kind is ${kind})`,
          });
        }
      });
    }
    const filter = s.access.rowFilter;
    if (filter) {
      const columns = s.tables.flatMap((t) => t.columns.filter((c) => c.name === filter.column));
      if (columns.length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["access", "rowFilter", "column"],
          message: `"${filter.column}" is not a column of any table`,
        });
      } else if (columns.some((c) => c.pii || c.type !== "string")) {
        ctx.addIssue({
          code: "custom",
          path: ["access", "rowFilter", "column"],
          message: `"${filter.column}" must be a string column without pii`,
        });
      }
      if (Object.keys(filter.byGroup).length === 0) {
        ctx.addIssue({
          code: "custom",
          path: ["access", "rowFilter", "byGroup"],
          message: "must name at least one group",
        });
      }
    }
    if (kind === "eventhub" && s.tables.length > 1) {
      ctx.addIssue({
        code: "custom",
        path: ["tables"],
        message:
          "must have exactly one table for an eventhub source (one hub per source); split it into several sources",
      });
    }
  });

export type DataSource = z.output<typeof sourceSchema> & {
  /** The file the source was read from, as shown in messages. */
  readonly file: string;
};
export type SourceTable = DataSource["tables"][number];
export type SourceColumn = SourceTable["columns"][number];
export type SourceAggregate = SourceTable["aggregates"][number];

/** Skipped entries a notice names one by one; the rest are counted. */
const MAX_NAMED_SKIPS = 10;

/** Most alias expansions a source file may use: the `yaml` package's guard against alias bombs. */
export const MAX_ALIAS_COUNT = 100;

type Range = [number, number, number];
const rangeOf = (node: unknown): Range | undefined => (node as { range?: Range } | null | undefined)?.range;

const pairIndex = new WeakMap<YAMLMap, Map<string, Pair>>();
/** A map's pairs by scalar key (the first of each), built once per map: lookups stay linear in the file. */
function pairsOf(map: YAMLMap): Map<string, Pair> {
  let index = pairIndex.get(map);
  if (!index) {
    index = new Map();
    for (const pair of map.items) {
      if (isScalar(pair.key) && !index.has(String(pair.key.value))) index.set(String(pair.key.value), pair);
    }
    pairIndex.set(map, index);
  }
  return index;
}

/**
 * Keys repeated in one map, each as its offset. One pass with a set per map: the `yaml` package's own
 * `uniqueKeys` check compares every key with every earlier one, quadratic in a map's size.
 */
function duplicateKeyOffsets(doc: Document): number[] {
  const offsets: number[] = [];
  visit(doc, {
    Map(_, map) {
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        // Equal as the package compares them: the same node, or scalars of the same value.
        const key = isScalar(pair.key) ? pair.key.value : pair.key;
        if (seen.has(key)) offsets.push(rangeOf(pair.key)?.[0] ?? rangeOf(map)?.[0] ?? 0);
        seen.add(key);
      }
    },
  });
  return offsets;
}

/** Most problems reported per source file; a file with more gets the first ones and a count. */
export const MAX_PROBLEMS_PER_FILE = 20;

function capped(shown: string, problems: readonly string[]): string[] {
  return problems.length <= MAX_PROBLEMS_PER_FILE
    ? [...problems]
    : [
        ...problems.slice(0, MAX_PROBLEMS_PER_FILE),
        `${shown}: and ${problems.length - MAX_PROBLEMS_PER_FILE} more problems`,
      ];
}

/**
 * Line and column (1-based) of the value at `at` in `doc` (of its key, with `onKey`: an unknown field), or
 * of its nearest ancestor that exists (a missing field is shown where its parent is).
 */
export function positionOf(
  doc: Document,
  lines: LineCounter,
  at: readonly PropertyKey[],
  onKey = false,
): { line: number; col: number } {
  let node: unknown = doc.contents;
  let offset = rangeOf(node)?.[0] ?? 0;
  for (const [i, key] of at.entries()) {
    if (isAlias(node)) node = node.resolve(doc);
    let next: unknown;
    if (isMap(node)) {
      const pair = pairsOf(node).get(String(key));
      if (!pair) break;
      if (onKey && i === at.length - 1) {
        offset = rangeOf(pair.key)?.[0] ?? offset;
        break;
      }
      next = pair.value ?? pair.key;
    } else if (isSeq(node) && typeof key === "number") {
      next = node.items[key];
    }
    const range = rangeOf(next);
    if (range === undefined) break;
    node = next;
    offset = range[0];
  }
  return lines.linePos(offset);
}

/** The place of a problem in a source file: `file:line:column: field`. */
function placeOf(shown: string, doc: Document, lines: LineCounter) {
  return (field: string, at: readonly PropertyKey[], onKey = false): string => {
    const { line, col } = positionOf(doc, lines, at, onKey);
    return `${shown}:${line}:${col}: ${field || "(file)"}`;
  };
}

/** A file's parsed YAML document with the positions of its nodes, for messages with line and column. */
export interface SourceDocument {
  readonly shown: string;
  readonly doc: Document;
  readonly lines: LineCounter;
}

/** The first line of an error message, printable and short. */
function firstLine(message: string): string {
  const line = message.split("\n")[0].replace(/[^\x20-\x7e]/g, "?");
  return line.length > 120 ? `${line.slice(0, 117)}...` : line;
}

/** Reads and validates one source file; throws `InvalidInputError` naming the file, line, column and field. */
export function parseSourceFile(file: string, text: string): DataSource {
  return parseSource(file, text).source;
}

function parseSource(file: string, text: string): { source: DataSource; document: SourceDocument } {
  try {
    return parseSourceUncapped(file, text);
  } catch (error) {
    if (!(error instanceof InvalidInputError)) throw error;
    throw new InvalidInputError(capped(displayPath(file), error.problems));
  }
}

function parseSourceUncapped(file: string, text: string): { source: DataSource; document: SourceDocument } {
  const shown = displayPath(file);
  const lines = new LineCounter();
  let doc: Document;
  let value: unknown;
  try {
    // Warnings (an unknown tag such as !foo) are refused like errors; "error" keeps the package quiet.
    doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines, logLevel: "error" });
    if (doc.errors.some((e) => /call stack/i.test(e.message))) {
      // The parser gave up on nesting; what it says after that is noise.
      throw new InvalidInputError([`${shown}: invalid YAML: collections nest too deeply`]);
    }
    const found = [...doc.errors, ...doc.warnings].map((e) => ({
      offset: e.pos[0],
      at: e.linePos?.[0],
      // The package's text for a second document tells the reader to call one of its functions.
      reason:
        e.code === "MULTIPLE_DOCS"
          ? "a source file is one YAML document; remove the '---' line and what follows, or split the file"
          : firstLine(e.message).replace(/ at line \d+, column \d+:?$/, ""),
    }));
    for (const offset of duplicateKeyOffsets(doc)) {
      found.push({ offset, at: lines.linePos(offset), reason: "Map keys must be unique" });
    }
    if (found.length > 0) {
      throw new InvalidInputError(
        found
          .sort((a, b) => a.offset - b.offset)
          .map(({ at, reason }) => `${shown}${at ? `:${at.line}:${at.col}` : ""}: invalid YAML: ${reason}`),
      );
    }
    value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (error) {
    if (error instanceof InvalidInputError) throw error;
    // The yaml package refuses alias bombs with a ReferenceError; anything else it throws is reported too.
    throw new InvalidInputError([
      /alias count/i.test((error as Error).message)
        ? `${shown}: invalid YAML: its aliases expand to more than ${MAX_ALIAS_COUNT} copies (an alias bomb?); write the values out`
        : error instanceof RangeError
          ? `${shown}: invalid YAML: collections nest too deeply`
          : `${shown}: invalid YAML: ${firstLine((error as Error).message)}`,
    ]);
  }
  const place = placeOf(shown, doc, lines);
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new InvalidInputError([
      `${place("", [])}: must be a YAML mapping with the fields name, owner, mode, source, tables and access (got ${value === null ? "an empty document" : describe(value)})`,
    ]);
  }
  const source = parseOrThrow(sourceSchema, value, place);
  const expected = `${source.name}.yaml`;
  if (path.basename(file) !== expected && path.basename(file) !== `${source.name}.yml`) {
    throw new InvalidInputError([
      `${place("name", ["name"])}: "${source.name}" must match the file name (${expected})`,
    ]);
  }
  return { source: { ...source, file: shown }, document: { shown, doc, lines } };
}

/**
 * Loads every `*.yaml` / `*.yml` file of `dirs` as a data source. All problems of all files are reported
 * together, and nothing is returned unless every file is valid and every name the sources make is unique.
 * Entries that are not source files are passed to `notify`, so nothing is skipped silently.
 */
export function loadSources(
  dirs: readonly string[],
  notify: (message: string) => void = (message) => void pulumi.log.warn(message),
): DataSource[] {
  const problems: string[] = [];
  const loaded: { source: DataSource; document: SourceDocument }[] = [];
  for (const dir of dirs) {
    const listing = listSourceDir(dir);
    problems.push(...listing.problems);
    if (listing.skipped.length > 0) {
      const shown = listing.skipped.slice(0, MAX_NAMED_SKIPS);
      const more = listing.skipped.length - shown.length;
      notify(
        `sources: skipped (not .yaml or .yml source files): ${shown.join(", ")}${more > 0 ? ` and ${more} more` : ""}`,
      );
    }
    if (listing.files.length === 0 && listing.problems.length === 0) {
      problems.push(
        `${displayPath(dir)}: sources directory has no source files (<name>.yaml); add one, or name another directory (lakehouse:sourcesDirs, or the plan's --sources)`,
      );
    }
    for (const file of listing.files) {
      const read = readSourceText(file);
      if ("problem" in read) {
        problems.push(read.problem);
        continue;
      }
      try {
        loaded.push(parseSource(file, read.text));
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        problems.push(...error.problems);
      }
    }
  }
  problems.push(...sourceNameCollisions(loaded));
  if (problems.length > 0) {
    throw new InvalidInputError(problems);
  }
  return loaded.map((l) => l.source).sort((a, b) => a.name.localeCompare(b.name));
}

/** Two sources with one name (reported once), then every other name two sources or fields end up sharing. */
function sourceNameCollisions(loaded: readonly { source: DataSource; document: SourceDocument }[]): string[] {
  const problems: string[] = [];
  const place = (l: { document: SourceDocument }, at: readonly PropertyKey[]) => {
    const { line, col } = positionOf(l.document.doc, l.document.lines, at);
    return `${l.document.shown}:${line}:${col}: ${formatPath(at)}`;
  };
  const byName = new Map<string, (typeof loaded)[number]>();
  const unique = loaded.filter((l) => {
    const first = byName.get(l.source.name);
    if (first === undefined) {
      byName.set(l.source.name, l);
      return true;
    }
    problems.push(
      `${place(l, ["name"])}: "${l.source.name}" is already the name of another source (${place(first, ["name"])})`,
    );
    return false;
  });
  problems.push(
    ...nameCollisions(
      unique.map((l) => l.source),
      (index, at) => place(unique[index], at),
    ),
  );
  return problems;
}
