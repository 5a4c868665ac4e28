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

/**
 * Words Spark SQL reserves: the keywords Spark SQL reserves in ANSI mode
 * (`spark.sql.ansi.enabled`, the default of Databricks SQL; "ANSI compliance", SQL keywords table), and
 * the words Databricks reserves or reads as keywords in expressions ("Reserved words and schemas").
 */
const RESERVED_WORDS = new Set([
  ...["all", "and", "any", "as", "authorization", "both", "case", "cast", "check", "collate", "column"],
  ...["constraint", "create", "cross", "current_date", "current_time", "current_timestamp", "current_user"],
  ...["distinct", "else", "end", "escape", "except", "false", "fetch", "filter", "for", "foreign", "from"],
  ...["full", "grant", "group", "having", "in", "inner", "intersect", "into", "is", "join", "lateral"],
  ...["leading", "left", "natural", "not", "null", "on", "only", "or", "order", "outer", "overlaps"],
  ...["primary", "references", "right", "select", "session_user", "some", "table", "then", "time", "to"],
  ...["trailing", "union", "unique", "unknown", "user", "using", "when", "where", "with"],
  // Databricks: reserved as table aliases, and special words in expressions.
  ...["anti", "minus", "semi", "default", "true"],
]);

/**
 * Words that are not reserved but start or continue an expression's syntax in Spark SQL: interval literals,
 * operators written as words, and clauses an expression could run into.
 */
const EXPRESSION_WORDS = ["interval", "limit", "offset", "div", "rlike", "regexp", "ilike", "exists"];

/**
 * Names a column may not have: an expectation (a token grammar, not a parser) reads these words as SQL, so
 * `null IS NULL` would test a literal and `in > 0` would not parse. Refusing them is simpler and safer than
 * telling the word from the column.
 */
export const SQL_WORDS: ReadonlySet<string> = new Set([...KEYWORDS, ...RESERVED_WORDS, ...EXPRESSION_WORDS]);

const TOKEN =
  /[ \t\r\n]+|(?<number>\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?<string>'[^'\\]*')|(?<quoted>`[a-z][a-z0-9_]{0,62}`)|(?<word>[A-Za-z_][A-Za-z0-9_]*)|(?<operator><>|!=|<=|>=|=|<|>|\+|-|\*|\/|%|\(|\)|,)/y;

/** Text safe to show in a message: characters outside printable ASCII as \\uXXXX. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

interface Token {
  readonly text: string;
  /** A bare word (keyword, function or column) or a `quoted` column. */
  readonly kind: "word" | "quoted" | "other";
  readonly at: number;
}

/** Splits an expression into tokens, or says where a character is not allowed. */
function tokenize(expr: string): Token[] | string {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < expr.length) {
    const at = TOKEN.lastIndex;
    const match = TOKEN.exec(expr);
    if (!match) {
      if (expr[at] === "`") {
        const end = expr.indexOf("`", at + 1);
        const name = printable(expr.slice(at, end < 0 ? at + 10 : Math.min(end + 1, at + 66)));
        return `quotes ${name} at position ${at + 1}: a quoted name must be a lower_snake_case column of this table`;
      }
      return `has a character that is not allowed at position ${at + 1} ("${printable(expr.slice(at, at + 10))}"): use columns, literals, operators and allowed functions only`;
    }
    const { number, string, quoted, word, operator } = match.groups ?? {};
    const text = number ?? string ?? quoted ?? word ?? operator;
    if (text !== undefined) {
      tokens.push({
        text,
        kind: word !== undefined ? "word" : quoted !== undefined ? "quoted" : "other",
        at,
      });
    }
  }
  return tokens;
}

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
  const tokens = tokenize(expr);
  if (typeof tokens === "string") {
    return tokens;
  }
  let depth = 0;
  for (const { text } of tokens) {
    depth += text === "(" ? 1 : text === ")" ? -1 : 0;
    if (depth < 0) {
      return "has an unbalanced ')'";
    }
  }
  if (depth !== 0) {
    return "has an unbalanced '('";
  }
  if (tokens.length === 0) {
    return "must not be empty";
  }
  for (const [index, { text, kind }] of tokens.entries()) {
    const lower = text.toLowerCase();
    if (kind === "quoted") {
      const name = text.slice(1, -1);
      if (tokens[index + 1]?.text === "(") {
        return `calls ${text}: a function name is not quoted`;
      }
      if (!columns.has(name)) {
        return `refers to "${name}", which is not a column of this table`;
      }
      continue;
    }
    if (kind !== "word" || KEYWORDS.has(lower)) {
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
  return grammarProblem(tokens);
}

const COMPARISONS = new Set(["=", "<>", "!=", "<", "<=", ">", ">="]);
const ARITHMETIC = new Set(["+", "-", "*", "/", "%"]);

/** Thrown inside `grammarProblem` where the expression stops following the grammar. */
class Expected {
  constructor(readonly what: string) {}
}

/**
 * Where the tokens stop being one expression of the expectation grammar (recursive descent), or undefined:
 *   or := and (OR and)*          and := not (AND not)*          not := NOT not | predicate
 *   predicate := sum [comparison sum | IS [NOT] NULL | [NOT] IN (sum, ...) | [NOT] LIKE sum
 *                     | [NOT] BETWEEN sum AND sum]
 *   sum := operand (arithmetic operand)*
 *   operand := [+|-] operand | number | string | NULL | TRUE | FALSE | column | function(or, ...) | (or)
 * So `id > 0 AND`, `id >` or `id id` are refused here, not by Spark when the pipeline starts.
 */
function grammarProblem(tokens: readonly Token[]): string | undefined {
  let i = 0;
  const peek = (k = 0) => tokens[i + k]?.text.toLowerCase();
  const isWord = (word: string, k = 0) => tokens[i + k]?.kind === "word" && peek(k) === word;
  const fail = (what: string): never => {
    throw new Expected(what);
  };
  const eat = (text: string, what: string) => {
    if (peek() !== text) fail(what);
    i++;
  };
  const list = (item: () => void) => {
    eat("(", "'('");
    if (peek() !== ")") {
      item();
      while (peek() === ",") {
        i++;
        item();
      }
    }
    eat(")", "')' or ','");
  };
  const operand = (): void => {
    const token = tokens[i];
    if (token === undefined) return fail("an operand");
    const word = token.text.toLowerCase();
    if (token.text === "+" || token.text === "-") {
      i++;
      return operand();
    }
    if (token.text === "(") {
      i++;
      or();
      return eat(")", "')'");
    }
    i++;
    if (token.kind === "quoted" || /^[\d']/.test(token.text)) return;
    if (token.kind !== "word" || (KEYWORDS.has(word) && !["null", "true", "false"].includes(word))) {
      i--;
      return fail("an operand");
    }
    if (peek() === "(") list(or);
  };
  const sum = () => {
    operand();
    while (ARITHMETIC.has(peek() ?? "")) {
      i++;
      operand();
    }
  };
  const predicate = () => {
    sum();
    if (COMPARISONS.has(peek() ?? "")) {
      i++;
      return sum();
    }
    if (isWord("is")) {
      i++;
      if (isWord("not")) i++;
      return eat("null", "NULL");
    }
    if (isWord("not") && ["in", "like", "between"].includes(peek(1) ?? "")) i++;
    if (isWord("in")) {
      i++;
      return list(sum);
    }
    if (isWord("like")) {
      i++;
      return sum();
    }
    if (isWord("between")) {
      i++;
      sum();
      eat("and", "AND");
      return sum();
    }
  };
  const not = (): void => {
    if (isWord("not")) {
      i++;
      return not();
    }
    predicate();
  };
  const and = () => {
    not();
    while (isWord("and")) {
      i++;
      not();
    }
  };
  const or = () => {
    and();
    while (isWord("or")) {
      i++;
      and();
    }
  };
  try {
    or();
    if (i < tokens.length) fail("an operator, AND, OR or the end");
    return undefined;
  } catch (error) {
    if (!(error instanceof Expected)) throw error;
    const token = tokens[i];
    return token === undefined
      ? `is incomplete: it ends where ${error.what} is expected`
      : `is not a complete expression: expected ${error.what} at position ${token.at + 1} (got "${printable(token.text)}")`;
  }
}
