-- Gold of data source transfers, generated from sources/transfers.yaml by the lakehouse platform. Do not edit.

CREATE OR REFRESH MATERIALIZED VIEW `lh_dev`.`transfers_gold`.`daily_transfer_activity`
COMMENT 'Transfers, bids and fees per day and status.'
TBLPROPERTIES ('quality' = 'gold', 'source' = 'transfers', 'owner' = 'transfers-team')
AS SELECT
  date_trunc('DAY', `event_time`) AS `period`,
  `status`,
  count(*) AS `events`,
  count(DISTINCT `transfer_id`) AS `transfers`,
  sum(`fee_eur`) AS `total_fee_eur`,
  max(`fee_eur`) AS `max_fee_eur`
FROM `lh_dev`.`transfers_silver`.`transfer_events`
GROUP BY ALL;
