// The path a policy pack takes once published (`pulumi policy publish`, then enforcement from Pulumi Cloud),
// reproduced offline with the code the Pulumi CLI runs:
// - publish: `npm pack --loglevel=error` in the pack's directory, reading the tarball's name from stdout
//   (pulumi/pulumi sdk/nodejs/npm/npm.go, `Pack`);
// - enforcement: the tarball's `package/` directory becomes the pack's directory, `npm install --loglevel=error`
//   installs its dependencies there, without a lockfile (pkg/backend/httpstate/policypack.go,
//   `installRequiredPolicy`);
// - start: `node @pulumi/pulumi/cmd/run-policy-pack <engine> <pack dir>` from the pack's own node_modules
//   (sdk/nodejs/cmd/pulumi-language-nodejs, `RunPlugin`), which registers the `typescript` and `ts-node` it
//   can require, else the SDK's vendored TypeScript 3.8 and ts-node 7; then the engine asks the pack for its
//   policies over the analyzer protocol (`GetAnalyzerInfo`).
import { ChildProcess, execFileSync, spawn } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import { createRequire } from "module";
import * as os from "os";
import * as path from "path";
import type * as analyzerGrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import type * as analyzerPb from "@pulumi/pulumi/proto/analyzer_pb";
import { PROJECT_DIR } from "./plan";

export const POLICIES_DIR = path.join(PROJECT_DIR, "policies");

/** The environment of a process that must not see the repository: no npm run state, no project bins. */
function outsideEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key.startsWith("npm_") || ["INIT_CWD", "NODE_PATH", "NODE_OPTIONS"].includes(key)) continue;
    env[key] = value;
  }
  env.PATH = (process.env.PATH ?? "")
    .split(path.delimiter)
    .filter((dir) => !path.resolve(dir).startsWith(PROJECT_DIR + path.sep))
    .join(path.delimiter);
  return env;
}

/** `npm pack` as `pulumi policy publish` runs it; fails unless stdout is the tarball's name alone. */
export function packAsPublished(dir: string): Buffer {
  const stdout = execFileSync("npm", ["pack", "--loglevel=error"], {
    cwd: dir,
    env: outsideEnv(),
    encoding: "utf8",
  });
  const file = stdout.trim();
  if (!/^[\w.-]+\.tgz$/.test(file)) {
    // A lifecycle script (prepack, prepare) prints its banner there, and the CLI then finds no tarball.
    throw new Error(`npm pack printed more than the tarball's name, which the Pulumi CLI reads:\n${stdout}`);
  }
  const tarball = fs.readFileSync(path.join(dir, file));
  fs.rmSync(path.join(dir, file));
  return tarball;
}

/**
 * Unpacks `tarball` in a new directory under the system's temporary directory and installs its dependencies
 * as the CLI does. Installs are cached by the manifest's dependencies, npm's version and Node's version (the
 * CLI's own install cache also shares node_modules by manifest): the first run installs from the registry.
 */
export function installAsEnforced(tarball: Buffer): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "lakehouse-published-pack-"));
  fs.writeFileSync(path.join(root, "pack.tgz"), tarball);
  execFileSync("tar", ["xzf", "pack.tgz"], { cwd: root });
  const dir = path.join(root, "package");
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, "package.json"), "utf8")) as {
    dependencies?: Record<string, string>;
  };
  const npmVersion = execFileSync("npm", ["--version"], { env: outsideEnv(), encoding: "utf8" }).trim();
  const key = createHash("sha256")
    .update(JSON.stringify([manifest.dependencies ?? {}, npmVersion, process.version]))
    .digest("hex")
    .slice(0, 16);
  const cache = path.join(os.tmpdir(), `lakehouse-published-pack-deps-${key}`);
  if (!fs.existsSync(path.join(cache, "node_modules"))) {
    execFileSync("npm", ["install", "--loglevel=error", "--no-audit", "--no-fund"], {
      cwd: dir,
      env: outsideEnv(),
      stdio: ["ignore", "ignore", "pipe"],
    });
    const staging = `${cache}.${process.pid}.tmp`;
    fs.mkdirSync(staging, { recursive: true });
    fs.renameSync(path.join(dir, "node_modules"), path.join(staging, "node_modules"));
    fs.rmSync(cache, { recursive: true, force: true });
    fs.renameSync(staging, cache);
  }
  fs.symlinkSync(path.join(cache, "node_modules"), path.join(dir, "node_modules"), "dir");
  return dir;
}

/** The directories above `dir` that hold a node_modules Node could resolve a module from. */
export function modulesAbove(dir: string): string[] {
  const found: string[] = [];
  for (let up = path.dirname(dir); up !== path.dirname(up); up = path.dirname(up)) {
    if (fs.existsSync(path.join(up, "node_modules"))) found.push(up);
  }
  return found;
}

export interface StartedPack {
  readonly port: number;
  readonly process: ChildProcess;
}

/**
 * Starts the pack in `dir` as the CLI does and resolves with the port it serves the analyzer on. `outside`:
 * without the repository's npm environment and bins on PATH (a published pack's case).
 */
export function startAsCli(dir: string, outside = true): Promise<StartedPack> {
  // run-policy-pack drops the engine's address before it loads the pack; the pack serves on its own port.
  const engine = "127.0.0.1:0";
  // The CLI resolves the runner from the pack's directory, as Node resolves modules (locateModule).
  const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [dir] });
  const child = spawn(process.execPath, [runner, engine, dir], {
    cwd: dir,
    env: outside ? outsideEnv() : process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Promise((resolve, reject) => {
    let stdout = "";
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = /^(\d+)\n/.exec(stdout);
      if (line) resolve({ port: Number(line[1]), process: child });
    });
    child.on("exit", (code) =>
      reject(new Error(`the policy pack exited ${code} before serving:\n${stdout}${stderr}`)),
    );
  });
}

export interface AnalyzerInfo {
  readonly name: string;
  readonly version: string;
  readonly policies: { readonly name: string; readonly description: string }[];
}

/** Asks a started pack for its policies over the analyzer protocol, with the SDK's own gRPC stubs. */
export async function analyzerInfo(port: number): Promise<AnalyzerInfo> {
  const stubs = require.resolve("@pulumi/pulumi/proto/analyzer_grpc_pb");
  // The stubs' own copies of grpc-js and google-protobuf: a client from another copy is refused.
  const requireFromStubs = createRequire(stubs);
  const grpc = requireFromStubs("@grpc/grpc-js") as typeof import("@grpc/grpc-js");
  const { Empty } = requireFromStubs(
    "google-protobuf/google/protobuf/empty_pb.js",
  ) as typeof import("google-protobuf/google/protobuf/empty_pb");
  const { AnalyzerClient } = requireFromStubs(stubs) as typeof analyzerGrpc;
  const client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
  try {
    const info = await new Promise<analyzerPb.AnalyzerInfo>((resolve, reject) =>
      client.getAnalyzerInfo(new Empty(), (error, response) => (error ? reject(error) : resolve(response))),
    );
    return {
      name: info.getName(),
      version: info.getVersion(),
      policies: info.getPoliciesList().map((p) => ({ name: p.getName(), description: p.getDescription() })),
    };
  } finally {
    client.close();
  }
}
