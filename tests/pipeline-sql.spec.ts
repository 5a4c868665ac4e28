import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { pipelineSql, PipelineSqlContext } from "../components/pipeline-sql";
import { loadSources, parseSourceFile } from "../components/sources";
import { PROJECT_DIR } from "./support/plan";

const SNAPSHOTS = path.join(__dirname, "snapshots");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";

export const SQL_CONTEXT: PipelineSqlContext = {
  catalog: "lh_dev",
  replicaCatalog: "lh_dev_replica",
  landingUrl: "abfss://landing@stlhlakedevweu1234.dfs.core.windows.net/",
  eventHubs: {
    bootstrapServers: "evhns-lh-dev-weu-1234.servicebus.windows.net:9093",
    credential: "lh_dev_eventhubs",
  },
};

const sources = loadSources([path.join(PROJECT_DIR, "sources")]);

describe("generated pipeline SQL", () => {
  for (const source of sources) {
    for (const layer of ["bronze", "silver", "gold"] as const) {
      it(`matches the reviewed ${layer} SQL of ${source.name} (UPDATE_SNAPSHOTS=1 to accept a change)`, () => {
        const file = path.join(SNAPSHOTS, `${source.name}.${layer}.sql`);
        const sql = pipelineSql(source, SQL_CONTEXT)[layer];
        if (UPDATE) fs.writeFileSync(file, sql);
        assert.strictEqual(sql, fs.readFileSync(file, "utf8"));
      });
    }
  }

  it("keeps PII columns out of bronze, silver and gold, and puts them, keyed, in the PII schema", () => {
    for (const source of sources) {
      const sql = pipelineSql(source, SQL_CONTEXT);
      for (const table of source.tables) {
        const pii = table.columns.filter((c) => c.pii).map((c) => c.name);
        const statement = (text: string, target: string) =>
          text.split(";").find((s) => s.includes(`${target}\n`) || s.includes(`${target} (`)) ?? "";
        const bronze = statement(sql.bronze, `\`${source.name}_bronze\`.\`${table.name}\``);
        assert.ok(bronze.length > 0, `no bronze table for ${table.name}`);
        for (const column of pii) {
          assert.ok(!bronze.includes(`\`${column}\``), `${column} reaches ${source.name}_bronze`);
          assert.ok(!sql.silver.includes(`\`${column}\``), `${column} reaches silver`);
          assert.ok(!sql.gold.includes(`\`${column}\``), `${column} reaches gold`);
        }
        const piiTable = statement(sql.bronze, `\`${source.name}_pii\`.\`${table.name}\``);
        if (pii.length > 0) {
          assert.match(
            piiTable,
            new RegExp(
              `AS SELECT ${[...table.primaryKey, ...pii, "_ingested_at"].map((c) => `\`${c}\``).join(", ")}\n`,
            ),
          );
        } else {
          assert.strictEqual(piiTable, "", `${table.name} has no PII but a PII table`);
        }
      }
    }
  });

  it("reads every sqlserver source from the replica's foreign catalog", () => {
    const registry = sources.find((s) => s.name === "registry");
    const sql = pipelineSql(registry!, SQL_CONTEXT).bronze;
    assert.deepStrictEqual(sql.match(/FROM `[^`]+`\.`[^`]+`\.`[^`]+`;/g), [
      "FROM `lh_dev_replica`.`dbo`.`Players`;",
      "FROM `lh_dev_replica`.`dbo`.`Clubs`;",
    ]);
  });

  it("escapes text from source files in literals and comments", () => {
    const source = parseSourceFile(
      path.join(process.cwd(), "sources/hostile.yaml"),
      `name: hostile
owner: red-team
mode: batch
source: { kind: files, format: csv, schedule: "0 0 1 * * ?" }
tables:
  - name: t
    primaryKey: [id]
    columns: [{ name: id, type: bigint }]
    aggregates:
      - name: a
        description: "x'); DROP TABLE y; --\\\\"
        measures: [{ name: n, fn: count }]
access: { readers: [analysts] }
`,
    );
    const gold = pipelineSql(source, SQL_CONTEXT).gold;
    assert.ok(gold.includes("COMMENT 'x\\'); DROP TABLE y; --\\\\'\n"), gold);
  });

  it("refuses an eventhub source when the platform has no Event Hubs namespace", () => {
    const transfers = sources.find((s) => s.name === "transfers")!;
    assert.throws(() => pipelineSql(transfers, { ...SQL_CONTEXT, eventHubs: undefined }), {
      message: "source transfers reads Event Hubs, but the platform has no Event Hubs namespace",
    });
  });
});
