// Issue 17: every bad input refused cleanly (exact messages with file, field, what is allowed, line:column),
// by rule of the issue. Cases mutate one valid source file or one valid setting.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import Ajv2020 from "ajv/dist/2020";
import { parse } from "yaml";
import { configKeyProblems, parsePlatformConfig, PROJECT } from "../config/config";
import { quartzCronProblem, standardCronProblem } from "../config/cron";
import { loadSources, parseSourceFile } from "../config/sources";
import { checkExpectationExpression } from "../sql/sql";
import { goldAggregates } from "../sql/pipeline-sql";
import { InvalidInputError } from "../config/validation";
import { policies } from "../policies/rules";
import { sourceJsonSchema, SOURCE_SCHEMA_PATH } from "../tools/source-schema";
import { readPackConfig } from "../tools/plan/evaluate";
import { readStackConfig } from "../tools/plan/stack-config";
import { tempDir } from "./support/files";
import { sourceProblems } from "./support/sources";
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

/** A second table of VALID (to append before `access:`); it has no aggregates, so it gets the default view. */
const CLUBS =
  "  - name: clubs\n    primaryKey: [id]\n    columns:\n      - { name: id, type: bigint }\n      - { name: changed_at, type: timestamp }\n";

const problemsOf = (text: string, file = FILE) => sourceProblems(text, file);

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
      `${empty}: sources directory has no source files (<name>.yaml); add one, or name another directory (lakehouse:sourcesDirs, or the plan's --sources)`,
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
      `${at("big.yaml")}: is 2097152 bytes; a source file may have at most 262144 bytes (256 KiB; the shipped source files are under 5 KiB)`,
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

  it("refuses YAML that is not plain data: unknown tags, several documents, deep nesting", () => {
    assert.deepStrictEqual(problemsOf(VALID.replace("owner: registry-team", "owner: !team registry-team")), [
      `${FILE}:2:8: invalid YAML: Unresolved tag: !team`,
    ]);
    assert.deepStrictEqual(problemsOf(`${VALID}---\nname: other\n`), [
      `${FILE}:27:1: invalid YAML: a source file is one YAML document; remove the '---' line and what follows, or split the file`,
    ]);
    assert.deepStrictEqual(problemsOf(`name: ${"[".repeat(100_000)}${"]".repeat(100_000)}\n`), [
      `${FILE}: invalid YAML: collections nest too deeply`,
    ]);
  });

  it("refuses an empty option value and a program that does not exist", async () => {
    const usage =
      "usage: npm run plan -- [--project env|account] [--stack dev] [--sources DIR] [--json] [--summary]\n" +
      "                       [--program FILE] [--review NUMBER] [--incarnation SEED] [--first-deploy] [--account-outputs FILE]";
    const empty = await runPlan("--sources", " ");
    assert.deepStrictEqual(
      [empty.code, empty.stderr],
      [2, `plan: --sources: needs a value that is not empty and has no control characters\n${usage}\n`],
    );
    const twice = await runPlan("--sources", "sources", "--sources=other");
    assert.deepStrictEqual(
      [twice.code, twice.stderr],
      [2, `plan: --sources: given more than once; give it once\n${usage}\n`],
    );
    const missing = await runPlan("--program", "/nonexistent/program.ts");
    assert.deepStrictEqual(
      [missing.code, missing.stderr],
      [2, `plan: --program: no program at /nonexistent/program.ts\n${usage}\n`],
    );
  });

  it("refuses a --program that is not a program with exit 2, quoting nothing from the file", async () => {
    const usage =
      "usage: npm run plan -- [--project env|account] [--stack dev] [--sources DIR] [--json] [--summary]\n" +
      "                       [--program FILE] [--review NUMBER] [--incarnation SEED] [--first-deploy] [--account-outputs FILE]";
    const secret = "root:x:0:0:hunter2:/root:/bin/bash\n";
    const dir = tempDir({ passwd: secret, "program.ts": secret, "program.js": secret });
    const runs = await Promise.all(
      [
        path.join(dir, "passwd"),
        path.join(PROJECT_DIR, "sources", "registry.yaml"),
        path.join(PROJECT_DIR, "README.md"),
      ]
        .concat([path.join(dir, "program.ts"), path.join(dir, "program.js")])
        .map((file) => runPlan("--project", "account", "--program", file)),
    );
    assert.deepStrictEqual(
      runs.map((run) => [run.code, run.stdout, run.stderr]),
      [
        [
          2,
          "",
          `plan: --program: ${path.join(dir, "passwd")} is not a program; give a .ts or .js file\n${usage}\n`,
        ],
        [
          2,
          "",
          `plan: --program: ${path.join(PROJECT_DIR, "sources", "registry.yaml")} is not a program; give a .ts or .js file\n${usage}\n`,
        ],
        [
          2,
          "",
          `plan: --program: ${path.join(PROJECT_DIR, "README.md")} is not a program; give a .ts or .js file\n${usage}\n`,
        ],
        [
          2,
          "",
          `--program ${path.join(dir, "program.ts")}: is not a program (it does not parse as TypeScript)\n`,
        ],
        [
          2,
          "",
          `--program ${path.join(dir, "program.js")}: is not a program (it does not parse as JavaScript)\n`,
        ],
      ],
    );
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
      [
        2,
        `${path.join(big, "big.yaml")}: is 52428813 bytes; a source file may have at most 262144 bytes (256 KiB; the shipped source files are under 5 KiB)\n`,
      ],
    );
    assert.deepStrictEqual(
      [bombRun.code, bombRun.stderr],
      [
        2,
        `${path.join(bomb, "bomb.yaml")}: invalid YAML: its aliases expand to more than 100 copies (an alias bomb?); write the values out\n`,
      ],
    );
  });

  it("answers a file of 20k keys within the size limit with exit 2 in seconds and at most 21 lines", async () => {
    // Quadratic work per map (the yaml package's duplicate-key check, a key lookup per message) made such a
    // file take minutes; every step is linear now and a file reports its first 20 problems.
    const keys = (n: number, key: (i: number) => string) =>
      Array.from({ length: n }, (_, i) => `${key(i)}: 1\n`).join("");
    const unknown = tempDir({
      "big.yaml": `name: big\n${keys(20_000, (i) => `k${String(i).padStart(7, "0")}`)}`,
    });
    const nested = tempDir({
      "big.yaml": `name: big\nextra:\n${keys(20_000, (i) => `  k${String(i).padStart(5, "0")}`)}`,
    });
    const duplicated = tempDir({ "big.yaml": `name: big\n${keys(20_000, () => "k0000000")}` });
    for (const dir of [unknown, nested, duplicated]) {
      const size = fs.statSync(path.join(dir, "big.yaml")).size;
      assert.ok(size > 200 * 1024 && size <= 256 * 1024, `${size} bytes`);
    }
    const started = Date.now();
    const runs = await Promise.all([unknown, nested, duplicated].map((dir) => runPlan("--sources", dir)));
    assert.ok(Date.now() - started < 10_000, `took ${Date.now() - started} ms`);
    const at = (dir: string) => path.join(dir, "big.yaml");
    const required = (dir: string) => [
      `${at(dir)}:1:1: owner: is required`,
      `${at(dir)}:1:1: mode: must be one of streaming, batch`,
      `${at(dir)}:1:1: source: is required`,
      `${at(dir)}:1:1: tables: is required`,
      `${at(dir)}:1:1: access: is required`,
    ];
    assert.deepStrictEqual(
      runs.map((run) => [run.code, run.stdout, run.stderr.split("\n").slice(0, -1)]),
      [
        [
          2,
          "",
          [
            ...required(unknown),
            ...Array.from(
              { length: 15 },
              (_, i) => `${at(unknown)}:${i + 2}:1: k${String(i).padStart(7, "0")}: unknown field`,
            ),
            `${at(unknown)}: and 19985 more problems`,
          ],
        ],
        [2, "", [...required(nested), `${at(nested)}:2:1: extra: unknown field`]],
        [
          2,
          "",
          [
            ...Array.from(
              { length: 20 },
              (_, i) => `${at(duplicated)}:${i + 3}:1: invalid YAML: Map keys must be unique`,
            ),
            `${at(duplicated)}: and 19979 more problems`,
          ],
        ],
      ],
    );
  });
});

describe("rule 2: values are checked for what they mean", () => {
  it("accepts Quartz cron with seconds, ?, L, W, # and years", () => {
    for (const cron of [
      "0 0 2 * * ?",
      "0 0/15 * * * ?",
      "0 0 2 ? * MON-FRI",
      "0 0 2 ? * 6#3",
      "0 0 2 L * ?",
      "0 0 2 L-3 * ?",
      "0 0 2 LW * ?",
      "0 0 2 15W * ?",
      "0 0 2 ? * 6L",
      "0 30 1 1 JAN,JUL ? 2027-2030",
      // Quartz wraps a range whose end is below its start (CronExpression.addToSet): a night window.
      "0 0 20-2 * * ?",
      "0 50-10/5 12 ? * 6-2",
      "0 0 12 30-2 11-2 ?",
    ]) {
      assert.strictEqual(quartzCronProblem(cron), undefined, cron);
    }
  });

  it("refuses Quartz cron that is out of range or contradictory", () => {
    const refused: [string, string][] = [
      ["61 0 2 * * ?", "Number '61' of seconds field is bigger than upper limit '59'"],
      ["0 0 24 * * ?", "Number '24' of hours field is bigger than upper limit '23'"],
      ["0 0 2 32 * ?", "Number '32' of daysOfMonth field is bigger than upper limit '31'"],
      ["0 0 2 * 13 ?", "Number '13' of months field is bigger than upper limit '12'"],
      ["0 0 2 ? * 0", "Number '0' of daysOfWeek field is smaller than lower limit '1'"],
      ["0 0 2 ? * 8", "Number '8' of daysOfWeek field is bigger than upper limit '7'"],
      [
        "0 0 2 * * ? 2030-2027",
        "Lower range end '2030' is bigger than upper range end '2027' of years field",
      ],
      ["0 0 25-2 * * ?", "Number '25' of hours field is bigger than upper limit '23'"],
      ["0 */0 * * * ?", "Second step element '0' of '*/0' cannot be zero"],
      ["0 0 2 ? * 6#6", "Number of occurrence of the day of the week cannot be greater than 5"],
      ["0 0 2 ? * ?", "day-of-month and day-of-week cannot both be '?'"],
      ["0 0 2 * * * 1969", "day-of-month and day-of-week cannot both have a value; one of them must be '?'"],
      ["0 0 2 * * ? 2100", "Number '2100' of years field is bigger than upper limit '2099'"],
      ["0 0 2 1W,15W * ?", "Cannot specify nearest weekday with lists, steps or ranges (symbols ,-/)"],
    ];
    for (const [cron, why] of refused) {
      assert.strictEqual(quartzCronProblem(cron), `is not a valid Quartz cron expression: ${why}`, cron);
    }
    for (const cron of ["0 0 2 * * ?\n", "0\t0 2 * * ?", " 0 0 2 * * ?", "0 0  2 * * ?"]) {
      assert.strictEqual(
        quartzCronProblem(cron),
        "must separate its fields with single spaces, with no other whitespace",
        JSON.stringify(cron),
      );
    }
    assert.strictEqual(
      quartzCronProblem("0 0 2 * * ? * *"),
      'must be a Quartz cron expression of 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), for example "0 0 2 * * ?"; this one has 8',
    );
  });

  it("checks the drift schedule as five-field cron", () => {
    assert.strictEqual(standardCronProblem("0 */6 * * *"), undefined);
    assert.strictEqual(
      standardCronProblem("0 0 */6 * * ?"),
      'must be a cron expression of 5 fields (minute hour day-of-month month day-of-week), for example "0 */6 * * *"; this one has 6',
    );
    assert.strictEqual(
      standardCronProblem("0 25 * * *"),
      "is not a valid cron expression: Number '25' of hours field is bigger than upper limit '23'",
    );
  });

  const cases: [string, (text: string) => string, string[]][] = [
    [
      "a schedule with an hour out of range",
      (t) => t.replace('"0 0 2 * * ?"', '"0 0 25 * * ?"'),
      [
        `${FILE}:6:13: source.schedule: is not a valid Quartz cron expression: Number '25' of hours field is bigger than upper limit '23' (got "0 0 25 * * ?")`,
      ],
    ],
    [
      "a decimal with a precision over 38",
      (t) => t.replace("decimal(14,2)", "decimal(39,2)"),
      [`${FILE}:14:28: tables[0].columns[2].type: decimal precision must be 1 to 38 (got decimal(39,2))`],
    ],
    [
      "a decimal with a scale over its precision",
      (t) => t.replace("decimal(14,2)", "decimal(4,6)"),
      [
        `${FILE}:14:28: tables[0].columns[2].type: decimal scale must be 0 to the precision, 4 (got decimal(4,6))`,
      ],
    ],
    [
      "a decimal of precision 0",
      (t) => t.replace("decimal(14,2)", "decimal(0,0)"),
      [`${FILE}:14:28: tables[0].columns[2].type: decimal precision must be 1 to 38 (got decimal(0,0))`],
    ],
    [
      "a time bucket on a string column",
      (t) => t.replace("timeBucket: { column: modified_at", "timeBucket: { column: club"),
      [
        `${FILE}:21:31: tables[0].aggregates[0].timeBucket.column: "club" is string; a time bucket needs a date or timestamp column`,
      ],
    ],
    [
      "a watermark on a PII column",
      (t) => t.replace("watermarkColumn: modified_at", "watermarkColumn: email"),
      [
        `${FILE}:10:22: tables[0].watermarkColumn: "email" is a pii column; the watermark orders silver rows, which hold no PII`,
      ],
    ],
    [
      "a field of the files kind on a sqlserver source",
      (t) => t.replace("  kind: sqlserver\n", "  kind: sqlserver\n  format: csv\n"),
      [
        `${FILE}:6:11: source.format: is only allowed when source.kind is files (this source's kind is sqlserver)`,
      ],
    ],
    [
      "an eventhub field on a files source",
      (t) => t.replace("  kind: sqlserver\n", "  kind: files\n  format: csv\n  partitions: 4\n"),
      [
        `${FILE}:7:15: source.partitions: is only allowed when source.kind is eventhub (this source's kind is files)`,
      ],
    ],
    [
      "a sourceTable on a files source",
      (t) =>
        t
          .replace("  kind: sqlserver\n", "  kind: files\n  format: csv\n")
          .replace(
            "    primaryKey: [player_id]\n",
            "    primaryKey: [player_id]\n    sourceTable: dbo.Players\n",
          ),
      [
        `${FILE}:11:18: tables[0].sourceTable: is only allowed when source.kind is sqlserver (this source's kind is files)`,
      ],
    ],
    [
      "a field no kind has",
      (t) => t.replace("  kind: sqlserver\n", "  kind: sqlserver\n  colour: red\n"),
      [`${FILE}:6:3: source.colour: unknown field`],
    ],
    [
      "a number written as text",
      (t) =>
        t
          .replace("  kind: sqlserver\n", '  kind: eventhub\n  partitions: "4"\n')
          .replace("mode: batch", "mode: streaming")
          .replace('  schedule: "0 0 2 * * ?"\n', ""),
      [`${FILE}:6:15: source.partitions: must be a number (got "4")`],
    ],
    [
      "a row filter value of only spaces",
      (t) =>
        t.replace("access:\n", 'access:\n  rowFilter: { column: club, byGroup: { uk-scouts: ["   "] } }\n'),
      [
        `${FILE}:26:53: access.rowFilter.byGroup.uk-scouts[0]: must be 1-64 letters, digits, spaces, '.', '_' or '-', not starting or ending with a space (got "   ")`,
      ],
    ],
    [
      "a description with a control character",
      (t) => t.replace("  - name: players\n", '  - name: players\n    description: "Players\\u0007"\n'),
      [`${FILE}:9:18: tables[0].description: must not contain control characters (U+0007 at position 8)`],
    ],
    [
      "a description of only whitespace",
      (t) => t.replace("  - name: players\n", '  - name: players\n    description: "   "\n'),
      [`${FILE}:9:18: tables[0].description: must not be empty or only whitespace`],
    ],
    [
      "a description with a bidirectional override",
      (t) => t.replace("  - name: players\n", '  - name: players\n    description: "Players \\u202edrop"\n'),
      [
        `${FILE}:9:18: tables[0].description: must not contain invisible format characters such as bidirectional overrides (U+202E at position 9)`,
      ],
    ],
    [
      "a description with a zero-width space, and a source description with a control character",
      (t) =>
        t
          .replace("  - name: players\n", '  - name: players\n    description: "Play\\u200bers"\n')
          .replace("owner: registry-team\n", 'owner: registry-team\ndescription: "Registry\\u0007"\n'),
      [
        `${FILE}:3:14: description: must not contain control characters (U+0007 at position 9)`,
        `${FILE}:10:18: tables[0].description: must not contain invisible format characters such as bidirectional overrides (U+200B at position 5)`,
      ],
    ],
  ];
  for (const [what, change, expected] of cases) {
    it(`refuses ${what}`, () => {
      assert.deepStrictEqual(problemsOf(change(VALID)), expected);
    });
  }
});

describe("rule 3: names stay unique after every transformation", () => {
  it("refuses a source whose schema path another source's PII schema takes, naming both", () => {
    const dir = tempDir({
      "registry.yaml": VALID,
      "registry_pii.yaml": VALID.replace("name: registry\n", "name: registry_pii\n"),
    });
    assert.deepStrictEqual(loadProblems([dir]), [
      `${path.join(dir, "registry_pii.yaml")}:1:7: name: storage path "bronze/registry_pii" (the storage root of schema registry_pii_bronze) is also the storage root of schema registry_pii (${path.join(dir, "registry.yaml")}:1:7: name); rename one`,
    ]);
  });

  it("refuses the same source in two directories", () => {
    const a = tempDir({ "registry.yaml": VALID });
    const b = tempDir({ "registry.yml": VALID });
    assert.deepStrictEqual(loadProblems([a, b]), [
      `${path.join(b, "registry.yml")}:1:7: name: "registry" is already the name of another source (${path.join(a, "registry.yaml")}:1:7: name)`,
    ]);
  });

  const second = `  - name: clubs
    primaryKey: [club_id]
    columns:
      - { name: club_id, type: bigint }
    aggregates:
      - name: fees_by_club
        measures:
          - { name: clubs, fn: count }
`;
  const cases: [string, (text: string) => string, string[]][] = [
    [
      "two gold views of one name from two tables",
      (t) => t.replace("access:\n", `${second}access:\n`),
      [
        `${FILE}:30:15: tables[1].aggregates[0].name: gold view "registry_gold.fees_by_club" (aggregate fees_by_club of table clubs) is also aggregate fees_by_club of table players (${FILE}:20:15: tables[0].aggregates[0].name); rename one`,
      ],
    ],
    [
      "a measure named like a group-by column",
      (t) => t.replace("{ name: total_fee, fn: sum", "{ name: club, fn: sum"),
      [
        `${FILE}:24:21: tables[0].aggregates[0].measures[0].name: column of gold view "club" (measure club) is also group-by column club (${FILE}:22:19: tables[0].aggregates[0].groupBy[0]); rename one`,
      ],
    ],
    [
      "a measure named period beside a time bucket",
      (t) => t.replace("{ name: total_fee, fn: sum", "{ name: period, fn: sum"),
      [
        `${FILE}:24:21: tables[0].aggregates[0].measures[0].name: column of gold view "period" (measure period) is also the time bucket column period (${FILE}:21:21: tables[0].aggregates[0].timeBucket); rename one`,
      ],
    ],
    [
      "a key column listed twice",
      (t) => t.replace("primaryKey: [player_id]", "primaryKey: [player_id, player_id]"),
      [
        `${FILE}:9:29: tables[0].primaryKey[1]: primary key column "player_id" (primary key column player_id) is also primary key column player_id (${FILE}:9:18: tables[0].primaryKey[0]); rename one`,
      ],
    ],
    [
      "a reader group listed twice in another case",
      (t) => t.replace("readers: [lakehouse-analysts]", "readers: [lakehouse-analysts, Lakehouse-Analysts]"),
      [
        `${FILE}:26:33: access.readers[1]: group "lakehouse-analysts" (readers group "Lakehouse-Analysts") is also readers group "lakehouse-analysts" (${FILE}:26:13: access.readers[0]); rename one`,
      ],
    ],
    [
      "a table named like another table's pipeline view",
      (t) =>
        t.replace(
          "access:\n",
          "  - name: players_source\n    primaryKey: [id]\n    columns:\n      - { name: id, type: bigint }\naccess:\n",
        ),
      [
        `${FILE}:25:11: tables[1].name: pipeline dataset "players_source" (table players_source) is also the source dataset of table players (${FILE}:8:11: tables[0].name); rename one`,
      ],
    ],
    [
      "an aggregate named like the row count view of a table without watermark",
      (t) =>
        t
          .replace("access:\n", `${CLUBS}access:\n`)
          .replace("- name: fees_by_club", "- name: clubs_row_count"),
      [
        `${FILE}:25:11: tables[1].name: gold view "registry_gold.clubs_row_count" (the default gold view of table clubs) is also aggregate clubs_row_count of table players (${FILE}:20:15: tables[0].aggregates[0].name); rename one`,
      ],
    ],
    [
      "an aggregate named like the daily count view of a table with a watermark",
      (t) =>
        t
          .replace("access:\n", `${CLUBS}    watermarkColumn: changed_at\naccess:\n`)
          .replace("- name: fees_by_club", "- name: clubs_daily"),
      [
        `${FILE}:25:11: tables[1].name: gold view "registry_gold.clubs_daily" (the default gold view of table clubs) is also aggregate clubs_daily of table players (${FILE}:20:15: tables[0].aggregates[0].name); rename one`,
      ],
    ],
  ];
  for (const [what, change, expected] of cases) {
    it(`refuses ${what}`, () => {
      const dir = tempDir({ "registry.yaml": change(VALID) });
      const problems = loadProblems([dir]).map((p) => p.split(`${dir}${path.sep}`).join("sources/"));
      assert.deepStrictEqual(problems, expected);
    });
  }

  it("accepts an aggregate named <table>_daily beside a table whose default view is <table>_row_count", () => {
    const text = VALID.replace("access:\n", `${CLUBS}access:\n`).replace(
      "- name: fees_by_club",
      "- name: clubs_daily",
    );
    const source = parseSourceFile(path.join(process.cwd(), FILE), text);
    assert.deepStrictEqual(
      source.tables.map((t) => goldAggregates(source, t).map((a) => a.name)),
      [["clubs_daily"], ["clubs_row_count"]],
    );
  });

  it("gives a table whose watermark is not a date or timestamp a row count without a time bucket", () => {
    const text = VALID.replace("access:\n", `${CLUBS}    watermarkColumn: version\naccess:\n`).replace(
      "      - { name: changed_at, type: timestamp }\n",
      "      - { name: changed_at, type: timestamp }\n      - { name: version, type: string }\n",
    );
    const source = parseSourceFile(path.join(process.cwd(), FILE), text);
    assert.deepStrictEqual(goldAggregates(source, source.tables[1]), [
      {
        name: "clubs_row_count",
        description: "Rows of clubs in the latest snapshot.",
        groupBy: [],
        measures: [{ name: "row_count", fn: "count" }],
      },
    ]);
  });

  it("refuses a program that registers two resources with one URN, as the engine does", async () => {
    const run = await runPlan(
      "--program",
      path.join(PROJECT_DIR, "tests", "fixtures", "programs", "duplicate-urn.ts"),
    );
    assert.deepStrictEqual(
      [run.code, run.stderr],
      [
        2,
        "Duplicate resource URN 'urn:pulumi:dev::lakehouse::azure-native:resources:ResourceGroup::twice'; try giving it a unique name (two inputs made the same name)\n",
      ],
    );
  });
});

describe("rule 4: broad principals in any spelling", () => {
  const spellings: [string, string][] = [
    ["Users", "users"],
    [" users", "users"],
    ["users ", "users"],
    ["ACCOUNT USERS", "account users"],
    ["account  users", "account users"],
    ["account\tusers", "account users"],
    ["Account_Users", "account users"],
    ["account-users", "account users"],
    ["all.users", "all users"],
    ["All Users!", "all users"],
    ["'admins'", "admins"],
    ["Admins.", "admins"],
  ];
  for (const [spelling, principal] of spellings) {
    it(`refuses ${JSON.stringify(spelling)} as a group, in stack config and in source files`, () => {
      const shown = JSON.stringify(spelling).replace(/\t/g, "\\t");
      const why = `must be a specific group, not the broad principal "${principal}" (got ${shown}; never granted, in any spelling: users, account users, all users, admins)`;
      assert.throws(
        () =>
          parsePlatformConfig({ analystsGroup: spelling }, { project: PROJECT, stack: "dev", baseDir: "/" }),
        (error: InvalidInputError) => error.problems.includes(`lakehouse:analystsGroup: ${why}`),
      );
      const text = VALID.replace("readers: [lakehouse-analysts]", `readers: [${JSON.stringify(spelling)}]`);
      assert.deepStrictEqual(problemsOf(text), [`${FILE}:26:13: access.readers[0]: ${why}`]);
    });
  }

  it("still accepts groups that only contain a broad word", () => {
    const text = VALID.replace(
      "readers: [lakehouse-analysts]",
      "readers: [users-of-registry, registry admins]",
    );
    assert.deepStrictEqual(parseSourceFile(path.join(process.cwd(), FILE), text).access.readers, [
      "users-of-registry",
      "registry admins",
    ]);
  });
});

describe("rule 5: identifiers inside expressions are quoted or refused", () => {
  const withColumn = (name: string, expr: string) =>
    VALID.replace(
      "      - { name: club, type: string }\n",
      `      - { name: club, type: string }\n      - { name: "${name}", type: int }\n`,
    ).replace('expr: "player_id IS NOT NULL"', `expr: ${JSON.stringify(expr)}`);
  const exprOf = (text: string) =>
    parseSourceFile(path.join(process.cwd(), FILE), text).tables[0].expectations[0].expr;

  it("refuses columns named like SQL keywords and reserved words, which expectations would read as SQL", () => {
    const refused = ["null", "true", "false", "in", "is", "and", "or", "not", "like", "between"]
      .concat(["interval", "limit", "order", "select", "from", "div", "rlike", "exists"])
      .map((name) => problemsOf(withColumn(name, "player_id > 0")));
    assert.deepStrictEqual(
      refused,
      ["null", "true", "false", "in", "is", "and", "or", "not", "like", "between"]
        .concat(["interval", "limit", "order", "select", "from", "div", "rlike", "exists"])
        .map((name) => [
          `${FILE}:14:17: tables[0].columns[2].name: "${name}" is a SQL keyword or reserved word, which an expectation would read as SQL rather than as this column; rename the column (for example ${name}_value)`,
        ]),
    );
  });

  it("keeps an accepted expectation as written, and accepts columns that only contain a keyword", () => {
    assert.strictEqual(
      exprOf(
        withColumn("order_id", "order_id > 0 AND null_count IS NOT NULL").replace(
          "      - { name: club, type: string }\n",
          "      - { name: club, type: string }\n      - { name: null_count, type: int }\n",
        ),
      ),
      "order_id > 0 AND null_count IS NOT NULL",
    );
  });

  it("refuses quoted names that are not columns, and quoted functions", () => {
    const columns = new Set(["player_id"]);
    assert.strictEqual(
      checkExpectationExpression("`password` IS NULL", columns),
      'refers to "password", which is not a column of this table',
    );
    assert.strictEqual(
      checkExpectationExpression("`abs`(player_id) > 0", columns),
      "calls `abs`: a function name is not quoted",
    );
    assert.strictEqual(
      checkExpectationExpression("player_id\u00a0> 0", columns),
      'has a character that is not allowed at position 10 ("\\u00a0> 0"): use columns, literals, operators and allowed functions only',
    );
  });
});

describe("rule 6: stack config keys", () => {
  const base = { "lakehouse:location": "westeurope", "lakehouse:owner": "data-platform" };

  it("refuses a key in an unknown namespace, a secret non-secret and a contradicting provider location", () => {
    const problems = configKeyProblems(
      {
        ...base,
        "lakehous:owner": "data-platform",
        "aws:region": "eu-west-1",
        ":owner": "x",
        "lakehouse:costCenter": "[secret]",
        "lakehouse:slackWebhookUrl": "[secret]",
        "azure-native:location": "West US 2",
      },
      (key) => key === "lakehouse:costCenter" || key === "lakehouse:slackWebhookUrl",
    );
    assert.deepStrictEqual(problems, [
      ':owner: unknown config namespace "": this program reads lakehouse:<key>, its providers azure-native:, databricks:, pulumiservice:, random:, pulumi:',
      'aws:region: unknown config namespace "aws": this program reads lakehouse:<key>, its providers azure-native:, databricks:, pulumiservice:, random:, pulumi:',
      'lakehous:owner: unknown config namespace "lakehous": this program reads lakehouse:<key>, its providers azure-native:, databricks:, pulumiservice:, random:, pulumi:',
      "lakehouse:costCenter: is set as a secret, but costCenter is not a secret setting; set it in plain text: pulumi config set costCenter <value>",
      'azure-native:location: "West US 2" differs from lakehouse:location "westeurope"; every resource is built in lakehouse:location: remove azure-native:location or set it to the same region',
    ]);
  });

  it("refuses a stack file whose config is not a mapping", () => {
    const project = tempDir({
      "Pulumi.yaml": "name: lakehouse\nruntime: nodejs\n",
      "Pulumi.dev.yaml": "config:\n  - lakehouse:owner\n",
    });
    assert.throws(() => readStackConfig(project, "dev"), {
      message: "Pulumi.dev.yaml: config: must be a mapping of keys to values",
    });
  });

  it("accepts the provider location when it names the same region", () => {
    assert.deepStrictEqual(
      configKeyProblems({ ...base, "azure-native:location": "West Europe" }, () => false),
      [],
    );
  });

  it("hands a secure value of a non-secret key to the program as a secret, so it is reported", () => {
    const project = tempDir({
      "Pulumi.yaml": "name: lakehouse\nruntime: nodejs\nconfig:\n  owner:\n    type: string\n",
      "Pulumi.dev.yaml": "config:\n  lakehouse:owner:\n    secure: AAABAGsF1k3\n",
    });
    const stack = readStackConfig(project, "dev");
    assert.deepStrictEqual(
      [stack.config["lakehouse:owner"], stack.secretKeys],
      ["offline-plan-placeholder-owner", ["lakehouse:owner"]],
    );
    assert.deepStrictEqual(
      configKeyProblems(stack.config, (key) => stack.secretKeys.includes(key)),
      [
        "lakehouse:owner: is set as a secret, but owner is not a secret setting; set it in plain text: pulumi config set owner <value>",
      ],
    );
  });
});

describe("rule 7: the policy pack's config files are checked against each policy's configSchema", () => {
  const problemsOfPack = (config: unknown): readonly string[] => {
    const file = path.join(tempDir({ "dev.json": JSON.stringify(config) }), "dev.json");
    try {
      readPackConfig(file, policies);
    } catch (error) {
      assert.ok(error instanceof InvalidInputError);
      return error.problems.map((p) => p.slice(p.indexOf("dev.json")));
    }
    return [];
  };

  it("accepts the shipped config files", () => {
    for (const stack of ["dev", "prod"]) {
      assert.doesNotThrow(() =>
        readPackConfig(path.join(PROJECT_DIR, "policies", "config", `${stack}.json`), policies),
      );
    }
  });

  it("refuses values the policy's JSON Schema refuses, as the engine does", () => {
    assert.deepStrictEqual(problemsOfPack({ "azure-mandatory-tags": { tags: [] } }), [
      "dev.json: azure-mandatory-tags.tags: must NOT have fewer than 1 items",
    ]);
    assert.deepStrictEqual(problemsOfPack({ "azure-mandatory-tags": { tags: ["owner", ""] } }), [
      "dev.json: azure-mandatory-tags.tags[1]: must NOT have fewer than 1 characters",
    ]);
    assert.deepStrictEqual(problemsOfPack({ "azure-mandatory-tags": { tags: "owner" } }), [
      "dev.json: azure-mandatory-tags.tags: must be array",
    ]);
    assert.deepStrictEqual(problemsOfPack({ "azure-mandatory-tags": null }), [
      "dev.json: azure-mandatory-tags: must be an enforcement level or an object of settings",
    ]);
    assert.deepStrictEqual(problemsOfPack(["azure-mandatory-tags"]), [
      "dev.json: must be a JSON object of policy names to settings",
    ]);
  });
});

describe("rule 8: a JSON Schema for source files", () => {
  const shipped = fs
    .readdirSync(path.join(PROJECT_DIR, "sources"))
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => path.join(PROJECT_DIR, "sources", f));

  it("is published up to date (npm run source-schema regenerates it)", () => {
    assert.strictEqual(fs.readFileSync(SOURCE_SCHEMA_PATH, "utf8"), sourceJsonSchema());
  });

  it("is referenced by every shipped source file, for editors", () => {
    for (const file of shipped) {
      assert.strictEqual(
        fs.readFileSync(file, "utf8").split("\n")[0],
        "# yaml-language-server: $schema=./source.schema.json",
        file,
      );
    }
  });

  it("accepts every shipped source file and flags what editors should flag", () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(SOURCE_SCHEMA_PATH, "utf8")) as object);
    for (const file of shipped) {
      assert.ok(
        validate(parse(fs.readFileSync(file, "utf8"))),
        `${file}: ${ajv.errorsText(validate.errors)}`,
      );
    }
    const wrong = parse(VALID) as { source: Record<string, unknown>; mode: string };
    wrong.source.format = "csv";
    wrong.mode = "live";
    assert.ok(!validate(wrong));
    const errors = (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ""}`);
    assert.ok(errors.includes("/mode must be equal to one of the allowed values"), errors.join("\n"));
    assert.ok(errors.includes("/source must NOT have additional properties"), errors.join("\n"));
  });
});
