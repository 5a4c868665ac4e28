// The README's numbers and plan excerpt are the plan's own: each excerpt line is a line of the dev plan, in
// order ("..." stands for lines left out), and the rule count is the pack's.
import * as assert from "assert";
import * as fs from "fs";
import { policies } from "../policies/rules";
import { runPlan } from "./support/plan";
import { README } from "./support/readme";

const text = fs.readFileSync(README, "utf8");

describe("README plan excerpt and numbers", () => {
  it("shows lines of the current dev plan, in order", async () => {
    const excerpt = /Excerpt of the `dev` plan:\n\n```text\n([\s\S]*?)```/.exec(text)?.[1];
    assert.ok(excerpt, "no plan excerpt in the README");
    const run = await runPlan();
    assert.strictEqual(run.code, 0, run.stderr);
    const plan = run.stdout.split("\n");
    let at = 0;
    const missing: string[] = [];
    for (const line of excerpt.split("\n").filter((l) => l !== "..." && l !== "")) {
      const found = plan.indexOf(line, at);
      if (found < 0) missing.push(line);
      else at = found + 1;
    }
    assert.deepStrictEqual(missing, [], `not in the dev plan (in this order):\n${run.stdout}`);
  });

  it("gives the pack's rule count", () => {
    assert.deepStrictEqual(
      [.../(\d+) rules in\s+modules by domain/.exec(text)!.slice(1)],
      [String(policies.length)],
    );
  });

  it("sends example output only to paths inside the repository", () => {
    assert.deepStrictEqual(text.match(/>\s*\/(tmp|var|home)\/\S*/g) ?? [], []);
  });
});
