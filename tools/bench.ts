// `npm run bench`: the offline plan at 1, 50 and 200 synthetic data sources, run the fast way (`npm run plan`: compiled
// JavaScript, short stack traces, a bounded heap) and the default way (ts-node with type checking, default
// stack traces) side by side, then the time of `npm test`. Prints wall time, peak RSS, resources, ms per
// resource, the speed-up, and the marginal cost of one more source. A benchmark, not a test.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeSyntheticSources } from "./synthetic-sources";

const ROOT = path.resolve(__dirname, "..", "..");
const RSS = path.join(__dirname, "bench-rss.js");
const SIZES = [1, 50, 200];

interface Measurement {
  readonly seconds: number;
  readonly rssMb: number;
  readonly resources: number;
}

function measure(command: string, args: string[], env: Record<string, string> = {}): Measurement {
  const started = process.hrtime.bigint();
  const run = spawnSync(command, args, {
    cwd: ROOT,
    encoding: "utf8",
    maxBuffer: 1024 * 1024 * 1024,
    env: { ...process.env, ...env },
  });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  if (run.status !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited ${run.status}:\n${run.stderr.slice(-2000)}`);
  }
  const rss = [...run.stderr.matchAll(/bench-max-rss-kb=(\d+)/g)].map((m) => Number(m[1]));
  const resources = run.stdout.trim().startsWith("{")
    ? (JSON.parse(run.stdout) as { resources: unknown[] }).resources.length
    : 0;
  return { seconds, rssMb: Math.max(0, ...rss) / 1024, resources };
}

// As users run it: `npm run plan`, which first brings dist/ up to date (`tsc -b`, a no-op when nothing changed).
const fast = (dir: string) =>
  measure("npm", ["run", "plan", "--silent", "--", "--sources", dir, "--json"], {
    NODE_OPTIONS: `--require ${RSS}`,
  });
const standard = (dir: string) =>
  measure(process.execPath, [
    "-r",
    RSS,
    "-r",
    "ts-node/register",
    "tools/plan.ts",
    "--sources",
    dir,
    "--json",
  ]);

const row = (cells: (string | number)[]) => cells.map((c) => String(c).padStart(12)).join("");

function main(): void {
  const skipTests = process.argv.includes("--skip-tests");
  console.log(
    `machine: ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, node ${process.version}`,
  );
  console.log(row(["sources", "mode", "resources", "wall s", "peak MB", "ms/resource", "speed-up"]));
  const results = new Map<number, { fast: Measurement; standard: Measurement }>();
  for (const n of SIZES) {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `bench-${n}-`));
    writeSyntheticSources(dir, n);
    const f = fast(dir);
    const s = standard(dir);
    results.set(n, { fast: f, standard: s });
    const perResource = (m: Measurement) => ((m.seconds * 1000) / m.resources).toFixed(1);
    console.log(
      row([
        n,
        "fast",
        f.resources,
        f.seconds.toFixed(1),
        f.rssMb.toFixed(0),
        perResource(f),
        (s.seconds / f.seconds).toFixed(1) + "x",
      ]),
    );
    console.log(
      row([n, "default", s.resources, s.seconds.toFixed(1), s.rssMb.toFixed(0), perResource(s), ""]),
    );
    fs.rmSync(dir, { recursive: true, force: true });
  }
  const [small, large] = [results.get(50), results.get(200)];
  if (small && large) {
    const marginal = (a: Measurement, b: Measurement) => (((b.seconds - a.seconds) * 1000) / 150).toFixed(0);
    const perSource = (large.fast.resources - small.fast.resources) / 150;
    console.log(
      `marginal cost of one more source (50 -> 200): fast ${marginal(small.fast, large.fast)} ms, default ${marginal(small.standard, large.standard)} ms (${perSource.toFixed(1)} resources per source)`,
    );
  }
  if (!skipTests) {
    const started = process.hrtime.bigint();
    const run = spawnSync("npm", ["test"], { cwd: ROOT, encoding: "utf8", maxBuffer: 256 * 1024 * 1024 });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    const passing = /(\d+) passing/.exec(run.stdout)?.[1] ?? "?";
    console.log(`npm test: ${seconds.toFixed(1)} s, exit ${run.status}, ${passing} tests passing`);
    if (run.status !== 0) {
      console.log((run.stdout + run.stderr).slice(-3000));
      process.exitCode = 1;
    }
  }
}

main();
