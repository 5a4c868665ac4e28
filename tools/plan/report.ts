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
    /** URNs of the resources whose replacement replaces this one too (`replaceWith`); only when set. */
    readonly replaceWith?: string[];
  }[];
  readonly outputs: unknown;
  readonly placeholders: string[];
  readonly policies: PolicySummary[];
  readonly violations: Violation[];
  /** Resources a `remediate`-level policy fixed before validation. */
  readonly remediations: Remediation[];
  /** The policy pack that ran: its name and its version (policies/package.json). */
  readonly policyPack: { readonly name: string; readonly version: string };
  /** Every data source (invoke) the program read, answered by the plan's mocks, with its number of calls. */
  readonly dataSources: DataSourceRead[];
}

export interface DataSourceRead {
  readonly token: string;
  readonly calls: number;
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
  remediations: Remediation[],
  policyPack: PlanDocument["policyPack"],
  dataSources: DataSourceRead[],
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
      ...(r.replaceWith ? { replaceWith: r.replaceWith } : {}),
    })),
    outputs: maskSecrets(outputs),
    placeholders,
    policies,
    violations,
    remediations,
    policyPack,
    dataSources,
  };
}

/** The widest line the text plan prints (a terminal of 120 columns, and CI logs). */
export const MAX_COLUMNS = 120;
/** Above this many resources the text plan prints counts by type per component instead of the tree. */
export const SUMMARY_ABOVE = 500;

export interface RenderOptions {
  /** Counts by type per component instead of one line per resource (automatic above SUMMARY_ABOVE). */
  readonly summary?: boolean;
  /** Each policy's description, printed under its violations as `pulumi preview` does. */
  readonly descriptions?: Readonly<Record<string, string>>;
}

type PlannedResource = PlanDocument["resources"][number];

/**
 * A type as `pulumi preview` shows it (tokens.Type.DisplayName in pulumi/pulumi): `pkg:mod/file:Name` becomes
 * `pkg:mod:Name` when the file is the name in camel case, as in `databricks:index/catalog:Catalog`.
 */
export function displayType(type: string): string {
  const parts = type.split(":");
  if (parts.length !== 3 || parts[2] === "") return type;
  const [pkg, module, name] = parts;
  const slash = module.lastIndexOf("/");
  if (slash < 0 || module.slice(slash + 1) !== name.charAt(0).toLowerCase() + name.slice(1)) return type;
  return `${pkg}:${module.slice(0, slash)}:${name}`;
}

/** `text` cut to `width` columns, its middle replaced by an ellipsis. */
export function fit(text: string, width: number): string {
  if (text.length <= width) return text;
  const keep = width - 1;
  return `${text.slice(0, Math.ceil(keep / 2))}…${text.slice(text.length - Math.floor(keep / 2))}`;
}

/** `text` wrapped at spaces into lines of at most MAX_COLUMNS, each starting with `indent`. */
export function wrap(text: string, indent: string): string[] {
  const width = MAX_COLUMNS - indent.length;
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter((w) => w !== "")) {
    if (line !== "" && line.length + 1 + word.length > width) {
      lines.push(line);
      line = "";
    }
    line = line === "" ? word : `${line} ${word}`;
  }
  if (line !== "" || lines.length === 0) lines.push(line);
  return lines.map((l) => indent + fit(l, width));
}

function count(items: readonly string[]): [string, number][] {
  const counts = new Map<string, number>();
  items.forEach((item) => counts.set(item, (counts.get(item) ?? 0) + 1));
  return [...counts].sort(([a], [b]) => a.localeCompare(b));
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** One line per resource under its parent, as `pulumi preview` draws it: ` +   ├─ type  name`. */
function tree(doc: PlanDocument): string[] {
  const children = new Map<string | null, PlannedResource[]>();
  doc.resources.forEach((r) => children.set(r.parent, [...(children.get(r.parent) ?? []), r]));
  const lines: string[] = [];
  const walk = (r: PlannedResource, prefix: string, branch: string) => {
    const head = ` +   ${prefix}${branch}${displayType(r.type)}  `;
    lines.push(head + fit(r.name, Math.max(MAX_COLUMNS - head.length, 12)));
    const kids = children.get(r.urn) ?? [];
    const next = prefix + (branch === "" ? "" : branch === "├─ " ? "│  " : "   ");
    kids.forEach((kid, i) => walk(kid, next, i === kids.length - 1 ? "└─ " : "├─ "));
  };
  (children.get(null) ?? []).forEach((root) => walk(root, "", ""));
  return lines.map((line) => fit(line, MAX_COLUMNS));
}

/** Counts by type under each component: the summary of a large stack. */
function summary(doc: PlanDocument): string[] {
  const lines: string[] = [];
  // Cloud resources are counted under their nearest component (a DNS zone group under its endpoint's owner).
  const byUrn = new Map(doc.resources.map((r) => [r.urn, r]));
  const owner = (r: PlannedResource): string | null => {
    let parent = r.parent === null ? undefined : byUrn.get(r.parent);
    while (parent?.custom) parent = parent.parent === null ? undefined : byUrn.get(parent.parent);
    return parent?.urn ?? null;
  };
  const owned = new Map<string | null, string[]>();
  doc.resources
    .filter((r) => r.custom)
    .forEach((r) => owned.set(owner(r), [...(owned.get(owner(r)) ?? []), r.type]));
  const components = doc.resources.filter((r) => !r.custom);
  const walk = (component: PlannedResource, depth: number) => {
    lines.push(fit(`${"  ".repeat(depth)}${displayType(component.type)}  ${component.name}`, MAX_COLUMNS));
    for (const [type, n] of count(owned.get(component.urn) ?? [])) {
      lines.push(fit(`${"  ".repeat(depth + 1)}${String(n).padStart(3)}  ${displayType(type)}`, MAX_COLUMNS));
    }
    components.filter((c) => c.parent === component.urn).forEach((c) => walk(c, depth + 1));
  };
  components.filter((c) => c.parent === null).forEach((root) => walk(root, 1));
  return lines;
}

/** `  (type: name)` of a violation's resource, as `pulumi preview` names it; nothing for a stack policy's. */
function subject(doc: PlanDocument, urn: string): { label: string; type?: string; name?: string } {
  const r = doc.resources.find((resource) => resource.urn === urn);
  if (!r) return { label: urn ? `  (${urn})` : "" };
  return { label: `  (${displayType(r.type)}: ${r.name})`, type: r.type, name: r.name };
}

const LEVEL_ORDER = ["mandatory", "advisory", "remediate", "disabled"];

/**
 * Violations under the pack's name and version, as `pulumi preview` prints them (mandatory first, then by
 * policy): one entry per policy, level and finding, the finding said once (the resource's own type and name
 * replaced by `<type>` and `<name>`) with every resource it was found on.
 */
function violations(doc: PlanDocument, descriptions: Readonly<Record<string, string>>): string[] {
  const groups = new Map<string, { v: Violation; finding: string; subjects: string[] }>();
  const sorted = [...doc.violations].sort(
    (a, b) => LEVEL_ORDER.indexOf(a.level) - LEVEL_ORDER.indexOf(b.level) || a.policy.localeCompare(b.policy),
  );
  for (const v of sorted) {
    const s = subject(doc, v.urn);
    const finding =
      s.type && s.name ? v.message.split(s.type).join("<type>").split(s.name).join("<name>") : v.message;
    const key = JSON.stringify([v.policy, v.level, finding]);
    const group = groups.get(key) ?? { v, finding, subjects: [] };
    group.subjects.push(s.label);
    groups.set(key, group);
  }
  const mandatory = doc.violations.some((v) => v.level === "mandatory");
  const mark = mandatory ? "❌" : doc.violations.length > 0 ? "⚠️" : "✅";
  const lines = [
    fit(`    ${mark} ${doc.policyPack.name}@v${doc.policyPack.version} (local: policies)`, MAX_COLUMNS),
  ];
  for (const { policy } of doc.remediations) {
    const n = doc.remediations.filter((r) => r.policy === policy).length;
    const line = `        - [remediate]  ${policy}  (${plural(n, "resource")})`;
    if (!lines.includes(line)) lines.push(line);
  }
  for (const { v, finding, subjects } of groups.values()) {
    const one = subjects.length === 1;
    const clause = one ? subjects[0] : `  (${subjects.length} resources)`;
    lines.push(fit(`        - [${v.level}]  ${v.policy}${clause}`, MAX_COLUMNS));
    if (descriptions[v.policy]) lines.push(...wrap(descriptions[v.policy], "          "));
    lines.push(...wrap(one ? v.message : finding, "          "));
    if (!one) subjects.forEach((label) => lines.push(fit(`        ${label}`, MAX_COLUMNS)));
  }
  return lines;
}

/** A stack output as one line: its JSON value, cut to fit. */
function output(key: string, value: unknown, width: number): string {
  const head = `    ${key.padEnd(width)}: `;
  return head + fit(JSON.stringify(value) ?? "undefined", MAX_COLUMNS - head.length);
}

/** The readable plan: the resource tree (or the summary of a large stack), data sources, outputs, policies. */
export function renderText(doc: PlanDocument, options: RenderOptions = {}): string {
  const lines: string[] = [];
  const custom = doc.resources.filter((r) => r.custom);
  lines.push(
    `Offline plan of stack "${doc.stack}": ${doc.resources.length} resources (${custom.length} cloud resources, ${doc.resources.length - custom.length} components)`,
  );
  if (doc.placeholders.length > 0) {
    lines.push(...wrap(`Secrets replaced by placeholders: ${doc.placeholders.join(", ")}`, ""));
  }
  const asSummary = options.summary === true || doc.resources.length > SUMMARY_ABOVE;
  if (asSummary) {
    const why = options.summary
      ? "--summary"
      : `more than ${SUMMARY_ABOVE} resources; --json lists every one`;
    lines.push("", `Resources by component (${why}):`, ...summary(doc));
  } else {
    lines.push("", ...tree(doc));
  }
  if (doc.dataSources.length > 0) {
    lines.push("", "Data sources (read by the program, answered by the plan's mocks):");
    doc.dataSources.forEach((d) =>
      lines.push(fit(`    ${d.token}  (${plural(d.calls, "call")})`, MAX_COLUMNS)),
    );
  }
  const outputs = Object.entries((doc.outputs ?? {}) as Record<string, unknown>);
  if (outputs.length > 0) {
    const width = Math.max(...outputs.map(([key]) => key.length));
    lines.push("", "Outputs:", ...outputs.map(([key, value]) => output(key, value, width)));
  }
  const levels = count(doc.policies.map((p) => p.level)).map(([level, n]) => `${n} ${level}`);
  const mandatory = doc.violations.filter((v) => v.level === "mandatory").length;
  lines.push(
    "",
    `Policies: ${doc.policies.length} (${levels.join(", ")})`,
    `Violations: ${doc.violations.length} (${mandatory} mandatory)`,
    ...violations(doc, options.descriptions ?? {}),
  );
  lines.push(
    "",
    "Resources:",
    `    + ${doc.resources.length} to create`,
    "",
    mandatory === 0 ? "Result: no mandatory violation" : `Result: ${mandatory} mandatory violation(s)`,
  );
  return lines.join("\n");
}
