// `npm test`: the static checks (types, format, lint) and the mocha specs at once. Both are single-threaded
// for most of their run, so on a machine with two or more cores this takes about as long as the specs alone.
// The specs' output streams; each check's output is printed when it ends. Exit code: the first failure's.
import { spawn } from "child_process";

const CHECKS = ["typecheck", "format:check", "lint"];

function run(script: string, stream: boolean): Promise<{ script: string; code: number; output: string }> {
  return new Promise((resolve) => {
    const child = spawn("npm", ["run", "--silent", script], { stdio: stream ? "inherit" : "pipe" });
    let output = "";
    child.stdout?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on("data", (chunk: Buffer) => (output += chunk.toString()));
    child.on("close", (code) => resolve({ script, code: code ?? 1, output }));
  });
}

async function main(): Promise<void> {
  // The checks run one after another (they share the second core); the specs start at once.
  const checks = (async () => {
    const results = [];
    for (const script of CHECKS) {
      const result = await run(script, false);
      process.stdout.write(`\n[${script}] ${result.code === 0 ? "ok" : `failed (exit ${result.code})`}\n`);
      if (result.output.trim() !== "") process.stdout.write(result.output);
      results.push(result);
    }
    return results;
  })();
  const unit = run("test:unit", true);
  const failed = [...(await checks), await unit].filter((result) => result.code !== 0);
  for (const { script, code } of failed) process.stderr.write(`npm test: ${script} failed (exit ${code})\n`);
  process.exitCode = failed[0]?.code ?? 0;
}

void main();
