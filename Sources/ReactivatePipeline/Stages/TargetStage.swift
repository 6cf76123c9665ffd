import Foundation
import Logging
import Postgres
import ReactivateCore

/// Picks the wave's targets: dormant, reachable, consenting members within the radius of an open store,
/// placed by quota and budget, split into treatment and control by the keyed holdout hash.
///
/// Reads the score artifact plus the stores open on D, recent coupons (cooldown) and other
/// campaigns' running experiments; writes both arms to `reactivation.targets` under the run's mode in
/// one transaction. The funnel and the power analysis go into the run's stats.
public struct TargetStage: Stage {
    public let name = StageName.target

    public init() {}

    public func run(_ context: StageContext) throws -> StageResult {
        let config = context.config
        let plan = context.plan
        var clock = PhaseClock(logger: context.logger)
        let connection = try context.connect()
        let stores = try Self.openStores(connection, plan: plan)
        let cooldown = try Self.cooldownMembers(connection, plan: plan)
        let protected = config.protectOpenExperiments ? try Self.openExperimentControls(connection, plan: plan) : []
        clock.lap("stores, cooldown and open experiments")
        let selection = try TargetSelection(config: config, asOfDay: plan.asOf.number)
        var screening = TargetSelection.Screening(selection, stores: stores.valid, cooldownMembers: cooldown, protectedMembers: protected)
        let scored = try Self.screen(scores: context.artifactPath(.score), into: &screening)
        clock.lap("screen the scored members")
        let outcome = screening.finish()
        clock.lap("quotas, budget and holdout")
        // Each mode keeps targets of its own; a live wave's are frozen once any coupon of it is committed.
        let written = try connection.transaction {
            try WaveTargets.replace(outcome.targets, context: context, connection: connection)
        }
        clock.lap("write targets")
        let power = WavePower.analyse(outcome.targets, config: config)
        if let warning = power.warning {
            context.logger.warning("control arm too small", metadata: ["detail": "\(warning)"])
        }
        let balance = HoldoutBalance(outcome.targets.map { (storeId: $0.storeId, arm: $0.arm) }, fraction: config.holdoutFraction)
        var funnel: [JSONValue] = []
        for (step, count) in outcome.funnel { funnel.append(["step": .string(step), "members": JSONValue(count)]) }
        var exclusions: [String: JSONValue] = [:]
        for (reason, count) in outcome.exclusions { exclusions[reason] = JSONValue(count) }
        exclusions["stores_invalid_location"] = JSONValue(stores.invalid)
        return StageResult(
            rowsIn: scored, rowsOut: outcome.targets.count,
            stats: [
                "funnel": .array(funnel), "exclusions": .object(exclusions), "power": power.json,
                "open_stores": JSONValue(stores.valid.count), "cooldown_members": JSONValue(cooldown.count),
                "open_experiment_controls": JSONValue(protected.count),
                "holdout_balance": [
                    "chi_square": JSONValue(balance.chiSquare), "degrees_of_freedom": JSONValue(balance.degreesOfFreedom),
                    "p_value": JSONValue(balance.pValue),
                ],
                "written": .bool(written),
            ])
    }

    /// Walks the score artifact a row group at a time: it holds every scored member with what targeting
    /// needs of its history, and in its header the member base's counts, so the stage holds one group
    /// plus the candidates. Returns the scored members read.
    static func screen(scores path: String, into screening: inout TargetSelection.Screening) throws -> Int {
        let groups = try MemberScores.Groups(path: path)
        guard let base = groups.base else {
            throw PipelineError(
                .runtime, "the score artifact \(path) does not say how many members it was scored from",
                fix: "re-run score: reactivate run PIPELINE --as-of D --stages score --force")
        }
        screening.count(base)
        var scored = 0
        while let group = try groups.next() {
            try Cancellation.shared.checkpoint()
            scored += group.count
            screening.add(scores: group)
        }
        return scored
    }

    /// Stores open on D (opened_on ≤ D or NULL, closed_on NULL or after D); invalid coordinates counted.
    static func openStores(_ connection: Connection, plan: RunPlan) throws -> (valid: [TargetSelection.Store], invalid: Int) {
        var valid: [TargetSelection.Store] = []
        var invalid = 0
        try connection.copyOut(TargetQuery.openStores(plan), fieldCount: 3, operation: "read open stores") { row in
            let point = GeoPoint(latitude: try row.optionalFloat64(1) ?? .nan, longitude: try row.optionalFloat64(2) ?? .nan)
            if point.isValid { valid.append(TargetSelection.Store(id: try row.int64(0), location: point)) } else { invalid += 1 }
        }
        return (valid, invalid)
    }

    /// Members a coupon of another wave cools down (``CooldownRule``, anchored at this wave's issue time).
    static func cooldownMembers(_ connection: Connection, plan: RunPlan) throws -> Set<Int64> {
        guard let window = plan.cooldown.window(anchoredAt: plan.issueTime) else { return [] }
        var members = Set<Int64>()
        try connection.copyOut(TargetQuery.cooledDownMembers(plan, window: window), fieldCount: 1, operation: "read cooldown members") { row in
            members.insert(try row.int64(0))
        }
        return members
    }

    /// Members in the control arm of another campaign's live wave whose outcome window is still open.
    static func openExperimentControls(_ connection: Connection, plan: RunPlan) throws -> Set<Int64> {
        var members = Set<Int64>()
        try connection.copyOut(TargetQuery.openExperimentControls(plan), fieldCount: 1, operation: "read open experiments' controls") { row in
            members.insert(try row.int64(0))
        }
        return members
    }
}
