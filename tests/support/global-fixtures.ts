// Once per `mocha` run, in the main process, before the worker processes start: a directory where the workers
// share the plans they run (tests/support/plan.ts), so each plan runs once per test run, not once per worker.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export function mochaGlobalSetup(): void {
  process.env.LAKEHOUSE_TEST_PLANS = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-test-plans-"));
}

export function mochaGlobalTeardown(): void {
  const dir = process.env.LAKEHOUSE_TEST_PLANS;
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}
