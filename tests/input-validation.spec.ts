// Issue 17: every bad input refused cleanly (exact messages with file, field, what is allowed, line:column),
// by rule of the issue. Cases mutate one valid source file or one valid setting.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { configKeyProblems, parsePlatformConfig, PROJECT } from "../components/config";
import { quartzCronProblem, standardCronProblem } from "../components/cron";
import { loadSources, parseSourceFile } from "../components/sources";
import { checkExpectationExpression } from "../components/sql";
import { InvalidInputError } from "../components/validation";
import { policies } from "../policies/rules";
import { sourceJsonSchema, SOURCE_SCHEMA_PATH } from "../tools/source-schema";
import { readPackConfig } from "../tools/plan/evaluate";
import { readStackConfig } from "../tools/plan/stack-config";
import { tempDir } from "./support/files";
import { PROJECT_DIR, runPlan } from "./support/plan";

/** A valid batch source; each case changes one thing. */
const VALID = `name: registry
owner: registry-team
mode: batch
source:
  kind: sqlserver
  schedule: "0 0 2 * * ?"
tables:
  - name: players
    primaryKey: [player_id]
    watermarkColumn: modified_at
    columns:
      - { name: player_id, type: bigint }
      - { name: club, type: string }
      - { name: fee, type: "decimal(14,2)" }
      - { name: modified_at, type: timestamp }
      - { name: email, type: string, pii: true, mask: email }
    expectations:
      - { name: valid_id, expr: "player_id IS NOT NULL" }
    aggregates:
      - name: fees_by_club
        timeBucket: { column: modified_at, grain: day }
        groupBy: [club]
        measures:
          - { name: total_fee, fn: sum, column: fee }
access:
  readers: [lakehouse-analysts]
`;

const FILE = "sources/registry.yaml";

function problemsOf(text: string, file = FILE): readonly string[] {
  try {
    parseSourceFile(path.join(process.cwd(), file), text);
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the source file to be refused");
}

function loadProblems(dirs: string[], notices: string[] = []): readonly string[] {
  try {
    loadSources(dirs, (m) => notices.push(m));
  } catch (error) {
    assert.ok(error instanceof InvalidInputError, `expected InvalidInputError, got ${String(error)}`);
    return error.problems;
  }
  assert.fail("expected the sources to be refused");
}

const ALIAS_BOMB = ["a: &a [x, x, x, x, x, x, x, x, x]"]
  .concat([..."bcdefgh"].map((c, i) => `${c}: &${c} [${Array(9).fill(`*${"abcdefgh"[i]}`).join(", ")}]`))
  .join("\n");

describe("rule 1: reading is bounded and safe", () => {
  it("refuses each unusable path with one message naming it", () => {
    const dir = tempDir({ "registry.yaml": VALID });
    const file = path.join(dir, "registry.yaml");
    assert.deepStrictEqual(loadProblems([file]), [`${file}: is a file, not a directory of source files`]);
    assert.deepStrictEqual(loadProblems([path.join(dir, "none")]), [
      `${path.join(dir, "none")}: sources directory does not exist`,
    ]);
    const empty = tempDir({ "README.md": "# sources" });
    const notices: string[] = [];
    assert.deepStrictEqual(loadProblems([empty], notices), [
      `${empty}: sources directory has no source files (<name>.yaml); add one or remove the directory from lakehouse:sourcesDirs`,
    ]);
    assert.deepStrictEqual(notices, [
      `sources: skipped (not .yaml or .yml source files): ${path.join(empty, "README.md")}`,
    ]);
  });

  it("refuses odd entries of a sources directory, each by name, and reads nothing outside it", () => {
    const outside = tempDir({ "secret.yaml": "password: hunter2\n" });
    const dir = tempDir({
      "registry.yaml": VALID,
      "Upper.YAML": VALID,
      "binary.yaml": "name: x\n\u0000\u0001\u0002",
      "latin1.yaml": "",
      "big.yaml": "",
      "bomb.yaml": ALIAS_BOMB,
    });
    fs.writeFileSync(path.join(dir, "latin1.yaml"), Buffer.from([0x6e, 0x3a, 0x20, 0xe9, 0x0a]));
    fs.writeFileSync(path.join(dir, "big.yaml"), "#".repeat(2 * 1024 * 1024));
    fs.mkdirSync(path.join(dir, "folder.yaml"));
    fs.symlinkSync("loop-b.yaml", path.join(dir, "loop-a.yaml"));
    fs.symlinkSync("loop-a.yaml", path.join(dir, "loop-b.yaml"));
    fs.symlinkSync(path.join(outside, "secret.yaml"), path.join(dir, "out.yaml"));
    fs.symlinkSync("missing.yaml", path.join(dir, "dangling.yaml"));
    execFileSync("mkfifo", [path.join(dir, "pipe.yaml")]);
    const problems = loadProblems([dir]);
    const at = (name: string) => path.join(dir, name);
    assert.deepStrictEqual(problems, [
      `${at("Upper.YAML")}: source files end in .yaml or .yml in lower case; rename it to Upper.yaml`,
      `${at("big.yaml")}: is 2097152 bytes; a source file may have at most 1048576 bytes (1 MiB)`,
      `${at("dangling.yaml")}: is a symbolic link to a file that does not exist`,
      `${at("folder.yaml")}: is a directory, not a source file`,
      `${at("loop-a.yaml")}: is a symbolic link loop`,
      `${at("loop-b.yaml")}: is a symbolic link loop`,
      `${at("out.yaml")}: is a symbolic link to outside ${dir}; source files must be inside it`,
      `${at("pipe.yaml")}: is not a regular file (a device, socket or pipe)`,
      `${at("binary.yaml")}:2:1: has the control character U+0000; source files are YAML text (a binary file?)`,
      `${at("bomb.yaml")}: invalid YAML: its aliases expand to more than 100 copies (an alias bomb?); write the values out`,
      `${at("latin1.yaml")}: is not UTF-8 text (a binary file?); source files are YAML in UTF-8`,
    ]);
    assert.ok(!problems.join("\n").includes("hunter2"));
  });

  it("refuses what is not a mapping, and shows values only as short printable excerpts", () => {
    assert.deepStrictEqual(problemsOf(""), [
      `${FILE}:1:1: (file): must be a YAML mapping with the fields name, owner, mode, source, tables and access (got an empty document)`,
    ]);
    assert.deepStrictEqual(problemsOf("- a\n- b\n"), [
      `${FILE}:1:1: (file): must be a YAML mapping with the fields name, owner, mode, source, tables and access (got ["a","b"])`,
    ]);
    const long = problemsOf(VALID.replace("owner: registry-team", `owner: "\\u202e${"x".repeat(300)}"`));
    assert.deepStrictEqual(long, [
      `${FILE}:2:8: owner: must be a team slug: lowercase letters, digits and '-' (got "\\u202e${"x".repeat(190)}...)`,
    ]);
  });

  it("answers a 50 MB file and an alias bomb with exit 2 within 10 s, without a stack trace", async () => {
    const big = tempDir({});
    fs.writeFileSync(path.join(big, "big.yaml"), `name: big\n# ${"x".repeat(50 * 1024 * 1024)}\n`);
    const bomb = tempDir({ "bomb.yaml": ALIAS_BOMB });
    const started = Date.now();
    const [bigRun, bombRun] = await Promise.all([runPlan("--sources", big), runPlan("--sources", bomb)]);
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    assert.deepStrictEqual(
      [bigRun.code, bigRun.stderr],
      [2, `${path.join(big, "big.yaml")}: is 52428813 bytes; a source file may have at most 1048576 bytes (1 MiB)\n`],
    );
    assert.deepStrictEqual(
      [bombRun.code, bombRun.stderr],
      [
        2,
        `${path.join(bomb, "bomb.yaml")}: invalid YAML: its aliases expand to more than 100 copies (an alias bomb?); write the values out\n`,
      ],
    );
  });
});
