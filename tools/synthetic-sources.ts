// Writes N synthetic but valid data sources (streaming and batch, with PII columns) into a directory, for
// measuring how the plan scales with the number of sources: `ts-node tools/synthetic-sources.ts DIR N`.
import * as fs from "fs";
import * as path from "path";

const KINDS = ["sqlserver", "eventhub", "files"] as const;

/** The YAML of synthetic source number `i`: kinds rotate, every source has PII and an aggregate. */
export function syntheticSource(i: number): { name: string; yaml: string } {
  const name = `synthetic_${String(i).padStart(4, "0")}`;
  const kind = KINDS[i % KINDS.length];
  const mode = kind === "eventhub" ? "streaming" : "batch";
  const source =
    kind === "eventhub"
      ? "{ kind: eventhub, partitions: 2 }"
      : kind === "files"
        ? '{ kind: files, format: parquet, schedule: "0 0 3 * * ?" }'
        : '{ kind: sqlserver, schedule: "0 30 * * * ?" }';
  const yaml = `name: ${name}
owner: team-${i % 7}
mode: ${mode}
source: ${source}
tables:
  - name: entities
    primaryKey: [entity_id]
    columns:
      - { name: entity_id, type: bigint }
      - { name: category, type: string }
      - { name: amount, type: "decimal(12,2)" }
      - { name: updated_at, type: timestamp }
      - { name: contact_email, type: string, pii: true, mask: email }
    expectations:
      - { name: valid_id, expr: "entity_id IS NOT NULL", onViolation: drop }
    aggregates:
      - name: amount_by_category
        groupBy: [category]
        measures: [{ name: total_amount, fn: sum, column: amount }]
access:
  readers: [lakehouse-analysts]
  piiReaders: [team-${i % 7}-pii-readers]
`;
  return { name, yaml };
}

export function writeSyntheticSources(dir: string, count: number): void {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < count; i++) {
    const { name, yaml } = syntheticSource(i);
    fs.writeFileSync(path.join(dir, `${name}.yaml`), yaml);
  }
}

if (require.main === module) {
  const [dir, count] = process.argv.slice(2);
  writeSyntheticSources(path.resolve(dir), Number(count));
}
