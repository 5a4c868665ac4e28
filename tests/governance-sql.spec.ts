import * as assert from "assert";
import * as path from "path";
import { governanceFunctionsSql, governanceTagsSql, GovernanceSqlContext } from "../sql/governance-sql";
import { pipelineSql } from "../sql/pipeline-sql";
import { DataSource, parseSourceFile } from "../config/sources";
import { SQL_CONTEXT } from "./support/sql-context";

const ctx: GovernanceSqlContext = SQL_CONTEXT;

/** A source with one PII column of every mask kind, an encrypted one, and a row filter. */
const source: DataSource = parseSourceFile(
  path.join(process.cwd(), "sources/people.yaml"),
  `name: people
owner: hr-data
mode: batch
source: { kind: sqlserver, schedule: "0 0 1 * * ?" }
tables:
  - name: employees
    primaryKey: [employee_id]
    columns:
      - { name: employee_id, type: bigint }
      - { name: country, type: string }
      - { name: full_name, type: string, pii: true }
      - { name: email, type: string, pii: true, mask: email }
      - { name: national_id, type: string, pii: true, mask: hash }
      - { name: phone, type: string, pii: true, mask: last4 }
      - { name: birth_date, type: date, pii: true, mask: year_only }
      - { name: salary, type: "decimal(10,2)", pii: true, mask: redact }
      - { name: iban, type: string, pii: true, mask: last4, encrypt: true }
access:
  readers: [hr-analysts]
  piiReaders: [hr-pii-readers]
  rowFilter: { column: country, byGroup: { hr-uk: [GB], hr-dach: [DE, AT, CH] } }
`,
);

const READERS =
  "is_account_group_member('lakehouse-pii-readers') OR is_account_group_member('hr-pii-readers')";
const fn = (name: string, type: string, what: string, body: string, stored = false) =>
  `CREATE OR REPLACE FUNCTION \`lh_dev\`.\`governance\`.\`${name}\`(value ${type}${stored ? ", masked STRING" : ""})
RETURNS ${type}
COMMENT 'Masks ${what} PII of people for everyone outside its PII reader groups.'
RETURN CASE WHEN ${READERS} THEN ${body} END;
`;

describe("governance SQL", () => {
  const sql = governanceFunctionsSql([source], ctx);

  it("defines one mask function per kind that shows clear values to the PII reader groups only", () => {
    const expected = [
      fn("people_mask_email_string", "STRING", "email", "value ELSE regexp_replace(value, '^[^@]*', '***')"),
      // The salted hash needs the salt: the pipeline computes it into a companion column the mask returns.
      fn("people_mask_hash_string", "STRING", "hash", "value ELSE masked", true),
      // Encrypted: readers get the decrypted value, everyone else its last four, computed by the pipeline.
      fn(
        "people_mask_last4_encrypted_string",
        "STRING",
        "last4 (encrypted)",
        "CAST(aes_decrypt(unbase64(value), secret('pii', 'pii-encryption-key'), 'GCM') AS STRING) ELSE masked",
        true,
      ),
      fn(
        "people_mask_last4_string",
        "STRING",
        "last4",
        "value ELSE concat(repeat('*', greatest(length(value) - 4, 0)), right(value, 4))",
      ),
      fn(
        "people_mask_redact_decimal_10_2",
        "DECIMAL(10,2)",
        "redact",
        "value ELSE CAST(NULL AS DECIMAL(10,2))",
      ),
      fn("people_mask_redact_string", "STRING", "redact", "value ELSE '[REDACTED]'"),
      fn("people_mask_year_only_date", "DATE", "year_only", "value ELSE make_date(year(value), 1, 1)"),
    ];
    for (const statement of expected) {
      assert.ok(sql.includes(statement), `missing:\n${statement}\nin:\n${sql}`);
    }
  });

  it("defines the row filter: admins and engineers see all rows, listed groups their own", () => {
    assert.ok(
      sql.includes(`CREATE OR REPLACE FUNCTION \`lh_dev\`.\`governance\`.\`people_row_filter\`(value STRING)
RETURNS BOOLEAN
COMMENT 'Rows of people each group may see, by country.'
RETURN is_account_group_member('lakehouse-platform-admins') OR is_account_group_member('lakehouse-data-engineers')
  OR (is_account_group_member('hr-uk') AND value IN ('GB'))
  OR (is_account_group_member('hr-dach') AND value IN ('DE', 'AT', 'CH'));
`),
      sql,
    );
  });

  it("applies the masks and the row filter in silver and encrypts in bronze", () => {
    const silver = pipelineSql(source, SQL_CONTEXT).silver;
    assert.ok(
      silver.includes(
        "  `salary` DECIMAL(10,2) MASK `lh_dev`.`governance`.`people_mask_redact_decimal_10_2`,\n",
      ),
    );
    assert.ok(
      silver.includes(
        "  `iban` STRING MASK `lh_dev`.`governance`.`people_mask_last4_encrypted_string` USING COLUMNS (`_iban_masked`),\n",
      ),
    );
    // What readers outside the PII groups see is the column's tagged mask kind, computed by the pipeline.
    assert.ok(
      silver.includes(
        "  concat(repeat('*', greatest(length(CAST(aes_decrypt(unbase64(p.`iban`), secret('pii', 'pii-encryption-key'), 'GCM') AS STRING)) - 4, 0)), right(CAST(aes_decrypt(unbase64(p.`iban`), secret('pii', 'pii-encryption-key'), 'GCM') AS STRING), 4)) AS `_iban_masked`,\n",
      ),
      silver,
    );
    assert.ok(
      silver.includes(
        "  sha2(concat(secret('pii', 'pii-hash-salt'), p.`national_id`), 256) AS `_national_id_masked`,\n",
      ),
      silver,
    );
    assert.ok(
      silver.includes("\nWITH ROW FILTER `lh_dev`.`governance`.`people_row_filter` ON (`country`)\n"),
    );
    const bronze = pipelineSql(source, SQL_CONTEXT).bronze;
    assert.ok(
      bronze.includes("base64(aes_encrypt(`iban`, secret('pii', 'pii-encryption-key'), 'GCM')) AS `iban`"),
    );
  });

  it("never calls secret() where readers outside the PII groups see the result (they may not read the scope)", () => {
    for (const statement of sql.split(";").filter((t) => t.includes("RETURN CASE"))) {
      const shownToOthers = statement.split(" ELSE ")[1] ?? "";
      assert.ok(!shownToOthers.includes("secret("), statement);
    }
  });

  it("tags PII tables restricted and PII columns with their mask kind, with the statement of the table's type", () => {
    const tags = governanceTagsSql(source, ctx).split("\n");
    // A replica (sqlserver) source's pipeline creates materialized views.
    assert.strictEqual(
      tags[1],
      "ALTER MATERIALIZED VIEW `lh_dev`.`people_pii`.`employees` SET TAGS ('classification' = 'restricted');",
    );
    assert.ok(
      tags.includes(
        "ALTER MATERIALIZED VIEW `lh_dev`.`people_silver`.`employees` ALTER COLUMN `email` SET TAGS ('pii' = 'email', 'classification' = 'restricted');",
      ),
    );
    assert.strictEqual(tags.filter((t) => t.includes("ALTER COLUMN")).length, 7 * 2);
  });
});
