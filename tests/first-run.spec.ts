// What a new stack needs to run on its first `up` (issue 14), asserted on the recorded plans of both stacks:
// who may set run_as, pipeline compute, the warehouse for the SQL jobs, the private code folder, the governed
// tags' ASSIGN, and the system tables the run metadata reads.
import * as assert from "assert";
import { jobRunsSql, sourceRunsSql } from "../sql/ops-sql";
import { loadSources } from "../config/sources";
import * as path from "path";
import { inputsOf, planOf, PROJECT_DIR, resourceOf, resourcesOf } from "./support/plan";

const APP = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const ACCOUNT = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
/** The offline plan's deployer (the identity the workspace provider signs in as). */
const DEPLOYER = "servicePrincipals/00000000-0000-0000-0000-00000000cccc";
const ADMINS = "groups/lakehouse-platform-admins";
const CODE = `/Users/${APP}/lakehouse`;

for (const stack of ["dev", "prod"]) {
  const n = (suffix: string) => `lh-${stack}-${suffix}`;

  describe(`first run: identities and roles (${stack})`, () => {
    it("grants the deployer and the platform admins the Service Principal User role on the run-as principal", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        inputsOf(
          plan,
          "databricks:index/accessControlRuleSet:AccessControlRuleSet",
          n("compute-pipelines-principal-roles"),
        ),
        {
          name: `accounts/${ACCOUNT}/servicePrincipals/${APP}/ruleSets/default`,
          grantRules: [
            { role: "roles/servicePrincipal.manager", principals: [DEPLOYER, ADMINS] },
            { role: "roles/servicePrincipal.user", principals: [DEPLOYER, ADMINS] },
          ],
        },
      );
      // Authoritative and shared with the review stacks that run as the same principal: never deleted.
      const ruleSet = resourceOf(
        plan,
        "databricks:index/accessControlRuleSet:AccessControlRuleSet",
        n("compute-pipelines-principal-roles"),
      );
      assert.strictEqual(ruleSet.retainOnDelete, true);
    });

    it("leaves RestrictWorkspaceAdminsSetting to an account admin", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        resourcesOf(plan, "databricks:index/restrictWorkspaceAdminsSetting:RestrictWorkspaceAdminsSetting"),
        [],
      );
    });
  });

  describe(`first run: compute (${stack})`, () => {
    it("gives pipelines a policy of their own: cluster type dlt, standard access, no Spark version", async () => {
      const plan = await planOf(stack);
      const definition = (name: string) =>
        JSON.parse(
          inputsOf(plan, "databricks:index/clusterPolicy:ClusterPolicy", n(name)).definition as string,
        ) as Record<string, unknown>;
      const {
        spark_version: sparkVersion,
        cluster_type: _job,
        data_security_mode: _mode,
        ...shared
      } = definition("compute-jobs-policy");
      assert.ok(sparkVersion);
      assert.deepStrictEqual(definition("compute-pipelines-policy"), {
        ...shared,
        cluster_type: { type: "fixed", value: "dlt" },
        data_security_mode: { type: "fixed", value: "USER_ISOLATION" },
      });
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/permissions:Permissions", n("compute-pipelines-policy-permissions"))
          .accessControls,
        [
          { groupName: "lakehouse-data-engineers", permissionLevel: "CAN_USE" },
          { servicePrincipalName: APP, permissionLevel: "CAN_USE" },
        ],
      );
    });

    it("lets the pipelines' principal use Databricks SQL and the warehouse its SQL jobs run on", async () => {
      const plan = await planOf(stack);
      const principal = inputsOf(
        plan,
        "databricks:index/servicePrincipal:ServicePrincipal",
        n("compute-pipelines-principal"),
      );
      assert.deepStrictEqual([principal.databricksSqlAccess, principal.allowClusterCreate], [true, false]);
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/permissions:Permissions", n("compute-sql-permissions"))
          .accessControls,
        [
          { groupName: "lakehouse-data-engineers", permissionLevel: "CAN_USE" },
          { groupName: "lakehouse-analysts", permissionLevel: "CAN_USE" },
          { groupName: "lakehouse-platform-admins", permissionLevel: "CAN_MANAGE" },
          { servicePrincipalName: APP, permissionLevel: "CAN_USE" },
        ],
      );
    });
  });

  describe(`first run: code the privileged principal runs (${stack})`, () => {
    it("keeps every SQL file in the principal's home folder, which only the platform admins may change", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/directory:Directory", n("compute-code-folder")),
        {
          path: CODE,
        },
      );
      assert.deepStrictEqual(
        inputsOf(plan, "databricks:index/permissions:Permissions", n("compute-code-folder-permissions")),
        {
          directoryPath: CODE,
          accessControls: [
            { groupName: "lakehouse-platform-admins", permissionLevel: "CAN_MANAGE" },
            { groupName: "lakehouse-data-engineers", permissionLevel: "CAN_READ" },
          ],
        },
      );
      const paths = resourcesOf(plan, "databricks:index/workspaceFile:WorkspaceFile").map(
        (f) => (f.inputs as { path: string }).path,
      );
      assert.strictEqual(paths.length, 16);
      assert.deepStrictEqual(
        paths.filter((p) => !p.startsWith(`${CODE}/`)),
        [],
      );
    });
  });

  describe(`first run: run metadata (${stack})`, () => {
    it("grants the run-as principal the jobs system tables, without taking over the system catalog's grants", async () => {
      const plan = await planOf(stack);
      assert.deepStrictEqual(
        [n("run-metadata-system-catalog"), n("run-metadata-system-lakeflow")].map((name) =>
          inputsOf(plan, "databricks:index/grant:Grant", name),
        ),
        [
          { catalog: "system", principal: APP, privileges: ["USE_CATALOG"] },
          { schema: "system.lakeflow", principal: APP, privileges: ["USE_SCHEMA", "SELECT"] },
        ],
      );
      assert.deepStrictEqual(inputsOf(plan, "databricks:index/job:Job", n("run-metadata-job")).queue, {
        enabled: true,
      });
    });

    it("shows the runs of the stack's own workspace only (the id the workspace's creation returns)", async () => {
      const plan = await planOf(stack);
      const workspaceId = "1234567890123456"; // tools/plan/mocks.ts answers every workspace with this id
      const file = inputsOf(plan, "databricks:index/workspaceFile:WorkspaceFile", n("run-metadata-job_runs"));
      const sql = Buffer.from(String(file.contentBase64), "base64").toString("utf8");
      assert.deepStrictEqual(sql.match(/WHERE workspace_id = '[^']*'/g), [
        `WHERE workspace_id = '${workspaceId}'`,
        `WHERE workspace_id = '${workspaceId}'`,
      ]);
    });
  });
}

describe("run metadata SQL", () => {
  it("takes the latest version of each job and one row per run with its final state, of this workspace only", () => {
    const sql = jobRunsSql("lh_dev", "1234567890123456");
    assert.ok(
      sql.includes(
        "  FROM system.lakeflow.jobs\n  WHERE workspace_id = '1234567890123456'\n  QUALIFY row_number() OVER (PARTITION BY workspace_id, job_id ORDER BY change_time DESC) = 1\n",
      ),
      sql,
    );
    assert.ok(
      sql.includes(
        "    max_by(result_state, period_end_time) FILTER (WHERE result_state IS NOT NULL) AS result_state\n  FROM system.lakeflow.job_run_timeline\n  WHERE workspace_id = '1234567890123456'\n  GROUP BY workspace_id, job_id, run_id\n",
      ),
      sql,
    );
  });

  it("keeps every flow progress event with metrics, continuous flows included", () => {
    const registry = loadSources([path.join(PROJECT_DIR, "sources")]).find((s) => s.name === "registry")!;
    const sql = sourceRunsSql(registry, "lh_dev");
    assert.ok(
      sql.includes("WHERE event_type = 'flow_progress' AND details:flow_progress.metrics IS NOT NULL;\n"),
      sql,
    );
    assert.ok(!sql.includes("'COMPLETED'"), sql);
  });
});
