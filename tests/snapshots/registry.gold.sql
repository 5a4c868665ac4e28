-- Gold of data source registry, generated from sources/registry.yaml by the lakehouse platform. Do not edit.

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_gold`.`market_value_by_club_position`
COMMENT 'Squad size and market value per club and position.'
TBLPROPERTIES ('quality' = 'gold', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT
  `current_club_id`,
  `position`,
  count(*) AS `players`,
  sum(`market_value_eur`) AS `total_market_value_eur`,
  avg(`market_value_eur`) AS `avg_market_value_eur`
FROM `lh_dev`.`registry_silver`.`players`
GROUP BY ALL;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_gold`.`clubs_daily`
COMMENT 'Rows of clubs per day of updated_at.'
TBLPROPERTIES ('quality' = 'gold', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT
  date_trunc('DAY', `updated_at`) AS `period`,
  count(*) AS `row_count`
FROM `lh_dev`.`registry_silver`.`clubs`
GROUP BY ALL;
