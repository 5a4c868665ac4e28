// `npm run test:readme` (run by .ci/run after `npm test`): runs every shell block of the README that can run
// offline, in order, from the repository's root, as a reader would paste it. None calls `npm ci` (the Quick
// start's blocks are what .ci/run runs first); not part of `npm test` because its blocks rebuild and re-plan.
import * as assert from "assert";
import { spawnSync } from "child_process";
import { shellBlocks } from "./support/readme";
import { PROJECT_DIR } from "./support/plan";

describe("README commands, run", () => {
  for (const block of shellBlocks().filter((b) => b.skip === undefined)) {
    it(`README.md:${block.line}: ${block.code.split("\n")[0]}`, () => {
      const run = spawnSync("bash", ["-euo", "pipefail", "-c", block.code], {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        maxBuffer: 256 * 1024 * 1024,
      });
      assert.strictEqual(
        run.status,
        0,
        `${block.code}\n${run.stdout.slice(-2000)}\n${run.stderr.slice(-2000)}`,
      );
    });
  }
});
