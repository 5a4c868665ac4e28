// Flip tests: the real platform with some inputs changed (tests/fixtures/programs/mutated-platform.ts), planned
// with the policy pack; the mandatory violations it reports.
import * as path from "path";
import type { PlanDocument } from "../../tools/plan/report";
import { PROJECT_DIR, runPlanWith } from "./plan";

/** [type, name, path, value]: one changed input (`opts.dependsOn` changes an option). */
export type Mutation = [string, string, string, unknown];

/** `policy urn-name | message` of every mandatory violation of the mutated stack's plan, sorted. */
export async function mandatoryViolationsWith(
  stack: string,
  mutations: readonly Mutation[],
): Promise<string[]> {
  const run = await runPlanWith(
    {
      LAKEHOUSE_MUTATIONS: JSON.stringify(
        mutations.map(([type, name, p, value]) => ({ type, name, path: p, value })),
      ),
    },
    "--stack",
    stack,
    "--json",
    "--program",
    path.join(PROJECT_DIR, "tests", "fixtures", "programs", "mutated-platform.ts"),
  );
  if (run.code !== 1) throw new Error(`the mutated plan did not fail (exit ${run.code}): ${run.stderr}`);
  return (JSON.parse(run.stdout) as PlanDocument).violations
    .filter((v) => v.level === "mandatory")
    .map((v) => `${v.policy} ${v.urn.split("::").pop()} | ${v.message}`)
    .sort();
}
