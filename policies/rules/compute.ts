import * as databricks from "@pulumi/databricks";
import { Policies } from "@pulumi/policy";
import { anchor, resourceRule, typesRule, unless } from "../lib/rule";
import { DEFAULT_MANDATORY_TAGS } from "./tagging";

/** Unity Catalog access modes (the current names and the older ones the API still accepts). */
export const UC_ACCESS_MODES = [
  "SINGLE_USER",
  "USER_ISOLATION",
  "DATA_SECURITY_MODE_DEDICATED",
  "DATA_SECURITY_MODE_STANDARD",
  "DATA_SECURITY_MODE_AUTO",
];

type PolicyRule = {
  type?: string;
  value?: unknown;
  values?: unknown[];
  minValue?: number;
  maxValue?: number;
};

/** The rules of a cluster policy definition, by attribute path; an unparseable definition has none. */
export function clusterPolicyRules(definition: unknown): Record<string, PolicyRule> {
  try {
    return JSON.parse(String(definition ?? "{}")) as Record<string, PolicyRule>;
  } catch {
    return {};
  }
}

/** The values a policy rule lets through: fixed value, allow-list, or undefined when unrestricted. */
export function allowedValues(rule: PolicyRule | undefined): unknown[] | undefined {
  if (rule?.type === "fixed") return [rule.value];
  if (rule?.type === "allowlist") return rule.values ?? [];
  return undefined;
}

const CLUSTER = "databricks:index/cluster:Cluster";
const POLICY = "databricks:index/clusterPolicy:ClusterPolicy";
const PIPELINE = "databricks:index/pipeline:Pipeline";

export const clusterAutotermination = typesRule<{ maxMinutes?: number }>(
  {
    name: "databricks-cluster-autotermination",
    description:
      "Interactive clusters terminate after 1 to the configured maximum idle minutes. Unset fails: a cluster without it never terminates.",
    severity: "medium",
    anchor: anchor(
      "project",
      "SRA",
      "Interactive clusters terminate when idle (no checkov or trivy check covers Databricks clusters)",
    ),
    remediationSteps:
      "Set autoterminationMinutes (clusters) or an autotermination_minutes range (all-purpose policies) within the limit.",
    configSchema: {
      properties: {
        maxMinutes: { type: "integer", minimum: 1, default: 120, description: "Longest idle time allowed." },
      },
    },
  },
  (type) => type === CLUSTER || type === POLICY,
  (p, config, args) => {
    const max = config.maxMinutes ?? 120;
    if (args.type === CLUSTER) {
      const minutes = Number(p.autoterminationMinutes ?? 0);
      return unless(
        minutes >= 1 && minutes <= max,
        `Cluster auto-termination is ${minutes} minutes; it must be between 1 and ${max}.`,
      );
    }
    const rules = clusterPolicyRules(p.definition);
    // Job and pipeline (dlt) compute end with their run; auto-termination is for interactive clusters.
    if (allowedValues(rules.cluster_type)?.every((t) => t === "job" || t === "dlt")) return [];
    const rule = rules.autotermination_minutes;
    const upper =
      rule?.type === "fixed" ? Number(rule.value) : rule?.type === "range" ? rule.maxValue : undefined;
    const lower = rule?.type === "fixed" ? Number(rule.value) : rule?.minValue;
    return unless(
      upper !== undefined && upper <= max && (lower ?? 0) >= 1,
      `Cluster policy lets interactive clusters idle without limit: autotermination_minutes must be fixed or a range from 1 to at most ${max}.`,
    );
  },
);

export const warehouseAutoStop = resourceRule<
  databricks.SqlEndpoint,
  databricks.SqlEndpointArgs,
  { maxMinutes?: number }
>(
  {
    name: "databricks-warehouse-auto-stop",
    description:
      "SQL warehouses stop after 1 to the configured maximum idle minutes. Unset fails: written out.",
    severity: "medium",
    anchor: anchor("project", "cost", "Idle SQL warehouses stop"),
    remediationSteps: "Set autoStopMins between 1 and the limit.",
    configSchema: {
      properties: {
        maxMinutes: { type: "integer", minimum: 1, default: 60, description: "Longest idle time allowed." },
      },
    },
  },
  databricks.SqlEndpoint,
  (p, config) => {
    const max = config.maxMinutes ?? 60;
    const minutes = Number(p.autoStopMins ?? 0);
    return unless(
      minutes >= 1 && minutes <= max,
      `SQL warehouse auto-stop is ${minutes} minutes; it must be between 1 and ${max}.`,
    );
  },
);

export const unityCatalogAccessMode = typesRule(
  {
    name: "databricks-uc-access-mode",
    description: "Clusters run in a Unity Catalog access mode only. Unset fails.",
    severity: "high",
    anchor: anchor("project", "SRA", "Unity Catalog access modes (dedicated or standard)"),
    remediationSteps:
      "Set dataSecurityMode to SINGLE_USER / USER_ISOLATION (or the DATA_SECURITY_MODE_* names), or fix it in the cluster policy.",
  },
  (type) => type === CLUSTER || type === POLICY,
  (p, _config, args) => {
    const modes =
      args.type === CLUSTER
        ? [p.dataSecurityMode]
        : allowedValues(clusterPolicyRules(p.definition).data_security_mode);
    return unless(
      modes !== undefined && modes.length > 0 && modes.every((m) => UC_ACCESS_MODES.includes(String(m))),
      `${args.type === CLUSTER ? "Cluster" : "Cluster policy"} allows an access mode outside Unity Catalog; data_security_mode must be one of ${UC_ACCESS_MODES.join(", ")}.`,
    );
  },
);

export const clusterHasPolicy = typesRule(
  {
    name: "databricks-cluster-policy",
    description: "Every cluster, pipeline cluster included, is governed by a cluster policy.",
    severity: "medium",
    anchor: anchor("project", "SRA", "Compute is created through cluster policies"),
    remediationSteps: "Set policyId (clusters) or clusters[].policyId (classic pipelines).",
  },
  (type) => type === CLUSTER || type === PIPELINE,
  (p, _config, args) => {
    if (args.type === CLUSTER) {
      return unless(Boolean(p.policyId), "Cluster has no cluster policy: set policyId.");
    }
    if (p.serverless === true) return [];
    const clusters = (p.clusters ?? []) as { label?: string; policyId?: string }[];
    return unless(
      clusters.length > 0 && clusters.every((c) => Boolean(c.policyId)),
      "Pipeline clusters have no cluster policy: set clusters[].policyId.",
    );
  },
);

export const clusterHardening = typesRule(
  {
    name: "databricks-cluster-hardening",
    description:
      "Clusters accept no SSH keys and encrypt local disks. Unset SSH keys pass; unset disk encryption fails (off by default).",
    severity: "medium",
    anchor: anchor(
      "project",
      "SRA",
      "No SSH keys on clusters, local disks encrypted (no checkov or trivy check covers Databricks clusters)",
    ),
    remediationSteps:
      "Remove sshPublicKeys and set enableLocalDiskEncryption: true (or forbid / fix them in the cluster policy).",
  },
  (type) => type === CLUSTER || type === POLICY,
  (p, _config, args) => {
    if (args.type === CLUSTER) {
      return [
        ...unless(
          ((p.sshPublicKeys as unknown[]) ?? []).length === 0,
          "Cluster accepts SSH keys: remove sshPublicKeys.",
        ),
        ...unless(
          p.enableLocalDiskEncryption === true,
          "Cluster local disks are not encrypted: enableLocalDiskEncryption must be true.",
        ),
      ];
    }
    const rules = clusterPolicyRules(p.definition);
    return [
      ...unless(
        rules["ssh_public_keys.*"]?.type === "forbidden",
        'Cluster policy allows SSH keys: "ssh_public_keys.*" must be forbidden.',
      ),
      ...unless(
        rules.enable_local_disk_encryption?.type === "fixed" &&
          rules.enable_local_disk_encryption.value === true,
        "Cluster policy does not fix local disk encryption: enable_local_disk_encryption must be fixed to true.",
      ),
    ];
  },
);

export const jobsOnJobClusters = resourceRule(
  {
    name: "databricks-jobs-on-job-clusters",
    description: "Jobs never run on interactive clusters.",
    severity: "medium",
    anchor: anchor(
      "project",
      "SRA",
      "Jobs run on job clusters or serverless, isolated from interactive work",
    ),
    remediationSteps:
      "Remove existingClusterId from the job's tasks; use job clusters, pipelines or serverless.",
  },
  databricks.Job,
  (p) =>
    ((p.tasks ?? []) as { taskKey?: string; existingClusterId?: string }[])
      .filter((t) => t.existingClusterId !== undefined)
      .map(
        (t) =>
          `Job task ${t.taskKey} runs on the interactive cluster ${t.existingClusterId}: use a job cluster.`,
      ),
);

export const nodeTypes = typesRule<{ allowedNodeTypes?: string[]; requireSpotWorkers?: boolean }>(
  {
    name: "databricks-node-types",
    description:
      "Clusters use node types from the allow-list, and spot workers with fallback where config asks.",
    severity: "low",
    anchor: anchor("project", "cost", "Node types from an allow-list; spot workers with on-demand fallback"),
    remediationSteps:
      "Use allowed node types (lakehouse:nodeTypes) and, where required, azure_attributes.availability SPOT_WITH_FALLBACK_AZURE.",
    configSchema: {
      properties: {
        allowedNodeTypes: {
          type: "array",
          items: { type: "string" },
          default: ["Standard_D4ds_v5", "Standard_D8ds_v5", "Standard_E8ds_v5"],
        },
        requireSpotWorkers: { type: "boolean", default: false },
      },
    },
  },
  (type) => type === CLUSTER || type === POLICY,
  (p, config, args) => {
    const allowed = config.allowedNodeTypes ?? [];
    const spot = "SPOT_WITH_FALLBACK_AZURE";
    if (args.type === CLUSTER) {
      const used = [p.nodeTypeId, p.driverNodeTypeId].filter((n) => n !== undefined).map(String);
      const availability = (p.azureAttributes as { availability?: string } | undefined)?.availability;
      return [
        ...used
          .filter((n) => !allowed.includes(n))
          .map((n) => `Cluster uses node type ${n}, which is not in the allow-list (${allowed.join(", ")}).`),
        ...unless(
          !config.requireSpotWorkers || availability === spot,
          `Cluster workers are not spot with fallback: azureAttributes.availability must be ${spot}.`,
        ),
      ];
    }
    const rules = clusterPolicyRules(p.definition);
    const problems: string[] = [];
    for (const attribute of ["node_type_id", "driver_node_type_id"]) {
      const values = allowedValues(rules[attribute]);
      if (values === undefined) {
        problems.push(
          `Cluster policy leaves ${attribute} open: it must be an allow-list within ${allowed.join(", ")}.`,
        );
      } else {
        values
          .filter((v) => !allowed.includes(String(v)))
          .forEach((v) =>
            problems.push(
              `Cluster policy allows node type ${String(v)} for ${attribute}, which is not in the allow-list.`,
            ),
          );
      }
    }
    const availability = allowedValues(rules["azure_attributes.availability"]);
    return [
      ...problems,
      ...unless(
        !config.requireSpotWorkers || (availability?.length === 1 && availability[0] === spot),
        `Cluster policy does not put workers on spot: azure_attributes.availability must be fixed to ${spot}.`,
      ),
    ];
  },
);

export const costTags = typesRule<{ tags?: string[] }>(
  {
    name: "databricks-cost-tags",
    description: "Clusters, cluster policies and SQL warehouses carry the cost tags.",
    severity: "low",
    anchor: anchor("project", "cost", "Databricks usage is attributable through custom tags"),
    remediationSteps:
      "Set customTags (clusters), tags.customTags (warehouses) or fixed custom_tags.<tag> rules (policies) for every mandatory tag.",
    configSchema: {
      properties: { tags: { type: "array", items: { type: "string" }, default: DEFAULT_MANDATORY_TAGS } },
    },
  },
  (type) => type === CLUSTER || type === POLICY || type === "databricks:index/sqlEndpoint:SqlEndpoint",
  (p, config, args) => {
    const required = config.tags ?? DEFAULT_MANDATORY_TAGS;
    let present: string[];
    if (args.type === CLUSTER) {
      present = Object.keys((p.customTags as Record<string, string>) ?? {});
    } else if (args.type === POLICY) {
      present = Object.entries(clusterPolicyRules(p.definition))
        .filter(([key, rule]) => key.startsWith("custom_tags.") && rule.type === "fixed")
        .map(([key]) => key.slice("custom_tags.".length));
    } else {
      present = (((p.tags as { customTags?: { key: string }[] }) ?? {}).customTags ?? []).map((t) => t.key);
    }
    const missing = required.filter((t) => !present.includes(t));
    return unless(missing.length === 0, `Missing cost tags: ${missing.join(", ")}.`);
  },
);

export const computeSize = typesRule<{ maxWorkers?: number; maxDbuPerHour?: number }>(
  {
    name: "compute-size-limit",
    description: "Compute stays within the configured size: workers per cluster and DBU/hour.",
    severity: "medium",
    anchor: anchor("project", "cost", "Dev compute cannot exceed the configured size"),
    remediationSteps:
      "Lower lakehouse:maxWorkers / lakehouse:maxDbuPerHour, or raise the limits in policies/config/<stack>.json.",
    configSchema: {
      properties: {
        maxWorkers: { type: "integer", minimum: 1, default: 8 },
        maxDbuPerHour: { type: "integer", minimum: 1, default: 40 },
      },
    },
  },
  (type) => type === CLUSTER || type === POLICY || type === PIPELINE,
  (p, config, args) => {
    const maxWorkers = config.maxWorkers ?? 8;
    const maxDbu = config.maxDbuPerHour ?? 40;
    if (args.type === POLICY) {
      const rules = clusterPolicyRules(p.definition);
      const over = ["num_workers", "autoscale.max_workers"].filter(
        (k) => (rules[k]?.maxValue ?? Infinity) > maxWorkers,
      );
      return [
        ...over.map((k) => `Cluster policy allows ${k} above ${maxWorkers}.`),
        ...unless(
          (rules.dbus_per_hour?.maxValue ?? Infinity) <= maxDbu,
          `Cluster policy allows more than ${maxDbu} DBU/hour: dbus_per_hour must have maxValue <= ${maxDbu}.`,
        ),
      ];
    }
    const clusters = args.type === CLUSTER ? [p] : ((p.clusters ?? []) as Record<string, unknown>[]);
    return clusters.flatMap((c) => {
      const workers = Number(
        (c.autoscale as { maxWorkers?: number } | undefined)?.maxWorkers ?? c.numWorkers ?? 0,
      );
      return unless(
        workers <= maxWorkers,
        `${args.type === CLUSTER ? "Cluster" : "Pipeline cluster"} scales to ${workers} workers; the limit is ${maxWorkers}.`,
      );
    });
  },
);

export const computePolicies: Policies = [
  clusterAutotermination,
  warehouseAutoStop,
  unityCatalogAccessMode,
  clusterHasPolicy,
  clusterHardening,
  jobsOnJobClusters,
  nodeTypes,
  costTags,
];
