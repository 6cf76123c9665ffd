import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import Synchronization

/// Incremental sales and reactivation lift per wave, treatment vs control, with confidence intervals.
///
/// For each wave issued before the as-of date: every targeted member's outcome over the window from
/// the wave's issue time (cut at the as-of date while the window is still open, `complete = false`) is
/// streamed from PostgreSQL over slices of the member-id space and folded into exact, mergeable
/// sufficient statistics per arm — by campaign, store and segment — from which the estimates follow.
/// A wave's attribution rows are replaced in one transaction.
public struct AttributeStage: Stage {
    public let name = StageName.attribute

    public init() {}

    public struct Wave: Sendable {
        public var asOfDay: Int32
        public var issuedAt: Int64
        /// End of the observed window (µs since 2000): min(issue + window, as-of cut-off).
        public var observedUntil: Int64
        public var complete: Bool
    }

    public func run(_ context: StageContext) throws -> StageResult {
        let connection = try context.connect()
        let waves = try Self.waves(connection, context: context)
        var stats: [String: JSONValue] = [:]
        var rows = 0
        var members = 0
        var estimates: [AttributionEstimate] = []
        var totals: [WaveStatistics.Arms] = []
        // A member-sharded source is read shard by shard on its servers; one server as one query.
        let layout = try ShardCatalog.layout(connection, config: context.config)
        /// Per wave, the window's transactions read on each shard's server.
        var shardReads: [String: JSONValue] = [:]
        for wave in waves {
            let result: WaveStatistics
            switch layout {
            case .oneServer:
                result = try Self.attribute(wave, context: context)
            case .sharded(let map):
                let shards: [JSONValue]
                (result, shards) = try Self.attributeShardByShard(wave, context: context, map: map)
                shardReads[PostgresEpoch.format(wave.asOfDay)] = .array(shards)
            }
            let written = try Self.write(result, wave: wave, context: context, connection: connection)
            rows += written ? result.rowCount : 0
            members += Int(result.total.treatment.count + result.total.control.count)
            var summary = result.summaryJSON(wave: wave, confidence: context.config.confidence)
            if !written, case .object(var fields) = summary {
                fields["final_kept"] = .bool(true)
                summary = .object(fields)
            }
            stats[PostgresEpoch.format(wave.asOfDay)] = summary
            estimates.append(try AttributionEstimate(
                treatment: result.total.treatment, control: result.total.control, confidenceLevel: context.config.confidence))
            totals.append(result.total)
        }
        var result: [String: JSONValue] = ["waves": .object(stats), "wave_count": JSONValue(waves.count)]
        if case .sharded = layout { result["shards"] = .object(shardReads) }
        // The whole campaign, when every wave was attributed together (not for a single --wave).
        if context.attributeWave == nil, let last = waves.last {
            let rollup = CampaignRollup(estimates, confidenceLevel: context.config.confidence)
            try Self.writeRollup(
                rollup, totals: totals, through: last, complete: waves.allSatisfy(\.complete), context: context, connection: connection)
            rows += 1
            result["campaign"] = [
                "waves": JSONValue(waves.count),
                "incremental_sales": rollup.incrementalSalesCents.map { .number($0 / 100) } ?? .null,
                "ci_low": rollup.interval.map { .number($0.lower / 100) } ?? .null,
                "ci_high": rollup.interval.map { .number($0.upper / 100) } ?? .null,
                "net_incremental_sales": rollup.netIncrementalSalesCents.map { .number($0 / 100) } ?? .null,
            ]
        }
        return StageResult(rowsIn: members, rowsOut: rows, stats: result)
    }

    /// Issued waves of the campaign before the observation end (or the one asked for).
    ///
    /// A window is complete when it ended before both the as-of cut-off and the server's clock.
    static func waves(_ connection: Connection, context: StageContext) throws -> [Wave] {
        let plan = context.plan
        let end = plan.observationEnd
        let window = plan.config.windowDays
        let result = try connection.query(
            AttributeQuery.waves(plan, window: window, end: end), operation: "find waves to attribute")
        let waves = try result.map { row in
            Wave(
                asOfDay: try row.decode(0), issuedAt: try row.decode(1), observedUntil: try row.decode(2), complete: try row.decode(3))
        }
        if let wanted = plan.attributeWave, waves.isEmpty {
            throw PipelineError(
                .configuration,
                "campaign '\(plan.campaign)' has no wave issued on \(wanted) before \(plan.asOf)",
                fix: "check --wave and --as-of (attribution needs an issued wave and an as-of date after its issue time)")
        }
        return waves
    }

    /// Sufficient statistics of one wave, by level and key.
    public struct WaveStatistics: Sendable {
        public struct Arms: Sendable {
            public var treatment = ArmStatistics()
            public var control = ArmStatistics()
            mutating func merge(_ other: Arms) {
                treatment.merge(other.treatment)
                control.merge(other.control)
            }
        }
        public var total = Arms()
        public var byStore: [Int64: Arms] = [:]
        public var bySegment: [String: Arms] = [:]
        /// Per arm and day since issue (1-based): members whose first purchase is that day, and sales that day.
        public var dailyFirstPurchasers: [String: [Int64]] = [:]
        public var dailySalesCents: [String: [Int64]] = [:]
        public var windowDays = 0

        /// One member's outcome, in its arm at every level.
        mutating func add(_ outcome: MemberOutcome, treated: Bool, store: Int64, segment: String) {
            if treated {
                total.treatment.add(outcome)
                byStore[store, default: Arms()].treatment.add(outcome)
                bySegment[segment, default: Arms()].treatment.add(outcome)
            } else {
                total.control.add(outcome)
                byStore[store, default: Arms()].control.add(outcome)
                bySegment[segment, default: Arms()].control.add(outcome)
            }
        }

        mutating func merge(_ other: WaveStatistics) {
            total.merge(other.total)
            for (key, arms) in other.byStore { byStore[key, default: Arms()].merge(arms) }
            for (key, arms) in other.bySegment { bySegment[key, default: Arms()].merge(arms) }
        }

        var rowCount: Int { 1 + byStore.count + bySegment.count }

        func summaryJSON(wave: Wave, confidence: Double) -> JSONValue {
            guard let estimate = try? AttributionEstimate(treatment: total.treatment, control: total.control, confidenceLevel: confidence)
            else { return .null }
            func yuan(_ cents: Double?) -> JSONValue { cents.map { JSONValue($0 / 100) } ?? .null }
            return [
                "complete": .bool(wave.complete), "n_treatment": JSONValue(Int(estimate.treatmentCount)),
                "n_control": JSONValue(Int(estimate.controlCount)),
                "incremental_sales": yuan(estimate.incrementalSalesCents),
                "ci_low": yuan(estimate.incrementalSalesInterval?.lower), "ci_high": yuan(estimate.incrementalSalesInterval?.upper),
                "cuped_incremental_sales": yuan(estimate.cupedIncrementalSalesCents),
                "net_incremental_sales": yuan(estimate.netIncrementalSalesCents),
                "reactivation_lift": estimate.reactivation.difference.map { JSONValue.number($0) } ?? .null,
                "redemptions": JSONValue(Int(estimate.redemptions)), "coupon_cost": JSONValue(Double(estimate.couponCostCents) / 100),
            ]
        }
    }

    /// Streams member outcomes over slices in parallel and merges the slices' statistics exactly.
    static func attribute(_ wave: Wave, context: StageContext) throws -> WaveStatistics {
        let slices = max(1, context.sliceCount)
        let parts = Mutex<[WaveStatistics]>([])
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            do {
                let connection = try context.connect()
                let part = try Self.memberOutcomes(connection, wave: wave, context: context, slice: slice, sliceCount: slices)
                parts.withLock { $0.append(part) }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var statistics = WaveStatistics()
        for part in parts.withLock({ $0 }) { statistics.merge(part) }
        try Self.daily(wave: wave, context: context, into: &statistics)
        return statistics
    }

    static func memberOutcomes(
        _ connection: Connection, wave: Wave, context: StageContext, slice: Int, sliceCount: Int
    ) throws -> WaveStatistics {
        let plan = context.plan
        var statistics = WaveStatistics()
        try connection.copyOut(
            AttributeQuery.memberOutcomes(plan, wave: wave, slice: slice, sliceCount: sliceCount), fieldCount: 9, operation: "read wave outcomes (slice \(slice + 1) of \(sliceCount))"
        ) { row in
            let treated = try row.bool(1)
            let redeemed = try row.bool(7)
            let outcome = try MemberOutcome(
                salesCents: try row.int64(5), preSalesCents: try row.int64(4), reactivated: try row.bool(6),
                redeemed: redeemed, redeemedFaceValueCents: redeemed ? try row.int64(8) : 0)
            statistics.add(outcome, treated: treated, store: try row.int64(2), segment: try row.text(3))
        }
        return statistics
    }

    /// Sales and first purchases per arm and day since issue, for the cumulative series.
    static func daily(wave: Wave, context: StageContext, into statistics: inout WaveStatistics) throws {
        let connection = try context.connect()
        let plan = context.plan
        let days = context.config.windowDays
        statistics.windowDays = days
        for arm in Arm.allCases {
            statistics.dailySalesCents[arm.rawValue] = Array(repeating: 0, count: days)
            statistics.dailyFirstPurchasers[arm.rawValue] = Array(repeating: 0, count: days)
        }
        try connection.copyOut(
            AttributeQuery.daily(plan, wave: wave), fieldCount: 4, operation: "read daily wave series"
        ) { row in
            let arm = try row.text(0)
            let day = Int(try row.int32(1))
            guard (1...days).contains(day) else { return }
            statistics.dailySalesCents[arm]?[day - 1] += try row.int64(2)
            statistics.dailyFirstPurchasers[arm]?[day - 1] += try row.int64(3)
        }
    }

    /// Writes the campaign's rollup of every wave through `through` as level 'campaign', key 'all_waves'
    /// under that last wave's date (the effect of the campaign so far, summed wave by wave).
    static func writeRollup(
        _ rollup: CampaignRollup, totals: [WaveStatistics.Arms], through wave: Wave, complete: Bool, context: StageContext,
        connection: Connection
    ) throws {
        var arms = WaveStatistics.Arms()
        for total in totals { arms.merge(total) }
        let observation = AttributionTable.Observation(plan: context.plan, wave: CalendarDay(wave.asOfDay), complete: complete)
        try connection.transaction {
            let row = AttributionRow(rollup: rollup, arms: arms, confidence: context.config.confidence, grossMargin: context.config.grossMargin)
            try AttributionTable.replace([row], rollup: true, of: observation, connection: connection)
        }
    }

    /// Records this observation of the wave (its attribution and daily rows) in one transaction.
    ///
    /// Observations are a history keyed by the date they observed through, so an earlier one never
    /// replaces a later one; only a re-run of the same observation is replaced. Once a window is
    /// complete its first final numbers stand: a later recomputation that differs (late-arriving data)
    /// is not written and the stage says so.
    /// - Returns: false when a final observation with other numbers was kept.
    @discardableResult
    static func write(_ statistics: WaveStatistics, wave: Wave, context: StageContext, connection: Connection) throws -> Bool {
        let config = context.config
        let plan = context.plan
        let waveDay = CalendarDay(wave.asOfDay)
        let margin = config.grossMargin
        var rows = [try AttributionRow(level: "campaign", key: "all", arms: statistics.total, confidence: config.confidence, grossMargin: margin)]
        let names = statistics.byStore.isEmpty ? [:] : try storeNames(connection, plan: plan)
        for store in statistics.byStore.keys.sorted() {
            var row = try AttributionRow(
                level: "store", key: String(store), arms: statistics.byStore[store] ?? .init(), confidence: config.confidence, grossMargin: margin)
            row.storeName = names[store]
            rows.append(row)
        }
        for segment in statistics.bySegment.keys.sorted() {
            rows.append(try AttributionRow(
                level: "segment", key: segment, arms: statistics.bySegment[segment] ?? .init(), confidence: config.confidence, grossMargin: margin))
        }
        // Days already observed: the cumulative series stops where the as-of date cuts an open window.
        let observedDays = min(config.windowDays, Int((wave.observedUntil - wave.issuedAt + PostgresEpoch.microsecondsPerDay - 1) / PostgresEpoch.microsecondsPerDay))
        let observation = AttributionTable.Observation(plan: plan, wave: waveDay, complete: wave.complete)
        return try connection.transaction {
            if wave.complete, let final = try finalTotals(connection, plan: plan, wave: waveDay), final != FinalTotals(statistics.total) {
                context.logger.warning(
                    "the wave's window is complete and its final numbers stand; a recomputation differs (late-arriving data?) and was not written",
                    metadata: ["wave": "\(waveDay)"])
                return false
            }
            try AttributionTable.replace(rows, rollup: false, of: observation, connection: connection)
            try AttributionTable.replaceDaily(statistics, observedDays: observedDays, of: observation, connection: connection)
            return true
        }
    }

    /// The source's names of the wave's stores, stored with their rows so analysts need not join the source.
    static func storeNames(_ connection: Connection, plan: RunPlan) throws -> [Int64: String] {
        var names: [Int64: String] = [:]
        for row in try connection.query(AttributeQuery.storeNames(plan), operation: "read store names") {
            if let name = try row.decodeIfPresent(1, as: String.self) { names[try row.decode(0, as: Int64.self)] = name }
        }
        return names
    }

    /// The counts and sums of a wave's first complete observation in this mode, if there is one.
    static func finalTotals(_ connection: Connection, plan: RunPlan, wave: CalendarDay) throws -> FinalTotals? {
        try connection.query(
            AttributeQuery.finalTotals(plan, wave: wave), operation: "read the wave's final attribution"
        ).first.map { row in
            FinalTotals(values: try (0..<7).map { try row.decode($0, as: Int64.self) })
        }
    }

    /// The integer sufficient statistics that decide whether two observations of a wave agree.
    struct FinalTotals: Equatable {
        var values: [Int64]

        init(values: [Int64]) { self.values = values }

        init(_ arms: WaveStatistics.Arms) {
            values = [
                arms.treatment.count, arms.control.count, arms.treatment.reactivatedCount, arms.control.reactivatedCount,
                Int64(clamping: arms.treatment.sumSalesCents), Int64(clamping: arms.control.sumSalesCents), arms.treatment.redeemedCount,
            ]
        }
    }
}
