import * as pulumi from "@pulumi/pulumi";
import * as sql from "@pulumi/azure-native/sql";
import * as databricks from "@pulumi/databricks";
import { READ_SCALE_TIERS, sqlTier } from "../../policies/lib/sql-tiers";
import { PlatformConfig } from "../../config/config";
import { sendDiagnostics } from "../monitoring/diagnostics";
import { AzurePlacement } from "../core/naming";
import { Network } from "../network/network";

/** The parts of an Azure SQL database resource id. */
export function parseSqlDatabaseId(id: string): { resourceGroup: string; server: string; database: string } {
  const match =
    /\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Sql\/servers\/([^/]+)\/databases\/([^/]+)$/i.exec(id);
  if (!match) {
    throw new Error(`not an Azure SQL database id: ${id}`);
  }
  return { resourceGroup: match[1], server: match[2], database: match[3] };
}

export interface SqlReplicaArgs extends AzurePlacement {
  readonly tenantId: pulumi.Input<string>;
  readonly network: Network;
  /** Primary database and replica SKU. */
  readonly replica: PlatformConfig["replica"];
  /** The Entra application pipelines run as; it reads the replica over OAuth machine-to-machine. */
  readonly reader: PlatformConfig["pipelines"];
  /** The platform admins group: the server's only (Entra) administrator. */
  readonly admins: { readonly login: string; readonly objectId: string };
  /** Log Analytics workspace that receives the audit log. */
  readonly logAnalyticsWorkspaceId: pulumi.Input<string>;
  /** Name of the Unity Catalog foreign catalog that exposes the replica (`lh_dev_replica`). */
  readonly foreignCatalogName: string;
  /** Owner of the connection and the foreign catalog. */
  readonly owner: string;
  /** Workspace-level provider for the Unity Catalog connection. */
  readonly databricksProvider: databricks.Provider;
  /** The workspace's metastore assignment: the connection and foreign catalog are created after it. */
  readonly metastoreAssignment: pulumi.Resource;
  /** Protects the server and database from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
  /** Where Microsoft Defender for SQL mails its threat alerts (the admins are mailed too). */
  readonly alertEmails: readonly string[];
  /** Zone-redundant replica; only tiers that offer it accept it (GP, BC, HS, Premium). Default: false. */
  readonly zoneRedundant?: boolean;
}

/**
 * The zone-redundancy inputs of the replica. A zone-redundant Hyperscale geo-secondary also needs zone-redundant
 * backup storage and at least one high-availability replica, and Hyperscale zone redundancy is fixed at creation
 * ("Create a zone-redundant Hyperscale database", Azure SQL Database).
 */
export function zoneRedundancyInputs(
  sku: string,
  zoneRedundant: boolean,
): Pick<
  sql.DatabaseArgs,
  "zoneRedundant" | "requestedBackupStorageRedundancy" | "highAvailabilityReplicaCount"
> {
  return zoneRedundant && sku.startsWith("HS_")
    ? {
        zoneRedundant,
        requestedBackupStorageRedundancy: sql.BackupStorageRedundancy.Zone,
        highAvailabilityReplicaCount: 1,
      }
    : { zoneRedundant };
}

/**
 * A readable geo-secondary of the production OLTP database on a logical server of its own, so analytics and
 * extraction never touch the primary: Entra-only authentication with the platform admins as administrator,
 * no public network access (private endpoint), TLS 1.2, TDE, auditing to Log Analytics, Microsoft Defender for SQL
 * threat detection mailed to the alert addresses. Unity Catalog reaches
 * it through a read-only federated connection; every `sqlserver` source reads the foreign catalog.
 */
export class SqlReplica extends pulumi.ComponentResource {
  public readonly server: sql.Server;
  public readonly database: sql.Database;
  /** Host name every extraction connects to. */
  public readonly host: pulumi.Output<string>;
  public readonly databaseName: string;
  public readonly foreignCatalog: databricks.Catalog;

  constructor(name: string, args: SqlReplicaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:ingestion:SqlReplica", name, {}, opts);
    const { naming, location, resourceGroupName, network } = args;
    const stateful = { parent: this, protect: args.protect ?? false };
    const primary = parseSqlDatabaseId(args.replica.primaryDatabaseId);
    this.databaseName = primary.database;

    this.server = new sql.Server(
      `${name}-server`,
      {
        resourceGroupName,
        location,
        serverName: naming.incarnationName("sqlServer", "replica"),
        version: "12.0",
        minimalTlsVersion: sql.MinimalTlsVersion.MinimalTlsVersion_1_2,
        publicNetworkAccess: sql.ServerPublicNetworkAccessFlag.Disabled,
        restrictOutboundNetworkAccess: sql.ServerNetworkAccessFlag.Enabled,
        identity: { type: sql.IdentityType.SystemAssigned },
        administrators: {
          administratorType: sql.AdministratorType.ActiveDirectory,
          azureADOnlyAuthentication: true,
          principalType: sql.PrincipalType.Group,
          login: args.admins.login,
          sid: args.admins.objectId,
          tenantId: args.tenantId,
        },
      },
      stateful,
    );

    // A geo-secondary keeps the primary's name and follows it continuously (readable, read-only).
    this.database = new sql.Database(
      `${name}-database`,
      {
        resourceGroupName,
        location,
        serverName: this.server.name,
        databaseName: primary.database,
        createMode: sql.CreateMode.Secondary,
        secondaryType: sql.SecondaryType.Geo,
        sourceDatabaseId: args.replica.primaryDatabaseId,
        // Same service tier as the primary (Learn, active geo-replication); read scale-out only where the
        // tier has it (Premium, Business Critical, Hyperscale), a geo-secondary is readable either way.
        sku: { name: args.replica.sku },
        readScale: READ_SCALE_TIERS.includes(sqlTier({ name: args.replica.sku }))
          ? sql.DatabaseReadScale.Enabled
          : sql.DatabaseReadScale.Disabled,
        ...zoneRedundancyInputs(args.replica.sku, args.zoneRedundant ?? false),
      },
      stateful,
    );
    new sql.TransparentDataEncryption(
      `${name}-tde`,
      {
        resourceGroupName,
        serverName: this.server.name,
        databaseName: this.database.name,
        tdeName: "current",
        state: sql.TransparentDataEncryptionState.Enabled,
      },
      { parent: this },
    );

    new sql.ExtendedServerBlobAuditingPolicy(
      `${name}-auditing`,
      {
        resourceGroupName,
        serverName: this.server.name,
        blobAuditingPolicyName: "default",
        state: sql.BlobAuditingPolicyState.Enabled,
        isAzureMonitorTargetEnabled: true,
        retentionDays: 90,
        auditActionsAndGroups: [
          "SUCCESSFUL_DATABASE_AUTHENTICATION_GROUP",
          "FAILED_DATABASE_AUTHENTICATION_GROUP",
          "BATCH_COMPLETED_GROUP",
        ],
      },
      { parent: this },
    );
    // Microsoft Defender for SQL on this server: every alert type, mailed to the alert addresses and the admins.
    new sql.ServerSecurityAlertPolicy(
      `${name}-threat-detection`,
      {
        resourceGroupName,
        serverName: this.server.name,
        securityAlertPolicyName: "Default",
        state: sql.SecurityAlertsPolicyState.Enabled,
        disabledAlerts: [],
        emailAddresses: [...args.alertEmails],
        emailAccountAdmins: true,
      },
      { parent: this },
    );
    // Server audit records reach Log Analytics through the master database's diagnostic setting.
    sendDiagnostics(
      `${name}-audit-logs`,
      {
        resourceId: pulumi.interpolate`${this.server.id}/databases/master`,
        workspaceId: args.logAnalyticsWorkspaceId,
        logs: ["SQLSecurityAuditEvents"],
        metrics: [],
      },
      this,
    );

    network.privateEndpoint(
      `${name}-sql`,
      { resourceId: this.server.id, groupId: "sqlServer", zone: "sql", role: "replica" },
      this,
    );
    this.host = pulumi.interpolate`${this.server.name}.database.windows.net`;

    // Unity Catalog securables: created once the workspace has its metastore.
    const inWorkspace = {
      parent: this,
      provider: args.databricksProvider,
      dependsOn: [args.metastoreAssignment],
    };
    const connection = new databricks.Connection(
      `${name}-connection`,
      {
        name: `${args.foreignCatalogName}_connection`,
        connectionType: "SQLSERVER",
        comment: "Read-only federation to the OLTP read replica (never the primary).",
        owner: args.owner,
        readOnly: true,
        options: {
          host: this.host,
          port: "1433",
          trustServerCertificate: "false",
          applicationIntent: "ReadOnly",
          // OAuth machine-to-machine with the reader application (Entra-only server).
          client_id: args.reader.clientId,
          client_secret: args.reader.clientSecret,
          oauth_scope: "https://database.windows.net/.default",
          authorization_endpoint: pulumi.interpolate`https://login.microsoftonline.com/${args.tenantId}/oauth2/v2.0/token`,
        },
      },
      inWorkspace,
    );
    this.foreignCatalog = new databricks.Catalog(
      `${name}-catalog`,
      {
        name: args.foreignCatalogName,
        comment: "The OLTP read replica, as Unity Catalog sees it.",
        connectionName: connection.name,
        options: { database: primary.database },
        isolationMode: "ISOLATED",
        owner: args.owner,
      },
      inWorkspace,
    );

    this.registerOutputs({ server: this.server, database: this.database, host: this.host });
  }
}
