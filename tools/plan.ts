// The offline plan: runs the real program under Pulumi's mocks with a stack's config, runs the policy pack
// over every recorded resource, and prints a summary (or --json). Exit codes: 0 no mandatory violation,
// 1 mandatory violations, 2 invalid config or source file, 3 the plan itself failed.
import * as fs from "fs";
import * as path from "path";
import { parseArgs, ParseArgsConfig } from "util";
import * as pulumi from "@pulumi/pulumi";
import { controlCharacter } from "../components/validation";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "../policies/rules";
import { noPlaintextSecrets, plaintextSecretFindings } from "../policies/rules/reliability";
import { evaluatePolicies, readPackConfig } from "./plan/evaluate";
import { dataSourceReads } from "./plan/mocks";
import { recordProgram } from "./plan/record";
import { planDocument, renderText } from "./plan/report";
import { readStackConfig } from "./plan/stack-config";

/** The directory of Pulumi.yaml, whether this runs from tools/ (ts-node) or dist/tools/ (compiled). */
const PROJECT_DIR = [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..")].find((dir) =>
  fs.existsSync(path.join(dir, "Pulumi.yaml")),
) as string;
/** The program next to this file's tree: index.ts under ts-node, dist/index.js compiled. */
const PROGRAM = path.join(__dirname, "..", "index");
const ORGANIZATION = "offline-plan";
const USAGE = "usage: npm run plan -- [--stack dev] [--sources DIR] [--json] [--summary] [--program FILE]";

const reported = new Map<unknown, number>();

/** The pack's version, as the engine reports it: policies/package.json. */
function packVersion(): string {
  const manifest = path.join(PROJECT_DIR, "policies", "package.json");
  return (JSON.parse(fs.readFileSync(manifest, "utf8")) as { version: string }).version;
}

/** Prints an error the way the exit codes promise (user mistakes as their message, bugs with a stack), once. */
function reportOnce(error: unknown): number {
  let code = reported.get(error);
  if (code === undefined) {
    code = pulumi.RunError.isInstance(error) ? 2 : 3;
    console.error(
      code === 2
        ? (error as Error).message
        : `plan: internal error: ${(error as Error).stack ?? String(error)}` +
            (Error.stackTraceLimit < 10
              ? `\n(stack traces are cut to ${Error.stackTraceLimit} frame for speed; for the whole trace run: node dist/tools/plan.js ${process.argv.slice(2).join(" ")})`
              : ""),
    );
    reported.set(error, code);
  }
  return code;
}

/** The plan's options; adding one is one line here (and its use below). */
const OPTIONS = {
  stack: { type: "string", default: "dev" },
  sources: { type: "string" },
  json: { type: "boolean", default: false },
  // Counts by type per component instead of the resource tree (automatic for large stacks).
  summary: { type: "boolean", default: false },
  // Another program than index.ts, with the same stack config: the policy tests' insecure fixtures.
  program: { type: "string" },
  help: { type: "boolean", default: false },
} as const satisfies ParseArgsConfig["options"];

type Options = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; strict: true }>>["values"];

/** Parses the command line; throws a message for the user (bad option, empty or unprintable value). */
function parseOptions(argv: string[]): Options {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string" && (value.trim() === "" || controlCharacter(value))) {
      throw new Error(`--${name}: needs a value that is not empty and has no control characters`);
    }
  }
  return values;
}

export async function plan(argv: string[]): Promise<number> {
  let options: Options;
  try {
    options = parseOptions(argv);
    if (options.help) {
      console.log(USAGE);
      return 0;
    }
  } catch (error) {
    console.error(`plan: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }

  try {
    const overrides = options.sources
      ? { sourcesDirs: JSON.stringify([path.resolve(options.sources)]) }
      : undefined;
    const program = options.program ? path.resolve(options.program) : PROGRAM;
    try {
      require.resolve(program);
    } catch {
      console.error(`plan: --program: no program at ${program}\n${USAGE}`);
      return 2;
    }
    if (program.endsWith(".ts") && !process.execArgv.some((a) => a.includes("ts-node"))) {
      // A TypeScript program (a test fixture) run by the compiled plan.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require("ts-node") as typeof import("ts-node")).register({ transpileOnly: true });
    }
    const stack = readStackConfig(PROJECT_DIR, options.stack, overrides);
    const packConfig = readPackConfig(
      path.join(PROJECT_DIR, "policies", "config", `${stack.stack}.json`),
      policies,
    );
    process.chdir(PROJECT_DIR); // the engine runs programs from the project directory
    const recorded = await recordProgram(program, stack, ORGANIZATION);
    const outcome = await evaluatePolicies(recorded.resources, policies, PACK_ENFORCEMENT_LEVEL, packConfig, {
      // Secrecy is invisible to policies; the plan still sees each input's secret signature.
      [noPlaintextSecrets.name]: plaintextSecretFindings,
    });
    const doc = planDocument(
      stack.stack,
      recorded.resources,
      recorded.outputs,
      stack.placeholders,
      outcome.policies,
      outcome.violations,
      outcome.remediations,
      { name: PACK_NAME, version: packVersion() },
      dataSourceReads(),
    );
    const descriptions = Object.fromEntries(policies.map((p) => [p.name, p.description ?? ""]));
    console.log(
      options.json
        ? JSON.stringify(doc, null, 2)
        : renderText(doc, { summary: options.summary, descriptions }),
    );
    return outcome.violations.some((v) => v.level === "mandatory") ? 1 : 0;
  } catch (error) {
    return reportOnce(error);
  }
}

if (require.main === module) {
  // The SDK also rejects the stack's own promises with the program's error: report it once, whichever
  // path sees it first, and keep the highest exit code.
  const exit = (code: number) => {
    process.exitCode = Math.max(Number(process.exitCode ?? 0), code);
  };
  process.on("unhandledRejection", (reason) => exit(reportOnce(reason)));
  plan(process.argv.slice(2)).then(exit);
}
