-- Bronze of data source registry, generated from sources/registry.yaml by the lakehouse platform. Do not edit.

CREATE TEMPORARY VIEW `players_source` AS
SELECT `player_id`, `full_name`, `email`, `date_of_birth`, `passport_number`, `nationality`, `position`, `current_club_id`, `market_value_eur`, `updated_at`, current_timestamp() AS `_ingested_at`
FROM `lh_dev_replica`.`dbo`.`Players`;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_bronze`.`players`
COMMENT 'Raw players rows of registry, without PII columns.'
TBLPROPERTIES ('quality' = 'bronze', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT `player_id`, `nationality`, `position`, `current_club_id`, `market_value_eur`, `updated_at`, `_ingested_at`
FROM `players_source`;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_pii`.`players`
COMMENT 'PII columns of players (full_name, email, date_of_birth, passport_number), keyed by player_id.'
TBLPROPERTIES ('quality' = 'bronze_pii', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT `player_id`, `full_name`, `email`, `date_of_birth`, base64(aes_encrypt(`passport_number`, secret('pii', 'pii-encryption-key'), 'GCM')) AS `passport_number`, `_ingested_at`
FROM `players_source`;

CREATE TEMPORARY VIEW `clubs_source` AS
SELECT `club_id`, `club_name`, `country`, `league`, `contact_email`, `updated_at`, current_timestamp() AS `_ingested_at`
FROM `lh_dev_replica`.`dbo`.`Clubs`;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_bronze`.`clubs`
COMMENT 'Raw clubs rows of registry, without PII columns.'
TBLPROPERTIES ('quality' = 'bronze', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT `club_id`, `club_name`, `country`, `league`, `updated_at`, `_ingested_at`
FROM `clubs_source`;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_pii`.`clubs`
COMMENT 'PII columns of clubs (contact_email), keyed by club_id.'
TBLPROPERTIES ('quality' = 'bronze_pii', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT `club_id`, `contact_email`, `_ingested_at`
FROM `clubs_source`;
