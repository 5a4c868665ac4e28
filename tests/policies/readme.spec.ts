import * as assert from "assert";
import * as fs from "fs";
import * as prettier from "prettier";
import { README, renderReadme } from "../../tools/policy-table";

describe("README policy table", () => {
  it("matches the pack's metadata and per-stack levels (run `npm run policy-table` after changing a rule)", async () => {
    const readme = fs.readFileSync(README, "utf8");
    const options = (await prettier.resolveConfig(README)) ?? {};
    const expected = await prettier.format(renderReadme(readme), { ...options, filepath: README });
    assert.strictEqual(readme, expected);
  });
});
