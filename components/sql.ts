// Helpers for the SQL that is generated from source files. Identifiers are validated on the way in and
// quoted on the way out; expectation expressions are checked against a small grammar of tokens so a
// source file cannot smuggle statements, comments or unknown functions into a pipeline.

/** Lower snake case, at most 63 characters: safe as a Unity Catalog and Spark SQL identifier. */
export const SQL_IDENTIFIER = /^[a-z][a-z0-9_]{0,62}$/;

/** Quotes an identifier for Spark SQL / Unity Catalog. */
export function quoteIdentifier(name: string): string {
  return "`" + name.replace(/`/g, "``") + "`";
}

/** Quotes a string literal for Spark SQL (backslash is an escape character there). */
export function quoteString(value: string): string {
  return "'" + value.replace(/\\/g, "\\\\").replace(/'/g, "\\'") + "'";
}

const KEYWORDS = new Set(["and", "or", "not", "is", "null", "in", "like", "between", "true", "false"]);

/** Deterministic, side-effect-free functions an expectation may call. */
export const EXPECTATION_FUNCTIONS = new Set([
  "abs",
  "coalesce",
  "current_date",
  "current_timestamp",
  "date_add",
  "date_sub",
  "datediff",
  "day",
  "length",
  "lower",
  "month",
  "regexp_like",
  "size",
  "substring",
  "trim",
  "upper",
  "year",
]);

const TOKEN =
  /\s+|(?<number>\d+(?:\.\d+)?)|(?<string>'[^'\\]*')|(?<word>[A-Za-z_][A-Za-z0-9_]*)|(?<operator><>|!=|<=|>=|=|<|>|\+|-|\*|\/|%|\(|\)|,)/y;

export const MAX_EXPRESSION_LENGTH = 500;

/**
 * Checks a DLT expectation expression. Returns why it is refused, or undefined when it is acceptable: only
 * the table's columns, numbers, plain string literals, comparison and arithmetic operators, AND/OR/NOT,
 * IS [NOT] NULL, IN, LIKE, BETWEEN and the functions in `EXPECTATION_FUNCTIONS`.
 */
export function checkExpectationExpression(expr: string, columns: ReadonlySet<string>): string | undefined {
  if (expr.length > MAX_EXPRESSION_LENGTH) {
    return `must be at most ${MAX_EXPRESSION_LENGTH} characters`;
  }
  // `--` and `/*` would comment out the generated SQL that follows the expression.
  const comment = /--|\/\*|\*\//.exec(expr);
  if (comment) {
    return `has a SQL comment marker "${comment[0]}" at position ${comment.index + 1}`;
  }
  const tokens: { text: string; isWord: boolean }[] = [];
  let depth = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expr);
    if (!match) {
      return `has a character that is not allowed at position ${at + 1} ("${expr.slice(at, at + 10)}"): use columns, literals, operators and allowed functions only`;
    }
    const { number, string, word, operator } = match.groups ?? {};
    const text = number ?? string ?? word ?? operator;
    if (text === undefined) {
      continue; // whitespace
    }
    depth += text === "(" ? 1 : text === ")" ? -1 : 0;
    if (depth < 0) {
      return "has an unbalanced ')'";
    }
    tokens.push({ text, isWord: word !== undefined });
  }
  if (depth !== 0) {
    return "has an unbalanced '('";
  }
  if (tokens.length === 0) {
    return "must not be empty";
  }
  for (const [index, { text, isWord }] of tokens.entries()) {
    const lower = text.toLowerCase();
    if (!isWord || KEYWORDS.has(lower)) {
      continue;
    }
    if (tokens[index + 1]?.text === "(") {
      if (!EXPECTATION_FUNCTIONS.has(lower)) {
        return `calls "${text}", which is not an allowed function (allowed: ${[...EXPECTATION_FUNCTIONS].join(", ")})`;
      }
    } else if (!columns.has(text)) {
      return `refers to "${text}", which is not a column of this table`;
    }
  }
  return undefined;
}
