-- Silver of data source registry, generated from sources/registry.yaml by the lakehouse platform. Do not edit.

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_silver`.`players` (
  `player_id` BIGINT,
  `full_name` STRING MASK `lh_dev`.`governance`.`registry_mask_redact_string`,
  `email` STRING MASK `lh_dev`.`governance`.`registry_mask_email_string`,
  `date_of_birth` DATE MASK `lh_dev`.`governance`.`registry_mask_year_only_date`,
  `passport_number` STRING MASK `lh_dev`.`governance`.`registry_mask_hash_encrypted_string` USING COLUMNS (`_passport_number_masked`),
  `nationality` STRING,
  `position` STRING,
  `current_club_id` BIGINT,
  `market_value_eur` DECIMAL(14,2),
  `updated_at` TIMESTAMP,
  `_passport_number_masked` STRING,
  `_ingested_at` TIMESTAMP,
  CONSTRAINT `valid_player_id` EXPECT (player_id IS NOT NULL) ON VIOLATION DROP ROW,
  CONSTRAINT `known_position` EXPECT (position IN ('GK', 'DF', 'MF', 'FW')),
  CONSTRAINT `non_negative_value` EXPECT (market_value_eur >= 0) ON VIOLATION DROP ROW
)
COMMENT 'Cleaned, typed and deduplicated players of registry; PII masked.'
TBLPROPERTIES ('quality' = 'silver', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT
  CAST(b.`player_id` AS BIGINT) AS `player_id`,
  p.`full_name`,
  p.`email`,
  p.`date_of_birth`,
  p.`passport_number`,
  trim(b.`nationality`) AS `nationality`,
  trim(b.`position`) AS `position`,
  CAST(b.`current_club_id` AS BIGINT) AS `current_club_id`,
  CAST(b.`market_value_eur` AS DECIMAL(14,2)) AS `market_value_eur`,
  CAST(b.`updated_at` AS TIMESTAMP) AS `updated_at`,
  sha2(concat(secret('pii', 'pii-hash-salt'), CAST(aes_decrypt(unbase64(p.`passport_number`), secret('pii', 'pii-encryption-key'), 'GCM') AS STRING)), 256) AS `_passport_number_masked`,
  b.`_ingested_at`
FROM `lh_dev`.`registry_bronze`.`players` AS b
LEFT JOIN `lh_dev`.`registry_pii`.`players` AS p USING (`player_id`)
QUALIFY row_number() OVER (PARTITION BY b.`player_id` ORDER BY b.`updated_at` DESC) = 1;

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`registry_silver`.`clubs` (
  `club_id` BIGINT,
  `club_name` STRING,
  `country` STRING,
  `league` STRING,
  `contact_email` STRING MASK `lh_dev`.`governance`.`registry_mask_email_string`,
  `updated_at` TIMESTAMP,
  `_ingested_at` TIMESTAMP,
  CONSTRAINT `valid_club_id` EXPECT (club_id IS NOT NULL) ON VIOLATION FAIL UPDATE,
  CONSTRAINT `named_club` EXPECT (length(trim(club_name)) > 0) ON VIOLATION DROP ROW
)
COMMENT 'Cleaned, typed and deduplicated clubs of registry; PII masked.'
TBLPROPERTIES ('quality' = 'silver', 'source' = 'registry', 'owner' = 'data-platform')
AS SELECT
  CAST(b.`club_id` AS BIGINT) AS `club_id`,
  trim(b.`club_name`) AS `club_name`,
  trim(b.`country`) AS `country`,
  trim(b.`league`) AS `league`,
  p.`contact_email`,
  CAST(b.`updated_at` AS TIMESTAMP) AS `updated_at`,
  b.`_ingested_at`
FROM `lh_dev`.`registry_bronze`.`clubs` AS b
LEFT JOIN `lh_dev`.`registry_pii`.`clubs` AS p USING (`club_id`)
QUALIFY row_number() OVER (PARTITION BY b.`club_id` ORDER BY b.`updated_at` DESC) = 1;
