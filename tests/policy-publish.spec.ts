import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { PACK_NAME, policies } from "../policies/rules";
import { tempDir } from "./support/files";
import {
  AnalyzerInfo,
  POLICIES_DIR,
  StartedPack,
  analyzerInfo,
  installAsEnforced,
  modulesAbove,
  packAsPublished,
  startAsCli,
} from "./support/published-pack";
import { PROJECT_DIR } from "./support/plan";

const VERSION = (
  JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "package.json"), "utf8")) as { version: string }
).version;

const started: StartedPack[] = [];
const scratch: string[] = [];

/** Starts the pack in `dir` as the CLI does and asks it for its policies. */
async function policiesOf(dir: string, outside = true): Promise<AnalyzerInfo> {
  const pack = await startAsCli(dir, outside);
  started.push(pack);
  return analyzerInfo(pack.port);
}

function assertEveryRuleLoads(info: AnalyzerInfo): void {
  assert.deepStrictEqual(
    { name: info.name, version: info.version, policies: info.policies },
    {
      name: PACK_NAME,
      version: VERSION,
      policies: policies.map((p) => ({ name: p.name, description: p.description })),
    },
  );
}

describe("policy pack, as published and enforced from Pulumi Cloud", function () {
  // The first run installs the pack's dependencies from the registry (about 15 s); later runs reuse them.
  this.timeout(240_000);
  let tarball: Buffer;
  let packDir: string;

  before(() => {
    tarball = packAsPublished(POLICIES_DIR);
    packDir = installAsEnforced(tarball);
    scratch.push(path.dirname(packDir));
  });

  after(() => {
    started.forEach((pack) => pack.process.kill());
    scratch.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true }));
  });

  it("installs in a directory that cannot reach the repository or its node_modules", () => {
    assert.ok(!packDir.startsWith(PROJECT_DIR), packDir);
    assert.deepStrictEqual(modulesAbove(packDir), []);
    // What the tarball holds: the compiled pack, its manifest and PulumiPolicy.yaml; no sources, no tsconfig.
    const files = (dir: string): string[] =>
      fs
        .readdirSync(dir, { withFileTypes: true })
        .filter((e) => e.name !== "node_modules" && e.name !== "package-lock.json")
        .flatMap((e) =>
          e.isDirectory() ? files(path.join(dir, e.name)).map((f) => `${e.name}/${f}`) : [e.name],
        );
    const shipped = files(packDir);
    assert.deepStrictEqual(
      shipped.filter((f) => !/^dist\/.*\.js$/.test(f)),
      ["PulumiPolicy.yaml", "dist/lib/azure-taggable-types.json", "package.json"],
    );
    assert.ok(shipped.includes("dist/index.js"));
  });

  it("loads every rule when started as the CLI starts it, asked over the analyzer protocol", async () => {
    assertEveryRuleLoads(await policiesOf(packDir));
  });

  it("loads every rule from the repository too (pulumi preview --policy-pack policies)", async () => {
    assertEveryRuleLoads(await policiesOf(POLICIES_DIR, false));
  });

  it("fails to load when the pack needs a newer compiler than the CLI gives it (the pack as it was)", async () => {
    // The pack before it shipped compiled JavaScript: TypeScript sources, `main: index.ts`, its tsconfig.json.
    // A published pack's node_modules has no typescript, so the CLI compiles it with the SDK's TypeScript 3.8.
    const manifest = JSON.parse(fs.readFileSync(path.join(POLICIES_DIR, "package.json"), "utf8")) as Record<
      string,
      unknown
    >;
    delete manifest.files;
    const sources = tempDir({
      "package.json": JSON.stringify({ ...manifest, main: "index.ts" }, null, 2),
      "PulumiPolicy.yaml": fs.readFileSync(path.join(POLICIES_DIR, "PulumiPolicy.yaml"), "utf8"),
      "tsconfig.json": fs.readFileSync(path.join(POLICIES_DIR, "tsconfig.json"), "utf8"),
    });
    for (const entry of ["index.ts", "lib", "rules"]) {
      fs.cpSync(path.join(POLICIES_DIR, entry), path.join(sources, entry), { recursive: true });
    }
    const dir = installAsEnforced(packAsPublished(sources));
    scratch.push(sources, path.dirname(dir));
    assert.ok(fs.existsSync(path.join(dir, "index.ts")) && dir.startsWith(os.tmpdir()));
    await assert.rejects(
      policiesOf(dir),
      (error: Error) =>
        /the policy pack exited 1 before serving/.test(error.message) &&
        /TSError: ⨯ Unable to compile TypeScript:\nerror TS6046: Argument for '--target' option must be:/.test(
          error.message,
        ) &&
        error.message.includes(path.join("vendor", "ts-node@7.0.1")),
    );
  });
});
