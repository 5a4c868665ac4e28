import * as sql from "@pulumi/azure-native/sql";
import { Policies, PolicyResource } from "@pulumi/policy";
import { anchor, resourceRule, stackRule, publicAccessDisabled, unless } from "../lib/rule";
import { knownString, read } from "../lib/unknown";

/** Resources of `type` whose `property` input refers to `target` (by dependency, or by equal name when known). */
function linked(
  resources: PolicyResource[],
  type: string,
  property: string,
  target: PolicyResource,
  targetName: unknown,
) {
  return resources.filter(
    (r) =>
      r.type === type &&
      ((r.propertyDependencies[property] ?? []).includes(target) ||
        (targetName !== undefined && knownString(r, property) === targetName)),
  );
}

export const sqlTde = stackRule(
  {
    name: "sql-tde",
    description:
      "Transparent data encryption is on for every SQL database. A missing TDE resource fails: the platform states it, though new databases have it on.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV2_AZURE_25",
      "Ensure Azure SQL database Transparent Data Encryption (TDE) is enabled",
    ),
    remediationSteps:
      "Add a TransparentDataEncryption (tdeName current) with state Enabled for the database.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === "azure-native:sql:Database")
      .flatMap((db) => {
        const tde = linked(
          resources,
          "azure-native:sql:TransparentDataEncryption",
          "databaseName",
          db,
          knownString(db, "databaseName"),
        );
        return tde.some((t) => t.props.state === "Enabled")
          ? []
          : [{ urn: db.urn, message: "SQL database has no transparent data encryption with state Enabled." }];
      }),
);

export const sqlAuditing = stackRule(
  {
    name: "sql-auditing",
    description:
      "Auditing is on for every SQL server and keeps records for at least 90 days. A missing audit policy fails.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_23",
      "Ensure that 'Auditing' is set to 'On' for SQL servers; CKV_AZURE_24 retention over 90 days",
    ),
    remediationSteps:
      "Add an ExtendedServerBlobAuditingPolicy with state Enabled, Azure Monitor target and retentionDays >= 90.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === "azure-native:sql:Server")
      .flatMap((server) => {
        const audits = [
          ...linked(
            resources,
            "azure-native:sql:ExtendedServerBlobAuditingPolicy",
            "serverName",
            server,
            knownString(server, "serverName"),
          ),
          ...linked(
            resources,
            "azure-native:sql:ServerBlobAuditingPolicy",
            "serverName",
            server,
            knownString(server, "serverName"),
          ),
        ].filter((a) => a.props.state === "Enabled");
        if (audits.length === 0) {
          return [{ urn: server.urn, message: "SQL server has no auditing policy with state Enabled." }];
        }
        const days = Number(audits[0].props.retentionDays ?? 0);
        return days !== 0 && days < 90
          ? [
              {
                urn: audits[0].urn,
                message: `SQL auditing keeps records for ${days} days; retentionDays must be at least 90 (or 0, unlimited).`,
              },
            ]
          : [];
      }),
);

export const sqlEntraOnly = resourceRule(
  {
    name: "sql-entra-only",
    description:
      "SQL servers allow Entra ID authentication only, with no SQL administrator login. Unset fails.",
    severity: "critical",
    anchor: anchor(
      "Azure Policy",
      "b3a22bc9-66de-45fb-98fa-00f5df42f41a",
      "Azure SQL Database should have Microsoft Entra-only authentication enabled",
    ),
    remediationSteps:
      "Set administrators.azureADOnlyAuthentication: true with an Entra group as administrator; remove administratorLogin and its password.",
  },
  sql.Server,
  (p) => [
    ...unless(
      p.administrators?.azureADOnlyAuthentication === true,
      "SQL server allows SQL authentication: administrators.azureADOnlyAuthentication must be true.",
    ),
    ...unless(
      p.administratorLogin === undefined && p.administratorLoginPassword === undefined,
      "SQL server has a SQL administrator login: remove administratorLogin and administratorLoginPassword.",
    ),
  ],
);

export const sqlPrivateTls = {
  ...resourceRule(
    {
      name: "sql-private-tls-1-2",
      description:
        "SQL servers have public network access disabled and require TLS 1.2. Unset fails: written out.",
      severity: "high",
      anchor: anchor(
        "checkov",
        "CKV_AZURE_113",
        "Ensure that SQL server disables public network access; CKV_AZURE_52 minimal TLS 1.2",
      ),
      remediationSteps:
        "Set publicNetworkAccess: Disabled (private endpoint) and minimalTlsVersion: 1.2 (remediable automatically).",
    },
    sql.Server,
    (p) => [
      ...publicAccessDisabled("SQL server", p.publicNetworkAccess),
      ...unless(
        p.minimalTlsVersion === "1.2" || p.minimalTlsVersion === "1.3",
        `SQL server allows TLS below 1.2: minimalTlsVersion is ${String(p.minimalTlsVersion ?? "unset")}, must be 1.2.`,
      ),
    ],
  ),
  remediateResource: (args: { type: string; props: Record<string, unknown> }) =>
    args.type === "azure-native:sql:Server" && args.props.minimalTlsVersion !== "1.3"
      ? { ...args.props, minimalTlsVersion: "1.2" }
      : undefined,
};

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, octet) => n * 256 + Number(octet), 0);
}

export const sqlNoWideFirewall = resourceRule(
  {
    name: "sql-no-wide-firewall-rule",
    description:
      "No SQL firewall rule opens 0.0.0.0 (all Azure) or a range wider than 256 addresses. Unset addresses count as 0.0.0.0.",
    severity: "critical",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_11",
      "Ensure no SQL Databases allow ingress from 0.0.0.0/0 (ANY IP)",
    ),
    remediationSteps: "Remove the rule: the replica is reached through its private endpoint only.",
  },
  sql.FirewallRule,
  (p) => {
    const start = String(p.startIpAddress ?? "0.0.0.0");
    const end = String(p.endIpAddress ?? "255.255.255.255");
    const size = ipToInt(end) - ipToInt(start) + 1;
    return unless(
      start !== "0.0.0.0" && size <= 256,
      `SQL firewall rule opens ${start}-${end}; rules may open at most 256 addresses and never 0.0.0.0.`,
    );
  },
);

export const sqlThreatProtection = stackRule(
  {
    name: "sql-threat-protection",
    description:
      "Every SQL server has Microsoft Defender for SQL threat detection on (a security alert policy with state Enabled), and every such policy disables no alert type and mails the alert addresses and the admins. Unset state, addresses or admin mail fail; values unknown at preview are checked at update. Deliberately, a subscription Defender for SQL plan or ServerAdvancedThreatProtectionSettings alone does not pass: neither sets where alerts go.",
    severity: "high",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_25",
      "Ensure that 'Threat Detection types' is set to 'All'; CKV_AZURE_26 'Send Alerts To'; CKV_AZURE_27 admins mailed; CKV2_AZURE_13; trivy AZU-0028, AZU-0018, AZU-0023; Azure Policy abfb4388-5bf4-4ad7-ba82-2cd2f41ceae9",
    ),
    remediationSteps:
      "Add a ServerSecurityAlertPolicy (securityAlertPolicyName Default) with state Enabled, no disabledAlerts, emailAddresses (lakehouse:alertEmails) and emailAccountAdmins: true.",
  },
  (resources) =>
    resources
      .filter((r) => r.type === "azure-native:sql:Server")
      .flatMap((server) => {
        const policies = linked(
          resources,
          "azure-native:sql:ServerSecurityAlertPolicy",
          "serverName",
          server,
          knownString(server, "serverName"),
        ).filter((a) => read(() => a.props.state).known === false || a.props.state === "Enabled");
        if (policies.length === 0) {
          return [
            {
              urn: server.urn,
              message:
                "SQL server has no threat detection: add a ServerSecurityAlertPolicy with state Enabled.",
            },
          ];
        }
        return policies.flatMap((policy) => {
          const p = read(
            () =>
              ({
                disabledAlerts: policy.props.disabledAlerts,
                emailAddresses: policy.props.emailAddresses,
                emailAccountAdmins: policy.props.emailAccountAdmins,
              }) as { disabledAlerts?: string[]; emailAddresses?: string[]; emailAccountAdmins?: boolean },
          );
          if (!p.known) return [];
          const { disabledAlerts, emailAddresses, emailAccountAdmins } = p.value;
          const disabled = (disabledAlerts ?? []).filter((a) => a !== "");
          return [
            ...unless(
              disabled.length === 0,
              `SQL threat detection ignores ${disabled.join(", ")}: disabledAlerts must be empty.`,
            ),
            ...unless(
              (emailAddresses ?? []).length > 0,
              "SQL threat alerts reach no mailbox: set emailAddresses to the alert addresses.",
            ),
            ...unless(
              emailAccountAdmins === true,
              "SQL threat alerts skip the admins: emailAccountAdmins must be true.",
            ),
          ].map((message) => ({ urn: policy.urn, message }));
        });
      }),
);

/** SKUs whose tier offers zone redundancy: vCore General Purpose, Business Critical, Hyperscale; DTU Premium. */
const ZONE_REDUNDANT_SKUS = "^(GP_|BC_|HS_|P\\d)";

export const sqlZoneRedundant = resourceRule<sql.Database, sql.DatabaseArgs, { skuPattern?: string }>(
  {
    name: "sql-zone-redundant",
    description:
      "SQL databases are zone-redundant where their tier offers it (mandatory in prod). Unset zoneRedundant fails (Azure's default is not zone-redundant); an unset SKU fails unless zoneRedundant is true, since the tier is then unknown.",
    severity: "medium",
    anchor: anchor(
      "checkov",
      "CKV_AZURE_229",
      "Ensure the Azure SQL Database Namespace is zone redundant; Azure Policy 6221cac0-bb8d-40f4-9535-5d03f713f054",
    ),
    remediationSteps:
      "Set zoneRedundant: true (lakehouse:replicaZoneRedundant), in a region with availability zones.",
    configSchema: {
      properties: {
        skuPattern: {
          type: "string",
          default: ZONE_REDUNDANT_SKUS,
          description: "SKU names (regular expression) whose tier offers zone redundancy.",
        },
      },
    },
  },
  sql.Database,
  (p, config) => {
    if (p.zoneRedundant === true) return [];
    if (p.sku?.name === undefined) {
      return [
        "SQL database has no sku and is not zone-redundant: a geo-secondary inherits the primary's tier, which may offer zone redundancy; set sku, and zoneRedundant: true where the tier offers it.",
      ];
    }
    const sku = String(p.sku.name);
    return unless(
      !new RegExp(config.skuPattern ?? ZONE_REDUNDANT_SKUS).test(sku),
      `SQL database on ${sku} is not zone-redundant: set zoneRedundant: true.`,
    );
  },
);

export const sqlHyperscaleZoneRedundancy = resourceRule(
  {
    name: "sql-hyperscale-zone-redundancy",
    description:
      "A zone-redundant Hyperscale database (SKU HS_*) asks for zone-redundant backup storage (Zone or GeoZone) and at least one high-availability replica, which ARM requires and which cannot be added later. Unset fails.",
    severity: "high",
    anchor: anchor(
      "project",
      "deployability",
      "Create a zone-redundant Hyperscale database (Azure SQL Database): -ZoneRedundant -BackupStorageRedundancy Zone -HighAvailabilityReplicaCount 1",
    ),
    remediationSteps:
      "Set requestedBackupStorageRedundancy: Zone and highAvailabilityReplicaCount: 1 with zoneRedundant: true, when the database is created.",
  },
  sql.Database,
  (p) => {
    if (p.zoneRedundant !== true || !String(p.sku?.name ?? "").startsWith("HS_")) return [];
    return [
      ...unless(
        ["Zone", "GeoZone"].includes(String(p.requestedBackupStorageRedundancy)),
        `Zone-redundant Hyperscale database has ${String(p.requestedBackupStorageRedundancy ?? "unset")} backup storage: set requestedBackupStorageRedundancy: Zone.`,
      ),
      ...unless(
        (p.highAvailabilityReplicaCount ?? 0) >= 1,
        `Zone-redundant Hyperscale database has ${String(p.highAvailabilityReplicaCount ?? 0)} high-availability replicas: set highAvailabilityReplicaCount: 1 or more.`,
      ),
    ];
  },
);

export const sqlPolicies: Policies = [
  sqlTde,
  sqlAuditing,
  sqlEntraOnly,
  sqlPrivateTls,
  sqlNoWideFirewall,
  sqlThreatProtection,
  sqlZoneRedundant,
  sqlHyperscaleZoneRedundancy,
];
