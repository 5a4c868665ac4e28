-- Silver of data source match_stats, generated from sources/match_stats.yaml by the lakehouse platform. Do not edit.

CREATE TEMPORARY VIEW `matches_checked` (
  CONSTRAINT `_match_id_key_not_null` EXPECT (`match_id` IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `valid_match_id` EXPECT (match_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `non_negative_goals` EXPECT (home_goals >= 0 AND away_goals >= 0) ON VIOLATION DROP ROW
)
AS SELECT
  CAST(`match_id` AS BIGINT) AS `match_id`,
  trim(`competition`) AS `competition`,
  trim(`season`) AS `season`,
  CAST(`home_club_id` AS BIGINT) AS `home_club_id`,
  CAST(`away_club_id` AS BIGINT) AS `away_club_id`,
  CAST(`home_goals` AS INT) AS `home_goals`,
  CAST(`away_goals` AS INT) AS `away_goals`,
  CAST(`kickoff_at` AS TIMESTAMP) AS `kickoff_at`,
  `_ingested_at`
FROM STREAM(`matches_source`);

CREATE OR REFRESH STREAMING TABLE `lh_dev`.`match_stats_silver`.`matches` (
  `match_id` BIGINT,
  `competition` STRING,
  `season` STRING,
  `home_club_id` BIGINT,
  `away_club_id` BIGINT,
  `home_goals` INT,
  `away_goals` INT,
  `kickoff_at` TIMESTAMP,
  `_ingested_at` TIMESTAMP
)
COMMENT 'Cleaned, typed and deduplicated matches of match_stats; PII masked.'
TBLPROPERTIES ('quality' = 'silver', 'source' = 'match_stats', 'owner' = 'analytics-team');

CREATE FLOW `matches_upsert` AS AUTO CDC INTO `lh_dev`.`match_stats_silver`.`matches`
FROM STREAM(`matches_checked`)
KEYS (`match_id`)
SEQUENCE BY `_ingested_at`
STORED AS SCD TYPE 1;

CREATE TEMPORARY VIEW `player_match_stats_checked` (
  CONSTRAINT `_match_id_key_not_null` EXPECT (`match_id` IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `_player_id_key_not_null` EXPECT (`player_id` IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `plausible_minutes` EXPECT (minutes_played BETWEEN 0 AND 130)
)
AS SELECT
  CAST(`match_id` AS BIGINT) AS `match_id`,
  CAST(`player_id` AS BIGINT) AS `player_id`,
  CAST(`minutes_played` AS INT) AS `minutes_played`,
  CAST(`goals` AS INT) AS `goals`,
  CAST(`assists` AS INT) AS `assists`,
  CAST(`distance_km` AS DOUBLE) AS `distance_km`,
  `_ingested_at`
FROM STREAM(`player_match_stats_source`);

CREATE OR REFRESH STREAMING TABLE `lh_dev`.`match_stats_silver`.`player_match_stats` (
  `match_id` BIGINT,
  `player_id` BIGINT,
  `minutes_played` INT,
  `goals` INT,
  `assists` INT,
  `distance_km` DOUBLE,
  `_ingested_at` TIMESTAMP
)
COMMENT 'Cleaned, typed and deduplicated player_match_stats of match_stats; PII masked.'
TBLPROPERTIES ('quality' = 'silver', 'source' = 'match_stats', 'owner' = 'analytics-team');

CREATE FLOW `player_match_stats_upsert` AS AUTO CDC INTO `lh_dev`.`match_stats_silver`.`player_match_stats`
FROM STREAM(`player_match_stats_checked`)
KEYS (`match_id`, `player_id`)
SEQUENCE BY `_ingested_at`
STORED AS SCD TYPE 1;
