// The documented rules the generated SQL must keep, stated over the SQL itself (not its current text), each
// with a test that reverts its fix and sees the failure:
// - Kafka source: queries that share a consumer group (kafka.group.id) interfere; one group per query, or none.
// - AUTO CDC: every key column of the target must be non-null; rows with a null key are dropped before it.
// - Tags on pipeline datasets: ALTER STREAMING TABLE / ALTER MATERIALIZED VIEW, by the dataset's type.
import * as assert from "assert";
import * as path from "path";
import { governanceTagsSql } from "../sql/governance-sql";
import { pipelineSql, PipelineSql } from "../sql/pipeline-sql";
import { loadSources } from "../config/sources";
import { SQL_CONTEXT } from "./support/sql-context";
import { PROJECT_DIR } from "./support/plan";

const sources = loadSources([path.join(PROJECT_DIR, "sources")]);
const generated = new Map(sources.map((s) => [s.name, pipelineSql(s, SQL_CONTEXT)]));
const all = (sql: PipelineSql) => [sql.bronze, sql.silver, sql.gold].join("\n");

/** Consumer groups read by more than one streaming query (a Kafka view is read once per `STREAM(view)`). */
export function sharedConsumerGroups(sql: string): string[] {
  const problems: string[] = [];
  const queriesByGroup = new Map<string, string[]>();
  const views = sql.matchAll(/CREATE TEMPORARY VIEW `([^`]+)` AS\n([\s\S]*?)\n\);\n/g);
  for (const [, view, body] of views) {
    if (!body.includes("read_kafka(")) continue;
    const group = /`kafka\.group\.id` => '([^']*)'/.exec(body)?.[1];
    if (group === undefined) continue;
    const readers = sql.split(`STREAM(\`${view}\`)`).length - 1;
    const queries = queriesByGroup.get(group) ?? [];
    queries.push(...Array.from({ length: readers }, () => view));
    queriesByGroup.set(group, queries);
  }
  for (const [group, queries] of queriesByGroup) {
    if (queries.length > 1) {
      problems.push(`consumer group '${group}' is shared by ${queries.length} streaming queries`);
    }
  }
  return problems;
}

/** AUTO CDC keys that reach the target without a non-null expectation that drops or fails the row. */
export function unguardedCdcKeys(silver: string): string[] {
  const problems: string[] = [];
  const flows = silver.matchAll(/AUTO CDC INTO (\S+)\nFROM STREAM\(`([^`]+)`\)\nKEYS \(([^)]*)\)/g);
  for (const [, target, view, keys] of flows) {
    const definition =
      new RegExp(`CREATE TEMPORARY VIEW \`${view}\`([\\s\\S]*?)\\nAS SELECT`).exec(silver)?.[1] ?? "";
    for (const key of keys.split(",").map((k) => k.trim().replace(/`/g, ""))) {
      const guard = new RegExp(`EXPECT \\(\`?${key}\`? IS NOT NULL\\) ON VIOLATION (DROP ROW|FAIL UPDATE)`);
      if (!guard.test(definition)) problems.push(`${target} key ${key} may be null`);
    }
  }
  return problems;
}

/** Tag statements whose ALTER does not match the type the pipeline creates the dataset as. */
export function mistypedTagStatements(tags: string, pipeline: string): string[] {
  const problems: string[] = [];
  for (const [, kind, name] of tags.matchAll(/^ALTER (TABLE|STREAMING TABLE|MATERIALIZED VIEW) (\S+) /gm)) {
    const created = new RegExp(
      `CREATE OR REFRESH (STREAMING TABLE|MATERIALIZED VIEW) ${name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}\\s`,
    ).exec(pipeline)?.[1];
    if (created !== kind) {
      problems.push(`ALTER ${kind} ${name}: the pipeline creates it as ${created ?? "nothing"}`);
    }
  }
  return problems;
}

describe("generated SQL keeps the documented rules", () => {
  describe("every streaming read has its own Kafka consumer group, or none", () => {
    it("holds for every shipped source", () => {
      for (const [name, sql] of generated) {
        assert.deepStrictEqual(sharedConsumerGroups(all(sql)), [], name);
      }
    });

    it("fails when the three queries of a stream share kafka.group.id (the reverted fix)", () => {
      const sql = all(generated.get("transfers") as PipelineSql).replace(
        "    startingOffsets => 'earliest',\n",
        "    startingOffsets => 'earliest',\n    `kafka.group.id` => 'databricks',\n",
      );
      // Bronze, the PII table and silver each read the Kafka view.
      assert.deepStrictEqual(sharedConsumerGroups(sql), [
        "consumer group 'databricks' is shared by 3 streaming queries",
      ]);
    });
  });

  describe("every AUTO CDC key is guarded against nulls", () => {
    it("holds for every shipped source, keys without an expectation of their own included", () => {
      for (const [name, sql] of generated) {
        assert.deepStrictEqual(unguardedCdcKeys(sql.silver), [], name);
      }
    });

    it("fails without the generated key expectations (the reverted fix)", () => {
      const silver = (generated.get("match_stats") as PipelineSql).silver
        .split("\n")
        .filter((line) => !line.includes("_key_not_null"))
        .join("\n");
      // `matches` declares its own drop expectation on match_id; player_match_stats declares none.
      assert.deepStrictEqual(unguardedCdcKeys(silver), [
        "`lh_dev`.`match_stats_silver`.`player_match_stats` key match_id may be null",
        "`lh_dev`.`match_stats_silver`.`player_match_stats` key player_id may be null",
      ]);
    });
  });

  describe("tags on pipeline datasets use the statement of their type", () => {
    it("holds for every shipped source with PII", () => {
      for (const source of sources) {
        const tags = governanceTagsSql(source, SQL_CONTEXT);
        assert.deepStrictEqual(
          mistypedTagStatements(tags, all(generated.get(source.name) as PipelineSql)),
          [],
        );
      }
    });

    it("fails with ALTER TABLE on streaming tables and materialized views (the reverted fix)", () => {
      const registry = sources.find((s) => s.name === "registry")!;
      const transfers = sources.find((s) => s.name === "transfers")!;
      const revert = (sql: string) =>
        sql.replace(/^ALTER (STREAMING TABLE|MATERIALIZED VIEW) /gm, "ALTER TABLE ");
      for (const [source, created] of [
        [registry, "MATERIALIZED VIEW"],
        [transfers, "STREAMING TABLE"],
      ] as const) {
        const reverted = revert(governanceTagsSql(source, SQL_CONTEXT));
        const statements = reverted.split("\n").filter((line) => line.startsWith("ALTER TABLE "));
        // Every statement is reported, each with the type the pipeline creates the dataset as.
        assert.deepStrictEqual(
          mistypedTagStatements(reverted, all(generated.get(source.name) as PipelineSql)),
          statements.map(
            (line) => `ALTER TABLE ${line.split(" ")[2]}: the pipeline creates it as ${created}`,
          ),
        );
        assert.ok(statements.length > 0);
      }
    });
  });
});
