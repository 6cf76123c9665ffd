import Postgres
import ReactivateCore

/// The SQL the report runs, with the config's values bound.
enum ReportQuery {
    /// The attribution columns every report row reads, in ``ReportLoader``'s decoding order.
    static let attributionColumns: SQL = """
        level, key, n_treatment, n_control, reactivated_treatment, reactivated_control, sales_treatment, sales_control,
        reactivation_lift, reactivation_ci_low, reactivation_ci_high, sales_per_member_diff,
        incremental_sales, ci_low, ci_high, cuped_incremental_sales, cuped_ci_low, cuped_ci_high,
        redemptions, coupon_cost, net_incremental_sales, net_ci_low, net_ci_high, return_per_cost,
        return_ci_low, return_ci_high, ci_level, gross_margin, incremental_profit, profit_ci_low, profit_ci_high,
        store_name, observed_through::text, complete
        """

    /// `instant` as ISO 8601 in the business time zone with that zone's offset (`2026-11-01T10:00:00+08:00`).
    static func localTime(_ instant: SQL, zone: String) -> SQL {
        """
        (SELECT to_char(z.l, 'YYYY-MM-DD"T"HH24:MI:SS') || CASE WHEN z.o < 0 THEN '-' ELSE '+' END
                || lpad((abs(z.o) / 3600)::text, 2, '0') || ':' || lpad((abs(z.o) % 3600 / 60)::text, 2, '0')
         FROM (SELECT \(instant) AT TIME ZONE \(zone)::text AS l,
                      extract(epoch FROM (\(instant) AT TIME ZONE \(zone)::text) - (\(instant) AT TIME ZONE 'UTC'))::int AS o) z)
        """
    }

    /// Attributed waves of the campaign (or the one asked for), oldest first: date, local issue time,
    /// whether complete, the issuing run's target stats and the coupons issued.
    static func waves(_ config: PipelineConfig, wave: String?) -> SQL {
        """
        SELECT w.as_of::text, \(localTime("w.issued_at", zone: config.businessTimeZone)),
               bool_or(a.complete), coalesce(t.stats::text, '{}'), w.coupons
        FROM reactivation.waves w
        JOIN reactivation.attribution a ON a.campaign = w.campaign AND a.as_of = w.as_of AND a.window_days = \(config.windowDays)
        LEFT JOIN reactivation.stage_runs t ON t.run_id = w.run_id AND t.stage = 'target'
        WHERE w.campaign = \(config.campaign) AND (\(wave)::date IS NULL OR w.as_of = \(wave)::date)
        GROUP BY w.as_of, w.issued_at, t.stats, w.coupons ORDER BY w.as_of
        """
    }

    /// The wave's rows (campaign, store, segment) of its latest live observation.
    static func attribution(_ config: PipelineConfig, wave: String) -> SQL {
        """
        SELECT \(attributionColumns)
        FROM reactivation.attribution
        WHERE campaign = \(config.campaign) AND as_of = \(wave)::date AND window_days = \(config.windowDays)
          AND mode = 'live' AND key <> 'all_waves' AND observed_through = \(latestObservation(config, wave: wave))
        ORDER BY level, key
        """
    }

    /// The campaign roll-up over every wave (key `all_waves`): the latest live one.
    static func rollup(_ config: PipelineConfig) -> SQL {
        """
        SELECT \(attributionColumns), as_of::text
        FROM reactivation.attribution
        WHERE campaign = \(config.campaign) AND window_days = \(config.windowDays) AND mode = 'live'
          AND level = 'campaign' AND key = 'all_waves'
        ORDER BY as_of DESC, observed_through DESC LIMIT 1
        """
    }

    static func daily(_ config: PipelineConfig, wave: String) -> SQL {
        """
        SELECT day, arm, members, cumulative_sales, cumulative_reactivated FROM reactivation.attribution_daily
        WHERE campaign = \(config.campaign) AND as_of = \(wave)::date AND mode = 'live'
          AND observed_through = \(latestObservation(config, wave: wave))
        ORDER BY arm, day
        """
    }

    /// The date of the wave's latest live observation: the report shows what analysts' views show.
    static func latestObservation(_ config: PipelineConfig, wave: String) -> SQL {
        """
        (SELECT max(observed_through) FROM reactivation.attribution
         WHERE campaign = \(config.campaign) AND as_of = \(wave)::date AND mode = 'live' AND level = 'campaign' AND key = 'all')
        """
    }

    /// Names of stores attributed before store names were stored with their rows.
    static func storeNames(_ config: PipelineConfig) -> SQL {
        "SELECT store_id::text, name FROM \(identifier: config.sourceSchema).stores"
    }

    /// The configuration inputs the issuing run's stages recorded (`key → value` JSON per stage).
    static func stageInputs(_ config: PipelineConfig, wave: String) -> SQL {
        """
        SELECT s.stage, coalesce(s.inputs, '{}')::text
        FROM reactivation.waves w JOIN reactivation.stage_runs s ON s.run_id = w.run_id
        WHERE w.campaign = \(config.campaign) AND w.as_of = \(wave)::date AND s.stage IN ('score', 'target', 'issue')
        """
    }

    /// Control members of the wave, those who got a coupon of another campaign or wave inside the window,
    /// and those of them who redeemed it inside the window.
    static func contamination(_ config: PipelineConfig, wave: String) -> SQL {
        """
        WITH w AS (
          SELECT issued_at, issued_at + make_interval(days => \(config.windowDays)) AS until
          FROM reactivation.waves WHERE campaign = \(config.campaign) AND as_of = \(wave)::date),
        ctl AS (
          SELECT member_id FROM reactivation.targets
          WHERE campaign = \(config.campaign) AND as_of = \(wave)::date AND mode = 'live' AND arm = 'control'),
        other AS (
          SELECT c.member_id, c.code FROM reactivation.coupons c JOIN ctl USING (member_id) CROSS JOIN w
          WHERE c.issued_at >= w.issued_at AND c.issued_at < w.until
            AND NOT (c.campaign = \(config.campaign) AND c.as_of = \(wave)::date))
        SELECT (SELECT count(*) FROM ctl), (SELECT count(DISTINCT member_id) FROM other),
               (SELECT count(DISTINCT o.member_id) FROM other o CROSS JOIN w
                JOIN \(identifier: config.sourceSchema).transactions x ON x.member_id = o.member_id AND x.coupon_code = o.code
                WHERE x.occurred_at >= w.issued_at AND x.occurred_at < w.until AND x.amount > 0)
        """
    }

    static func now(_ config: PipelineConfig) -> SQL {
        "SELECT \(localTime("now()", zone: config.businessTimeZone))"
    }
}
