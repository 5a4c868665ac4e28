import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";

/**
 * A user mistake in stack config or a source file. It is a `RunError`, so `pulumi up` prints the message
 * alone, without a stack trace; the offline plan prints it and exits 2.
 */
export class InvalidInputError extends pulumi.RunError {
  constructor(public readonly problems: readonly string[]) {
    super(problems.join("\n"));
    this.name = "InvalidInputError";
  }
}

/**
 * The first C0 or C1 control character of `text` (other than those in `allowed`), as its index and its
 * code point written U+XXXX, or undefined. Such characters never belong in names, tags, SQL or YAML text.
 */
export function controlCharacter(
  text: string,
  allowed = "",
): { index: number; codePoint: string } | undefined {
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if ((code < 0x20 || (code >= 0x7f && code <= 0x9f)) && !allowed.includes(text[index])) {
      return { index, codePoint: `U+${code.toString(16).toUpperCase().padStart(4, "0")}` };
    }
  }
  return undefined;
}

/**
 * The first invisible format character of `text` (Unicode Cf, such as the bidirectional overrides U+202E
 * and U+2066, zero-width characters, and the line and paragraph separators), as for `controlCharacter`.
 * In a SQL comment or a catalog description they make text read differently from what it is.
 */
export function formatCharacter(text: string): { index: number; codePoint: string } | undefined {
  const match = /[\p{Cf}\u2028\u2029]/u.exec(text);
  return match
    ? {
        index: match.index,
        codePoint: `U+${match[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}`,
      }
    : undefined;
}

/** Longest excerpt of a value a message shows: enough to recognise it, never a file's contents. */
export const MAX_EXCERPT = 200;

/**
 * A short, printable excerpt of a value for a message: JSON, with every character outside printable ASCII
 * escaped (control characters, invisible and look-alike Unicode), cut to `MAX_EXCERPT` characters.
 */
export function describe(value: unknown): string {
  const text = (JSON.stringify(value) ?? String(value)).replace(
    /[^\x20-\x7e]/gu,
    (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, "0")}`,
  );
  return text.length > MAX_EXCERPT ? `${text.slice(0, MAX_EXCERPT - 3)}...` : text;
}

/** `tables[0].columns[1].type` */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((part, index) =>
      typeof part === "number"
        ? `[${part}]`
        : /^[\w$<>-]+$/.test(String(part))
          ? `${index === 0 ? "" : "."}${String(part)}`
          : `[${describe(String(part))}]`,
    )
    .join("");
}

/** One readable sentence per zod issue: what is wrong and what is allowed, with the offending value. */
export function formatIssues(
  issue: z.core.$ZodIssue,
): { path: string; at: readonly PropertyKey[]; onKey?: boolean; message: string }[] {
  let input = (issue as { input?: unknown }).input;
  let path = issue.path;
  let message: string;
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((key) => ({
        path: formatPath([...issue.path, key]),
        at: [...issue.path, key],
        onKey: true,
        message: "unknown field",
      }));
    case "invalid_type":
      message =
        input === undefined
          ? "is required"
          : `must be ${issue.expected === "int" ? "an integer" : `${/^[aeiou]/.test(issue.expected) ? "an" : "a"} ${issue.expected}`}`;
      break;
    case "invalid_value":
      message = `must be one of ${issue.values.map((v) => String(v)).join(", ")}`;
      break;
    case "invalid_union": {
      // A discriminated union with an unknown discriminator (`source.kind`).
      const { options, discriminator } = issue as { options?: unknown[]; discriminator?: string };
      message = options ? `must be one of ${options.map(String).join(", ")}` : issue.message;
      if (discriminator && input !== null && typeof input === "object") {
        input = (input as Record<string, unknown>)[discriminator];
        path = path.at(-1) === discriminator ? path : [...path, discriminator];
      }
      break;
    }
    case "too_small":
      message =
        issue.origin === "array"
          ? `must have at least ${String(issue.minimum)} item${issue.minimum === 1 ? "" : "s"}`
          : issue.origin === "string"
            ? "must not be empty"
            : `must be ${issue.inclusive === false ? "more than" : "at least"} ${String(issue.minimum)}`;
      break;
    case "too_big":
      message =
        issue.origin === "string"
          ? `must be at most ${String(issue.maximum)} characters`
          : issue.origin === "array"
            ? `must have at most ${String(issue.maximum)} items`
            : `must be ${issue.inclusive === false ? "less than" : "at most"} ${String(issue.maximum)}`;
      break;
    case "invalid_key": {
      // A record key (a group name) that breaks the key schema: report the key's own problem.
      const inner = issue.issues[0] as z.core.$ZodIssue | undefined;
      message = inner ? formatIssues({ ...inner, path: [] } as z.core.$ZodIssue)[0].message : issue.message;
      return [{ path: formatPath(path), at: path, message }];
    }
    case "custom":
      // Cross-field rules name the values they talk about in their own message.
      return [{ path: formatPath(path), at: path, message: issue.message }];
    default:
      message = issue.message;
  }
  const got = input === undefined ? "" : ` (got ${describe(input)})`;
  return [{ path: formatPath(path), at: path, message: message + got }];
}

/**
 * Parses `value` with `schema`, or throws one `InvalidInputError` line per problem, each prefixed by `where`
 * (given the field as text and as a path, so a source file can add the field's line and column).
 */
export function parseOrThrow<T extends z.ZodType>(
  schema: T,
  value: unknown,
  where: (path: string, at: readonly PropertyKey[], onKey?: boolean) => string,
): z.output<T> {
  const result = schema.safeParse(value, { reportInput: true });
  if (result.success) {
    return result.data;
  }
  throw new InvalidInputError(
    result.error.issues.flatMap((issue) =>
      formatIssues(issue).map(({ path, at, onKey, message }) => `${where(path, at, onKey)}: ${message}`),
    ),
  );
}
