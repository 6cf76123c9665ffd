import Postgres
import ReactivateCore

/// The SQL the target stage runs, with the run plan's values bound.
enum TargetQuery {
    /// Stores open on D: opened on or before it (or unknown), not closed by it.
    static func openStores(_ plan: RunPlan) -> SQL {
        """
        COPY (SELECT store_id, latitude, longitude FROM \(plan.sourceSchema).stores
              WHERE (opened_on IS NULL OR opened_on <= \(plan.asOf)::date)
                AND (closed_on IS NULL OR closed_on > \(plan.asOf)::date)
              ORDER BY store_id) TO STDOUT (FORMAT binary)
        """
    }

    /// Members holding a coupon of another wave issued inside the cooldown window.
    static func cooledDownMembers(_ plan: RunPlan, window: (after: Instant, through: Instant)) -> SQL {
        """
        COPY (SELECT DISTINCT member_id FROM reactivation.coupons
              WHERE issued_at > \(window.after)::timestamptz AND issued_at <= \(window.through)::timestamptz
                AND NOT (campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date)) TO STDOUT (FORMAT binary)
        """
    }

    /// Control members of other campaigns' live waves whose window has not ended by this wave's issue
    /// time. A wave not issued yet counts from its own cut-off with this campaign's window.
    static func openExperimentControls(_ plan: RunPlan) -> SQL {
        """
        COPY (SELECT DISTINCT t.member_id
              FROM reactivation.targets t
              LEFT JOIN reactivation.waves w ON w.campaign = t.campaign AND w.as_of = t.as_of
              WHERE t.mode = 'live' AND t.arm = 'control' AND t.campaign <> \(plan.campaign)
                AND coalesce(w.issued_at, t.as_of::timestamp AT TIME ZONE \(plan.timeZone))
                    + make_interval(days => coalesce(w.window_days, \(plan.config.windowDays))) > \(plan.issueTime)::timestamptz
             ) TO STDOUT (FORMAT binary)
        """
    }
}
