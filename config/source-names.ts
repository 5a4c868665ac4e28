// Every name a data source turns into (Unity Catalog schemas and views, storage paths, pipeline datasets,
// view columns), so two names that only collide after those transformations are refused with both origins.
import type { DataSource } from "./sources";
import { defaultAggregate } from "../sql/pipeline-sql";

/** One name a source makes, where it comes from in the file, and what it becomes. */
export interface DerivedName {
  /** The namespace names must be unique in, e.g. `storage path`; `scope` narrows it (one view's columns). */
  readonly space: string;
  readonly scope: string;
  readonly name: string;
  /** What the name is, for messages: `the storage root of schema registry_pii_bronze`. */
  readonly role: string;
  /** The field of the source file it comes from. */
  readonly at: readonly (string | number)[];
}

/** Tiers that get one schema (and one storage root in their container) per source. */
const TIERS = ["bronze", "silver", "gold"] as const;

/**
 * Datasets the pipeline of a source creates per table besides the table itself (see pipeline-sql.ts): the
 * ingest view, the checked view and the upsert flow. A table named like another's would be ambiguous.
 */
const PIPELINE_DATASETS = ["source", "checked", "upsert"] as const;

/** Same principal in Unity Catalog: group names compare without case and surrounding whitespace. */
export const principalKey = (name: string): string => name.trim().toLowerCase();

/**
 * The names one source makes. Sources are validated one by one first; this is what they share. Governance
 * functions (`<source>_mask_<kind>_<type>`, `<source>_row_filter`) are not listed: a source name is
 * lower_snake_case and no mask kind or type contains `mask` or `row_filter`, so they cannot collide.
 */
export function derivedNames(source: DataSource): DerivedName[] {
  const s = source.name;
  const names: DerivedName[] = [];
  const add = (space: string, name: string, role: string, at: (string | number)[], scope = "") =>
    names.push({ space, scope, name, role, at });
  const hasPii = source.tables.some((t) => t.columns.some((c) => c.pii));
  for (const tier of TIERS) {
    add("Unity Catalog schema", `${s}_${tier}`, `the ${tier} schema of source ${s}`, ["name"]);
    add("storage path", `${tier}/${s}`, `the storage root of schema ${s}_${tier}`, ["name"]);
  }
  if (hasPii) {
    add("Unity Catalog schema", `${s}_pii`, `the PII schema of source ${s}`, ["name"]);
    add("storage path", `bronze/${s}_pii`, `the storage root of schema ${s}_pii`, ["name"]);
  }
  source.tables.forEach((t, i) => {
    add("pipeline dataset", t.name, `table ${t.name}`, ["tables", i, "name"], s);
    for (const dataset of PIPELINE_DATASETS) {
      add(
        "pipeline dataset",
        `${t.name}_${dataset}`,
        `the ${dataset} dataset of table ${t.name}`,
        ["tables", i, "name"],
        s,
      );
    }
    t.primaryKey.forEach((key, k) =>
      add(
        "primary key column",
        key,
        `primary key column ${key}`,
        ["tables", i, "primaryKey", k],
        `${s}.${t.name}`,
      ),
    );
    if (t.aggregates.length === 0) {
      // The generator's own default, whose name depends on the source's kind and the table's watermark.
      const view = defaultAggregate(source, t);
      add("gold view", `${s}_gold.${view.name}`, `the default gold view of table ${t.name}`, [
        "tables",
        i,
        "name",
      ]);
    }
    t.aggregates.forEach((a, j) => {
      const view = `${s}_gold.${a.name}`;
      add("gold view", view, `aggregate ${a.name} of table ${t.name}`, [
        "tables",
        i,
        "aggregates",
        j,
        "name",
      ]);
      const scope = view;
      const at = ["tables", i, "aggregates", j] as (string | number)[];
      if (a.timeBucket)
        add("column of gold view", "period", "the time bucket column period", [...at, "timeBucket"], scope);
      a.groupBy.forEach((g, k) =>
        add("column of gold view", g, `group-by column ${g}`, [...at, "groupBy", k], scope),
      );
      a.measures.forEach((m, k) =>
        add("column of gold view", m.name, `measure ${m.name}`, [...at, "measures", k, "name"], scope),
      );
    });
  });
  const groups = (field: "readers" | "piiReaders", list: readonly string[]) =>
    list.forEach((g, k) =>
      add("group", principalKey(g), `${field} group "${g}"`, ["access", field, k], `${s}.${field}`),
    );
  groups("readers", source.access.readers);
  groups("piiReaders", source.access.piiReaders);
  Object.keys(source.access.rowFilter?.byGroup ?? {}).forEach((g) =>
    add(
      "group",
      principalKey(g),
      `row filter group "${g}"`,
      ["access", "rowFilter", "byGroup", g],
      `${s}.rowFilter`,
    ),
  );
  return names;
}

/**
 * Pairs of derived names that collide: the later one first, then the one it collides with. `place`
 * shows where a name comes from (`sources/a.yaml:3:7: tables[0].name`).
 */
export function nameCollisions(
  sources: readonly DataSource[],
  place: (source: number, at: readonly (string | number)[]) => string,
): string[] {
  const seen = new Map<string, { source: number; name: DerivedName }>();
  const reported = new Set<string>();
  const problems: string[] = [];
  sources.forEach((source, index) => {
    for (const name of derivedNames(source)) {
      const key = JSON.stringify([name.space, name.scope, name.name]);
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, { source: index, name });
        continue;
      }
      // One message per pair of fields (a source name makes several schemas and paths).
      const pair = JSON.stringify([index, name.at, first.source, first.name.at]);
      if (!reported.has(pair)) {
        reported.add(pair);
        problems.push(
          `${place(index, name.at)}: ${name.space} "${name.name}" (${name.role}) is also ${first.name.role} (${place(first.source, first.name.at)}); rename one`,
        );
      }
    }
  });
  return problems;
}
