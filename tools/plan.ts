// The offline plan: runs the real program under Pulumi's mocks with a stack's config, runs the policy pack
// over every recorded resource, and prints a summary (or --json). Exit codes: 0 no mandatory violation,
// 1 mandatory violations, 2 invalid config or source file, 3 the plan itself failed.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { parseArgs, ParseArgsConfig } from "util";
import * as pulumi from "@pulumi/pulumi";
import { controlCharacter } from "../config/validation";
import { PACK_ENFORCEMENT_LEVEL, PACK_NAME, policies } from "../policies/rules";
import { noPlaintextSecrets, plaintextSecretFindings } from "../policies/rules/reliability";
import { evaluatePolicies, readPackConfig } from "./plan/evaluate";
import { createPlanMocks, dataSourceReads } from "./plan/mocks";
import { recordProgram } from "./plan/record";
import { planDocument, renderText } from "./plan/report";
import { readStackConfig } from "./plan/stack-config";
import { InvalidInputError } from "../config/validation";

/** The directory of Pulumi.yaml, whether this runs from tools/ (ts-node) or dist/tools/ (compiled). */
const PROJECT_DIR = [path.resolve(__dirname, ".."), path.resolve(__dirname, "..", "..")].find((dir) =>
  fs.existsSync(path.join(dir, "Pulumi.yaml")),
) as string;
/** The programs next to this file's tree: index.ts under ts-node, dist/index.js compiled. */
const PROJECTS = {
  env: { dir: PROJECT_DIR, program: path.join(__dirname, "..", "index"), defaultStack: "dev" },
  account: {
    dir: path.join(PROJECT_DIR, "account"),
    program: path.join(__dirname, "..", "account", "index"),
    defaultStack: "westeurope",
  },
} as const;
const ORGANIZATION = "offline-plan";
const USAGE =
  "usage: npm run plan -- [--project env|account] [--stack dev] [--sources DIR] [--json] [--summary]\n" +
  "                       [--program FILE] [--review NUMBER] [--incarnation SEED] [--first-deploy] [--account-outputs FILE]";
/** What the previous update exported, as the plan of a stack's later update reads it back. */
export const PREVIOUS_DBFS_ROOT_IDENTITY = "00000000-0000-4000-8000-0000000dbf50";

/** The account stack's outputs, from its own offline plan (a child process: one program per process). */
function accountOutputs(stack: string, file?: string): Record<string, unknown> {
  if (file) {
    try {
      const outputs = (JSON.parse(fs.readFileSync(file, "utf8")) as { outputs?: Record<string, unknown> })
        .outputs;
      if (outputs === undefined) throw new Error("no outputs (not a --project account --json plan)");
      return outputs;
    } catch (error) {
      throw new InvalidInputError([`--account-outputs ${file}: ${(error as Error).message}`]);
    }
  }
  const run = spawnSync(
    process.execPath,
    [...process.execArgv, __filename, "--project", "account", "--stack", stack, "--json"],
    { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 },
  );
  if (run.status !== 0) {
    let reason = run.stderr.trim();
    try {
      const doc = JSON.parse(run.stdout) as { violations: { policy: string; level: string; urn: string }[] };
      reason = doc.violations
        .filter((v) => v.level === "mandatory")
        .map((v) => `${v.policy} ${v.urn}`)
        .join("; ");
    } catch {
      // not a plan document: the error is on stderr
    }
    throw new InvalidInputError([
      `--project account --stack ${stack}: the account plan, whose outputs this stack reads, exited ${run.status}: ${reason}`,
    ]);
  }
  return (JSON.parse(run.stdout) as { outputs: Record<string, unknown> }).outputs;
}

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
  project: { type: "string", default: "env" },
  // Default: the project's own (dev for the environment project, westeurope for the account project).
  stack: { type: "string" },
  // A pull request's review stack, planned with its template's (--stack's) config as Deployments runs it.
  review: { type: "string" },
  // Another incarnation of the stack: every random value (names Azure keeps after deletion) changes.
  incarnation: { type: "string", default: "1" },
  // The stack's first update: it has no outputs of a previous one to read back.
  "first-deploy": { type: "boolean", default: false },
  // The account stack's outputs from a saved `--project account --json` plan instead of a new one.
  "account-outputs": { type: "string" },
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
  const { values, tokens } = parseArgs({
    args: argv,
    options: OPTIONS,
    strict: true,
    allowPositionals: false,
    tokens: true,
  });
  // parseArgs keeps the last of a repeated option; a second --sources or --stack is a mistake, not a choice.
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option" || token.value === undefined) continue;
    if (seen.has(token.name)) throw new Error(`--${token.name}: given more than once; give it once`);
    seen.add(token.name);
  }
  for (const [name, value] of Object.entries(values)) {
    if (typeof value === "string" && (value.trim() === "" || controlCharacter(value))) {
      throw new Error(`--${name}: needs a value that is not empty and has no control characters`);
    }
  }
  return values;
}

export async function plan(argv: string[]): Promise<number> {
  let options: Options & { project: keyof typeof PROJECTS; stack: string };
  try {
    const values = parseOptions(argv);
    if (values.help) {
      console.log(USAGE);
      return 0;
    }
    if (values.project !== "env" && values.project !== "account") {
      throw new Error(`--project must be env or account (got "${values.project}")`);
    }
    if (values.review !== undefined && !/^\d{1,6}$/.test(values.review)) {
      throw new Error(`--review must be a pull request number (got "${values.review}")`);
    }
    options = {
      ...values,
      project: values.project,
      stack: values.stack ?? PROJECTS[values.project].defaultStack,
    };
  } catch (error) {
    console.error(`plan: ${(error as Error).message}\n${USAGE}`);
    return 2;
  }

  try {
    const overrides = options.sources
      ? { sourcesDirs: JSON.stringify([path.resolve(options.sources)]) }
      : undefined;
    const project = PROJECTS[options.project];
    const program = options.program ? path.resolve(options.program) : project.program;
    let resolved: string;
    try {
      resolved = require.resolve(program);
    } catch {
      console.error(`plan: --program: no program at ${program}\n${USAGE}`);
      return 2;
    }
    // Only programs are loaded: any other file would be run as JavaScript and its text echoed in the error.
    if (!/\.[jt]s$/.test(resolved)) {
      console.error(`plan: --program: ${resolved} is not a program; give a .ts or .js file\n${USAGE}`);
      return 2;
    }
    if (program.endsWith(".ts") && !process.execArgv.some((a) => a.includes("ts-node"))) {
      // A TypeScript program (a test fixture) run by the compiled plan.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      (require("ts-node") as typeof import("ts-node")).register({ transpileOnly: true });
    }
    const template = readStackConfig(project.dir, options.stack, overrides);
    // A review stack runs with its template's config under its own name (pr-<org>-<repo>-<number>).
    const stack = options.review
      ? {
          ...template,
          stack: `pr-${String(template.config[`${template.project}:githubRepository`]).replace("/", "-")}-${options.review}`,
        }
      : template;
    // The account stack has a policy group of its own (policies/config/account.json).
    const packStack = options.project === "account" ? "account" : template.stack;
    const packConfig = readPackConfig(
      path.join(PROJECT_DIR, "policies", "config", `${packStack}.json`),
      policies,
    );
    const account =
      options.project === "env"
        ? {
            name: `${stack.config["lakehouse:pulumiOrganization"]}/lakehouse-account/${stack.config["lakehouse:accountStack"]}`,
            outputs: accountOutputs(
              String(stack.config["lakehouse:accountStack"]),
              options["account-outputs"],
            ),
          }
        : undefined;
    const self = `${ORGANIZATION}/${stack.project}/${stack.stack}`;
    const mocks = createPlanMocks({
      incarnation: options.incarnation,
      stackOutputs: (name) =>
        name === account?.name
          ? account.outputs
          : name === self
            ? options["first-deploy"]
              ? {}
              : { dbfsRootIdentity: PREVIOUS_DBFS_ROOT_IDENTITY }
            : undefined,
    });
    process.chdir(project.dir); // the engine runs programs from the project directory
    const recorded = await recordProgram(program, stack, ORGANIZATION, mocks);
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
