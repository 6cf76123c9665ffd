import Postgres
import ReactivateCore

/// The SQL the issue stage runs inside its one transaction, with the run plan's values bound.
enum IssueQuery {
    /// Creates the wave row, stamped with the pinned time or the moment of issuing, unless it exists.
    static func openWave(_ plan: RunPlan, runId: Int64, windowDays: Int) -> SQL {
        """
        INSERT INTO reactivation.waves (campaign, as_of, run_id, issued_at, status, window_days)
        VALUES (\(plan.campaign), \(plan.asOf)::date, \(runId), coalesce(\(plan.fixedIssueTime)::timestamptz, now()), 'issuing', \(windowDays))
        ON CONFLICT (campaign, as_of) DO NOTHING
        """
    }

    /// The wave row, locked for the issuing transaction: its issue time in µs and as ISO 8601 UTC, and
    /// its coupons' expiry in µs (`valid_days` after issuing, in the session's time zone as before).
    static func lockWave(_ plan: RunPlan, validDays: Int) -> SQL {
        """
        SELECT \(PostgresUnits.microseconds("issued_at")), to_char(issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'),
               \(PostgresUnits.microseconds("issued_at + make_interval(days => \(validDays))"))
        FROM reactivation.waves WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date FOR UPDATE
        """
    }

    /// Treated members without a coupon yet, with whether a coupon of another wave in the cooldown window
    /// cools them down, and their score (the budget's order, sorted by the client: `IssueStage.Pending`).
    static func pendingTreated(_ plan: RunPlan, cooldown: (after: Instant, through: Instant)?) -> SQL {
        """
        COPY (
          SELECT t.member_id, t.store_id, coalesce(t.channel, 'sms'),
                 EXISTS (
                     SELECT 1 FROM reactivation.coupons o
                     WHERE o.member_id = t.member_id AND NOT (o.campaign = t.campaign AND o.as_of = t.as_of)
                       AND o.issued_at > \(cooldown?.after)::timestamptz AND o.issued_at <= \(cooldown?.through)::timestamptz),
                 t.score
          FROM reactivation.targets t
          LEFT JOIN reactivation.coupons c ON c.campaign = t.campaign AND c.as_of = t.as_of AND c.member_id = t.member_id
          WHERE t.campaign = \(plan.campaign) AND t.as_of = \(plan.asOf)::date AND t.mode = 'live'
            AND t.arm = 'treatment' AND c.code IS NULL
        ) TO STDOUT (FORMAT binary)
        """
    }

    /// Coupons of the wave already committed: count and face value in cents.
    static func issuedSoFar(_ plan: RunPlan) -> SQL {
        """
        SELECT count(*), coalesce(sum(face_value) * 100, 0)::int8 FROM reactivation.coupons
        WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date
        """
    }

    /// Inserts the staged new coupons. The staging table was written in member order and is read in
    /// that order, so (campaign, as_of, member_id) and (member_id, issued_at) receive ascending keys,
    /// and the primary key codes grouped by their first two symbols (`IssueStage.inIndexOrder`): each
    /// index page is filled while in cache instead of being revisited at random (about twice as fast
    /// per coupon). Only the order of work depends on this, never the result. Issue time and
    /// expiry are the wave's, read under its lock (bound, not computed again for every row).
    static func insertCoupons(_ plan: RunPlan, runId: Int64, config: PipelineConfig, issuedAt: Instant, expiresAt: Instant) -> SQL {
        """
        INSERT INTO reactivation.coupons (code, campaign, as_of, run_id, member_id, store_id, channel, face_value, min_spend, issued_at, expires_at)
        SELECT code, \(plan.campaign), \(plan.asOf)::date, \(runId), member_id, store_id, channel,
               \(config.faceValueCents)::numeric / 100, \(config.minSpendCents)::numeric / 100,
               \(issuedAt)::timestamptz, \(expiresAt)::timestamptz
        FROM new_coupons
        """
    }

    /// The staged coupons' outbox rows. Read in staging order, which is already the order of the codes'
    /// first two symbols (`IssueStage.inIndexOrder`), so the outbox's primary key is filled left to
    /// right without a sort. Same transaction and same staged rows as `insertCoupons`: a coupon and its
    /// outbox row commit together or not at all.
    static let insertOutbox: SQL = """
        INSERT INTO reactivation.coupon_outbox (code, channel, member_id)
        SELECT code, channel, member_id FROM new_coupons
        """

    /// Marks the wave issued with its coupon and skip counts.
    static func closeWave(_ plan: RunPlan, runId: Int64) -> SQL {
        """
        UPDATE reactivation.waves SET status = 'issued', run_id = \(runId),
               coupons = (SELECT count(*) FROM reactivation.coupons WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date),
               skipped = (SELECT count(*) FROM reactivation.coupon_skips WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date)
        WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date
        """
    }
}
