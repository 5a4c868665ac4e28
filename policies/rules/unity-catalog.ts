import * as databricks from "@pulumi/databricks";
import { Policies, PolicyResource } from "@pulumi/policy";
import { anchor, resourceRule, stackRule, typesRule, unless } from "../lib/rule";

const GRANTS = "databricks:index/grants:Grants";
const GRANT = "databricks:index/grant:Grant";
const BROAD = ["users", "account users", "all users", "admins"];
const READ_ONLY = ["USE_SCHEMA", "SELECT", "EXECUTE", "READ_VOLUME", "BROWSE"];

interface GrantEntry {
  readonly principal: string;
  readonly privileges: string[];
}

/** The principal/privileges pairs of a `Grants` (many) or `Grant` (one) resource. */
export function grantEntries(props: Record<string, unknown>, type: string): GrantEntry[] {
  if (type === GRANT) {
    return [{ principal: String(props.principal), privileges: (props.privileges as string[]) ?? [] }];
  }
  return ((props.grants as GrantEntry[]) ?? []).map((g) => ({
    principal: String(g.principal),
    privileges: g.privileges ?? [],
  }));
}

const isGrant = (type: string) => type === GRANTS || type === GRANT;
const isBroadOrUser = (principal: string) =>
  BROAD.includes(principal.toLowerCase()) || principal.includes("@");

export const noBroadGrants = typesRule(
  {
    name: "uc-no-broad-grants",
    description:
      "Unity Catalog grants go to groups and service principals only: never to users or account users.",
    severity: "critical",
    anchor: anchor("project", "governance", "Grants to groups only"),
    remediationSteps: "Grant to an Entra ID group from the stack config or the source file instead.",
  },
  isGrant,
  (p, _config, args) =>
    grantEntries(p, args.type)
      .filter((g) => isBroadOrUser(g.principal))
      .map(
        (g) =>
          `Grant to ${JSON.stringify(g.principal)}: grants go to groups and service principals only, never users or broad principals.`,
      ),
);

export const adminOnlyPrivileges = typesRule<{ adminsGroup?: string }>(
  {
    name: "uc-admin-only-privileges",
    description: "ALL_PRIVILEGES and MANAGE are granted to the platform admins group only.",
    severity: "high",
    anchor: anchor("project", "governance", "Least privilege"),
    remediationSteps: "Grant narrower privileges; ownership and management stay with the platform admins.",
    configSchema: { properties: { adminsGroup: { type: "string", default: "lakehouse-platform-admins" } } },
  },
  isGrant,
  (p, config, args) => {
    const admins = config.adminsGroup ?? "lakehouse-platform-admins";
    return grantEntries(p, args.type)
      .filter(
        (g) => g.principal !== admins && g.privileges.some((x) => x === "ALL_PRIVILEGES" || x === "MANAGE"),
      )
      .map(
        (g) =>
          `${g.principal} is granted ${g.privileges.filter((x) => x === "ALL_PRIVILEGES" || x === "MANAGE").join(", ")}; only ${admins} may hold them.`,
      );
  },
);

export const piiSchemaGrants = typesRule<{ piiGroupPattern?: string; piiWriters?: string[] }>(
  {
    name: "uc-pii-schema-grants",
    description:
      "A *_pii schema is granted only to PII groups, read-only (and to the configured writer principals).",
    severity: "critical",
    anchor: anchor("project", "governance", "Only PII readers read PII"),
    remediationSteps:
      "Grant the PII schema to groups matching the PII group pattern, with USE_SCHEMA and SELECT only.",
    configSchema: {
      properties: {
        piiGroupPattern: {
          type: "string",
          default: "pii-readers$",
          description: "Regular expression PII group names match.",
        },
        piiWriters: {
          type: "array",
          items: { type: "string" },
          default: [],
          description: "Service principals that write PII (the pipelines).",
        },
      },
    },
  },
  isGrant,
  (p, config, args) => {
    const schema = String(p.schema ?? "");
    if (!/_pii$/.test(schema)) return [];
    const pattern = new RegExp(config.piiGroupPattern ?? "pii-readers$");
    const writers = config.piiWriters ?? [];
    return grantEntries(p, args.type).flatMap((g) => {
      if (writers.includes(g.principal)) return [];
      if (!pattern.test(g.principal))
        return [`PII schema ${schema} is granted to ${g.principal}, which is not a PII group.`];
      const writes = g.privileges.filter((x) => !READ_ONLY.includes(x));
      return unless(
        writes.length === 0,
        `PII schema ${schema} grants ${writes.join(", ")} to ${g.principal}; PII groups may only read.`,
      );
    });
  },
);

/** `CREATE ... <table>` statements of a generated SQL file, with their column and select lists. */
function statements(sql: string): { target: string; text: string }[] {
  return sql
    .split(";")
    .map((text) => ({
      text,
      target:
        /CREATE OR REFRESH (?:STREAMING TABLE|MATERIALIZED VIEW) (`[^`]+`\.`[^`]+`\.`[^`]+`)/.exec(
          text,
        )?.[1] ?? "",
    }))
    .filter((s) => s.target !== "");
}

const columnsOf = (text: string) => [...text.matchAll(/`([a-z][a-z0-9_]*)`/g)].map((m) => m[1]);

/** PII columns of a pipeline: in its `_pii` tables but not in its `_bronze` tables (which hold the keys). */
function piiColumns(bronzeSql: string): Set<string> {
  const all = statements(bronzeSql);
  const plain = new Set(
    all
      .filter((s) => /_bronze`\./.test(s.target))
      .flatMap((s) => columnsOf(s.text.split(" AS SELECT ")[1] ?? "")),
  );
  return new Set(
    all
      .filter((s) => /_pii`\./.test(s.target))
      .flatMap((s) => columnsOf(s.text.split(" AS SELECT ")[1] ?? ""))
      .filter((c) => !plain.has(c) && c !== "_ingested_at"),
  );
}

const decode = (file: PolicyResource) =>
  Buffer.from(String(file.props.contentBase64 ?? ""), "base64").toString("utf8");

export const piiMasked = stackRule(
  {
    name: "uc-pii-masked",
    description: "Every PII column reaches silver only behind a mask, and never reaches gold.",
    severity: "critical",
    anchor: anchor("project", "governance", "PII is masked everywhere outside the PII schema"),
    remediationSteps:
      "Mark the column pii: true (with a mask kind) in its source file; the generated SQL masks it.",
  },
  (resources) => {
    const files = resources.filter((r) => r.type === "databricks:index/workspaceFile:WorkspaceFile");
    const byPath = new Map(files.map((f) => [String(f.props.path), f]));
    const problems: { urn?: string; message: string }[] = [];
    for (const bronze of files.filter((f) => /\/bronze\.sql$/.test(String(f.props.path)))) {
      const dir = String(bronze.props.path).replace(/bronze\.sql$/, "");
      const pii = piiColumns(decode(bronze));
      const silver = byPath.get(`${dir}silver.sql`);
      const gold = byPath.get(`${dir}gold.sql`);
      for (const column of pii) {
        for (const s of silver ? statements(decode(silver)) : []) {
          const declared = new RegExp(`\\n  \`${column}\` [A-Z0-9(),]+( MASK [^,\\n]+)?,?\\n`).exec(s.text);
          if (declared && !declared[1]) {
            problems.push({
              urn: silver?.urn,
              message: `PII column ${column} reaches ${s.target} without a mask.`,
            });
          }
        }
        if (gold && decode(gold).includes(`\`${column}\``)) {
          problems.push({
            urn: gold.urn,
            message: `PII column ${column} reaches gold (${String(gold.props.path)}).`,
          });
        }
      }
    }
    return problems;
  },
);

export const isolatedCatalogs = resourceRule(
  {
    name: "uc-isolated-catalogs",
    description: "Catalogs are ISOLATED: bound to their workspace (mandatory in prod).",
    severity: "high",
    anchor: anchor("project", "SRA", "Workspace-catalog binding"),
    remediationSteps:
      "Set isolationMode: ISOLATED and bind the catalog to the workspace (databricks.WorkspaceBinding).",
  },
  databricks.Catalog,
  (p) =>
    unless(
      p.isolationMode === "ISOLATED",
      `Catalog ${String(p.name)} is open to every workspace of the metastore: isolationMode must be ISOLATED.`,
    ),
);

export const credentialGrants = typesRule<{ restrictedPrincipals?: string[] }>(
  {
    name: "uc-credential-grants",
    description:
      "Storage credentials, service credentials and external locations are not granted to analysts or broad principals.",
    severity: "high",
    anchor: anchor("project", "governance", "Raw storage access stays with engineers and pipelines"),
    remediationSteps:
      "Grant tables and views instead; keep credentials and locations to engineers and pipeline principals.",
    configSchema: {
      properties: {
        restrictedPrincipals: { type: "array", items: { type: "string" }, default: ["lakehouse-analysts"] },
      },
    },
  },
  isGrant,
  (p, config, args) => {
    const securable = ["storageCredential", "externalLocation", "credential"].find((k) => p[k] !== undefined);
    if (!securable) return [];
    const restricted = config.restrictedPrincipals ?? ["lakehouse-analysts"];
    return grantEntries(p, args.type)
      .filter((g) => restricted.includes(g.principal) || isBroadOrUser(g.principal))
      .map(
        (g) =>
          `${securable} ${String(p[securable])} is granted to ${g.principal}; credentials and locations are for engineers and pipelines only.`,
      );
  },
);

export const unityCatalogPolicies: Policies = [
  noBroadGrants,
  adminOnlyPrivileges,
  piiSchemaGrants,
  piiMasked,
  isolatedCatalogs,
  credentialGrants,
];
