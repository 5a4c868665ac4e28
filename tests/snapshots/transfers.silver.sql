-- Silver of data source transfers, generated from sources/transfers.yaml by the lakehouse platform. Do not edit.

CREATE TEMPORARY VIEW `transfer_events_checked` (
  CONSTRAINT `_event_id_key_not_null` EXPECT (`event_id` IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `valid_event_id` EXPECT (event_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `known_status` EXPECT (status IN ('bid', 'agreed', 'completed', 'cancelled')) ON VIOLATION DROP ROW,
  CONSTRAINT `different_clubs` EXPECT (from_club_id <> to_club_id),
  CONSTRAINT `non_negative_fee` EXPECT (fee_eur IS NULL OR fee_eur >= 0) ON VIOLATION FAIL UPDATE
)
AS SELECT
  trim(`event_id`) AS `event_id`,
  CAST(`transfer_id` AS BIGINT) AS `transfer_id`,
  CAST(`player_id` AS BIGINT) AS `player_id`,
  CAST(`from_club_id` AS BIGINT) AS `from_club_id`,
  CAST(`to_club_id` AS BIGINT) AS `to_club_id`,
  trim(`status`) AS `status`,
  CAST(`fee_eur` AS DECIMAL(14,2)) AS `fee_eur`,
  `agent_name`,
  `agent_phone`,
  CAST(`event_time` AS TIMESTAMP) AS `event_time`,
  `_ingested_at`
FROM STREAM(`transfer_events_source`);

CREATE OR REFRESH STREAMING TABLE `lh_dev`.`transfers_silver`.`transfer_events` (
  `event_id` STRING,
  `transfer_id` BIGINT,
  `player_id` BIGINT,
  `from_club_id` BIGINT,
  `to_club_id` BIGINT,
  `status` STRING,
  `fee_eur` DECIMAL(14,2),
  `agent_name` STRING MASK `lh_dev`.`governance`.`transfers_mask_redact_string`,
  `agent_phone` STRING MASK `lh_dev`.`governance`.`transfers_mask_last4_string`,
  `event_time` TIMESTAMP,
  `_ingested_at` TIMESTAMP
)
COMMENT 'Cleaned, typed and deduplicated transfer_events of transfers; PII masked.'
TBLPROPERTIES ('quality' = 'silver', 'source' = 'transfers', 'owner' = 'transfers-team');

CREATE FLOW `transfer_events_upsert` AS AUTO CDC INTO `lh_dev`.`transfers_silver`.`transfer_events`
FROM STREAM(`transfer_events_checked`)
KEYS (`event_id`)
SEQUENCE BY `_ingested_at`
STORED AS SCD TYPE 1;
