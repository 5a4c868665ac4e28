import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as databricks from "@pulumi/databricks";
import * as random from "@pulumi/random";
import { ACCOUNTS_HOST } from "../account/account";
import { Compute } from "../databricks/compute";
import { PlatformConfig } from "../../config/config";
import { Foundation } from "./foundation";
import { Keys } from "../security/keys";
import { LakehouseStorage } from "../storage/lakehouse-storage";
import { INCARNATION_LENGTH, mandatoryTagsTransformation, Naming } from "./naming";
import { Network } from "../network/network";
import { DataSource } from "../../config/sources";
import { UnityCatalog } from "../storage/unity-catalog";
import { DatabricksWorkspace } from "../databricks/workspace";
import { EventHubs } from "../ingestion/event-hubs";
import { Governance, governanceSqlContext } from "../governance/governance";
import { Ingestion } from "../ingestion/ingestion";
import { SqlReplica } from "../ingestion/sql-replica";
import { resourceAlerts, LOG_ALERTS } from "../monitoring/alerts";
import { Monitoring } from "../monitoring/monitoring";
import { PrivateMonitoring } from "../monitoring/private-monitoring";
import { PipelineAlerts } from "../monitoring/pipeline-alerts";
import { GrafanaDashboards } from "../monitoring/dashboards";
import { RunMetadata } from "../monitoring/run-metadata";
import { Deployments } from "../deployments/deployments";
import { DeployerPath, environmentPool } from "../deployments/deployer-path";
import { DefenderPlans, StorageThreatProtection } from "../security/defender";
import { FlowLogs } from "../network/flow-logs";
import { ServerlessConnectivity } from "../network/serverless-connectivity";
import { AccountReference, readAccountStack, readPreviousOutputs } from "./stack-references";
import { InvalidInputError } from "../../config/validation";

export interface LakehousePlatformArgs {
  /** Validated stack configuration. */
  readonly config: PlatformConfig;
  /** Validated data sources, one per `sources/<name>.yaml`. */
  readonly sources: readonly DataSource[];
}

/**
 * The whole governed lakehouse of one stack. It composes one component per concern and hands their outputs
 * to each other; every taggable Azure resource below it gets the mandatory tags. Differences between
 * environments come from config only.
 */
export class LakehousePlatform extends pulumi.ComponentResource {
  public readonly naming: Naming;
  public readonly foundation: Foundation;
  public readonly network: Network;
  public readonly keys: Keys;
  public readonly workspace: DatabricksWorkspace;
  public readonly storage: LakehouseStorage;
  public readonly unityCatalog: UnityCatalog;
  public readonly compute: Compute;
  /** The account stack's outputs this stack uses (metastore, connectivity, budget policies, governed tags). */
  public readonly account: AccountReference;
  /** Only outside review stacks: a review stack holds no copy of production data. */
  public readonly replica?: SqlReplica;
  /** Only when at least one source streams through Event Hubs. */
  public readonly eventHubs?: EventHubs;
  public readonly governance: Governance;
  public readonly ingestion: Ingestion;
  public readonly monitoring: Monitoring;
  /** Azure Monitor over Private Link: Log Analytics and Application Insights from inside, and Grafana. */
  public readonly privateMonitoring: PrivateMonitoring;
  public readonly runMetadata: RunMetadata;
  /** Per source: a failed pipeline update, and a source that has not refreshed in its expected window. */
  public readonly pipelineAlerts: PipelineAlerts;
  /** Only when `deploymentsEnabled`. */
  public readonly deployments?: Deployments;
  public readonly flowLogs: FlowLogs;
  /** Serverless compute's private endpoints to the lake (NCC rules) and their approval. */
  public readonly serverlessConnectivity: ServerlessConnectivity;
  /** Defender for Storage on every storage account of the stack. */
  public readonly storageThreatProtection: StorageThreatProtection;
  /** Only when the stack owns its subscription's Defender settings (`defenderPlans`). */
  public readonly defender?: DefenderPlans;
  /** The data sources this stack ingests (a review stack leaves out those that read the replica). */
  public readonly sources: readonly DataSource[];
  /** The DBFS root's identity, read back by the next update to turn the DBFS root key on. */
  public readonly dbfsRootIdentity: pulumi.Output<string | undefined>;
  /** `on`, `pending` (a new workspace: the next update turns it on) or `off` (opted out by config). */
  public readonly dbfsRootCmkState: pulumi.Output<"on" | "pending" | "off">;
  /** The deployers' private endpoints in the environment's pool network (review stacks: their template's pool). */
  public readonly deployerPath: DeployerPath;
  /** The account's serverless budget policy of this environment (review stacks use their template's). */
  public readonly serverlessBudgetPolicyId: pulumi.Output<string>;
  /** The dashboards in `dashboards/`, deployed to the stack's Managed Grafana with the stack's values. */
  public readonly grafanaDashboards: GrafanaDashboards;

  constructor(name: string, args: LakehousePlatformArgs, opts?: pulumi.ComponentResourceOptions) {
    const { config } = args;
    const tags = { ...config.tags, managedBy: "pulumi", project: config.project, stack: config.stack };
    super(
      "lakehouse:core:LakehousePlatform",
      name,
      {},
      {
        ...opts,
        transformations: [mandatoryTagsTransformation(tags), ...(opts?.transformations ?? [])],
      },
    );
    // Names Azure keeps after deletion end in this suffix, new with every incarnation of the stack.
    const incarnation = new random.RandomString(
      `${name}-incarnation`,
      { length: INCARNATION_LENGTH, lower: true, numeric: true, upper: false, special: false },
      { parent: this },
    );
    const naming = (this.naming = new Naming({
      prefix: config.prefix,
      environment: config.environment,
      location: config.location,
      incarnation: incarnation.result,
    }));
    const account = (this.account = readAccountStack(
      `${name}-account`,
      { organization: config.deployments.organization, stack: config.accountStack },
      { parent: this },
    ));
    // A workspace binds only to a connectivity configuration (and a metastore) of its own region.
    const metastoreId = pulumi.all([account.region, account.metastoreId]).apply(([region, id]) => {
      if (region !== config.location) {
        throw new InvalidInputError([
          `lakehouse:accountStack: ${config.accountStack} serves ${region}, but this stack is in ${config.location}`,
        ]);
      }
      return id;
    });
    // The account's objects of this environment (review stacks use their template environment's).
    const ofEnvironment = (ids: pulumi.Output<Record<string, string>>, what: string) =>
      ids.apply((byEnvironment) => {
        const id = byEnvironment[config.tags.environment];
        if (id === undefined) {
          throw new InvalidInputError([
            `lakehouse:accountStack: ${config.accountStack} has no ${what} for environment "${config.tags.environment}" (it has: ${Object.keys(byEnvironment).join(", ")})`,
          ]);
        }
        return id;
      });
    // Serverless compute of this environment reaches only what its own configuration's rules reach.
    const networkConnectivityConfigId = ofEnvironment(
      account.networkConnectivityConfigIds,
      "network connectivity configuration",
    );
    // The DBFS root key needs the identity the workspace's creation makes: turned on by the next update.
    const previous = readPreviousOutputs(`${name}-previous`, { parent: this });
    const dbfsRootCmk = previous.dbfsRootIdentity.apply(
      (identity) => config.databricks.dbfsRootCmk && identity !== undefined,
    );
    const accountProvider = new databricks.Provider(
      `${name}-account-provider`,
      { host: ACCOUNTS_HOST, accountId: account.accountId },
      { parent: this },
    );
    // A review stack leaves out the sources that read the replica it does not have.
    const sources = (this.sources = config.review
      ? args.sources.filter((source) => source.source.kind !== "sqlserver")
      : args.sources);
    const location = config.location;
    const protect = config.protectStatefulResources;
    const client = authorization.getClientConfigOutput({ parent: this });
    const { subscriptionId, tenantId } = client;
    const child = { parent: this };
    const catalogName = `${config.prefix}_${config.environment}`;
    const owner = config.groups.platformAdmins;

    this.foundation = new Foundation(
      `${name}-foundation`,
      { naming, location, tenantId, logRetentionDays: config.logRetentionDays, protect },
      child,
    );
    const resourceGroupName = this.foundation.resourceGroup.name;
    const placement = { naming, location, resourceGroupName };

    this.network = new Network(
      `${name}-network`,
      {
        ...placement,
        addressSpace: config.network.addressSpace,
        egressFirewallIp: config.network.egressFirewallIp,
        // In a landing zone its central zones and resolver serve every spoke (README, "Who reaches what").
        centralZoneIds: config.network.privateDnsZoneIds,
        dnsServers: config.network.dnsServers,
      },
      child,
    );
    // The environment's deployer pool (review stacks use their template environment's): its runners reach
    // the workspace through a front-end endpoint of their own, in the pool's network.
    this.deployerPath = new DeployerPath(
      `${name}-deployer-path`,
      {
        naming,
        location,
        pool: pulumi.all([account.deployerPools, subscriptionId]).apply(([pools, subscription]) =>
          environmentPool(pools, {
            environment: config.tags.environment,
            subscriptionId: subscription,
            accountStack: config.accountStack,
          }),
        ),
      },
      child,
    );
    this.keys = new Keys(
      `${name}-keys`,
      { ...placement, subscriptionId, keyVault: this.foundation.keyVault, network: this.network, protect },
      child,
    );
    this.workspace = new DatabricksWorkspace(
      `${name}-databricks`,
      {
        ...placement,
        subscriptionId,
        network: this.network,
        keys: this.keys,
        azureDatabricksObjectId: config.databricks.azureDatabricksObjectId,
        metastoreId,
        account: {
          provider: accountProvider,
          networkConnectivityConfigId,
        },
        dbfsRootCmk,
        complianceSecurityProfile: config.databricks.complianceSecurityProfile,
        tokenMaxLifetimeDays: config.databricks.tokenMaxLifetimeDays,
        browserAuthenticationEndpoint: config.databricks.browserAuthenticationEndpoint,
        dbfsStorageSku: config.storage.sku,
        protect,
        deployerPath: (workspace) => [
          this.deployerPath.endpoint(`${name}-deployer-ui-api`, {
            resourceId: workspace.id,
            groupId: "databricks_ui_api",
            zone: "databricks",
            role: "dbwdeploy",
          }),
        ],
      },
      child,
    );
    this.storage = new LakehouseStorage(
      `${name}-lake`,
      {
        ...placement,
        subscriptionId,
        tenantId,
        network: this.network,
        keys: this.keys,
        sku: config.storage.sku,
        softDeleteDays: config.storage.softDeleteDays,
        protect,
      },
      child,
    );

    this.serverlessConnectivity = new ServerlessConnectivity(
      `${name}-serverless`,
      {
        accountProvider,
        networkConnectivityConfigId,
        targets: { lake: { account: this.storage.account } },
      },
      child,
    );

    this.flowLogs = new FlowLogs(
      `${name}-flowlogs`,
      {
        ...placement,
        subscriptionId,
        network: this.network,
        keys: this.keys,
        logAnalytics: this.foundation.logAnalytics,
        sku: config.storage.sku,
        networkWatcher: config.networkWatcher,
        protect,
      },
      child,
    );
    this.storageThreatProtection = new StorageThreatProtection(
      `${name}-storage-defender`,
      {
        accounts: { lake: this.storage.account, flowlogs: this.flowLogs.account },
        malwareScanningCapGBPerMonth: config.malwareScanningCapGBPerMonth,
      },
      child,
    );
    if (config.defenderPlans) {
      this.defender = new DefenderPlans(
        `${name}-defender`,
        { subscriptionId, malwareScanningCapGBPerMonth: config.malwareScanningCapGBPerMonth },
        child,
      );
    }

    // Workspace-level resources go through the workspace's provider.
    const inWorkspace = { parent: this, providers: [this.workspace.provider] };
    // The identity that deploys (it sets run_as and assigns tags): its ACL principal, as the account sees it.
    // On a new stack's preview the workspace does not exist and the invoke returns nothing: a service
    // principal deployer is then named by its Azure client id, which is the same application id.
    const deployer = pulumi
      .all([
        databricks.getCurrentUserOutput({}, { parent: this, provider: this.workspace.provider })
          .aclPrincipalId,
        client.clientId,
      ])
      .apply(([acl, clientId]) => acl || `servicePrincipals/${clientId}`);
    this.unityCatalog = new UnityCatalog(
      `${name}-uc`,
      {
        catalogName,
        storage: this.storage,
        metastoreAssignment: this.workspace.metastoreAssignment,
        groups: config.groups,
        sources,
        protect,
      },
      inWorkspace,
    );
    this.compute = new Compute(
      `${name}-compute`,
      {
        namePrefix: name,
        compute: config.compute,
        tags: config.tags,
        groups: config.groups,
        pipelinesClientId: config.pipelines.clientId,
        accountId: account.accountId,
        deployer,
      },
      inWorkspace,
    );

    const replica = (this.replica = config.review
      ? undefined
      : new SqlReplica(
          `${name}-replica`,
          {
            ...placement,
            tenantId,
            network: this.network,
            replica: config.replica,
            reader: config.pipelines,
            admins: { login: owner, objectId: config.groups.platformAdminsObjectId },
            logAnalyticsWorkspaceId: this.foundation.logAnalytics.id,
            foreignCatalogName: `${catalogName}_replica`,
            owner,
            databricksProvider: this.workspace.provider,
            metastoreAssignment: this.workspace.metastoreAssignment,
            protect,
            alertEmails: config.alerts.emails,
            zoneRedundant: config.replica.zoneRedundant,
          },
          child,
        ));

    const streamed = sources.filter((source) => source.source.kind === "eventhub");
    const eventHubs = (this.eventHubs =
      streamed.length === 0
        ? undefined
        : new EventHubs(
            `${name}-eventhubs`,
            {
              ...placement,
              subscriptionId,
              network: this.network,
              sources: streamed,
              capacity: config.eventHubs.capacity,
              accessConnector: {
                id: this.storage.accessConnector.id,
                principalId: this.storage.accessConnectorPrincipalId,
              },
              credentialName: `${catalogName}_eventhubs`,
              owner,
              databricksProvider: this.workspace.provider,
              metastoreAssignment: this.workspace.metastoreAssignment,
              protect,
            },
            child,
          ));

    this.monitoring = new Monitoring(
      `${name}-monitoring`,
      {
        ...placement,
        subscriptionId,
        logAnalytics: this.foundation.logAnalytics,
        network: this.network,
        alerts: config.alerts,
        budget: config.budget,
        monitoring: config.monitoring,
        retentionDays: config.logRetentionDays,
        adminsObjectId: config.groups.platformAdminsObjectId,
        watched: [
          {
            name: "databricks",
            type: "azure-native:databricks:Workspace",
            resourceId: this.workspace.workspace.id,
          },
          { name: "lake", type: "azure-native:storage:StorageAccount", resourceId: this.storage.account.id },
          {
            name: "lake-blob",
            type: "blobService",
            resourceId: pulumi.interpolate`${this.storage.account.id}/blobServices/default`,
          },
          { name: "keyvault", type: "azure-native:keyvault:Vault", resourceId: this.foundation.keyVault.id },
          // Account metrics only: blob logs of the flow-log account would record every flow-log write.
          {
            name: "flowlogs",
            type: "azure-native:storage:StorageAccount",
            resourceId: this.flowLogs.account.id,
          },
          ...(replica
            ? [
                {
                  name: "replica",
                  type: "azure-native:sql:Database" as const,
                  resourceId: replica.database.id,
                },
              ]
            : []),
          {
            name: "vnet",
            type: "azure-native:network:VirtualNetwork",
            resourceId: this.network.virtualNetwork.id,
          },
          {
            name: "nsg-dbw",
            type: "azure-native:network:NetworkSecurityGroup",
            resourceId: this.network.databricksSecurityGroup.id,
          },
          {
            name: "nsg-pep",
            type: "azure-native:network:NetworkSecurityGroup",
            resourceId: this.network.privateEndpointSecurityGroup.id,
          },
          ...(eventHubs
            ? [
                {
                  name: "eventhubs",
                  type: "azure-native:eventhub:Namespace" as const,
                  resourceId: eventHubs.namespace.id,
                },
              ]
            : []),
        ],
        metricAlerts: resourceAlerts({
          storageAccountId: this.storage.account.id,
          keyVaultId: this.foundation.keyVault.id,
          sqlDatabaseId: replica?.database.id,
          eventHubsNamespaceId: eventHubs?.namespace.id,
          storageCapacityTiB: config.monitoring.storageCapacityAlertTiB,
        }),
        logAlerts: LOG_ALERTS,
        databricksProvider: this.workspace.provider,
      },
      child,
    );

    this.privateMonitoring = new PrivateMonitoring(
      `${name}-private-monitoring`,
      {
        ...placement,
        network: this.network,
        logAnalytics: this.foundation.logAnalytics,
        applicationInsights: this.monitoring.applicationInsights,
        grafana: this.monitoring.grafana,
        existingScopeId: config.network.monitorPrivateLinkScopeId,
      },
      child,
    );

    this.governance = new Governance(
      `${name}-governance`,
      {
        catalogName,
        dataClassification: config.tags.dataClassification,
        governedTags: account.governedTags,
        groups: config.groups,
        sources,
        pipelinesPrincipal: config.pipelines.clientId,
        keyVault: this.foundation.keyVault,
        resourceGroupName,
        subscriptionId,
        azureDatabricksObjectId: config.databricks.azureDatabricksObjectId,
        sqlWarehouseId: this.compute.sqlWarehouse.id,
        workspaceRoot: `${this.compute.codeRoot}/governance`,
        codeFolder: this.compute.codeFolder,
        runAsRoles: this.compute.runAsRoles,
        alertEmails: config.alerts.emails,
        protect,
        securables: {
          landingLocation: this.unityCatalog.externalLocations.landing.name,
          replicaCatalog: replica?.foreignCatalog.name,
          eventHubsCredential: eventHubs?.credential.name,
        },
        unityCatalog: this.unityCatalog,
        principal: this.compute.pipelinesPrincipal,
      },
      inWorkspace,
    );

    this.ingestion = new Ingestion(
      `${name}-ingestion`,
      {
        namePrefix: name,
        catalogName,
        sources,
        sqlContext: pulumi
          .all([eventHubs?.bootstrapServers, eventHubs?.credential.name])
          .apply(([bootstrapServers, credential]) => ({
            ...governanceSqlContext(catalogName, config.groups),
            replicaCatalog: `${catalogName}_replica`,
            landingUrl: this.storage.url("landing"),
            eventHubs: bootstrapServers && credential ? { bootstrapServers, credential } : undefined,
          })),
        pipelinePolicyId: this.compute.pipelinePolicy.id,
        runAs: config.pipelines.clientId,
        governance: {
          functionsPath: this.governance.functionsPath,
          tagsPaths: this.governance.tagsPaths,
          sqlWarehouseId: this.compute.sqlWarehouse.id,
        },
        workspaceRoot: `${this.compute.codeRoot}/pipelines`,
        codeFolder: this.compute.codeFolder,
        runAsRoles: this.compute.runAsRoles,
        maxWorkers: config.compute.maxWorkers,
        notifications: { emails: config.alerts.emails, destinationIds: this.monitoring.destinationIds },
        groups: config.groups,
        // A source's pipeline starts once its own grants (and the shared ones) are in place, and once its
        // clusters' disks can be encrypted with the managed-disk key.
        dependsOnFor: (source) => [
          ...[...this.governance.grants]
            .filter(([id]) => id.startsWith(`${source}-`) || !/-(bronze|silver|gold|pii)$/.test(id))
            .map(([, grant]) => grant),
          this.workspace.managedDiskKeyAccess,
        ],
      },
      inWorkspace,
    );

    this.runMetadata = new RunMetadata(
      `${name}-run-metadata`,
      {
        namePrefix: name,
        catalogName,
        workspaceId: this.workspace.workspaceId,
        sources,
        sqlWarehouseId: this.compute.sqlWarehouse.id,
        runAs: config.pipelines.clientId,
        alertEmails: config.alerts.emails,
        workspaceRoot: `${this.compute.codeRoot}/ops`,
        codeFolder: this.compute.codeFolder,
        runAsRoles: this.compute.runAsRoles,
      },
      { ...inWorkspace, dependsOn: [this.unityCatalog.opsSchema, ...this.governance.grants.values()] },
    );

    this.pipelineAlerts = new PipelineAlerts(
      `${name}-pipeline-alerts`,
      {
        namePrefix: name,
        catalogName,
        sources: args.sources,
        sqlWarehouseId: this.compute.sqlWarehouse.id,
        runAs: this.compute.pipelinesPrincipal.applicationId,
        destinationIds: this.monitoring.destinationIds,
      },
      inWorkspace,
    );

    // Dashboards as code: the templates in dashboards/ with this stack's ids, budget and catalog filled in.
    const grafanaRecords = this.monitoring.grafanaEndpoint
      ? this.network.dnsRecords.get(this.monitoring.grafanaEndpoint)
      : undefined;
    // A private Grafana is reached by the deployers through an endpoint of its own in their pool's network.
    const deployerGrafanaRecords = this.monitoring.grafanaEndpoint
      ? this.deployerPath.endpoint(`${name}-deployer-grafana`, {
          resourceId: this.monitoring.grafana.id,
          groupId: "grafana",
          zone: "grafana",
          role: "amgdeploy",
        })
      : undefined;
    // KQL datatable rows mapping each source's job id to the source (the diagnostic logs name jobs by id).
    const jobSources = (batchOnly: boolean) =>
      pulumi
        .all(
          sources
            .filter((source) => !batchOnly || source.mode === "batch")
            .flatMap((source) => {
              const job = this.ingestion.sources.get(source.name)?.job;
              return job ? [job.id.apply((id) => `"${id}", "${source.name}"`)] : [];
            }),
        )
        .apply((rows) => rows.join(", "));
    this.grafanaDashboards = new GrafanaDashboards(
      `${name}-dashboards`,
      {
        grafana: this.monitoring.grafana,
        folderTitle: `Lakehouse ${config.stack}`,
        subscriptionId,
        deployerObjectId: client.objectId,
        reachableAfter: [grafanaRecords, deployerGrafanaRecords].filter((r) => r !== undefined),
        values: {
          subscriptionId,
          resourceGroup: resourceGroupName,
          region: location,
          logAnalyticsId: this.foundation.logAnalytics.id,
          databricksWorkspaceId: this.workspace.workspace.id,
          lakeName: this.storage.account.name,
          keyVaultName: this.foundation.keyVault.name,
          sqlDatabaseName: replica && pulumi.interpolate`${replica.server.name}/${replica.database.name}`,
          eventHubsName: eventHubs?.namespace.name,
          budgetAmount: String(config.budget.monthlyAmount),
          budgetThresholds: config.budget.thresholdsPercent.map((t) => `${t} %`).join(", "),
          budgetScope:
            config.budget.scope === "subscription"
              ? pulumi.interpolate`subscription ${subscriptionId}`
              : pulumi.interpolate`resource group ${resourceGroupName}`,
          jobSources: jobSources(false),
          batchJobSources: jobSources(true),
          qualityViews: sources.map((s) => `- \`${catalogName}.ops.${s.name}_flows\``).join("\n"),
        },
      },
      child,
    );

    if (config.deployments.enabled) {
      this.deployments = new Deployments(
        `${name}-deployments`,
        {
          project: config.project,
          stack: config.stack,
          settings: config.deployments,
          subscriptionId,
          tenantId,
          alerts: config.alerts,
          agentPoolId: this.deployerPath.agentPoolId,
        },
        child,
      );
    }

    this.dbfsRootIdentity = this.workspace.workspace.storageAccountIdentity.apply((i) => i?.principalId);
    this.dbfsRootCmkState = dbfsRootCmk.apply((on) =>
      on ? "on" : config.databricks.dbfsRootCmk ? "pending" : "off",
    );
    this.serverlessBudgetPolicyId = ofEnvironment(account.budgetPolicyIds, "serverless budget policy");

    this.registerOutputs({ foundation: this.foundation, workspace: this.workspace });
  }
}
