-- Bronze of data source transfers, generated from sources/transfers.yaml by the lakehouse platform. Do not edit.

CREATE TEMPORARY VIEW `transfer_events_source` AS
SELECT
  payload.`event_id` AS `event_id`,
  payload.`transfer_id` AS `transfer_id`,
  payload.`player_id` AS `player_id`,
  payload.`from_club_id` AS `from_club_id`,
  payload.`to_club_id` AS `to_club_id`,
  payload.`status` AS `status`,
  payload.`fee_eur` AS `fee_eur`,
  payload.`agent_name` AS `agent_name`,
  payload.`agent_phone` AS `agent_phone`,
  payload.`event_time` AS `event_time`,
  timestamp AS `_ingested_at`
FROM (
  SELECT from_json(CAST(value AS STRING), '`event_id` STRING, `transfer_id` BIGINT, `player_id` BIGINT, `from_club_id` BIGINT, `to_club_id` BIGINT, `status` STRING, `fee_eur` DECIMAL(14,2), `agent_name` STRING, `agent_phone` STRING, `event_time` TIMESTAMP') AS payload, timestamp
  FROM STREAM read_kafka(
    bootstrapServers => 'evhns-lh-dev-weu-1234.servicebus.windows.net:9093',
    subscribe => 'transfers',
    startingOffsets => 'earliest',
    `databricks.serviceCredential` => 'lh_dev_eventhubs'
  )
);

CREATE OR REFRESH STREAMING TABLE `lh_dev`.`transfers_bronze`.`transfer_events`
COMMENT 'Raw transfer_events rows of transfers, without PII columns.'
TBLPROPERTIES ('quality' = 'bronze', 'source' = 'transfers', 'owner' = 'transfers-team')
AS SELECT `event_id`, `transfer_id`, `player_id`, `from_club_id`, `to_club_id`, `status`, `fee_eur`, `event_time`, `_ingested_at`
FROM STREAM(`transfer_events_source`);

CREATE OR REFRESH STREAMING TABLE `lh_dev`.`transfers_pii`.`transfer_events`
COMMENT 'PII columns of transfer_events (agent_name, agent_phone), keyed by event_id.'
TBLPROPERTIES ('quality' = 'bronze_pii', 'source' = 'transfers', 'owner' = 'transfers-team')
AS SELECT `event_id`, `agent_name`, `agent_phone`, `_ingested_at`
FROM STREAM(`transfer_events_source`);
