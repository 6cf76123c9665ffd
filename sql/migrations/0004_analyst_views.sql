-- Views for analysts who query the results directly.

-- The latest complete attribution of each wave, at every level (campaign, store, segment).
CREATE VIEW reactivation.latest_complete_attribution AS
SELECT DISTINCT ON (campaign, as_of, level, key) *
FROM reactivation.attribution
WHERE complete
ORDER BY campaign, as_of, level, key, window_days DESC, computed_at DESC;

-- One line per wave: when it went out, how many coupons, and what it caused (latest attribution, complete or not).
CREATE VIEW reactivation.wave_summary AS
SELECT w.campaign, w.as_of AS wave, w.issued_at, w.coupons, w.skipped,
       a.window_days, a.complete, a.n_treatment, a.n_control,
       a.reactivated_treatment, a.reactivated_control, a.reactivation_lift,
       a.incremental_sales, a.ci_low, a.ci_high, a.cuped_incremental_sales,
       a.redemptions, a.coupon_cost, a.net_incremental_sales, a.net_ci_low, a.net_ci_high, a.return_per_cost
FROM reactivation.waves w
LEFT JOIN LATERAL (
    SELECT * FROM reactivation.attribution x
    WHERE x.campaign = w.campaign AND x.as_of = w.as_of AND x.level = 'campaign' AND x.key = 'all'
    ORDER BY x.complete DESC, x.window_days DESC, x.computed_at DESC LIMIT 1) a ON true;

-- Per store, the latest complete attribution, with the store id as a number for joins.
CREATE VIEW reactivation.store_attribution AS
SELECT campaign, as_of AS wave, key::bigint AS store_id, window_days, n_treatment, n_control,
       reactivated_treatment, reactivated_control, incremental_sales, ci_low, ci_high,
       redemptions, coupon_cost, net_incremental_sales
FROM reactivation.latest_complete_attribution
WHERE level = 'store';
