-- Bronze of data source match_stats, generated from sources/match_stats.yaml by the lakehouse platform. Do not edit.

CREATE TEMPORARY VIEW `matches_source` AS
SELECT `match_id`, `competition`, `season`, `home_club_id`, `away_club_id`, `home_goals`, `away_goals`, `kickoff_at`, _metadata.file_modification_time AS `_ingested_at`
FROM STREAM read_files(
  'abfss://landing@stlhlakedevweu1234.dfs.core.windows.net/match_stats/matches/',
  format => 'parquet',
  schema => '`match_id` BIGINT, `competition` STRING, `season` STRING, `home_club_id` BIGINT, `away_club_id` BIGINT, `home_goals` INT, `away_goals` INT, `kickoff_at` TIMESTAMP'
);

CREATE OR REFRESH STREAMING TABLE `lh_dev`.`match_stats_bronze`.`matches`
COMMENT 'Raw matches rows of match_stats, without PII columns.'
TBLPROPERTIES ('quality' = 'bronze', 'source' = 'match_stats', 'owner' = 'analytics-team')
AS SELECT `match_id`, `competition`, `season`, `home_club_id`, `away_club_id`, `home_goals`, `away_goals`, `kickoff_at`, `_ingested_at`
FROM STREAM(`matches_source`);

CREATE TEMPORARY VIEW `player_match_stats_source` AS
SELECT `match_id`, `player_id`, `minutes_played`, `goals`, `assists`, `distance_km`, _metadata.file_modification_time AS `_ingested_at`
FROM STREAM read_files(
  'abfss://landing@stlhlakedevweu1234.dfs.core.windows.net/match_stats/player_match_stats/',
  format => 'parquet',
  schema => '`match_id` BIGINT, `player_id` BIGINT, `minutes_played` INT, `goals` INT, `assists` INT, `distance_km` DOUBLE'
);

CREATE OR REFRESH STREAMING TABLE `lh_dev`.`match_stats_bronze`.`player_match_stats`
COMMENT 'Raw player_match_stats rows of match_stats, without PII columns.'
TBLPROPERTIES ('quality' = 'bronze', 'source' = 'match_stats', 'owner' = 'analytics-team')
AS SELECT `match_id`, `player_id`, `minutes_played`, `goals`, `assists`, `distance_km`, `_ingested_at`
FROM STREAM(`player_match_stats_source`);
