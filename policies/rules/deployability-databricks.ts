import { Policies, PolicyResource } from "@pulumi/policy";
import { waitedFor } from "../lib/dependencies";
import { anchor, stackRule, typesRule } from "../lib/rule";
import { allowedValues, clusterPolicyRules } from "./compute";

// Deployability: Databricks constraints (issue 14): what the workspace or Unity Catalog refuses or runs wrongly, each rule citing the Databricks docs or the provider's docs.
// Mandatory everywhere: a violation here means `pulumi up` (or the first run) would fail.

const PROVIDER_DOCS = "https://github.com/databricks/terraform-provider-databricks/blob/main/docs/resources";
const T = (name: string) => `databricks:index/${name}`;
const METASTORE_ASSIGNMENT = T("metastoreAssignment:MetastoreAssignment");
const JOB = T("job:Job");
const PIPELINE = T("pipeline:Pipeline");
const RULE_SET = T("accessControlRuleSet:AccessControlRuleSet");
const CLUSTER_POLICY = T("clusterPolicy:ClusterPolicy");
const SQL_ENDPOINT = T("sqlEndpoint:SqlEndpoint");
const PERMISSIONS = T("permissions:Permissions");
const SERVICE_PRINCIPAL = T("servicePrincipal:ServicePrincipal");
const WORKSPACE_BINDING = T("workspaceBinding:WorkspaceBinding");

/** Unity Catalog securables, and the grants and bindings on them: none exists before a metastore. */
export const UNITY_CATALOG_TYPES = [
  "catalog:Catalog",
  "schema:Schema",
  "storageCredential:StorageCredential",
  "externalLocation:ExternalLocation",
  "connection:Connection",
  "credential:Credential",
  "volume:Volume",
  "registeredModel:RegisteredModel",
  "grants:Grants",
  "grant:Grant",
  "workspaceBinding:WorkspaceBinding",
].map(T);

const label = (r: PolicyResource) => `${r.type.split(":").pop()} ${r.name}`;

export const ucAfterMetastore = stackRule(
  {
    name: "databricks-uc-after-metastore",
    description:
      "Every Unity Catalog securable, grant and binding waits for the workspace's metastore assignment.",
    severity: "high",
    anchor: anchor(
      "project",
      `${PROVIDER_DOCS}/metastore_assignment.md`,
      "A workspace reaches Unity Catalog only once it is assigned to a metastore",
    ),
    remediationSteps:
      "Add the MetastoreAssignment to the resource's dependsOn (or its component's), so it is created after the assignment.",
  },
  (resources) => {
    const assignments = resources.filter((r) => r.type === METASTORE_ASSIGNMENT);
    if (assignments.length === 0) return [];
    return resources
      .filter((r) => UNITY_CATALOG_TYPES.includes(r.type))
      .filter((r) => {
        const deps = waitedFor(r, resources);
        return !assignments.some((a) => deps.has(a));
      })
      .map((r) => ({
        urn: r.urn,
        message: `${label(r)} does not wait for the metastore assignment: on a first deploy it races it, and Unity Catalog refuses it until the workspace has a metastore.`,
      }));
  },
);

const runAsPrincipal = (r: PolicyResource): string | undefined => {
  const runAs = r.props.runAs as { servicePrincipalName?: string } | undefined;
  return runAs?.servicePrincipalName;
};

export const runAsUserRole = stackRule(
  {
    name: "databricks-run-as-user-role",
    description:
      "A job or pipeline that runs as a service principal waits for a rule set granting the Service Principal User role on it.",
    severity: "high",
    anchor: anchor(
      "project",
      `${PROVIDER_DOCS}/job.md#run_as-configuration-block`,
      "Setting service_principal_name requires the servicePrincipal/user role",
    ),
    remediationSteps:
      "Grant roles/servicePrincipal.user on the principal to the deploying identity with a databricks.AccessControlRuleSet (accounts/<account>/servicePrincipals/<application id>/ruleSets/default) and depend on it.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === JOB || r.type === PIPELINE)
      .flatMap((r) => {
        const principal = runAsPrincipal(r);
        if (principal === undefined) return [];
        const granted = [...waitedFor(r, resources)].some(
          (dep) =>
            dep.type === RULE_SET &&
            String(dep.props.name).endsWith(`/servicePrincipals/${principal}/ruleSets/default`) &&
            ((dep.props.grantRules as { role?: string; principals?: string[] }[] | undefined) ?? []).some(
              (rule) => rule.role === "roles/servicePrincipal.user" && (rule.principals ?? []).length > 0,
            ),
        );
        return granted
          ? []
          : [
              {
                urn: r.urn,
                message: `${label(r)} runs as service principal ${principal} but waits for no rule set granting roles/servicePrincipal.user on it: Databricks refuses run_as from an identity without that role.`,
              },
            ];
      }),
);

const ofType = (resources: PolicyResource[] | undefined, type: string) =>
  (resources ?? []).filter((r) => r.type === type);

export const pipelineComputePolicy = stackRule(
  {
    name: "databricks-pipeline-compute-policy",
    description:
      "A pipeline's cluster policy allows pipeline compute (cluster type dlt, standard access) and fixes no tag the pipeline sets otherwise.",
    severity: "high",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/azure/databricks/admin/clusters/policy-definition#virtual-attribute-paths",
      "cluster_type is job, all-purpose or dlt (pipeline compute); fixed attributes cannot be overridden",
    ),
    remediationSteps:
      "Give pipelines a policy of their own with cluster_type fixed to dlt and data_security_mode USER_ISOLATION, and name the pipeline's own tags with keys the policy does not fix.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === PIPELINE)
      .flatMap((r) => {
        const policies = ofType(r.propertyDependencies.clusters, CLUSTER_POLICY);
        const clusters = (r.props.clusters as { customTags?: Record<string, string> }[] | undefined) ?? [];
        const sent = {
          ...((r.props.tags as Record<string, string> | undefined) ?? {}),
          ...Object.assign({}, ...clusters.map((c) => c.customTags ?? {})),
        } as Record<string, string>;
        return policies.flatMap((policy) => {
          const rules = clusterPolicyRules(policy.props.definition);
          const types = allowedValues(rules.cluster_type);
          const modes = allowedValues(rules.data_security_mode);
          const problems: string[] = [];
          if (types !== undefined && !types.includes("dlt")) {
            problems.push(`cluster_type allows ${types.join(", ")}, not dlt (pipeline compute)`);
          }
          if (
            modes !== undefined &&
            !modes.some((m) => m === "USER_ISOLATION" || m === "DATA_SECURITY_MODE_STANDARD")
          ) {
            problems.push(
              `data_security_mode allows ${modes.join(", ")}, not standard access (USER_ISOLATION), which Unity Catalog pipelines use`,
            );
          }
          for (const [key, value] of Object.entries(sent)) {
            const fixed = rules[`custom_tags.${key}`];
            if (fixed?.type === "fixed" && fixed.value !== value) {
              problems.push(
                `custom_tags.${key} is fixed to ${JSON.stringify(fixed.value)} while the pipeline sends ${JSON.stringify(value)}`,
              );
            }
          }
          return problems.map((problem) => ({
            urn: r.urn,
            message: `${label(r)} uses cluster policy ${policy.name}, which refuses its compute: ${problem}.`,
          }));
        });
      }),
);

const WAREHOUSE_USE = ["CAN_USE", "CAN_MONITOR", "CAN_MANAGE", "IS_OWNER"];

export const warehouseAccess = stackRule(
  {
    name: "databricks-warehouse-access",
    description:
      "A principal that runs SQL tasks on a warehouse has Databricks SQL access and may use that warehouse.",
    severity: "high",
    anchor: anchor(
      "project",
      `${PROVIDER_DOCS}/permissions.md#sql-warehouse-usage`,
      "SQL tasks run on a warehouse as the job's run-as identity, which needs CAN_USE",
    ),
    remediationSteps:
      "Set databricksSqlAccess on the service principal and add it with CAN_USE to the warehouse's (authoritative) databricks.Permissions.",
  },
  (resources) => {
    const permissions = resources.filter((r) => r.type === PERMISSIONS);
    return resources
      .filter((r) => r.type === JOB)
      .flatMap((job) => {
        const principal = runAsPrincipal(job);
        const tasks = (job.props.tasks as { sqlTask?: unknown }[] | undefined) ?? [];
        if (principal === undefined || !tasks.some((t) => t.sqlTask !== undefined)) return [];
        const problems: string[] = [];
        const identity = resources.find(
          (r) => r.type === SERVICE_PRINCIPAL && r.props.applicationId === principal,
        );
        if (identity && identity.props.databricksSqlAccess !== true) {
          problems.push(`service principal ${principal} has no Databricks SQL access (databricksSqlAccess)`);
        }
        for (const warehouse of ofType(job.propertyDependencies.tasks, SQL_ENDPOINT)) {
          const acl = permissions
            .filter((p) => ofType(p.propertyDependencies.sqlEndpointId, SQL_ENDPOINT).includes(warehouse))
            .flatMap(
              (p) =>
                (p.props.accessControls as { servicePrincipalName?: string; permissionLevel?: string }[]) ??
                [],
            );
          if (
            !acl.some(
              (a) =>
                a.servicePrincipalName === principal && WAREHOUSE_USE.includes(String(a.permissionLevel)),
            )
          ) {
            problems.push(`service principal ${principal} may not use SQL warehouse ${warehouse.name}`);
          }
        }
        return problems.map((problem) => ({
          urn: job.urn,
          message: `${label(job)} runs SQL tasks as ${principal}, but ${problem}.`,
        }));
      });
  },
);

/** Workspace paths of the code a job or pipeline runs. */
function codePaths(r: PolicyResource): string[] {
  if (r.type === PIPELINE) {
    const libraries =
      (r.props.libraries as { file?: { path?: string }; notebook?: { path?: string } }[] | undefined) ?? [];
    return libraries.flatMap((l) => [l.file?.path, l.notebook?.path]).filter((p): p is string => !!p);
  }
  const tasks =
    (r.props.tasks as
      | {
          sqlTask?: { file?: { path?: string; source?: string } };
          notebookTask?: { notebookPath?: string; source?: string };
          sparkPythonTask?: { pythonFile?: string; source?: string };
        }[]
      | undefined) ?? [];
  return tasks
    .flatMap((t) => [
      t.sqlTask?.file?.source === "GIT" ? undefined : t.sqlTask?.file?.path,
      t.notebookTask?.source === "GIT" ? undefined : t.notebookTask?.notebookPath,
      t.sparkPythonTask?.source === "GIT" ? undefined : t.sparkPythonTask?.pythonFile,
    ])
    .filter((p): p is string => !!p);
}

/** Folder permissions that change code (CAN_READ and CAN_RUN do not). */
const WRITE_LEVELS = ["CAN_EDIT", "CAN_MANAGE", "IS_OWNER"];
const withoutWorkspacePrefix = (path: string) => path.replace(/^\/Workspace(?=\/)/, "");
const within = (path: string, folder: string) =>
  withoutWorkspacePrefix(path).startsWith(`${withoutWorkspacePrefix(folder).replace(/\/$/, "")}/`);

export const privilegedCodePath = stackRule<{ adminsGroup?: string }>(
  {
    name: "databricks-privileged-code-path",
    description:
      "Code that runs as a service principal lives in that principal's home folder, writable only by it and the platform admins.",
    severity: "critical",
    anchor: anchor(
      "project",
      `${PROVIDER_DOCS}/permissions.md#folder-usage`,
      "All users have CAN_MANAGE on items in Shared; in a home folder only its owner and the admins do",
    ),
    remediationSteps:
      "Deploy the files under /Users/<application id>/ of the run-as principal and set the folder's permissions (databricks.Permissions directoryPath) to CAN_MANAGE for the platform admins and read for others.",
    configSchema: {
      properties: { adminsGroup: { type: "string", default: "lakehouse-platform-admins" } },
    },
  },
  (resources, config) => {
    const admins = config.adminsGroup ?? "lakehouse-platform-admins";
    const folders = resources.filter((r) => r.type === PERMISSIONS && r.props.directoryPath !== undefined);
    return resources
      .filter((r) => r.type === JOB || r.type === PIPELINE)
      .flatMap((r) => {
        const principal = runAsPrincipal(r);
        if (principal === undefined) return [];
        return codePaths(r).flatMap((path) => {
          const problems: string[] = [];
          if (!within(path, `/Users/${principal}`)) {
            problems.push("others can edit it there: it is not in the principal's own home folder");
          }
          for (const folder of folders.filter((f) => within(path, String(f.props.directoryPath)))) {
            const writers = (
              (folder.props.accessControls as {
                groupName?: string;
                userName?: string;
                servicePrincipalName?: string;
                permissionLevel?: string;
              }[]) ?? []
            )
              .filter((a) => WRITE_LEVELS.includes(String(a.permissionLevel)))
              .map((a) => a.groupName ?? a.userName ?? a.servicePrincipalName ?? "")
              .filter((who) => who !== admins && who !== principal);
            if (writers.length > 0) {
              problems.push(
                `folder ${String(folder.props.directoryPath)} lets ${writers.join(", ")} change it`,
              );
            }
          }
          return problems.map((problem) => ({
            urn: r.urn,
            message: `${label(r)} runs ${path} as ${principal}, but ${problem}.`,
          }));
        });
      });
  },
);

const ISOLATED = ["ISOLATED", "ISOLATION_MODE_ISOLATED"];

export const noSelfBinding = stackRule(
  {
    name: "databricks-no-self-binding",
    description:
      "An ISOLATED securable is not bound again to the workspace that creates it (a replaced binding unbinds it).",
    severity: "high",
    anchor: anchor(
      "project",
      `${PROVIDER_DOCS}/workspace_binding.md`,
      "A securable set ISOLATED is automatically bound to the workspace it was created from",
    ),
    remediationSteps: "Remove the WorkspaceBinding; keep bindings for other workspaces only.",
  },
  (resources) => {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return resources
      .filter((r) => r.type === WORKSPACE_BINDING)
      .flatMap((binding) => {
        const provider = binding.provider ? byUrn.get(binding.provider.urn) : undefined;
        const providerWorkspaces = new Set(
          provider ? Object.values(provider.propertyDependencies).flat() : [],
        );
        const boundWorkspace = (binding.propertyDependencies.workspaceId ?? []).some((w) =>
          providerWorkspaces.has(w),
        );
        // The engine names every resource's provider; a securable without one here uses the binding's.
        const securables = (binding.propertyDependencies.securableName ?? []).filter(
          (s) =>
            ISOLATED.includes(String(s.props.isolationMode)) &&
            (s.provider === undefined || s.provider.urn === binding.provider?.urn),
        );
        return boundWorkspace
          ? securables.map((s) => ({
              urn: binding.urn,
              message: `${label(binding)} binds ${label(s)} to the workspace that creates it: ISOLATED binds it there already, and replacing this binding would unbind it.`,
            }))
          : [];
      });
  },
);

interface JobTask {
  readonly taskKey?: string;
  readonly dependsOns?: unknown[];
  readonly maxRetries?: number;
  readonly retryOnTimeout?: boolean;
  readonly minRetryIntervalMillis?: number;
}

export const continuousJobShape = typesRule(
  {
    name: "databricks-continuous-job-shape",
    description:
      "A continuous job has no schedule, one run at a time, and tasks without dependencies or retry policies.",
    severity: "high",
    anchor: anchor(
      "project",
      "https://learn.microsoft.com/azure/databricks/jobs/continuous",
      "Continuous jobs: one running instance, no task dependencies, no retry policies (exponential back-off)",
    ),
    remediationSteps:
      "Keep continuous jobs to independent tasks without retries (the job backs off by itself); order work in a scheduled job instead.",
  },
  (type) => type === JOB,
  (props) => {
    if (props.continuous === undefined) return [];
    const problems: string[] = [];
    if (props.schedule !== undefined) problems.push("it also has a schedule");
    if (props.maxConcurrentRuns !== undefined && props.maxConcurrentRuns !== 1) {
      problems.push(`maxConcurrentRuns is ${String(props.maxConcurrentRuns)}, not 1`);
    }
    for (const task of (props.tasks as JobTask[] | undefined) ?? []) {
      if ((task.dependsOns ?? []).length > 0)
        problems.push(`task ${String(task.taskKey)} depends on another task`);
      if (
        task.maxRetries !== undefined ||
        task.retryOnTimeout !== undefined ||
        task.minRetryIntervalMillis !== undefined
      ) {
        problems.push(`task ${String(task.taskKey)} has a retry policy`);
      }
    }
    return problems.map((problem) => `Continuous job ${String(props.name)} is refused: ${problem}.`);
  },
);

/** Resources only an account admin may change (provider docs), by type. */
const ACCOUNT_ADMIN_ONLY: Record<string, string> = {
  [T("restrictWorkspaceAdminsSetting:RestrictWorkspaceAdminsSetting")]: "RestrictWorkspaceAdminsSetting",
  [T("systemSchema:SystemSchema")]: "SystemSchema",
};

export const accountAdminSettings = typesRule(
  {
    name: "databricks-account-admin-settings",
    description:
      "Settings only an account admin may change (RestrictWorkspaceAdminsSetting, SystemSchema) are not deployed by the workspace-admin deployer.",
    severity: "medium",
    anchor: anchor(
      "project",
      `${PROVIDER_DOCS}/restrict_workspace_admins_setting.md`,
      "Only account admins can update the setting; system tables must be enabled by an account admin",
    ),
    remediationSteps:
      'Have an account admin set it once (README, "Identities and roles"), or manage it from a stack that deploys as an account admin.',
  },
  (type) => type in ACCOUNT_ADMIN_ONLY,
  (_props, _config, args) => [
    `${ACCOUNT_ADMIN_ONLY[args.type]} can only be changed by an account admin; this stack deploys as a workspace admin, so \`pulumi up\` would be refused.`,
  ],
);

export const databricksDeployabilityPolicies: Policies = [
  ucAfterMetastore,
  runAsUserRole,
  pipelineComputePolicy,
  warehouseAccess,
  privilegedCodePath,
  noSelfBinding,
  continuousJobShape,
  accountAdminSettings,
];
