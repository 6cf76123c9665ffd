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
        for wave in waves {
            let result = try Self.attribute(wave, context: context)
            try Self.write(result, wave: wave, context: context, connection: connection)
            rows += result.rowCount
            members += Int(result.total.treatment.count + result.total.control.count)
            stats[PostgresEpoch.format(wave.asOfDay)] = result.summaryJSON(wave: wave, confidence: context.config.confidence)
            estimates.append(try AttributionEstimate(
                treatment: result.total.treatment, control: result.total.control, confidenceLevel: context.config.confidence))
            totals.append(result.total)
        }
        var result: [String: JSONValue] = ["waves": .object(stats), "wave_count": JSONValue(waves.count)]
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

    /// Issued waves of the campaign before the as-of cut-off (or the one asked for).
    static func waves(_ connection: Connection, context: StageContext) throws -> [Wave] {
        let config = context.config
        let result = try connection.query(
            """
            WITH p AS (SELECT ($2::date::timestamp AT TIME ZONE $3) AS cutoff)
            SELECT as_of - DATE '2000-01-01',
                   (extract(epoch FROM issued_at) * 1000000)::int8 - 946684800000000,
                   (extract(epoch FROM least(issued_at + make_interval(days => $4), p.cutoff)) * 1000000)::int8 - 946684800000000,
                   issued_at + make_interval(days => $4) <= p.cutoff
            FROM reactivation.waves, p
            WHERE campaign = $1 AND status = 'issued' AND issued_at < p.cutoff
              AND ($5::date IS NULL OR as_of = $5::date)
            ORDER BY as_of
            """,
            [config.campaign, context.asOf, config.businessTimeZone, config.windowDays,
             context.attributeWave.map(PostgresEpoch.format)], operation: "find waves to attribute")
        let waves = result.rows.compactMap { row -> Wave? in
            guard let day = row[0].flatMap({ Int32($0) }), let issued = row[1].flatMap({ Int64($0) }),
                let until = row[2].flatMap({ Int64($0) })
            else { return nil }
            return Wave(asOfDay: day, issuedAt: issued, observedUntil: until, complete: row[3] == "t")
        }
        if let wanted = context.attributeWave, waves.isEmpty {
            throw PipelineError(
                .configuration,
                "campaign '\(config.campaign)' has no wave issued on \(PostgresEpoch.format(wanted)) before \(context.asOf)",
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

    static func bind(_ connection: Connection, wave: Wave, context: StageContext) throws {
        try connection.query(
            """
            SELECT set_config('reactivate.campaign', $1, false), set_config('reactivate.wave', $2, false),
                   set_config('reactivate.until', $3, false)
            """,
            [context.config.campaign, PostgresEpoch.format(wave.asOfDay), String(wave.observedUntil)])
    }

    static func memberOutcomes(
        _ connection: Connection, wave: Wave, context: StageContext, slice: Int, sliceCount: Int
    ) throws -> WaveStatistics {
        try Identifier.validate(context.config.sourceSchema, what: "source.schema")
        try bind(connection, wave: wave, context: context)
        let s = Connection.quoteIdentifier(context.config.sourceSchema)
        var statistics = WaveStatistics()
        try connection.copyOut(
            """
            COPY (
              WITH w AS (SELECT issued_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'
                                           + make_interval(secs => current_setting('reactivate.until')::float8 / 1000000) AS until
                         FROM reactivation.waves
                         WHERE campaign = current_setting('reactivate.campaign') AND as_of = current_setting('reactivate.wave')::date)
              SELECT t.member_id, t.arm = 'treatment', t.store_id, coalesce(t.segment, 'unknown'),
                     (coalesce(t.pre_sales, 0) * 100)::int8,
                     (coalesce(sum(x.amount), 0) * 100)::int8,
                     coalesce(bool_or(x.amount > 0), false),
                     coalesce(bool_or(x.coupon_code = c.code AND x.amount > 0), false),
                     (coalesce(c.face_value, 0) * 100)::int8
              FROM reactivation.targets t CROSS JOIN w
              LEFT JOIN reactivation.coupons c ON c.campaign = t.campaign AND c.as_of = t.as_of AND c.member_id = t.member_id
              LEFT JOIN \(s).transactions x ON x.member_id = t.member_id AND x.occurred_at >= w.issued_at AND x.occurred_at < w.until
              WHERE t.campaign = current_setting('reactivate.campaign') AND t.as_of = current_setting('reactivate.wave')::date
                AND (t.member_id % \(sliceCount) + \(sliceCount)) % \(sliceCount) = \(slice)
              GROUP BY t.member_id, t.arm, t.store_id, t.segment, t.pre_sales, c.code, c.face_value
            ) TO STDOUT (FORMAT binary)
            """, fieldCount: 9, operation: "read wave outcomes (slice \(slice + 1) of \(sliceCount))"
        ) { row in
            let treated = try row.bool(1)
            let redeemed = try row.bool(7)
            let outcome = try MemberOutcome(
                salesCents: try row.int64(5), preSalesCents: try row.int64(4), reactivated: try row.bool(6),
                redeemed: redeemed, redeemedFaceValueCents: redeemed ? try row.int64(8) : 0)
            let store = try row.int64(2)
            let segment = try row.text(3)
            if treated {
                statistics.total.treatment.add(outcome)
                statistics.byStore[store, default: WaveStatistics.Arms()].treatment.add(outcome)
                statistics.bySegment[segment, default: WaveStatistics.Arms()].treatment.add(outcome)
            } else {
                statistics.total.control.add(outcome)
                statistics.byStore[store, default: WaveStatistics.Arms()].control.add(outcome)
                statistics.bySegment[segment, default: WaveStatistics.Arms()].control.add(outcome)
            }
        }
        return statistics
    }

    /// Sales and first purchases per arm and day since issue, for the cumulative series.
    static func daily(wave: Wave, context: StageContext, into statistics: inout WaveStatistics) throws {
        let connection = try context.connect()
        try bind(connection, wave: wave, context: context)
        let s = Connection.quoteIdentifier(context.config.sourceSchema)
        let days = context.config.windowDays
        statistics.windowDays = days
        for arm in Arm.allCases {
            statistics.dailySalesCents[arm.rawValue] = Array(repeating: 0, count: days)
            statistics.dailyFirstPurchasers[arm.rawValue] = Array(repeating: 0, count: days)
        }
        try connection.copyOut(
            """
            COPY (
              WITH w AS (SELECT issued_at, TIMESTAMPTZ '2000-01-01 00:00:00+00'
                                           + make_interval(secs => current_setting('reactivate.until')::float8 / 1000000) AS until
                         FROM reactivation.waves
                         WHERE campaign = current_setting('reactivate.campaign') AND as_of = current_setting('reactivate.wave')::date),
              x AS (SELECT t.member_id, t.arm, floor(extract(epoch FROM (x.occurred_at - w.issued_at)) / 86400)::int4 + 1 AS day, x.amount
                    FROM reactivation.targets t CROSS JOIN w
                    JOIN \(s).transactions x ON x.member_id = t.member_id AND x.occurred_at >= w.issued_at AND x.occurred_at < w.until
                    WHERE t.campaign = current_setting('reactivate.campaign') AND t.as_of = current_setting('reactivate.wave')::date),
              firsts AS (SELECT member_id, arm, min(day) AS day FROM x WHERE amount > 0 GROUP BY member_id, arm)
              SELECT arm, day, sum(sales)::int8, sum(firsts)::int8 FROM (
                SELECT arm, day, (sum(amount) * 100)::int8 AS sales, 0::int8 AS firsts FROM x GROUP BY arm, day
                UNION ALL SELECT arm, day, 0, count(*) FROM firsts GROUP BY arm, day) parts
              GROUP BY arm, day ORDER BY arm, day
            ) TO STDOUT (FORMAT binary)
            """, fieldCount: 4, operation: "read daily wave series"
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
        let config = context.config
        func yuan(_ cents: Double?) -> Double? { cents.map { $0 / 100 } }
        try connection.transaction {
            try connection.query(
                "DELETE FROM reactivation.attribution WHERE campaign = $1 AND level = 'campaign' AND key = 'all_waves' AND window_days = $2",
                [config.campaign, config.windowDays], operation: "replace campaign rollup")
            try connection.query(
                """
                INSERT INTO reactivation.attribution (campaign, as_of, window_days, complete, level, key, n_treatment, n_control,
                  reactivated_treatment, reactivated_control, sales_treatment, sales_control, reactivation_lift,
                  reactivation_ci_low, reactivation_ci_high, incremental_sales, ci_low, ci_high, cuped_incremental_sales,
                  cuped_ci_low, cuped_ci_high, redemptions, coupon_cost, net_incremental_sales, net_ci_low, net_ci_high, return_per_cost)
                VALUES ($1, $2::date, $3, $4, 'campaign', 'all_waves', $5, $6, $7, $8, $9::numeric / 100, $10::numeric / 100,
                        $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21::numeric / 100, $22, $23, $24, $25)
                """,
                [config.campaign, PostgresEpoch.format(wave.asOfDay), config.windowDays, complete,
                 arms.treatment.count, arms.control.count, arms.treatment.reactivatedCount, arms.control.reactivatedCount,
                 String(arms.treatment.sumSalesCents), String(arms.control.sumSalesCents),
                 rollup.reactivationLift, rollup.reactivationInterval?.lower, rollup.reactivationInterval?.upper,
                 yuan(rollup.incrementalSalesCents), yuan(rollup.interval?.lower), yuan(rollup.interval?.upper),
                 yuan(rollup.cupedIncrementalSalesCents), yuan(rollup.cupedInterval?.lower), yuan(rollup.cupedInterval?.upper),
                 arms.treatment.redeemedCount, String(Int64(rollup.couponCostCents.rounded())),
                 yuan(rollup.netIncrementalSalesCents), yuan(rollup.netInterval?.lower), yuan(rollup.netInterval?.upper),
                 rollup.couponCostCents > 0 ? rollup.incrementalSalesCents.map { $0 / rollup.couponCostCents } : nil],
                operation: "write campaign rollup")
        }
    }

    /// Replaces the wave's attribution and daily rows in one transaction.
    static func write(_ statistics: WaveStatistics, wave: Wave, context: StageContext, connection: Connection) throws {
        let config = context.config
        let waveDate = PostgresEpoch.format(wave.asOfDay)
        var rows: [(level: String, key: String, arms: WaveStatistics.Arms)] = [("campaign", "all", statistics.total)]
        for store in statistics.byStore.keys.sorted() { rows.append(("store", String(store), statistics.byStore[store] ?? .init())) }
        for segment in statistics.bySegment.keys.sorted() { rows.append(("segment", segment, statistics.bySegment[segment] ?? .init())) }
        // Days already observed: the cumulative series stops where the as-of date cuts an open window.
        let observedDays = min(config.windowDays, Int((wave.observedUntil - wave.issuedAt + PostgresEpoch.microsecondsPerDay - 1) / PostgresEpoch.microsecondsPerDay))
        try connection.transaction {
            try connection.query(
                "DELETE FROM reactivation.attribution WHERE campaign = $1 AND as_of = $2::date AND window_days = $3",
                [config.campaign, waveDate, config.windowDays], operation: "replace attribution")
            try connection.query(
                "DELETE FROM reactivation.attribution_daily WHERE campaign = $1 AND as_of = $2::date",
                [config.campaign, waveDate], operation: "replace attribution_daily")
            try connection.copyIn(
                """
                COPY reactivation.attribution (campaign, as_of, window_days, complete, level, key, n_treatment, n_control,
                  reactivated_treatment, reactivated_control, sales_treatment, sales_control, reactivation_lift,
                  reactivation_ci_low, reactivation_ci_high, sales_per_member_diff, incremental_sales, ci_low, ci_high,
                  cuped_incremental_sales, cuped_ci_low, cuped_ci_high, redemptions, coupon_cost, net_incremental_sales,
                  net_ci_low, net_ci_high, return_per_cost) FROM STDIN (FORMAT binary)
                """, operation: "write attribution"
            ) { writer in
                for row in rows {
                    let estimate = try AttributionEstimate(treatment: row.arms.treatment, control: row.arms.control, confidenceLevel: config.confidence)
                    writer.encoder.beginRow(fieldCount: 28)
                    writer.encoder.append(config.campaign)
                    writer.encoder.appendDate(wave.asOfDay)
                    writer.encoder.append(Int32(config.windowDays))
                    writer.encoder.append(wave.complete)
                    writer.encoder.append(row.level)
                    writer.encoder.append(row.key)
                    writer.encoder.append(row.arms.treatment.count)
                    writer.encoder.append(row.arms.control.count)
                    writer.encoder.append(row.arms.treatment.reactivatedCount)
                    writer.encoder.append(row.arms.control.reactivatedCount)
                    writer.encoder.append(PostgresNumeric(unscaled: row.arms.treatment.sumSalesCents, scale: 2))
                    writer.encoder.append(PostgresNumeric(unscaled: row.arms.control.sumSalesCents, scale: 2))
                    writer.encoder.append(estimate.reactivation.difference)
                    writer.encoder.append(estimate.reactivation.interval?.lower)
                    writer.encoder.append(estimate.reactivation.interval?.upper)
                    writer.encoder.append(estimate.salesPerMember.difference.map { $0 / 100 })
                    writer.encoder.append(estimate.incrementalSalesCents.map { $0 / 100 })
                    writer.encoder.append(estimate.incrementalSalesInterval.map { $0.lower / 100 })
                    writer.encoder.append(estimate.incrementalSalesInterval.map { $0.upper / 100 })
                    writer.encoder.append(estimate.cupedIncrementalSalesCents.map { $0 / 100 })
                    writer.encoder.append(estimate.cupedIncrementalSalesInterval.map { $0.lower / 100 })
                    writer.encoder.append(estimate.cupedIncrementalSalesInterval.map { $0.upper / 100 })
                    writer.encoder.append(estimate.redemptions)
                    writer.encoder.append(PostgresNumeric(unscaled: estimate.couponCostCents, scale: 2))
                    writer.encoder.append(estimate.netIncrementalSalesCents.map { $0 / 100 })
                    writer.encoder.append(estimate.netIncrementalSalesInterval.map { $0.lower / 100 })
                    writer.encoder.append(estimate.netIncrementalSalesInterval.map { $0.upper / 100 })
                    writer.encoder.append(estimate.incrementalSalesPerCouponCost)
                    try writer.rowDone()
                }
            }
            try connection.copyIn(
                "COPY reactivation.attribution_daily (campaign, as_of, day, arm, members, cumulative_sales, cumulative_reactivated) FROM STDIN (FORMAT binary)",
                operation: "write attribution_daily"
            ) { writer in
                for arm in Arm.allCases {
                    let members = arm == .treatment ? statistics.total.treatment.count : statistics.total.control.count
                    var sales: Int64 = 0
                    var reactivated: Int64 = 0
                    for day in 0..<observedDays {
                        sales += statistics.dailySalesCents[arm.rawValue]?[day] ?? 0
                        reactivated += statistics.dailyFirstPurchasers[arm.rawValue]?[day] ?? 0
                        writer.encoder.beginRow(fieldCount: 7)
                        writer.encoder.append(config.campaign)
                        writer.encoder.appendDate(wave.asOfDay)
                        writer.encoder.append(Int32(day + 1))
                        writer.encoder.append(arm.rawValue)
                        writer.encoder.append(members)
                        writer.encoder.appendCents(sales)
                        writer.encoder.append(reactivated)
                        try writer.rowDone()
                    }
                }
            }
        }
    }
}
