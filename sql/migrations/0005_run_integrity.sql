-- Results that stay true: every run writes rows of its own mode, attribution is a history of
-- observations, and each stage remembers what it was computed from.

-- Targets of dry runs and backfills live beside a live wave's instead of replacing them.
ALTER TABLE reactivation.targets ADD COLUMN mode text NOT NULL DEFAULT 'live'
    CHECK (mode IN ('live', 'dry_run', 'backfill'));
ALTER TABLE reactivation.targets ALTER COLUMN mode DROP DEFAULT;
ALTER TABLE reactivation.targets DROP CONSTRAINT targets_pkey;
ALTER TABLE reactivation.targets ADD PRIMARY KEY (campaign, as_of, mode, member_id);

-- The outcome window a wave was issued with, so other campaigns can tell whether its experiment is still running.
ALTER TABLE reactivation.waves ADD COLUMN window_days integer;

-- Attribution: one row per observation (the date outcomes were observed through), per mode.
ALTER TABLE reactivation.attribution ADD COLUMN mode text NOT NULL DEFAULT 'live'
    CHECK (mode IN ('live', 'dry_run', 'backfill'));
ALTER TABLE reactivation.attribution ALTER COLUMN mode DROP DEFAULT;
ALTER TABLE reactivation.attribution ADD COLUMN observed_through date;
UPDATE reactivation.attribution SET observed_through = (computed_at AT TIME ZONE 'UTC')::date;
ALTER TABLE reactivation.attribution ALTER COLUMN observed_through SET NOT NULL;
ALTER TABLE reactivation.attribution DROP CONSTRAINT attribution_pkey;
ALTER TABLE reactivation.attribution ADD PRIMARY KEY (campaign, as_of, window_days, level, key, mode, observed_through);

ALTER TABLE reactivation.attribution_daily ADD COLUMN mode text NOT NULL DEFAULT 'live'
    CHECK (mode IN ('live', 'dry_run', 'backfill'));
ALTER TABLE reactivation.attribution_daily ALTER COLUMN mode DROP DEFAULT;
ALTER TABLE reactivation.attribution_daily ADD COLUMN observed_through date;
UPDATE reactivation.attribution_daily d SET observed_through = coalesce(
    (SELECT max(a.observed_through) FROM reactivation.attribution a WHERE a.campaign = d.campaign AND a.as_of = d.as_of),
    d.as_of);
ALTER TABLE reactivation.attribution_daily ALTER COLUMN observed_through SET NOT NULL;
ALTER TABLE reactivation.attribution_daily DROP CONSTRAINT attribution_daily_pkey;
ALTER TABLE reactivation.attribution_daily ADD PRIMARY KEY (campaign, as_of, mode, observed_through, day, arm);

-- What each stage was computed from (a digest, and the inputs themselves so a change can be named),
-- and a token that changes whenever the stage really runs, so stages downstream of it run again.
ALTER TABLE reactivation.stage_runs ADD COLUMN input_digest text;
ALTER TABLE reactivation.stage_runs ADD COLUMN inputs jsonb;
ALTER TABLE reactivation.stage_runs ADD COLUMN output_token text;

-- Analysts' views: live waves only, each wave's latest observation.
DROP VIEW reactivation.store_attribution;
DROP VIEW reactivation.wave_summary;
DROP VIEW reactivation.latest_complete_attribution;

CREATE VIEW reactivation.latest_complete_attribution AS
SELECT DISTINCT ON (campaign, as_of, level, key) *
FROM reactivation.attribution
WHERE complete AND mode = 'live'
ORDER BY campaign, as_of, level, key, window_days DESC, observed_through DESC;

CREATE VIEW reactivation.wave_summary AS
SELECT w.campaign, w.as_of AS wave, w.issued_at, w.coupons, w.skipped,
       a.window_days, a.complete, a.observed_through, a.n_treatment, a.n_control,
       a.reactivated_treatment, a.reactivated_control, a.reactivation_lift,
       a.incremental_sales, a.ci_low, a.ci_high, a.cuped_incremental_sales,
       a.redemptions, a.coupon_cost, a.net_incremental_sales, a.net_ci_low, a.net_ci_high, a.return_per_cost
FROM reactivation.waves w
LEFT JOIN LATERAL (
    SELECT * FROM reactivation.attribution x
    WHERE x.campaign = w.campaign AND x.as_of = w.as_of AND x.level = 'campaign' AND x.key = 'all' AND x.mode = 'live'
    ORDER BY x.observed_through DESC, x.window_days DESC LIMIT 1) a ON true;

CREATE VIEW reactivation.store_attribution AS
SELECT campaign, as_of AS wave, key::bigint AS store_id, window_days, observed_through, n_treatment, n_control,
       reactivated_treatment, reactivated_control, incremental_sales, ci_low, ci_high,
       redemptions, coupon_cost, net_incremental_sales
FROM reactivation.latest_complete_attribution
WHERE level = 'store';
