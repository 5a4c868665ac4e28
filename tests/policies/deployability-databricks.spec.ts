// The Databricks deployability rules, both ways (pulumi-policy-aws style): the platform's first-run fixes pass,
// and reverting each fix reports the exact violation. Stack rules see dependencies, parents and providers as
// the engine hands them over.
import * as assert from "assert";
import { StackValidationPolicy } from "@pulumi/policy";
import { POLICY_DOMAINS } from "../../policies/rules";
import { pipelineClusterPolicy, baseClusterPolicy } from "../../components/databricks/compute";
import * as compute from "../../policies/rules/compute";
import * as rules from "../../policies/rules/deployability-databricks";
import { resourceArgs, StackResourceSpec, stackViolationsOf, violationsOf } from "../support/policy";
import * as path from "path";
import type { PlanDocument } from "../../tools/plan/report";
import { planOf, PROJECT_DIR, runPlan } from "../support/plan";

type Props = Record<string, unknown>;

/** A resource of the test stack; props default to none. */
type Spec = Omit<StackResourceSpec, "props"> & { readonly props?: Props };

const T = (name: string) => `databricks:index/${name}`;

/** Replaces the spec named `name` (or drops it when `change` returns undefined). */
const mutate = (specs: readonly Spec[], name: string, change: (spec: Spec) => Spec | undefined): Spec[] =>
  specs.flatMap((spec) => {
    if (spec.name !== name) return [spec];
    const changed = change(spec);
    return changed ? [changed] : [];
  });

const APP = "5e6f7a8b-9c0d-4e1f-a2b3-c4d5e6f7a8b9";
const ACCOUNT = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f";
const COMPUTE = {
  nodeTypes: ["Standard_D4ds_v5"],
  maxWorkers: 4,
  maxAutoterminationMinutes: 30,
  maxDbuPerHour: 12,
  spotWorkers: true,
  sqlWarehouseSize: "2X-Small",
  sqlWarehouseMaxClusters: 1,
};
const TAGS = {
  owner: "data-platform",
  costCenter: "cc-4100",
  environment: "dev",
  dataClassification: "confidential",
};
const CODE = `/Users/${APP}/lakehouse`;
const sqlTask = (path: string) => ({ file: { path, source: "WORKSPACE" }, warehouseId: "wh-id" });

/** The platform's Databricks side as the fixes leave it, reduced to what the rules read. */
const PLATFORM: Spec[] = [
  { type: "azure-native:databricks:Workspace", name: "workspace" },
  {
    type: "pulumi:providers:databricks",
    name: "provider",
    dependsOn: { host: ["workspace"], azureWorkspaceResourceId: ["workspace"] },
  },
  { type: T("metastoreAssignment:MetastoreAssignment"), name: "metastore", provider: "provider" },
  { type: "lakehouse:core:UnityCatalog", name: "uc" },
  {
    type: T("storageCredential:StorageCredential"),
    name: "credential",
    props: { isolationMode: "ISOLATION_MODE_ISOLATED" },
    parent: "uc",
    waitsFor: ["metastore"],
    provider: "provider",
  },
  {
    type: T("catalog:Catalog"),
    name: "catalog",
    props: { isolationMode: "ISOLATED" },
    parent: "uc",
    dependsOn: { storageRoot: ["credential"] },
    provider: "provider",
  },
  { type: T("schema:Schema"), name: "schema", parent: "uc", dependsOn: { catalogName: ["catalog"] } },
  { type: "lakehouse:ingestion:SqlReplica", name: "replica", waitsFor: [] },
  {
    type: T("connection:Connection"),
    name: "connection",
    parent: "replica",
    waitsFor: ["metastore"],
    provider: "provider",
  },
  {
    type: T("catalog:Catalog"),
    name: "replica-catalog",
    props: { isolationMode: "ISOLATED" },
    parent: "replica",
    dependsOn: { connectionName: ["connection"] },
    waitsFor: ["metastore"],
    provider: "provider",
  },
  // A component that waits for the assignment: its children inherit the wait.
  { type: "lakehouse:governance:Governance", name: "governance", waitsFor: ["metastore"] },
  // A grant on a securable named in config (no input from a resource): it waits through its parent only.
  { type: T("grants:Grants"), name: "replica-grants", parent: "governance" },
  {
    type: T("servicePrincipal:ServicePrincipal"),
    name: "principal",
    props: { applicationId: APP, databricksSqlAccess: true },
  },
  {
    type: T("accessControlRuleSet:AccessControlRuleSet"),
    name: "run-as-roles",
    props: {
      name: `accounts/${ACCOUNT}/servicePrincipals/${APP}/ruleSets/default`,
      grantRules: [
        { role: "roles/servicePrincipal.manager", principals: ["groups/lakehouse-platform-admins"] },
        { role: "roles/servicePrincipal.user", principals: ["servicePrincipals/deployer"] },
      ],
    },
    waitsFor: ["principal"],
  },
  { type: T("directory:Directory"), name: "code-folder", props: { path: CODE } },
  {
    type: T("permissions:Permissions"),
    name: "code-folder-permissions",
    props: {
      directoryPath: CODE,
      accessControls: [
        { groupName: "lakehouse-platform-admins", permissionLevel: "CAN_MANAGE" },
        { groupName: "lakehouse-data-engineers", permissionLevel: "CAN_READ" },
      ],
    },
    dependsOn: { directoryPath: ["code-folder"] },
  },
  {
    type: T("clusterPolicy:ClusterPolicy"),
    name: "pipelines-policy",
    props: { definition: JSON.stringify(pipelineClusterPolicy(COMPUTE, TAGS)) },
  },
  {
    type: T("clusterPolicy:ClusterPolicy"),
    name: "jobs-policy",
    props: {
      definition: JSON.stringify({
        ...baseClusterPolicy(COMPUTE, TAGS),
        cluster_type: { type: "fixed", value: "job" },
        data_security_mode: { type: "fixed", value: "SINGLE_USER" },
      }),
    },
  },
  { type: T("sqlEndpoint:SqlEndpoint"), name: "warehouse" },
  {
    type: T("permissions:Permissions"),
    name: "warehouse-permissions",
    props: {
      sqlEndpointId: "wh-id",
      accessControls: [
        { groupName: "lakehouse-analysts", permissionLevel: "CAN_USE" },
        { servicePrincipalName: APP, permissionLevel: "CAN_USE" },
      ],
    },
    dependsOn: { sqlEndpointId: ["warehouse"] },
  },
  { type: "lakehouse:ingestion:Ingestion", name: "ingestion" },
  {
    type: T("pipeline:Pipeline"),
    name: "pipeline",
    parent: "ingestion",
    props: {
      runAs: { servicePrincipalName: APP },
      clusters: [{ label: "default", customTags: { source: "registry", sourceOwner: "data-platform" } }],
      tags: { source: "registry", sourceOwner: "data-platform" },
      libraries: [{ file: { path: `${CODE}/pipelines/registry/bronze.sql` } }],
    },
    dependsOn: { clusters: ["pipelines-policy"] },
    waitsFor: ["run-as-roles"],
  },
  {
    type: T("job:Job"),
    name: "governance-job",
    parent: "governance",
    props: {
      runAs: { servicePrincipalName: APP },
      tasks: [{ taskKey: "functions", sqlTask: sqlTask(`${CODE}/governance/functions.sql`) }],
    },
    dependsOn: { tasks: ["warehouse"] },
    waitsFor: ["run-as-roles"],
  },
];

const violations = (policy: StackValidationPolicy, specs: readonly Spec[], config: Props = {}) =>
  stackViolationsOf(
    policy,
    specs.map((spec) => ({ props: {}, ...spec })),
    config,
  );

describe("deployability: Databricks", () => {
  it("holds the eight Databricks rules in the deployability domain, each anchored to its documentation", () => {
    const names = rules.databricksDeployabilityPolicies.map((p) => p.name);
    assert.deepStrictEqual(names, [
      "databricks-uc-after-metastore",
      "databricks-run-as-user-role",
      "databricks-pipeline-compute-policy",
      "databricks-warehouse-access",
      "databricks-privileged-code-path",
      "databricks-no-self-binding",
      "databricks-continuous-job-shape",
      "databricks-account-admin-settings",
    ]);
    for (const policy of rules.databricksDeployabilityPolicies) {
      assert.ok(POLICY_DOMAINS.deployability.includes(policy), policy.name);
      assert.ok(/^https:\/\//.test(String(policy.framework?.reference)), policy.name);
    }
  });

  it("passes the platform as the fixes leave it", async () => {
    for (const policy of rules.databricksDeployabilityPolicies.filter(
      (p): p is StackValidationPolicy => "validateStack" in p,
    )) {
      assert.deepStrictEqual(await violations(policy, PLATFORM), [], policy.name);
    }
  });

  describe("databricks-uc-after-metastore", () => {
    it("reports the replica's connection and foreign catalog that do not wait for the assignment", async () => {
      const reverted = ["connection", "replica-catalog"].reduce(
        (specs, name) => mutate(specs, name, (s) => ({ ...s, waitsFor: [] })),
        PLATFORM,
      );
      assert.deepStrictEqual(await violations(rules.ucAfterMetastore, reverted), [
        "connection: Connection connection does not wait for the metastore assignment: on a first deploy it races it, and Unity Catalog refuses it until the workspace has a metastore.",
        "replica-catalog: Catalog replica-catalog does not wait for the metastore assignment: on a first deploy it races it, and Unity Catalog refuses it until the workspace has a metastore.",
      ]);
    });

    it("follows dependencies transitively and through the parent's dependencies", async () => {
      // The schema waits for the catalog, which waits for the credential, which waits for the assignment;
      // the replica's grants wait only through their parent component.
      const withoutParentWait = mutate(PLATFORM, "governance", (s) => ({ ...s, waitsFor: [] }));
      assert.deepStrictEqual(await violations(rules.ucAfterMetastore, withoutParentWait), [
        "replica-grants: Grants replica-grants does not wait for the metastore assignment: on a first deploy it races it, and Unity Catalog refuses it until the workspace has a metastore.",
      ]);
    });

    it("does not apply to a stack without a metastore assignment", async () => {
      const none = PLATFORM.filter((s) => s.name !== "metastore").map((s) => ({
        ...s,
        waitsFor: (s.waitsFor ?? []).filter((d) => d !== "metastore"),
      }));
      assert.deepStrictEqual(await violations(rules.ucAfterMetastore, none), []);
    });
  });

  describe("databricks-run-as-user-role", () => {
    it("reports a job and a pipeline whose run_as principal has no Service Principal User grant they wait for", async () => {
      const reverted = ["pipeline", "governance-job"].reduce(
        (specs, name) => mutate(specs, name, (s) => ({ ...s, waitsFor: [] })),
        PLATFORM,
      );
      assert.deepStrictEqual(await violations(rules.runAsUserRole, reverted), [
        `pipeline: Pipeline pipeline runs as service principal ${APP} but waits for no rule set granting roles/servicePrincipal.user on it: Databricks refuses run_as from an identity without that role.`,
        `governance-job: Job governance-job runs as service principal ${APP} but waits for no rule set granting roles/servicePrincipal.user on it: Databricks refuses run_as from an identity without that role.`,
      ]);
    });

    it("reports a rule set that grants only the manager role", async () => {
      const managersOnly = mutate(PLATFORM, "run-as-roles", (s) => ({
        ...s,
        props: {
          ...s.props,
          grantRules: [
            { role: "roles/servicePrincipal.manager", principals: ["groups/lakehouse-platform-admins"] },
          ],
        },
      }));
      assert.strictEqual((await violations(rules.runAsUserRole, managersOnly)).length, 2);
    });
  });

  describe("databricks-pipeline-compute-policy", () => {
    it("reports a pipeline on the job policy that fixes the owner tag it sends otherwise", async () => {
      const reverted = mutate(PLATFORM, "pipeline", (s) => ({
        ...s,
        props: {
          ...s.props,
          clusters: [{ label: "default", customTags: { source: "registry", owner: "analytics-team" } }],
          tags: { source: "registry", owner: "analytics-team" },
        },
        dependsOn: { clusters: ["jobs-policy"] },
      }));
      const prefix =
        "pipeline: Pipeline pipeline uses cluster policy jobs-policy, which refuses its compute:";
      assert.deepStrictEqual(await violations(rules.pipelineComputePolicy, reverted), [
        `${prefix} cluster_type allows job, not dlt (pipeline compute).`,
        `${prefix} data_security_mode allows SINGLE_USER, not standard access (USER_ISOLATION), which Unity Catalog pipelines use.`,
        `${prefix} custom_tags.owner is fixed to "data-platform" while the pipeline sends "analytics-team".`,
      ]);
    });
  });

  describe("databricks-warehouse-access", () => {
    it("reports SQL tasks run as a principal without SQL access that is not in the warehouse's permissions", async () => {
      const reverted = mutate(
        mutate(PLATFORM, "principal", (s) => ({ ...s, props: { ...s.props, databricksSqlAccess: false } })),
        "warehouse-permissions",
        (s) => ({
          ...s,
          props: {
            ...s.props,
            accessControls: [{ groupName: "lakehouse-analysts", permissionLevel: "CAN_USE" }],
          },
        }),
      );
      assert.deepStrictEqual(await violations(rules.warehouseAccess, reverted), [
        `governance-job: Job governance-job runs SQL tasks as ${APP}, but service principal ${APP} has no Databricks SQL access (databricksSqlAccess).`,
        `governance-job: Job governance-job runs SQL tasks as ${APP}, but service principal ${APP} may not use SQL warehouse warehouse.`,
      ]);
    });
  });

  describe("databricks-privileged-code-path", () => {
    const config = { adminsGroup: "lakehouse-platform-admins" };

    it("reports code under /Shared run as the privileged principal", async () => {
      const reverted = mutate(
        mutate(PLATFORM, "pipeline", (s) => ({
          ...s,
          props: {
            ...s.props,
            libraries: [{ file: { path: "/Shared/lakehouse/pipelines/registry/bronze.sql" } }],
          },
        })),
        "governance-job",
        (s) => ({
          ...s,
          props: {
            ...s.props,
            tasks: [
              {
                taskKey: "functions",
                sqlTask: sqlTask("/Workspace/Shared/lakehouse/governance/functions.sql"),
              },
            ],
          },
        }),
      );
      assert.deepStrictEqual(await violations(rules.privilegedCodePath, reverted, config), [
        `pipeline: Pipeline pipeline runs /Shared/lakehouse/pipelines/registry/bronze.sql as ${APP}, but others can edit it there: it is not in the principal's own home folder.`,
        `governance-job: Job governance-job runs /Workspace/Shared/lakehouse/governance/functions.sql as ${APP}, but others can edit it there: it is not in the principal's own home folder.`,
      ]);
    });

    it("reports a code folder whose permissions let others edit", async () => {
      const editable = mutate(PLATFORM, "code-folder-permissions", (s) => ({
        ...s,
        props: {
          ...s.props,
          accessControls: [
            { groupName: "lakehouse-platform-admins", permissionLevel: "CAN_MANAGE" },
            { groupName: "lakehouse-data-engineers", permissionLevel: "CAN_EDIT" },
          ],
        },
      }));
      assert.deepStrictEqual(await violations(rules.privilegedCodePath, editable, config), [
        `pipeline: Pipeline pipeline runs ${CODE}/pipelines/registry/bronze.sql as ${APP}, but folder ${CODE} lets lakehouse-data-engineers change it.`,
        `governance-job: Job governance-job runs ${CODE}/governance/functions.sql as ${APP}, but folder ${CODE} lets lakehouse-data-engineers change it.`,
      ]);
    });
  });

  describe("databricks-no-self-binding", () => {
    const binding = (name: string, securable: string, workspaces: string[]): Spec => ({
      type: T("workspaceBinding:WorkspaceBinding"),
      name,
      dependsOn: { securableName: [securable], workspaceId: workspaces },
      provider: "provider",
    });

    it("reports a binding of an ISOLATED securable to the workspace that creates it", async () => {
      const reverted = [...PLATFORM, binding("catalog-binding", "catalog", ["workspace"])];
      assert.deepStrictEqual(await violations(rules.noSelfBinding, reverted), [
        "catalog-binding: WorkspaceBinding catalog-binding binds Catalog catalog to the workspace that creates it: ISOLATED binds it there already, and replacing this binding would unbind it.",
      ]);
    });

    it("accepts a binding to another workspace", async () => {
      const other = [
        ...PLATFORM,
        { type: "azure-native:databricks:Workspace", name: "other-workspace" },
        binding("catalog-binding", "catalog", ["other-workspace"]),
      ];
      assert.deepStrictEqual(await violations(rules.noSelfBinding, other), []);
    });
  });

  describe("databricks-continuous-job-shape", () => {
    const stream = {
      name: "lh-dev-transfers-stream",
      continuous: { pauseStatus: "UNPAUSED" },
      maxConcurrentRuns: 1,
      tasks: [{ taskKey: "stream", pipelineTask: { pipelineId: "p", fullRefresh: false } }],
    };
    const check = (props: Props) => violationsOf(rules.continuousJobShape, resourceArgs(T("job:Job"), props));

    it("accepts the streaming sources' continuous job, and leaves scheduled jobs alone", async () => {
      assert.deepStrictEqual(await check(stream), []);
      assert.deepStrictEqual(
        await check({ name: "refresh", maxConcurrentRuns: 1, tasks: [{ taskKey: "a", maxRetries: 2 }] }),
        [],
      );
    });

    it("reports functions before the stream as a dependent task with retries (the scheduled job's shape)", async () => {
      const ordered = {
        ...stream,
        tasks: [
          { taskKey: "functions", maxRetries: 1, sqlTask: {} },
          { ...stream.tasks[0], dependsOns: [{ taskKey: "functions" }] },
        ],
      };
      assert.deepStrictEqual(await check(ordered), [
        "Continuous job lh-dev-transfers-stream is refused: task functions has a retry policy.",
        "Continuous job lh-dev-transfers-stream is refused: task stream depends on another task.",
      ]);
      assert.deepStrictEqual(await check({ ...stream, schedule: { quartzCronExpression: "0 0 * * * ?" } }), [
        "Continuous job lh-dev-transfers-stream is refused: it also has a schedule.",
      ]);
    });
  });

  describe("databricks-account-admin-settings", () => {
    it("reports a system schema, which only an account admin may enable", async () => {
      const args = resourceArgs(T("systemSchema:SystemSchema"), { schema: "lakeflow" });
      assert.deepStrictEqual(await violationsOf(rules.accountAdminSettings, args), [
        "SystemSchema can only be changed by an account admin; this stack deploys as a workspace admin, so `pulumi up` would be refused.",
      ]);
    });

    it("reports RestrictWorkspaceAdminsSetting, which only an account admin may update", async () => {
      const args = resourceArgs(T("restrictWorkspaceAdminsSetting:RestrictWorkspaceAdminsSetting"), {
        restrictWorkspaceAdmins: { status: "RESTRICT_TOKENS_AND_JOB_RUN_AS" },
      });
      assert.deepStrictEqual(await violationsOf(rules.accountAdminSettings, args), [
        "RestrictWorkspaceAdminsSetting can only be changed by an account admin; this stack deploys as a workspace admin, so `pulumi up` would be refused.",
      ]);
    });
  });

  it("databricks-cluster-autotermination leaves pipeline compute (dlt) alone, as it leaves job compute", async () => {
    const policyArgs = (definition: Props) =>
      resourceArgs(
        T("clusterPolicy:ClusterPolicy"),
        { definition: JSON.stringify(definition) },
        { maxMinutes: 30 },
      );
    const pipelines = pipelineClusterPolicy(COMPUTE, TAGS);
    assert.deepStrictEqual(await violationsOf(compute.clusterAutotermination, policyArgs(pipelines)), []);
    assert.deepStrictEqual(
      await violationsOf(
        compute.clusterAutotermination,
        policyArgs({ ...pipelines, cluster_type: { type: "fixed", value: "all-purpose" } }),
      ),
      [
        "Cluster policy lets interactive clusters idle without limit: autotermination_minutes must be fixed or a range from 1 to at most 30.",
      ],
    );
  });

  describe("through the offline plan, with the first-run fixes reverted", () => {
    const line = (policy: string, resource: string, message: string) => `${policy} ${resource} | ${message}`;

    it("fails the prod plan with each rule's violation, and nothing else", async () => {
      const run = await runPlan(
        "--stack",
        "prod",
        "--json",
        "--program",
        path.join(PROJECT_DIR, "tests", "fixtures", "programs", "first-run-reverted.ts"),
      );
      assert.strictEqual(run.code, 1, run.stderr);
      // Mandatory only: prod's advisory findings (the reported flow-log sink) are not what this test flips.
      const found = (JSON.parse(run.stdout) as PlanDocument).violations
        .filter((v) => v.level === "mandatory")
        .map((v) => line(`${v.level} ${v.policy}`, v.urn.split("::").pop() as string, v.message));
      const count = (policy: string) => found.filter((f) => f.startsWith(`mandatory ${policy} `)).length;
      assert.deepStrictEqual(
        rules.databricksDeployabilityPolicies.map((policy) => [policy.name, count(policy.name)]),
        [
          ["databricks-uc-after-metastore", 5],
          ["databricks-run-as-user-role", 8],
          ["databricks-pipeline-compute-policy", 8],
          ["databricks-warehouse-access", 8],
          ["databricks-privileged-code-path", 18],
          ["databricks-no-self-binding", 1],
          ["databricks-continuous-job-shape", 0],
          ["databricks-account-admin-settings", 1],
        ],
      );
      assert.strictEqual(found.length, 49, found.join("\n"));
      for (const expected of [
        line(
          "mandatory databricks-uc-after-metastore",
          "lh-prod-replica-connection",
          "Connection lh-prod-replica-connection does not wait for the metastore assignment: on a first deploy it races it, and Unity Catalog refuses it until the workspace has a metastore.",
        ),
        line(
          "mandatory databricks-uc-after-metastore",
          "lh-prod-eventhubs-credential",
          "Credential lh-prod-eventhubs-credential does not wait for the metastore assignment: on a first deploy it races it, and Unity Catalog refuses it until the workspace has a metastore.",
        ),
        line(
          "mandatory databricks-run-as-user-role",
          "lh-prod-ingestion-registry-job",
          `Job lh-prod-ingestion-registry-job runs as service principal ${APP} but waits for no rule set granting roles/servicePrincipal.user on it: Databricks refuses run_as from an identity without that role.`,
        ),
        line(
          "mandatory databricks-pipeline-compute-policy",
          "lh-prod-ingestion-transfers",
          'Pipeline lh-prod-ingestion-transfers uses cluster policy lh-prod-compute-pipelines-policy, which refuses its compute: custom_tags.owner is fixed to "data-platform" while the pipeline sends "transfers-team".',
        ),
        line(
          "mandatory databricks-warehouse-access",
          "lh-prod-governance-job",
          `Job lh-prod-governance-job runs SQL tasks as ${APP}, but service principal ${APP} may not use SQL warehouse lh-prod-compute-sql.`,
        ),
        line(
          "mandatory databricks-privileged-code-path",
          "lh-prod-governance-job",
          `Job lh-prod-governance-job runs /Shared/lakehouse/governance/functions.sql as ${APP}, but others can edit it there: it is not in the principal's own home folder.`,
        ),
        line(
          "mandatory databricks-no-self-binding",
          "reverted-catalog-binding",
          "WorkspaceBinding reverted-catalog-binding binds Catalog lh-prod-uc-catalog to the workspace that creates it: ISOLATED binds it there already, and replacing this binding would unbind it.",
        ),
        line(
          "mandatory databricks-account-admin-settings",
          "reverted-restrict-admins",
          "RestrictWorkspaceAdminsSetting can only be changed by an account admin; this stack deploys as a workspace admin, so `pulumi up` would be refused.",
        ),
      ]) {
        assert.ok(found.includes(expected), `missing: ${expected}\nin:\n${found.join("\n")}`);
      }
    });
  });

  for (const stack of ["dev", "prod"]) {
    it(`runs every Databricks rule, mandatory, on the ${stack} plan and finds nothing`, async () => {
      const plan = await planOf(stack);
      for (const policy of rules.databricksDeployabilityPolicies) {
        assert.deepStrictEqual(
          plan.policies.find((p) => p.name === policy.name),
          { name: policy.name, level: "mandatory" },
        );
      }
      const names = new Set(rules.databricksDeployabilityPolicies.map((p) => p.name));
      assert.deepStrictEqual(
        plan.violations.filter((v) => names.has(v.policy)),
        [],
      );
    });
  }
});
