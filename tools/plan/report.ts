import * as runtime from "@pulumi/pulumi/runtime";
import { PolicySummary, Remediation, Violation } from "./evaluate";
import { RecordedResource } from "./record";

/** The `--json` document of the offline plan (DESIGN.md, "The offline plan"). */
export interface PlanDocument {
  readonly stack: string;
  readonly resources: {
    readonly urn: string;
    readonly type: string;
    readonly name: string;
    /** The (mocked) provider id of a cloud resource; null for components. */
    readonly id: string | null;
    readonly parent: string | null;
    readonly inputs: unknown;
    readonly custom: boolean;
    readonly protect: boolean;
    readonly retainOnDelete: boolean;
    /**
     * Every URN the resource waits for: explicit `dependsOn`, its inputs' dependencies and those inherited
     * from its parent (stack policies receive the same).
     */
    readonly dependencies: string[];
    /** URNs of the resources each input depends on (as the engine hands them to stack policies). */
    readonly propertyDependencies: Record<string, string[]>;
  }[];
  readonly outputs: unknown;
  readonly placeholders: string[];
  readonly policies: PolicySummary[];
  readonly violations: Violation[];
  /** Resources a `remediate`-level policy fixed before validation. */
  readonly remediations: Remediation[];
}

export const SECRET_MASK = "[secret]";

/** Replaces every secret with `[secret]` and every resource reference with its URN, for printing. */
export function maskSecrets(value: unknown): unknown {
  if (Array.isArray(value)) {
    return value.map(maskSecrets);
  }
  if (value !== null && typeof value === "object") {
    const record = value as Record<string, unknown>;
    const sig = record[runtime.specialSigKey];
    if (sig === runtime.specialSecretSig) return SECRET_MASK;
    if (sig === runtime.specialResourceSig) return record.urn;
    return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, maskSecrets(v)]));
  }
  return value === runtime.unknownValue ? "[unknown]" : value;
}

export function planDocument(
  stack: string,
  resources: readonly RecordedResource[],
  outputs: Record<string, unknown>,
  placeholders: string[],
  policies: PolicySummary[],
  violations: Violation[],
  remediations: Remediation[] = [],
): PlanDocument {
  return {
    stack,
    resources: resources.map((r) => ({
      urn: r.urn,
      type: r.type,
      name: r.name,
      id: r.id,
      parent: r.parent ?? null,
      inputs: maskSecrets(r.inputs),
      custom: r.custom,
      protect: r.protect,
      retainOnDelete: r.retainOnDelete,
      dependencies: r.dependencies,
      propertyDependencies: r.propertyDependencies,
    })),
    outputs: maskSecrets(outputs),
    placeholders,
    policies,
    violations,
    remediations,
  };
}

function count(items: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  items.forEach((item) => counts.set(item, (counts.get(item) ?? 0) + 1));
  return [...counts].sort(([a], [b]) => a.localeCompare(b));
}

/** The readable summary: resources by component, policies, violations and the verdict. */
export function renderText(doc: PlanDocument): string {
  const lines: string[] = [];
  const custom = doc.resources.filter((r) => r.custom);
  lines.push(
    `Offline plan of stack "${doc.stack}": ${doc.resources.length} resources (${custom.length} cloud resources, ${doc.resources.length - custom.length} components)`,
  );
  if (doc.placeholders.length > 0) {
    lines.push(`Secrets replaced by placeholders: ${doc.placeholders.join(", ")}`);
  }
  lines.push("", "Resources by component:");
  // Cloud resources are counted under their nearest component (a DNS zone group under its endpoint's owner).
  const byUrn = new Map(doc.resources.map((r) => [r.urn, r]));
  const owner = (r: PlanDocument["resources"][number]): string | null => {
    let parent = r.parent === null ? undefined : byUrn.get(r.parent);
    while (parent?.custom) parent = parent.parent === null ? undefined : byUrn.get(parent.parent);
    return parent?.urn ?? null;
  };
  const owned = new Map<string | null, string[]>();
  custom.forEach((r) => owned.set(owner(r), [...(owned.get(owner(r)) ?? []), r.type]));
  const components = doc.resources.filter((r) => !r.custom);
  const walk = (component: PlanDocument["resources"][number], depth: number) => {
    lines.push(`${"  ".repeat(depth)}${component.type}  ${component.name}`);
    for (const [type, n] of count(owned.get(component.urn) ?? [])) {
      lines.push(`${"  ".repeat(depth + 1)}${String(n).padStart(3)}  ${type}`);
    }
    components.filter((c) => c.parent === component.urn).forEach((c) => walk(c, depth + 1));
  };
  components.filter((c) => c.parent === null).forEach((root) => walk(root, 1));
  const levels = count(doc.policies.map((p) => p.level)).map(([level, n]) => `${n} ${level}`);
  lines.push("", `Policies: ${doc.policies.length} (${levels.join(", ")})`);
  for (const r of doc.remediations) {
    lines.push(`  [remediated] ${r.policy}  ${r.urn}`);
  }
  const mandatory = doc.violations.filter((v) => v.level === "mandatory").length;
  if (doc.violations.length === 0) {
    lines.push("Violations: none");
  } else {
    lines.push(`Violations: ${doc.violations.length} (${mandatory} mandatory)`);
    for (const v of doc.violations) {
      lines.push(`  [${v.level}] ${v.policy}  ${v.urn || "(stack)"}`, `      ${v.message}`);
    }
  }
  lines.push(
    "",
    mandatory === 0 ? "Result: no mandatory violation" : `Result: ${mandatory} mandatory violation(s)`,
  );
  return lines.join("\n");
}
