import { PipelineSqlContext } from "../../sql/pipeline-sql";

/** The dev stack's SQL context, as the platform computes it, for specs that generate SQL. */
export const SQL_CONTEXT: PipelineSqlContext = {
  catalog: "lh_dev",
  governanceSchema: "governance",
  secretScope: "pii",
  piiReadersGroup: "lakehouse-pii-readers",
  unrestrictedGroups: ["lakehouse-platform-admins", "lakehouse-data-engineers"],
  replicaCatalog: "lh_dev_replica",
  landingUrl: "abfss://landing@stlhlakedevweu1234.dfs.core.windows.net/",
  eventHubs: {
    bootstrapServers: "evhns-lh-dev-weu-1234.servicebus.windows.net:9093",
    credential: "lh_dev_eventhubs",
  },
};
