-- Silver of data source registry, generated from sources/registry.yaml by the lakehouse platform. Do not edit.

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_silver`.`players` (
  CONSTRAINT `valid_player_id` EXPECT (player_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `known_position` EXPECT (position IN ('GK', 'DF', 'MF', 'FW')),
  CONSTRAINT `non_negative_value` EXPECT (market_value_eur >= 0) ON VIOLATION DROP ROW
)
COMMENT 'Cleaned, typed and deduplicated players of registry.'
TBLPROPERTIES ('quality' = 'silver', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT
  CAST(`player_id` AS BIGINT) AS `player_id`,
  trim(`nationality`) AS `nationality`,
  trim(`position`) AS `position`,
  CAST(`current_club_id` AS BIGINT) AS `current_club_id`,
  CAST(`market_value_eur` AS DECIMAL(14,2)) AS `market_value_eur`,
  CAST(`updated_at` AS TIMESTAMP) AS `updated_at`,
  `_ingested_at`
FROM `lh_dev`.`registry_bronze`.`players`
QUALIFY row_number() OVER (PARTITION BY `player_id` ORDER BY `updated_at` DESC) = 1;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_silver`.`clubs` (
  CONSTRAINT `valid_club_id` EXPECT (club_id IS NOT NULL) ON VIOLATION FAIL UPDATE,
  CONSTRAINT `named_club` EXPECT (length(trim(club_name)) > 0) ON VIOLATION DROP ROW
)
COMMENT 'Cleaned, typed and deduplicated clubs of registry.'
TBLPROPERTIES ('quality' = 'silver', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT
  CAST(`club_id` AS BIGINT) AS `club_id`,
  trim(`club_name`) AS `club_name`,
  trim(`country`) AS `country`,
  trim(`league`) AS `league`,
  CAST(`updated_at` AS TIMESTAMP) AS `updated_at`,
  `_ingested_at`
FROM `lh_dev`.`registry_bronze`.`clubs`
QUALIFY row_number() OVER (PARTITION BY `club_id` ORDER BY `updated_at` DESC) = 1;
