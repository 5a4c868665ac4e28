import * as pulumi from "@pulumi/pulumi";
import * as eventhub from "@pulumi/azure-native/eventhub";
import * as databricks from "@pulumi/databricks";
import { SubscriptionPlacement } from "../core/naming";
import { Network } from "../network/network";
import { assignRole } from "../security/roles";
import { DataSource } from "../../config/sources";

/**
 * The Kafka `group.id` the pipelines read with. Event Hubs creates Kafka consumer groups itself when a client
 * joins; they are not Event Hubs consumer groups, so no ARM consumer group is created (Learn, Event Hubs for
 * Apache Kafka FAQ, "Event Hubs consumer group vs. Kafka consumer group").
 */
export const CONSUMER_GROUP = "databricks";

export interface EventHubsArgs extends SubscriptionPlacement {
  readonly network: Network;
  /** The `eventhub` sources: one hub each. */
  readonly sources: readonly DataSource[];
  /** Throughput units of the namespace. */
  readonly capacity: number;
  /** The lake's access connector: its managed identity reads the hubs. */
  readonly accessConnector: { readonly id: pulumi.Input<string>; readonly principalId: pulumi.Input<string> };
  /** Unity Catalog service credential name (`lh_dev_eventhubs`). */
  readonly credentialName: string;
  readonly owner: string;
  readonly databricksProvider: databricks.Provider;
  /** The workspace's metastore assignment: the service credential is created after it. */
  readonly metastoreAssignment: pulumi.Resource;
  /** Protects the namespace from deletion (`protect`). Default: false. */
  readonly protect?: boolean;
}

/**
 * The realtime path: an Event Hubs namespace (TLS 1.2, no SAS keys, no public network access, private
 * endpoint, Kafka endpoint) with one hub per streaming source. Databricks reads it
 * over Kafka with Entra ID, as the access connector's managed identity through a Unity Catalog service
 * credential, so no connection string or secret exists anywhere.
 */
export class EventHubs extends pulumi.ComponentResource {
  public readonly namespace: eventhub.Namespace;
  public readonly hubs: ReadonlyMap<string, eventhub.EventHub>;
  /** `host:9093` of the namespace's Kafka endpoint. */
  public readonly bootstrapServers: pulumi.Output<string>;
  public readonly credential: databricks.Credential;

  constructor(name: string, args: EventHubsArgs, opts?: pulumi.ComponentResourceOptions) {
    super("lakehouse:ingestion:EventHubs", name, {}, opts);
    const { naming, location, resourceGroupName } = args;

    this.namespace = new eventhub.Namespace(
      `${name}-namespace`,
      {
        resourceGroupName,
        location,
        namespaceName: naming.name("eventHubNamespace"),
        sku: { name: eventhub.SkuName.Standard, tier: eventhub.SkuTier.Standard, capacity: args.capacity },
        minimumTlsVersion: eventhub.TlsVersion.TlsVersion_1_2,
        disableLocalAuth: true,
        publicNetworkAccess: eventhub.PublicNetworkAccess.Disabled,
        kafkaEnabled: true,
        zoneRedundant: true,
        isAutoInflateEnabled: false,
      },
      { parent: this, protect: args.protect ?? false },
    );
    new eventhub.NamespaceNetworkRuleSet(
      `${name}-network-rules`,
      {
        resourceGroupName,
        namespaceName: this.namespace.name,
        defaultAction: eventhub.DefaultAction.Deny,
        publicNetworkAccess: eventhub.PublicNetworkAccessFlag.Disabled,
        trustedServiceAccessEnabled: true,
      },
      { parent: this },
    );

    this.hubs = new Map(
      args.sources.map((source) => {
        if (source.source.kind !== "eventhub") {
          throw new pulumi.ResourceError(`source ${source.name} is not an eventhub source`, this);
        }
        const hub = new eventhub.EventHub(
          `${name}-${source.name}`,
          {
            resourceGroupName,
            namespaceName: this.namespace.name,
            eventHubName: source.name,
            partitionCount: source.source.partitions,
            retentionDescription: {
              cleanupPolicy: eventhub.CleanupPolicyRetentionDescription.Delete,
              retentionTimeInHours: source.source.retentionHours,
            },
          },
          { parent: this },
        );
        return [source.name, hub];
      }),
    );

    args.network.privateEndpoint(
      `${name}-namespace`,
      { resourceId: this.namespace.id, groupId: "namespace", zone: "eventhub", role: "evhns" },
      this,
    );
    assignRole(
      `${name}-connector-receiver`,
      {
        principalId: args.accessConnector.principalId,
        principalType: "ServicePrincipal",
        role: "eventHubsDataReceiver",
        scope: this.namespace.id,
        subscriptionId: args.subscriptionId,
      },
      { parent: this },
    );
    this.bootstrapServers = pulumi.interpolate`${this.namespace.name}.servicebus.windows.net:9093`;

    // A Unity Catalog securable: created once the workspace has its metastore. ISOLATED binds it to this
    // workspace already (provider docs, workspace_binding); no extra binding.
    const inWorkspace = {
      parent: this,
      provider: args.databricksProvider,
      dependsOn: [args.metastoreAssignment],
    };
    this.credential = new databricks.Credential(
      `${name}-credential`,
      {
        name: args.credentialName,
        purpose: "SERVICE",
        comment: "Entra ID access to the Event Hubs namespace, as the lake's access connector.",
        azureManagedIdentity: { accessConnectorId: args.accessConnector.id },
        isolationMode: "ISOLATION_MODE_ISOLATED",
        owner: args.owner,
      },
      inWorkspace,
    );

    this.registerOutputs({ namespace: this.namespace, bootstrapServers: this.bootstrapServers });
  }
}
