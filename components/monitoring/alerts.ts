import * as pulumi from "@pulumi/pulumi";
import { LogAlertSpec, MetricAlertSpec } from "./monitoring";

const TIB = 1024 ** 4;
/** The scope of an alert whose resource the stack does not have; such alerts are left out. */
const NO_TARGET = "";

export interface AlertTargets {
  readonly storageAccountId: pulumi.Input<string>;
  readonly keyVaultId: pulumi.Input<string>;
  /** The SQL read replica; review stacks have none. */
  readonly sqlDatabaseId?: pulumi.Input<string>;
  readonly eventHubsNamespaceId?: pulumi.Input<string>;
  /** Lake size above which the capacity alert fires. */
  readonly storageCapacityTiB: number;
}

/** Resource-consumption alerts of the platform's stateful services (severity 1 pages, 2 warns). */
export function resourceAlerts(t: AlertTargets): MetricAlertSpec[] {
  const storage = "Microsoft.Storage/storageAccounts";
  const sql = "Microsoft.Sql/servers/databases";
  const eventHubs = "Microsoft.EventHub/namespaces";
  const alerts: MetricAlertSpec[] = [
    {
      name: "lake-capacity",
      description: `The lake holds more than ${t.storageCapacityTiB} TiB.`,
      scope: t.storageAccountId,
      severity: 2,
      window: "PT1H",
      frequency: "PT1H",
      criteria: [
        {
          metricNamespace: storage,
          metricName: "UsedCapacity",
          operator: "GreaterThan",
          threshold: t.storageCapacityTiB * TIB,
          aggregation: "Average",
        },
      ],
    },
    {
      name: "lake-throttling",
      description: "Requests to the lake are throttled.",
      scope: t.storageAccountId,
      severity: 2,
      window: "PT15M",
      frequency: "PT5M",
      criteria: [
        {
          metricNamespace: storage,
          metricName: "Transactions",
          operator: "GreaterThan",
          threshold: 0,
          aggregation: "Total",
          dimensions: [{ name: "ResponseType", values: ["ServerBusyError", "ClientThrottlingError"] }],
        },
      ],
    },
    {
      name: "lake-availability",
      description: "The lake answers less than 99 % of requests.",
      scope: t.storageAccountId,
      severity: 1,
      window: "PT15M",
      frequency: "PT5M",
      criteria: [
        {
          metricNamespace: storage,
          metricName: "Availability",
          operator: "LessThan",
          threshold: 99,
          aggregation: "Average",
        },
      ],
    },
    {
      name: "replica-cpu",
      description: "The SQL read replica runs above 80 % CPU.",
      scope: t.sqlDatabaseId ?? NO_TARGET,
      severity: 2,
      window: "PT15M",
      frequency: "PT5M",
      criteria: [
        {
          metricNamespace: sql,
          metricName: "cpu_percent",
          operator: "GreaterThan",
          threshold: 80,
          aggregation: "Average",
        },
      ],
    },
    {
      name: "replica-storage",
      description: "The SQL read replica is more than 90 % full.",
      scope: t.sqlDatabaseId ?? NO_TARGET,
      severity: 1,
      window: "PT1H",
      frequency: "PT15M",
      criteria: [
        {
          metricNamespace: sql,
          metricName: "storage_percent",
          operator: "GreaterThan",
          threshold: 90,
          aggregation: "Maximum",
        },
      ],
    },
    {
      name: "replica-availability",
      description: "The SQL read replica is unavailable.",
      scope: t.sqlDatabaseId ?? NO_TARGET,
      severity: 1,
      window: "PT15M",
      frequency: "PT5M",
      criteria: [
        {
          metricNamespace: sql,
          metricName: "availability",
          operator: "LessThan",
          threshold: 99,
          aggregation: "Average",
        },
      ],
    },
    {
      name: "keyvault-availability",
      description: "Key Vault (customer-managed keys) answers less than 99.9 % of requests.",
      scope: t.keyVaultId,
      severity: 1,
      window: "PT15M",
      frequency: "PT5M",
      criteria: [
        {
          metricNamespace: "Microsoft.KeyVault/vaults",
          metricName: "Availability",
          operator: "LessThan",
          threshold: 99.9,
          aggregation: "Average",
        },
      ],
    },
  ];
  if (t.eventHubsNamespaceId) {
    alerts.push(
      {
        name: "eventhubs-throttled",
        description: "Event Hubs throttles requests: the namespace needs more throughput units.",
        scope: t.eventHubsNamespaceId,
        severity: 2,
        window: "PT15M",
        frequency: "PT5M",
        criteria: [
          {
            metricNamespace: eventHubs,
            metricName: "ThrottledRequests",
            operator: "GreaterThan",
            threshold: 0,
            aggregation: "Total",
          },
        ],
      },
      {
        // Event Hubs has no consumer-lag metric for Kafka consumers; events arriving that nobody reads is the signal.
        name: "eventhubs-consumer-lag",
        description: "Events arrive in Event Hubs but the streaming pipelines read none.",
        scope: t.eventHubsNamespaceId,
        severity: 1,
        window: "PT30M",
        frequency: "PT5M",
        criteria: [
          {
            metricNamespace: eventHubs,
            metricName: "IncomingMessages",
            operator: "GreaterThan",
            threshold: 0,
            aggregation: "Total",
          },
          {
            metricNamespace: eventHubs,
            metricName: "OutgoingMessages",
            operator: "LessThan",
            threshold: 1,
            aggregation: "Total",
          },
        ],
      },
    );
  }
  return alerts.filter((alert) => alert.scope !== NO_TARGET);
}

/**
 * Alerts on the Databricks diagnostic logs: a failed job run (`jobs` category, `runFailed` event). Pipeline
 * updates that fail and sources that are late are alerted per source on the pipelines' event logs
 * (components/monitoring/pipeline-alerts.ts): the `deltaPipelines` diagnostic category records API calls, not updates.
 */
export const LOG_ALERTS: readonly LogAlertSpec[] = [
  {
    name: "failed-jobs",
    description: "A Databricks job run failed.",
    severity: 1,
    query: 'DatabricksJobs\n| where ActionName == "runFailed"',
    operator: "GreaterThan",
    threshold: 0,
    window: "PT15M",
    frequency: "PT15M",
  },
];
