import Postgres
import ReactivateCore

/// The one writer of `reactivation.targets`: each run mode keeps its own rows, and a live wave's
/// targets are frozen once any of its coupons is committed.
///
/// An issued wave is an experiment already under way: changing its arms afterwards (a new holdout
/// fraction, a new radius, new data, `--force`) would put coupon holders in the control arm and
/// silently rewrite what attribution measures. So a live recomputation that differs is refused.
enum WaveTargets {
    /// Replaces the wave's targets of this run's mode inside the caller's transaction.
    /// - Returns: false when a frozen live wave already holds exactly these targets (nothing written).
    static func replace(_ targets: [TargetSelection.Target], context: StageContext, connection: Connection) throws -> Bool {
        let plan = context.plan
        if plan.mode == .live, let issued = try issuedCoupons(connection, plan: plan), issued > 0 {
            let stored = try liveTargets(connection, plan: plan)
            let fresh = targets.map { Assignment(memberId: $0.memberId, storeId: $0.storeId, arm: $0.arm.rawValue) }
            if stored == fresh { return false }
            let before = Dictionary(uniqueKeysWithValues: stored.map { ($0.memberId, $0) })
            let after = Dictionary(uniqueKeysWithValues: fresh.map { ($0.memberId, $0) })
            let added = after.keys.filter { before[$0] == nil }.count
            let removed = before.keys.filter { after[$0] == nil }.count
            let moved = after.filter { key, value in before[key].map { $0 != value } ?? false }.count
            let why = context.rerunReason.map { " Inputs changed since it was targeted: \($0)." } ?? ""
            throw PipelineError(
                .configuration,
                "wave \(plan.campaign) as of \(plan.asOf) is already issued (\(issued) coupons), so its targets and arms are frozen; "
                    + "the recomputed targets differ: \(added) members added, \(removed) removed, \(moved) with another arm or store.\(why)",
                fix: "restore the configuration and data the wave was issued with, or start a new wave (another --as-of date) or a new campaign name")
        }
        try connection.query(
            "DELETE FROM reactivation.targets WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date AND mode = \(plan.mode)",
            operation: "replace targets")
        try connection.copyIn(
            """
            COPY reactivation.targets (run_id, campaign, as_of, mode, member_id, store_id, distance_m, score, arm, segment, channel, pre_sales)
            FROM STDIN (FORMAT binary)
            """, operation: "write targets"
        ) { writer in
            for target in targets {
                writer.encoder.beginRow(fieldCount: 12)
                writer.encoder.append(context.runId)
                writer.encoder.append(plan.campaign)
                writer.encoder.appendDate(plan.asOf.number)
                writer.encoder.append(plan.mode.rawValue)
                writer.encoder.append(target.memberId)
                writer.encoder.append(target.storeId)
                writer.encoder.append(target.distanceMeters)
                writer.encoder.append(target.score)
                writer.encoder.append(target.arm.rawValue)
                writer.encoder.append(target.segment.rawValue)
                writer.encoder.append(target.channel?.rawValue)
                writer.encoder.appendCents(target.preSalesCents)
                try writer.rowDone()
            }
        }
        return true
    }

    /// How many coupons the live wave has committed, nil when none.
    static func issuedCoupons(_ connection: Connection, plan: RunPlan) throws -> Int? {
        try connection.query(
            "SELECT nullif(count(*), 0) FROM reactivation.coupons WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date",
            operation: "count the wave's coupons"
        ).scalar(Int.self)
    }

    /// How many live targets the wave has, and how many of them are treated.
    static func liveCounts(_ connection: Connection, plan: RunPlan) throws -> (all: Int, treated: Int) {
        let row = try connection.query(
            """
            SELECT count(*), count(*) FILTER (WHERE arm = 'treatment') FROM reactivation.targets
            WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date AND mode = 'live'
            """, operation: "count the wave's targets"
        ).first
        return (try row?.decode(0, as: Int.self) ?? 0, try row?.decode(1, as: Int.self) ?? 0)
    }

    struct Assignment: Equatable {
        var memberId: Int64
        var storeId: Int64
        var arm: String
    }

    private static func liveTargets(_ connection: Connection, plan: RunPlan) throws -> [Assignment] {
        var stored: [Assignment] = []
        try connection.copyOut(
            """
            COPY (SELECT member_id, store_id, arm FROM reactivation.targets
                  WHERE campaign = \(plan.campaign) AND as_of = \(plan.asOf)::date AND mode = 'live'
                  ORDER BY member_id) TO STDOUT (FORMAT binary)
            """, fieldCount: 3, operation: "read the wave's frozen targets"
        ) { row in stored.append(Assignment(memberId: try row.int64(0), storeId: try row.int64(1), arm: try row.text(2))) }
        return stored
    }
}
