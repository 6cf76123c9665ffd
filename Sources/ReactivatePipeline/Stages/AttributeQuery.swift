import Postgres
import ReactivateCore

/// The SQL the attribute stage runs, with the run plan's values bound.
enum AttributeQuery {
    /// Issued waves of the campaign before the observation end (or only the one asked for), with
    /// their issue time, the end of what can be observed, and whether the window is complete.
    static func waves(_ plan: RunPlan, window: Int, end: Instant) -> SQL {
        """
        SELECT \(PostgresUnits.dayNumber("as_of")),
               \(PostgresUnits.microseconds("issued_at")),
               \(PostgresUnits.microseconds("least(issued_at + make_interval(days => \(window)), \(end)::timestamptz)")),
               issued_at + make_interval(days => \(window)) <= \(end)::timestamptz
        FROM reactivation.waves
        WHERE campaign = \(plan.campaign) AND status = 'issued' AND issued_at < \(end)::timestamptz
          AND (\(plan.attributeWave)::date IS NULL OR as_of = \(plan.attributeWave)::date)
        ORDER BY as_of
        """
    }

    /// The wave's issue time and observation end as a CTE, bound from the values already resolved.
    static func waveWindow(_ wave: AttributeStage.Wave) -> SQL {
        """
        w AS (SELECT \(Instant(microseconds: wave.issuedAt))::timestamptz AS issued_at,
                     \(Instant(microseconds: wave.observedUntil))::timestamptz AS until)
        """
    }

    /// One row per targeted member of the wave in a slice of the member-id space: arm, store, segment,
    /// pre-period sales, sales in the window, reactivated, redeemed, redeemed face value.
    static func memberOutcomes(_ plan: RunPlan, wave: AttributeStage.Wave, slice: Int, sliceCount: Int) -> SQL {
        let s = plan.sourceSchema
        let waveDay = CalendarDay(wave.asOfDay)
        return """
        COPY (
          WITH \(waveWindow(wave))
          SELECT t.member_id, t.arm = 'treatment', t.store_id, coalesce(t.segment, 'unknown'),
                 (coalesce(t.pre_sales, 0) * 100)::int8,
                 (coalesce(sum(x.amount), 0) * 100)::int8,
                 coalesce(bool_or(x.amount > 0), false),
                 coalesce(bool_or(x.coupon_code = c.code AND x.amount > 0), false),
                 (coalesce(c.face_value, 0) * 100)::int8
          FROM reactivation.targets t CROSS JOIN w
          LEFT JOIN reactivation.coupons c ON c.campaign = t.campaign AND c.as_of = t.as_of AND c.member_id = t.member_id
          LEFT JOIN \(s).transactions x ON x.member_id = t.member_id AND x.occurred_at >= w.issued_at AND x.occurred_at < w.until
          WHERE t.campaign = \(plan.campaign) AND t.as_of = \(waveDay)::date AND t.mode = 'live'
            AND (t.member_id % \(sliceCount) + \(sliceCount)) % \(sliceCount) = \(slice)
          GROUP BY t.member_id, t.arm, t.store_id, t.segment, t.pre_sales, c.code, c.face_value
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// On a sharded source: the wave's targeted members with what the coordinator knows of them (arm,
    /// store, segment, pre-period sales, coupon code and face value); their purchases come from the shards.
    static func waveMembers(_ plan: RunPlan, wave: AttributeStage.Wave) -> SQL {
        let waveDay = CalendarDay(wave.asOfDay)
        return """
        COPY (
          SELECT t.member_id, t.arm = 'treatment', t.store_id, coalesce(t.segment, 'unknown'),
                 (coalesce(t.pre_sales, 0) * 100)::int8, c.code, (coalesce(c.face_value, 0) * 100)::int8
          FROM reactivation.targets t
          LEFT JOIN reactivation.coupons c ON c.campaign = t.campaign AND c.as_of = t.as_of AND c.member_id = t.member_id
          WHERE t.campaign = \(plan.campaign) AND t.as_of = \(waveDay)::date AND t.mode = 'live'
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Every transaction of one shard inside the wave's window, read on the shard's own server.
    static func windowTransactions(_ transactions: QualifiedRelation, wave: AttributeStage.Wave) -> SQL {
        """
        COPY (
          SELECT x.member_id, x.occurred_at, x.amount, x.coupon_code
          FROM \(transactions.sql) x
          WHERE x.occurred_at >= \(Instant(microseconds: wave.issuedAt))::timestamptz
            AND x.occurred_at < \(Instant(microseconds: wave.observedUntil))::timestamptz
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Sales and first purchases per arm and day since issue.
    static func daily(_ plan: RunPlan, wave: AttributeStage.Wave) -> SQL {
        let s = plan.sourceSchema
        let waveDay = CalendarDay(wave.asOfDay)
        return """
        COPY (
          WITH \(waveWindow(wave)),
          x AS (SELECT t.member_id, t.arm, floor(extract(epoch FROM (x.occurred_at - w.issued_at)) / 86400)::int4 + 1 AS day, x.amount
                FROM reactivation.targets t CROSS JOIN w
                JOIN \(s).transactions x ON x.member_id = t.member_id AND x.occurred_at >= w.issued_at AND x.occurred_at < w.until
                WHERE t.campaign = \(plan.campaign) AND t.as_of = \(waveDay)::date AND t.mode = 'live'),
          firsts AS (SELECT member_id, arm, min(day) AS day FROM x WHERE amount > 0 GROUP BY member_id, arm)
          SELECT arm, day, sum(sales)::int8, sum(firsts)::int8 FROM (
            SELECT arm, day, (sum(amount) * 100)::int8 AS sales, 0::int8 AS firsts FROM x GROUP BY arm, day
            UNION ALL SELECT arm, day, 0, count(*) FROM firsts GROUP BY arm, day) parts
          GROUP BY arm, day ORDER BY arm, day
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Every store's name in the source (a chain has hundreds of stores, not millions).
    static func storeNames(_ plan: RunPlan) -> SQL {
        "SELECT store_id, name FROM \(plan.sourceSchema).stores"
    }

    /// The counts and sums of a wave's first complete observation in this mode.
    static func finalTotals(_ plan: RunPlan, wave: CalendarDay) -> SQL {
        """
        SELECT n_treatment, n_control, reactivated_treatment, reactivated_control,
               (sales_treatment * 100)::int8, (sales_control * 100)::int8, redemptions
        FROM reactivation.attribution
        WHERE campaign = \(plan.campaign) AND as_of = \(wave)::date AND window_days = \(plan.config.windowDays)
          AND level = 'campaign' AND key = 'all' AND mode = \(plan.mode) AND complete
        ORDER BY observed_through LIMIT 1
        """
    }
}
