import * as assert from "assert";
import * as fs from "fs";
import { README, shellBlocks } from "./support/readme";

describe("README commands", () => {
  const blocks = shellBlocks();

  it("marks every shell block that cannot run offline, with the reason", () => {
    for (const block of blocks.filter((b) => b.skip === undefined)) {
      // What only a cloud session or its reader has: the Pulumi and Azure CLIs, placeholders.
      assert.doesNotMatch(block.code, /^\s*(pulumi|az|git clone)\b|<[a-z][^>]*>/m, `README.md:${block.line}`);
    }
    assert.ok(blocks.some((b) => b.skip === undefined) && blocks.some((b) => b.skip));
  });

  it("runs no block that reinstalls node_modules under the running tests (npm ci)", () => {
    assert.deepStrictEqual(
      blocks
        .filter((b) => b.skip === undefined && /\bnpm ci\b/.test(b.code.replace(/#.*$/gm, "")))
        .map((b) => b.line),
      [],
    );
  });

  it("finds the markers the convention describes, and no marker without its block", () => {
    const markers = fs.readFileSync(README, "utf8").match(/<!-- readme-commands:[^>]*-->/g) ?? [];
    assert.strictEqual(markers.length, blocks.filter((b) => b.skip).length, markers.join("\n"));
  });

  it("refers to no path outside the repository, except in blocks about a reader's other repositories", () => {
    const text = fs.readFileSync(README, "utf8");
    const outside = text
      .split("\n")
      .map((line, i) => ({ line, n: i + 1 }))
      .filter(({ line }) => /(^|[\s`'"(])\.\.\//.test(line))
      .filter(
        ({ n }) => !blocks.some((b) => b.skip && n > b.line && n <= b.line + b.code.split("\n").length),
      );
    assert.deepStrictEqual(outside, []);
  });
});
