-- Gold of data source match_stats, generated from sources/match_stats.yaml by the lakehouse platform. Do not edit.

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`match_stats_gold`.`matches_daily`
COMMENT 'Rows of matches ingested per day.'
TBLPROPERTIES ('quality' = 'gold', 'source' = 'match_stats', 'owner' = 'analytics-team')
AS SELECT
  date_trunc('DAY', `_ingested_at`) AS `period`,
  count(*) AS `row_count`
FROM `lh_dev`.`match_stats_silver`.`matches`
GROUP BY ALL;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`match_stats_gold`.`player_totals`
COMMENT 'Goals, assists and minutes per player.'
TBLPROPERTIES ('quality' = 'gold', 'source' = 'match_stats', 'owner' = 'analytics-team')
AS SELECT
  `player_id`,
  count(DISTINCT `match_id`) AS `matches`,
  sum(`goals`) AS `goals`,
  sum(`assists`) AS `assists`,
  sum(`minutes_played`) AS `minutes`
FROM `lh_dev`.`match_stats_silver`.`player_match_stats`
GROUP BY ALL;
