import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import { EXECUTOR_IMAGE } from "../components/deployments/deployments";
import { PROJECT_DIR } from "./support/plan";

type Manifest = {
  engines?: { node?: string };
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
};
const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");
const root = JSON.parse(read("package.json")) as Manifest;
const pack = JSON.parse(read("policies/package.json")) as Manifest;
const NODE = read(".nvmrc").trim();
const PULUMI_CLI = read(".pulumi-version").trim();

describe("one Node.js and one Pulumi version everywhere", () => {
  it("runs the tests on the Node.js of .nvmrc, the one the project's own install provides", () => {
    // npm scripts put node_modules/.bin first on PATH: the `node` package's binary (README, "Node.js").
    assert.strictEqual(process.version, `v${NODE}`);
    assert.strictEqual(root.devDependencies?.node, NODE);
    assert.ok(
      semver.satisfies(NODE, root.engines?.node ?? ""),
      `${NODE} is outside engines ${root.engines?.node}`,
    );
    assert.strictEqual(semver.major(NODE), 24, "Node.js 24 LTS");
    assert.strictEqual(semver.major(root.devDependencies?.["@types/node"] ?? ""), semver.major(NODE));
  });

  it("pins the Pulumi CLI of the workflows and Deployments to the release of the SDK", () => {
    assert.strictEqual(root.dependencies?.["@pulumi/pulumi"], PULUMI_CLI);
    assert.strictEqual(EXECUTOR_IMAGE, `pulumi/pulumi:${PULUMI_CLI}`);
  });

  it("gives the policy pack the same Pulumi packages as the program", () => {
    for (const [name, version] of Object.entries(pack.dependencies ?? {})) {
      if (name in (root.dependencies ?? {})) {
        assert.strictEqual(version, root.dependencies?.[name], name);
      }
    }
  });
});

describe("Renovate keeps what the checks require", () => {
  const rules = (JSON.parse(read(".github/renovate.json")) as { packageRules: Record<string, unknown>[] })
    .packageRules;

  it("widens engines instead of pinning them, and bumps the policy pack's version with its dependencies", () => {
    // A global rangeStrategy "pin" would pin engines.node; the pull-request check wants a new pack version.
    assert.deepStrictEqual(
      rules
        .filter((r) => r.rangeStrategy !== undefined || r.bumpVersion !== undefined)
        .map(({ description: _, ...rule }) => rule),
      [
        { matchDepTypes: ["engines"], rangeStrategy: "widen" },
        { matchFileNames: ["policies/package.json"], bumpVersion: "patch" },
      ],
    );
  });
});
