import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { storesMaskedValue } from "../sql/governance-sql";
import { pipelineSql } from "../sql/pipeline-sql";
import { loadSources, parseSourceFile } from "../config/sources";
import { PROJECT_DIR } from "./support/plan";
import { SQL_CONTEXT } from "./support/sql-context";

const SNAPSHOTS = path.join(__dirname, "snapshots");
const UPDATE = process.env.UPDATE_SNAPSHOTS === "1";

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

  it("keeps PII out of bronze and gold, puts it keyed in the PII schema, and masks every PII column of silver", () => {
    for (const source of sources) {
      const sql = pipelineSql(source, SQL_CONTEXT);
      const statement = (text: string, target: string) =>
        text.split(";").find((s) => s.includes(`${target}\n`) || s.includes(`${target} (`)) ?? "";
      for (const table of source.tables) {
        const pii = table.columns.filter((c) => c.pii);
        const bronze = statement(sql.bronze, `\`${source.name}_bronze\`.\`${table.name}\``);
        assert.ok(bronze.length > 0, `no bronze table for ${table.name}`);
        const silver = statement(sql.silver, `\`${source.name}_silver\`.\`${table.name}\``);
        for (const column of pii) {
          assert.ok(!bronze.includes(`\`${column.name}\``), `${column.name} reaches ${source.name}_bronze`);
          assert.ok(!sql.gold.includes(`\`${column.name}\``), `${column.name} reaches gold`);
          const type = column.encrypt ? "STRING" : column.type.toUpperCase();
          const mask = `\`lh_dev\`.\`governance\`.\`${source.name}_mask_${column.mask}${column.encrypt ? "_encrypted" : ""}_${column.type}\``;
          // Masked values that need a secret come from a companion column the pipeline computes.
          const using = storesMaskedValue(column) ? ` USING COLUMNS (\`_${column.name}_masked\`)` : "";
          assert.ok(
            silver.includes(`  \`${column.name}\` ${type} MASK ${mask}${using},\n`),
            `${column.name} reaches silver unmasked:\n${silver}`,
          );
        }
        const piiTable = statement(sql.bronze, `\`${source.name}_pii\`.\`${table.name}\``);
        if (pii.length > 0) {
          const stored = pii.map((c) =>
            c.encrypt
              ? `base64(aes_encrypt(\`${c.name}\`, secret('pii', 'pii-encryption-key'), 'GCM')) AS \`${c.name}\``
              : `\`${c.name}\``,
          );
          const keys = table.primaryKey.map((k) => `\`${k}\``);
          assert.ok(
            piiTable.includes(`AS SELECT ${[...keys, ...stored, "`_ingested_at`"].join(", ")}\n`),
            piiTable,
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
