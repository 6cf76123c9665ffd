-- The analyst's tables and views, self-describing: every column says what it is and in which unit, each
-- interval carries its confidence level, store rows carry the store's name, profit on gross margin sits
-- next to sales, and every view says through when its outcomes were observed and names the wave `as_of`
-- as the tables do (`wave` stays as an alias so existing queries keep working).

-- What the attribute stage now stores with each row.
ALTER TABLE reactivation.attribution ADD COLUMN ci_level float8;
ALTER TABLE reactivation.attribution ADD COLUMN store_name text;
ALTER TABLE reactivation.attribution ADD COLUMN return_ci_low float8;
ALTER TABLE reactivation.attribution ADD COLUMN return_ci_high float8;
ALTER TABLE reactivation.attribution ADD COLUMN gross_margin float8;
ALTER TABLE reactivation.attribution ADD COLUMN incremental_profit float8;
ALTER TABLE reactivation.attribution ADD COLUMN profit_ci_low float8;
ALTER TABLE reactivation.attribution ADD COLUMN profit_ci_high float8;

DROP VIEW reactivation.store_attribution;
DROP VIEW reactivation.wave_summary;
DROP VIEW reactivation.latest_complete_attribution;

-- Money in every view is yuan as numeric(16,2); rates and lifts are fractions (0.05 = 5%) as float8.
CREATE VIEW reactivation.latest_complete_attribution AS
SELECT DISTINCT ON (campaign, as_of, level, key)
       campaign, as_of, as_of AS wave, mode, observed_through, window_days, complete, level, key, store_name,
       n_treatment, n_control, reactivated_treatment, reactivated_control,
       sales_treatment, sales_control,
       reactivation_lift, reactivation_ci_low, reactivation_ci_high, sales_per_member_diff,
       incremental_sales::numeric(16, 2) AS incremental_sales, ci_low::numeric(16, 2) AS ci_low,
       ci_high::numeric(16, 2) AS ci_high, ci_level,
       cuped_incremental_sales::numeric(16, 2) AS cuped_incremental_sales,
       cuped_ci_low::numeric(16, 2) AS cuped_ci_low, cuped_ci_high::numeric(16, 2) AS cuped_ci_high,
       redemptions, coupon_cost,
       net_incremental_sales::numeric(16, 2) AS net_incremental_sales,
       net_ci_low::numeric(16, 2) AS net_ci_low, net_ci_high::numeric(16, 2) AS net_ci_high,
       return_per_cost, return_ci_low, return_ci_high, gross_margin,
       incremental_profit::numeric(16, 2) AS incremental_profit,
       profit_ci_low::numeric(16, 2) AS profit_ci_low, profit_ci_high::numeric(16, 2) AS profit_ci_high,
       computed_at
FROM reactivation.attribution
WHERE complete AND mode = 'live'
ORDER BY campaign, as_of, level, key, window_days DESC, observed_through DESC;

CREATE VIEW reactivation.wave_summary AS
SELECT w.campaign, w.as_of, w.as_of AS wave, w.issued_at, w.coupons, w.skipped,
       a.window_days, a.complete, a.observed_through, a.n_treatment, a.n_control,
       a.reactivated_treatment, a.reactivated_control,
       a.reactivation_lift, a.reactivation_ci_low, a.reactivation_ci_high,
       a.incremental_sales::numeric(16, 2) AS incremental_sales, a.ci_low::numeric(16, 2) AS ci_low,
       a.ci_high::numeric(16, 2) AS ci_high, a.ci_level,
       a.cuped_incremental_sales::numeric(16, 2) AS cuped_incremental_sales,
       a.redemptions, a.coupon_cost,
       a.net_incremental_sales::numeric(16, 2) AS net_incremental_sales,
       a.net_ci_low::numeric(16, 2) AS net_ci_low, a.net_ci_high::numeric(16, 2) AS net_ci_high,
       a.return_per_cost, a.return_ci_low, a.return_ci_high, a.gross_margin,
       a.incremental_profit::numeric(16, 2) AS incremental_profit,
       a.profit_ci_low::numeric(16, 2) AS profit_ci_low, a.profit_ci_high::numeric(16, 2) AS profit_ci_high
FROM reactivation.waves w
LEFT JOIN LATERAL (
    SELECT * FROM reactivation.attribution x
    WHERE x.campaign = w.campaign AND x.as_of = w.as_of AND x.level = 'campaign' AND x.key = 'all' AND x.mode = 'live'
    ORDER BY x.observed_through DESC, x.window_days DESC LIMIT 1) a ON true;

CREATE VIEW reactivation.store_attribution AS
SELECT campaign, as_of, wave, key::bigint AS store_id, store_name, window_days, observed_through,
       n_treatment, n_control, reactivated_treatment, reactivated_control,
       CASE WHEN n_treatment > 0 THEN redemptions::float8 / n_treatment END AS redemption_rate,
       reactivation_lift, reactivation_ci_low, reactivation_ci_high,
       incremental_sales, ci_low, ci_high, ci_level,
       redemptions, coupon_cost, net_incremental_sales, net_ci_low, net_ci_high,
       return_per_cost, incremental_profit, profit_ci_low, profit_ci_high
FROM reactivation.latest_complete_attribution
WHERE level = 'store';

CREATE VIEW reactivation.segment_attribution AS
SELECT campaign, as_of, key AS segment, window_days, observed_through,
       n_treatment, n_control, reactivated_treatment, reactivated_control,
       CASE WHEN n_treatment > 0 THEN redemptions::float8 / n_treatment END AS redemption_rate,
       reactivation_lift, reactivation_ci_low, reactivation_ci_high,
       incremental_sales, ci_low, ci_high, ci_level,
       cuped_incremental_sales, cuped_ci_low, cuped_ci_high,
       redemptions, coupon_cost, net_incremental_sales, net_ci_low, net_ci_high,
       return_per_cost, incremental_profit, profit_ci_low, profit_ci_high
FROM reactivation.latest_complete_attribution
WHERE level = 'segment';

-- Descriptions. Columns shared by the table and its views say the same thing in each place.
COMMENT ON TABLE reactivation.attribution IS
    'Treatment-vs-control attribution of a wave: one row per (campaign, wave, window, level, key, mode, observed_through). '
    'A history: each observation is kept; a complete window''s first numbers are final.';
COMMENT ON TABLE reactivation.attribution_daily IS
    'Cumulative outcomes per arm and day since issue, one series per wave observation.';
COMMENT ON TABLE reactivation.waves IS 'One issuing of a campaign as of a date; its issue time anchors both arms'' windows.';
COMMENT ON VIEW reactivation.latest_complete_attribution IS
    'Live waves only: the latest complete observation of each wave at every level (campaign, store, segment; key all_waves is the campaign roll-up).';
COMMENT ON VIEW reactivation.wave_summary IS
    'One line per wave: coupons issued and the latest live campaign-level observation, complete or not (see complete, observed_through).';
COMMENT ON VIEW reactivation.store_attribution IS
    'Per store, the latest complete live attribution of each wave, with the store''s name and redemption rate.';
COMMENT ON VIEW reactivation.segment_attribution IS
    'Per dormancy segment, the latest complete live attribution of each wave.';

-- The columns every attribution relation shares.
CREATE TEMPORARY TABLE analyst_column (name text PRIMARY KEY, description text NOT NULL);
INSERT INTO analyst_column VALUES
    ('campaign', 'Campaign name (the pipeline config''s campaign).'),
    ('as_of', 'The wave: its as-of date (date, business time zone).'),
    ('wave', 'Same as as_of (date); kept so queries written before migration 0006 keep working.'),
    ('mode', 'Run mode that wrote the row: live, dry_run or backfill (views: live only).'),
    ('observed_through', 'Outcomes observed before this date''s midnight in the business time zone (date).'),
    ('window_days', 'Outcome window from the wave''s issue time, in days.'),
    ('complete', 'True when the window ended before observed_through: the numbers are final. False: provisional.'),
    ('level', 'Grouping: campaign (key all = the wave, all_waves = the campaign roll-up through this wave), store or segment.'),
    ('key', 'Group key: all, all_waves, a store id (as text) or a segment key such as dormant_6_12m.'),
    ('store_name', 'Store name from the source stores table when the attribution was computed (store rows only; NULL otherwise).'),
    ('store_id', 'Store id (bigint), the source stores table''s store_id.'),
    ('segment', 'Dormancy segment key: dormant_6_12m, dormant_12_24m, dormant_24m_plus (or unknown).'),
    ('n_treatment', 'Members in the treatment arm (count).'),
    ('n_control', 'Members in the control (holdout) arm (count).'),
    ('reactivated_treatment', 'Treatment members with at least one purchase in the window (count).'),
    ('reactivated_control', 'Control members with at least one purchase in the window (count).'),
    ('sales_treatment', 'Net sales of the treatment arm in the window, yuan (numeric(16,2)).'),
    ('sales_control', 'Net sales of the control arm in the window, yuan (numeric(16,2)).'),
    ('reactivation_lift', 'Reactivation rate treatment minus control, a fraction (0.05 = 5 percentage points).'),
    ('reactivation_ci_low', 'Lower end of the reactivation lift interval (Newcombe), a fraction; level in ci_level.'),
    ('reactivation_ci_high', 'Upper end of the reactivation lift interval (Newcombe), a fraction; level in ci_level.'),
    ('sales_per_member_diff', 'Mean sales per member, treatment minus control, yuan per member.'),
    ('incremental_sales', 'Intention-to-treat incremental sales: (mean sales treatment − mean sales control) × n_treatment, yuan.'),
    ('ci_low', 'Lower end of the incremental sales interval (Welch), yuan; level in ci_level.'),
    ('ci_high', 'Upper end of the incremental sales interval (Welch), yuan; level in ci_level.'),
    ('ci_level', 'Confidence level of every interval in the row, a fraction (0.95 = 95%); NULL for rows written before migration 0006.'),
    ('cuped_incremental_sales', 'Incremental sales with pre-period sales as CUPED covariate (variance reduced), yuan.'),
    ('cuped_ci_low', 'Lower end of the CUPED incremental sales interval, yuan; level in ci_level.'),
    ('cuped_ci_high', 'Upper end of the CUPED incremental sales interval, yuan; level in ci_level.'),
    ('redemptions', 'Treatment coupons redeemed in the window (count).'),
    ('redemption_rate', 'Redemptions per treated member, a fraction.'),
    ('coupon_cost', 'Face value of the redeemed coupons, yuan (numeric(16,2)).'),
    ('net_incremental_sales', 'Incremental sales minus coupon_cost, yuan.'),
    ('net_ci_low', 'Lower end of the net incremental sales interval (coupon cost known exactly), yuan; level in ci_level.'),
    ('net_ci_high', 'Upper end of the net incremental sales interval, yuan; level in ci_level.'),
    ('return_per_cost', 'Incremental sales per yuan of coupon cost (yuan per yuan); NULL when nothing was redeemed.'),
    ('return_ci_low', 'Lower end of return_per_cost''s interval (the sales interval ÷ coupon cost), yuan per yuan; level in ci_level.'),
    ('return_ci_high', 'Upper end of return_per_cost''s interval, yuan per yuan; level in ci_level.'),
    ('gross_margin', 'The [attribution] gross_margin the profit was computed with, a fraction of sales; NULL when not configured.'),
    ('incremental_profit', 'gross_margin × incremental_sales − coupon_cost, yuan; NULL without a gross margin.'),
    ('profit_ci_low', 'Lower end of the incremental profit interval, yuan; level in ci_level.'),
    ('profit_ci_high', 'Upper end of the incremental profit interval, yuan; level in ci_level.'),
    ('computed_at', 'When the row was written (timestamptz).'),
    ('issued_at', 'When the wave''s coupons were issued: the start of both arms'' windows (timestamptz).'),
    ('coupons', 'Coupons issued in the wave (count).'),
    ('skipped', 'Treatment members the wave could not issue to (budget, cooldown at issue time), count.'),
    ('day', 'Days since issue, 1 … window_days (day 1 = the first 24 hours).'),
    ('arm', 'treatment or control.'),
    ('members', 'Members in the arm (count), the denominator of both cumulative series.'),
    ('cumulative_sales', 'Net sales of the arm from issue through this day, yuan (numeric(16,2)).'),
    ('cumulative_reactivated', 'Members of the arm with a purchase from issue through this day (count).'),
    ('run_id', 'The run that issued the wave (reactivation.runs).'),
    ('status', 'issuing while coupons are being written, issued once the wave committed.'),
    ('delivery_file', 'Path of the wave''s zstd JSON-lines delivery file.');

DO $$
DECLARE
    col record;
BEGIN
    FOR col IN
        SELECT c.table_name, c.column_name, d.description
        FROM information_schema.columns c JOIN analyst_column d ON d.name = c.column_name
        WHERE c.table_schema = 'reactivation'
          AND c.table_name IN ('attribution', 'attribution_daily', 'waves', 'latest_complete_attribution', 'wave_summary',
                               'store_attribution', 'segment_attribution')
    LOOP
        EXECUTE format('COMMENT ON COLUMN reactivation.%I.%I IS %L', col.table_name, col.column_name, col.description);
    END LOOP;
END $$;

-- Where the shared wording would mislead.
COMMENT ON COLUMN reactivation.waves.window_days IS 'Outcome window the wave was issued with, in days; NULL for waves issued before migration 0005.';
COMMENT ON COLUMN reactivation.wave_summary.observed_through IS
    'The latest live observation of the wave: outcomes before this date''s midnight in the business time zone (date).';

DROP TABLE analyst_column;
