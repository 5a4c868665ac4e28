import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { z } from "zod";
import { groupName } from "./config";
import { checkExpectationExpression, SQL_IDENTIFIER } from "./sql";
import { InvalidInputError, parseOrThrow } from "./validation";

const identifier = z
  .string()
  .regex(
    SQL_IDENTIFIER,
    "must be lower_snake_case: a lowercase letter, then lowercase letters, digits or underscores, at most 63 characters",
  );

/** Spark SQL column types a source may declare. */
const COLUMN_TYPE =
  /^(string|boolean|tinyint|smallint|int|bigint|float|double|date|timestamp|binary|decimal\((?:[1-9]|[1-3]\d),(?:\d|[1-3]\d)\))$/;

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

const column = z
  .strictObject({
    name: identifier,
    type: z
      .string()
      .regex(
        COLUMN_TYPE,
        "must be a Spark SQL type: string, boolean, tinyint, smallint, int, bigint, float, double, date, timestamp, binary or decimal(p,s)",
      ),
    description: z.string().max(1024).optional(),
    /** Personal data: stored only in the source's `<source>_pii` schema and masked everywhere else. */
    pii: z.boolean().default(false),
    /** How the column is masked for readers outside the PII groups; PII columns default to `redact`. */
    mask: z.enum(MASK_KINDS).optional(),
    /** Encrypted at rest in bronze with a key from the Key Vault-backed secret scope. */
    encrypt: z.boolean().default(false),
  })
  .superRefine((c, ctx) => {
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
  description: z.string().max(1024).optional(),
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
    description: z.string().max(1024).optional(),
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
    if (t.watermarkColumn !== undefined && !columns.has(t.watermarkColumn)) {
      ctx.addIssue({
        code: "custom",
        path: ["watermarkColumn"],
        message: `"${t.watermarkColumn}" is not a column of this table`,
      });
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
      if (a.timeBucket) check(a.timeBucket.column, ["timeBucket", "column"]);
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

/** Quartz cron (Databricks job schedules): 6 or 7 fields, and exactly one of day-of-month / day-of-week is `?`. */
const quartzCron = z.string().superRefine((cron, ctx) => {
  const fields = cron.trim().split(/\s+/);
  const field = /^[0-9A-Z*?/,#LW-]+$/;
  if (fields.length < 6 || fields.length > 7 || !fields.every((f) => field.test(f))) {
    ctx.addIssue({
      code: "custom",
      message: 'must be a Quartz cron expression with 6 or 7 fields, for example "0 0 2 * * ?"',
    });
  } else if ((fields[3] === "?") === (fields[5] === "?")) {
    ctx.addIssue({
      code: "custom",
      message: "must have '?' in exactly one of day-of-month (4th) and day-of-week (6th)",
    });
  }
});

const sourceSettings = z.discriminatedUnion("kind", [
  z.strictObject({
    kind: z.literal("sqlserver"),
    /** Batch schedule; sqlserver sources always read the read replica, never the primary. */
    schedule: quartzCron.optional(),
  }),
  z.strictObject({
    kind: z.literal("eventhub"),
    partitions: z.number().int().min(1).max(32).default(2),
    retentionHours: z.number().int().min(1).max(168).default(24),
  }),
  z.strictObject({
    kind: z.literal("files"),
    format: z.enum(["csv", "json", "parquet", "avro"]),
    schedule: quartzCron.optional(),
  }),
]);

export const sourceSchema = z
  .strictObject({
    name: identifier,
    description: z.string().max(1024).optional(),
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
                z.string().regex(/^[\w .-]{1,64}$/, "must be 1-64 letters, digits, spaces, '.', '_' or '-'"),
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

/** Where a file is shown in messages: relative to the working directory when it is below it. */
export function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith("..") || path.isAbsolute(relative) ? file : relative;
}

/** Reads and validates one source file; throws `InvalidInputError` naming the file and the field. */
export function parseSourceFile(file: string, text: string): DataSource {
  const shown = displayPath(file);
  const doc = parseDocument(text, { uniqueKeys: true });
  if (doc.errors.length > 0) {
    throw new InvalidInputError(
      doc.errors.map((e) => {
        const line = e.linePos?.[0];
        const reason = e.message.split("\n")[0].replace(/ at line \d+, column \d+:?$/, "");
        return `${shown}: invalid YAML${line ? ` at line ${line.line}, column ${line.col}` : ""}: ${reason}`;
      }),
    );
  }
  const source = parseOrThrow(sourceSchema, doc.toJS(), (field) => `${shown}: ${field || "(file)"}`);
  const expected = `${source.name}.yaml`;
  if (path.basename(file) !== expected && path.basename(file) !== `${source.name}.yml`) {
    throw new InvalidInputError([`${shown}: name: "${source.name}" must match the file name (${expected})`]);
  }
  return { ...source, file: shown };
}

/**
 * Loads every `*.yaml` / `*.yml` file of `dirs` as a data source. All problems of all files are reported
 * together, and nothing is returned unless every file is valid and every source name is unique.
 */
export function loadSources(dirs: readonly string[]): DataSource[] {
  const problems: string[] = [];
  const sources: DataSource[] = [];
  for (const dir of dirs) {
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) {
      problems.push(`${displayPath(dir)}: sources directory does not exist`);
      continue;
    }
    const files = fs
      .readdirSync(dir)
      .filter((f) => /\.ya?ml$/.test(f))
      .sort();
    for (const file of files) {
      const full = path.join(dir, file);
      try {
        sources.push(parseSourceFile(full, fs.readFileSync(full, "utf8")));
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        problems.push(...error.problems);
      }
    }
  }
  const seen = new Map<string, string>();
  for (const source of sources) {
    const first = seen.get(source.name);
    if (first !== undefined) {
      problems.push(`${source.file}: name: "${source.name}" is already used by ${first}`);
    }
    seen.set(source.name, first ?? source.file);
  }
  if (problems.length > 0) {
    throw new InvalidInputError(problems);
  }
  return sources.sort((a, b) => a.name.localeCompare(b.name));
}
