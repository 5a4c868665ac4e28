// Runs the offline plan as users do (a child process), once per distinct set of arguments per test run,
// so every spec file asserts on the same recorded plan instead of rebuilding the platform.
import { execFile } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { INCARNATION_LENGTH } from "../../components/core/naming";
import { mockRandomString } from "../../tools/plan/mocks";
import type { PlanDocument } from "../../tools/plan/report";

export const PROJECT_DIR = path.resolve(__dirname, "..", "..");

/** The node options `npm run plan` uses (see package.json and README, "Performance"). */
export const PLAN_NODE_ARGS = ["--stack-trace-limit=1", "--max-old-space-size=1024"];

export interface PlanRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

const runs = new Map<string, Promise<PlanRun>>();

export function runPlan(...args: string[]): Promise<PlanRun> {
  return runPlanWith({}, ...args);
}

let accountOutputs: Promise<string> | undefined;

/**
 * Where the spec files' worker processes share plans (set once per `mocha` run by
 * tests/support/global-fixtures.ts); unset, each process keeps its own.
 */
const SHARED_DIR = process.env.LAKEHOUSE_TEST_PLANS;

/**
 * The account stack's plan, saved once per test run: environment plans read its outputs from this file
 * (`--account-outputs`) instead of planning the account stack again each time.
 */
function savedAccountPlan(): Promise<string> {
  accountOutputs ??= execPlan({}, ["--project", "account", "--json"]).then((run) => {
    const dir = SHARED_DIR ?? fs.mkdtempSync(path.join(os.tmpdir(), "account-plan-"));
    const file = path.join(dir, "westeurope.json");
    writeAtomically(file, run.stdout);
    return file;
  });
  return accountOutputs;
}

/** Writes a file in one step, so a process reading it never sees half of it. */
function writeAtomically(file: string, text: string): void {
  const partial = `${file}.${process.pid}.partial`;
  fs.writeFileSync(partial, text);
  fs.renameSync(partial, file);
}

/** The westeurope account stack's `--json` plan, the one environment plans read (planned once per run). */
export async function savedAccountPlanOf(): Promise<PlanDocument> {
  return JSON.parse(fs.readFileSync(await savedAccountPlan(), "utf8")) as PlanDocument;
}

/** Runs the plan with extra environment variables (fixture programs read them). */
export async function runPlanWith(env: Record<string, string>, ...args: string[]): Promise<PlanRun> {
  const own = args.includes("--project") ? [] : ["--account-outputs", await savedAccountPlan()];
  return execPlan(env, [...args, ...own]);
}

/** Runs the plan exactly as `npm run plan -- <args>` does (an environment plan plans its account stack). */
export function runPlanAsUsers(...args: string[]): Promise<PlanRun> {
  return execPlan({}, args);
}

function execPlan(env: Record<string, string>, args: string[]): Promise<PlanRun> {
  const key = JSON.stringify([env, args]);
  let run = runs.get(key);
  if (!run) {
    run = SHARED_DIR ? sharedPlan(key, () => spawnPlan(env, args)) : spawnPlan(env, args);
    runs.set(key, run);
  }
  return run;
}

function spawnPlan(env: Record<string, string>, args: string[]): Promise<PlanRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      // The compiled plan, as `npm run plan` runs it (`npm run test:unit` builds it first).
      [...PLAN_NODE_ARGS, path.join(PROJECT_DIR, "dist", "tools", "plan.js"), ...args],
      { cwd: PROJECT_DIR, maxBuffer: 256 * 1024 * 1024, env: { ...process.env, ...env } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/**
 * A plan one worker process runs and the others read: the first to ask takes a lock file and writes the
 * result; the others wait for it (or, after five minutes without it, run the plan themselves).
 */
async function sharedPlan(key: string, plan: () => Promise<PlanRun>): Promise<PlanRun> {
  const file = path.join(SHARED_DIR as string, `${createHash("sha256").update(key).digest("hex")}.json`);
  try {
    fs.closeSync(fs.openSync(`${file}.lock`, "wx"));
  } catch {
    for (let waited = 0; waited < 300_000; waited += 100) {
      if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, "utf8")) as PlanRun;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return plan();
  }
  const result = await plan();
  writeAtomically(file, JSON.stringify(result));
  return result;
}

/** The `--json` plan of a stack; fails the test when the plan did not exit 0. */
export async function planOf(stack: string): Promise<PlanDocument> {
  const run = await runPlan("--stack", stack, "--json");
  if (run.code !== 0) {
    throw new Error(`plan of ${stack} exited ${run.code}:\n${run.stderr}\n${run.stdout.slice(0, 2000)}`);
  }
  return JSON.parse(run.stdout) as PlanDocument;
}

/** The `--json` plan of the account stack (`--project account`). */
export async function accountPlanOf(stack = "westeurope"): Promise<PlanDocument> {
  const run = await runPlan("--project", "account", "--stack", stack, "--json");
  if (run.code !== 0) {
    throw new Error(
      `account plan of ${stack} exited ${run.code}:\n${run.stderr}\n${run.stdout.slice(0, 2000)}`,
    );
  }
  return JSON.parse(run.stdout) as PlanDocument;
}

/** The per-incarnation name suffix of a stack in the offline plan (seed "1" unless `--incarnation`). */
export function incarnationOf(stack: string, seed = "1"): string {
  const environment = /^pr-.*-(\d+)$/.exec(stack)?.[1];
  return mockRandomString(
    seed,
    `lh-${environment ? `pr${environment}` : stack}-incarnation`,
    INCARNATION_LENGTH,
  );
}

export type PlannedResource = PlanDocument["resources"][number];

/** The one resource of `type` whose logical name is `name`. */
export function resourceOf(plan: PlanDocument, type: string, name: string): PlannedResource {
  const found = plan.resources.filter((r) => r.type === type && r.name === name);
  if (found.length !== 1) {
    throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  }
  return found[0];
}

/** The inputs of the one resource of `type` named `name`, for exact assertions. */
export function inputsOf(plan: PlanDocument, type: string, name: string): Record<string, unknown> {
  return resourceOf(plan, type, name).inputs as Record<string, unknown>;
}

/** Every resource of `type`. */
export function resourcesOf(plan: PlanDocument, type: string): PlannedResource[] {
  return plan.resources.filter((r) => r.type === type);
}
