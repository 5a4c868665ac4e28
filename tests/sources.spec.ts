import * as assert from "assert";
import * as path from "path";
import { loadSources, parseSourceFile } from "../config/sources";
import { checkExpectationExpression, quoteIdentifier, quoteString } from "../sql/sql";
import { InvalidInputError } from "../config/validation";
import { tempDir } from "./support/files";
import { sourceProblems } from "./support/sources";
import { PROJECT_DIR } from "./support/plan";

const SHIPPED = path.join(PROJECT_DIR, "sources");

/** A valid streaming source file; each case changes one thing. */
const VALID = `name: transfers
owner: transfers-team
mode: streaming
source:
  kind: eventhub
tables:
  - name: transfer_events
    primaryKey: [event_id]
    columns:
      - { name: event_id, type: string }
      - { name: fee_eur, type: "decimal(14,2)" }
      - { name: agent_email, type: string, pii: true, mask: email }
    expectations:
      - { name: valid_event_id, expr: "event_id IS NOT NULL", onViolation: drop }
access:
  readers: [lakehouse-analysts]
  piiReaders: [transfers-pii-readers]
`;

const problemsOf = (text: string, file = "sources/transfers.yaml") => sourceProblems(text, file);

describe("data source files", () => {
  it("loads the shipped football transfer-market sources, PII columns marked and masked", () => {
    const sources = loadSources([SHIPPED]);
    assert.deepStrictEqual(
      sources.map((s) => [s.name, s.mode, s.source.kind, s.tables.map((t) => t.name)]),
      [
        ["match_stats", "batch", "files", ["matches", "player_match_stats"]],
        ["registry", "batch", "sqlserver", ["players", "clubs"]],
        ["transfers", "streaming", "eventhub", ["transfer_events"]],
      ],
    );
    const pii = sources.flatMap((s) =>
      s.tables.flatMap((t) =>
        t.columns
          .filter((c) => c.pii)
          .map((c) => `${s.name}.${t.name}.${c.name}:${c.mask}${c.encrypt ? "+encrypt" : ""}`),
      ),
    );
    assert.deepStrictEqual(pii, [
      "registry.players.full_name:redact",
      "registry.players.email:email",
      "registry.players.date_of_birth:year_only",
      "registry.players.passport_number:hash+encrypt",
      "registry.clubs.contact_email:email",
      "transfers.transfer_events.agent_name:redact",
      "transfers.transfer_events.agent_phone:last4",
    ]);
  });

  it("fills the defaults of optional fields", () => {
    const source = parseSourceFile(path.join(process.cwd(), "sources/transfers.yaml"), VALID);
    assert.deepStrictEqual(source.source, { kind: "eventhub", partitions: 2, retentionHours: 24 });
    assert.deepStrictEqual(source.tables[0].columns[0], {
      name: "event_id",
      type: "string",
      pii: false,
      mask: undefined,
      encrypt: false,
    });
    assert.strictEqual(source.file, path.join("sources", "transfers.yaml"));
  });

  const cases: [string, (text: string) => string, string[]][] = [
    [
      "a wrong mode",
      (t) => t.replace("mode: streaming", "mode: realtime"),
      ['sources/transfers.yaml:3:7: mode: must be one of streaming, batch (got "realtime")'],
    ],
    [
      "a missing name",
      (t) => t.replace("name: transfers\n", ""),
      ["sources/transfers.yaml:1:1: name: is required"],
    ],
    [
      "a name that smuggles SQL",
      (t) => t.replace("name: transfers\n", "name: x; DROP TABLE y\n"),
      [
        'sources/transfers.yaml:1:7: name: must be lower_snake_case: a lowercase letter, then lowercase letters, digits or underscores, at most 63 characters (got "x; DROP TABLE y")',
      ],
    ],
    [
      "a column name that smuggles SQL",
      (t) => t.replace("name: fee_eur", 'name: "fee` STRING, x"'),
      [
        'sources/transfers.yaml:11:17: tables[0].columns[1].name: must be lower_snake_case: a lowercase letter, then lowercase letters, digits or underscores, at most 63 characters (got "fee` STRING, x")',
      ],
    ],
    [
      "a name that does not match the file",
      (t) => t.replace("name: transfers\n", "name: bids\n"),
      ['sources/transfers.yaml:1:7: name: "bids" must match the file name (bids.yaml)'],
    ],
    [
      "an unknown field",
      (t) => t.replace("owner: transfers-team", "owner: transfers-team\nownr: x"),
      ["sources/transfers.yaml:3:1: ownr: unknown field"],
    ],
    [
      "an unknown source kind",
      (t) => t.replace("kind: eventhub", "kind: kafka"),
      ['sources/transfers.yaml:5:9: source.kind: must be one of sqlserver, eventhub, files (got "kafka")'],
    ],
    [
      "a streaming source that reads the SQL replica",
      (t) => t.replace("kind: eventhub", "kind: sqlserver"),
      [
        'sources/transfers.yaml:5:9: source.kind: must be eventhub or files for a streaming source (got "sqlserver")',
      ],
    ],
    [
      "a batch source without a schedule",
      (t) =>
        t.replace("mode: streaming", "mode: batch").replace("kind: eventhub", "kind: files\n  format: csv"),
      ["sources/transfers.yaml:5:3: source.schedule: is required for a batch source"],
    ],
    [
      "a schedule that is not Quartz cron",
      (t) =>
        t
          .replace("mode: streaming", "mode: batch")
          .replace("kind: eventhub", 'kind: sqlserver\n  schedule: "0 * * * *"'),
      [
        'sources/transfers.yaml:6:13: source.schedule: must be a Quartz cron expression of 6 or 7 fields (seconds minutes hours day-of-month month day-of-week [year]), for example "0 0 2 * * ?"; this one has 5 (got "0 * * * *")',
      ],
    ],
    [
      "a schedule with both day fields set",
      (t) =>
        t
          .replace("mode: streaming", "mode: batch")
          .replace("kind: eventhub", 'kind: sqlserver\n  schedule: "0 0 2 * * *"'),
      [
        "sources/transfers.yaml:6:13: source.schedule: is not a valid Quartz cron expression: day-of-month and day-of-week cannot both have a value; one of them must be '?' (got \"0 0 2 * * *\")",
      ],
    ],
    [
      "an unknown column type",
      (t) => t.replace("type: string }", "type: varchar }"),
      [
        'sources/transfers.yaml:10:33: tables[0].columns[0].type: must be a Spark SQL type: string, boolean, tinyint, smallint, int, bigint, float, double, date, timestamp, binary or decimal(p,s) (got "varchar")',
      ],
    ],
    [
      "a mask on a column that is not PII",
      (t) => t.replace('type: "decimal(14,2)" }', 'type: "decimal(14,2)", mask: redact }'),
      ["sources/transfers.yaml:11:55: tables[0].columns[1].mask: is only allowed on a column with pii: true"],
    ],
    [
      "a mask that cannot mask the column's type",
      (t) =>
        t.replace(
          "{ name: agent_email, type: string, pii: true, mask: email }",
          "{ name: agent_email, type: string, pii: true, mask: year_only }",
        ),
      [
        'sources/transfers.yaml:12:61: tables[0].columns[2].mask: "year_only" cannot mask a string column (date or timestamp columns only)',
      ],
    ],
    [
      "encryption of a column that is not a string",
      (t) => t.replace('type: "decimal(14,2)" }', 'type: "decimal(14,2)", pii: true, encrypt: true }'),
      [
        "sources/transfers.yaml:11:69: tables[0].columns[1].encrypt: is only allowed on string columns (got decimal(14,2))",
      ],
    ],
    [
      "a row filter on a missing column",
      (t) =>
        t.replace(
          "  piiReaders: [transfers-pii-readers]",
          "  piiReaders: [transfers-pii-readers]\n  rowFilter: { column: country, byGroup: { uk-scouts: [GB] } }",
        ),
      ['sources/transfers.yaml:18:24: access.rowFilter.column: "country" is not a column of any table'],
    ],
    [
      "a row filter on a PII column",
      (t) =>
        t.replace(
          "  piiReaders: [transfers-pii-readers]",
          "  piiReaders: [transfers-pii-readers]\n  rowFilter: { column: agent_email, byGroup: { uk-scouts: [GB] } }",
        ),
      [
        'sources/transfers.yaml:18:24: access.rowFilter.column: "agent_email" must be a string column without pii',
      ],
    ],
    [
      "a row filter for a broad principal",
      (t) =>
        t.replace(
          "  piiReaders: [transfers-pii-readers]",
          "  piiReaders: [transfers-pii-readers]\n  rowFilter: { column: event_id, byGroup: { users: [GB] } }",
        ),
      [
        'sources/transfers.yaml:18:52: access.rowFilter.byGroup.users: must be a specific group, not the broad principal "users" (got "users"; never granted, in any spelling: users, account users, all users, admins)',
      ],
    ],
    [
      "an unknown mask",
      (t) => t.replace("mask: email", "mask: scramble"),
      [
        'sources/transfers.yaml:12:61: tables[0].columns[2].mask: must be one of redact, email, hash, last4, year_only (got "scramble")',
      ],
    ],
    [
      "a column declared twice",
      (t) => t.replace("name: fee_eur", "name: event_id"),
      ['sources/transfers.yaml:11:17: tables[0].columns[1].name: duplicates column "event_id"'],
    ],
    [
      "an expectation declared twice",
      (t) =>
        t.replace(
          "onViolation: drop }",
          'onViolation: drop }\n      - { name: valid_event_id, expr: "fee_eur > 0" }',
        ),
      [
        'sources/transfers.yaml:15:17: tables[0].expectations[1].name: duplicates expectation "valid_event_id"',
      ],
    ],
    [
      "a PII primary key",
      (t) => t.replace("primaryKey: [event_id]", "primaryKey: [agent_email]"),
      [
        'sources/transfers.yaml:8:18: tables[0].primaryKey[0]: "agent_email" is a pii column; the primary key joins bronze to the PII schema and must not be personal data',
      ],
    ],
    [
      "a primary key that is not a column",
      (t) => t.replace("primaryKey: [event_id]", "primaryKey: [id]"),
      ['sources/transfers.yaml:8:18: tables[0].primaryKey[0]: "id" is not a column of this table'],
    ],
    [
      "an expectation that appends a statement",
      (t) => t.replace("event_id IS NOT NULL", "event_id IS NOT NULL; DROP TABLE x"),
      [
        'sources/transfers.yaml:14:39: tables[0].expectations[0].expr: has a character that is not allowed at position 21 ("; DROP TAB"): use columns, literals, operators and allowed functions only',
      ],
    ],
    [
      "an expectation that calls an unknown function",
      (t) => t.replace("event_id IS NOT NULL", "java_method('java.lang.Runtime', 'exec', 'rm') IS NULL"),
      [
        'sources/transfers.yaml:14:39: tables[0].expectations[0].expr: calls "java_method", which is not an allowed function (allowed: abs, coalesce, current_date, current_timestamp, date_add, date_sub, datediff, day, length, lower, month, regexp_like, size, substring, trim, upper, year)',
      ],
    ],
    [
      "a group that is a broad principal",
      (t) => t.replace("piiReaders: [transfers-pii-readers]", "piiReaders: [account users]"),
      [
        'sources/transfers.yaml:17:16: access.piiReaders[0]: must be a specific group, not the broad principal "account users" (got "account users"; never granted, in any spelling: users, account users, all users, admins)',
      ],
    ],
    [
      "a user as a reader",
      (t) => t.replace("readers: [lakehouse-analysts]", "readers: [bob@example.com]"),
      [
        "sources/transfers.yaml:16:13: access.readers[0]: must be a group display name: letters, digits, single spaces, '.', '_' or '-', not starting or ending with a space, at most 128 characters (got \"bob@example.com\")",
      ],
    ],
    [
      "broken YAML",
      (t) => t.replace("owner: transfers-team", "owner: [transfers"),
      [
        "sources/transfers.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      ],
    ],
    [
      "a key written twice",
      (t) => t.replace("owner: transfers-team", "owner: transfers-team\nowner: other"),
      ["sources/transfers.yaml:3:1: invalid YAML: Map keys must be unique"],
    ],
  ];
  for (const [what, change, expected] of cases) {
    it(`refuses ${what}`, () => {
      assert.deepStrictEqual(problemsOf(change(VALID)), expected);
    });
  }

  it("refuses two sources with one name, naming both files", () => {
    const dir = tempDir({ "transfers.yaml": VALID, "transfers.yml": VALID });
    assert.throws(
      () => loadSources([dir]),
      (error: InvalidInputError) => {
        assert.deepStrictEqual(error.problems, [
          `${path.join(dir, "transfers.yml")}:1:7: name: "transfers" is already the name of another source (${path.join(dir, "transfers.yaml")}:1:7: name)`,
        ]);
        return true;
      },
    );
  });

  it("reports every broken file at once and builds nothing", () => {
    const dir = tempDir({
      "a.yaml": VALID.replace("name: transfers", "name: a").replace("mode: streaming", "mode: live"),
      "b.yaml": VALID.replace("name: transfers", "name: b").replace("owner: transfers-team\n", ""),
    });
    assert.throws(
      () => loadSources([dir]),
      (error: InvalidInputError) => {
        assert.deepStrictEqual(error.problems, [
          `${path.join(dir, "a.yaml")}:3:7: mode: must be one of streaming, batch (got "live")`,
          `${path.join(dir, "b.yaml")}:1:1: owner: is required`,
        ]);
        return true;
      },
    );
  });

  it("refuses a sources directory that does not exist", () => {
    assert.throws(() => loadSources(["/nonexistent/sources"]), {
      message: "/nonexistent/sources: sources directory does not exist",
    });
  });
});

describe("generated SQL safety", () => {
  const columns = new Set(["player_id", "status", "fee_eur", "event_time"]);

  it("accepts the expectation grammar", () => {
    for (const expr of [
      "player_id IS NOT NULL",
      "status IN ('bid', 'agreed')",
      "fee_eur IS NULL OR fee_eur >= 0",
      "length(trim(status)) > 0 AND NOT (fee_eur < 0)",
      "event_time <= current_timestamp()",
      "fee_eur BETWEEN 0 AND 1000000000",
      "fee_eur > 1e3 AND fee_eur < 2.5E+9",
      "status NOT IN ('bid') AND status NOT LIKE 'x%' AND -fee_eur <= 0",
      "NOT NOT (coalesce(fee_eur, 0) * 2 >= 0)",
    ]) {
      assert.strictEqual(checkExpectationExpression(expr, columns), undefined, expr);
    }
  });

  it("refuses anything else", () => {
    const refused: [string, string][] = [
      ["status = 'a' -- player_id", 'has a SQL comment marker "--" at position 14'],
      ["status /* x */ = 'a'", 'has a SQL comment marker "/*" at position 8'],
      ["fee_eur */ 2", 'has a SQL comment marker "*/" at position 9'],
      [
        "`Player-Id` > 0",
        "quotes `Player-Id` at position 1: a quoted name must be a lower_snake_case column of this table",
      ],
      [
        "`ID` > 0",
        "quotes `ID` at position 1: a quoted name must be a lower_snake_case column of this table",
      ],
      ["player_id > 0 AND", "is incomplete: it ends where an operand is expected"],
      ["fee_eur BETWEEN 0", "is incomplete: it ends where AND is expected"],
      [
        "player_id player_id",
        'is not a complete expression: expected an operator, AND, OR or the end at position 11 (got "player_id")',
      ],
      ["player_id > AND 1", 'is not a complete expression: expected an operand at position 13 (got "AND")'],
      ["status IN 'bid'", "is not a complete expression: expected '(' at position 11 (got \"'bid'\")"],
      ["player_id IS 0", 'is not a complete expression: expected NULL at position 14 (got "0")'],
      [
        "status = 'it\\'s'",
        "has a character that is not allowed at position 10 (\"'it\\'s'\"): use columns, literals, operators and allowed functions only",
      ],
      [
        'status = "bid"',
        'has a character that is not allowed at position 10 (""bid""): use columns, literals, operators and allowed functions only',
      ],
      ["password IS NULL", 'refers to "password", which is not a column of this table'],
      ["(player_id > 0", "has an unbalanced '('"],
      ["player_id > 0)", "has an unbalanced ')'"],
      ["   ", "must not be empty"],
      ["x".repeat(501), "must be at most 500 characters"],
    ];
    for (const [expr, why] of refused) {
      assert.strictEqual(checkExpectationExpression(expr, columns), why, expr);
    }
  });

  it("quotes identifiers and strings", () => {
    assert.strictEqual(quoteIdentifier("players"), "`players`");
    assert.strictEqual(quoteIdentifier("a`b"), "`a``b`");
    assert.strictEqual(quoteString("it's \\ fine"), "'it\\'s \\\\ fine'");
  });
});
