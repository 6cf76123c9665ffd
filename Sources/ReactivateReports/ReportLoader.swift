import Foundation
import Postgres
import ReactivateCore
import ReactivatePipeline

/// Reads a campaign's attribution, daily series, funnel and power analysis into a `ReportData`.
///
/// The report shows only what is stored: attribution rows, the daily series and the target stage's
/// stats of the run that issued each wave. Nothing is recomputed, so the report and the tables agree.
/// Of the pipeline module it needs only ``PipelineError`` (exit codes) and ``Identifier`` (the schema name).
public struct ReportLoader {
    let connection: Connection
    let config: PipelineConfig

    public init(connection: Connection, config: PipelineConfig) {
        self.connection = connection
        self.config = config
    }

    public func load(wave: Int32?) throws -> ReportData {
        try Identifier.validate(config.sourceSchema, what: "source.schema")
        let wanted = wave.map(PostgresEpoch.format)
        let waves = try connection.query(ReportQuery.waves(config, wave: wanted), operation: "read waves for the report").map { row in
            (date: try row.decode(0, as: String.self), issuedAt: try row.decodeIfPresent(1, as: String.self) ?? "",
             complete: try row.decodeIfPresent(2, as: Bool.self) ?? false, stats: try row.decode(3, as: String.self),
             coupons: try row.decodeIfPresent(4, as: Int64.self))
        }
        guard !waves.isEmpty else {
            throw PipelineError(
                .configuration,
                "campaign '\(config.campaign)' has no attributed wave\(wanted.map { " on \($0)" } ?? "")",
                fix: "run `reactivate attribute PIPELINE --wave D` first")
        }
        let names = try storeNames()
        var reportWaves: [ReportWave] = []
        for wave in waves {
            let date = wave.date
            let observed = try connection.query(ReportQuery.attribution(config, wave: date), operation: "read attribution for the report")
                .map { try Self.observation($0, names: names) }
            let rows = observed.map(\.row)
            guard let headline = rows.first(where: { $0.level == "campaign" }) else { continue }
            let stats = (try? JSONSerialization.jsonObject(with: Data(wave.stats.utf8))) as? [String: Any] ?? [:]
            var reportWave = ReportWave(
                wave: date, issuedAt: wave.issuedAt, windowDays: config.windowDays, complete: wave.complete,
                confidence: headline.ciLevel ?? config.confidence, headline: headline, stores: rows.filter { $0.level == "store" },
                segments: rows.filter { $0.level == "segment" }.sorted {
                    (ReportLabels.segmentRank($0.key), $0.key) < (ReportLabels.segmentRank($1.key), $1.key)
                }, daily: try daily(wave: date),
                funnel: Self.funnel(stats), power: Self.power(stats, expectedLift: config.expectedLift))
            reportWave.observedThrough = observed.first?.observedThrough
            reportWave.coupons = wave.coupons
            reportWave.parameters = try parameters(wave: date)
            reportWave.diagnostics = try diagnostics(wave: date, stats: stats)
            reportWaves.append(reportWave)
        }
        let now = try connection.query(ReportQuery.now(config), operation: "read the report time").scalar(String.self) ?? ""
        var data = ReportData(campaign: config.campaign, generatedAt: now, waves: reportWaves)
        data.businessTimeZone = config.businessTimeZone
        if wave == nil { data.rollup = try rollup(waves: reportWaves.map(\.wave), names: names) }
        return data
    }

    private func storeNames() throws -> [String: String] {
        var names: [String: String] = [:]
        for row in try connection.query(ReportQuery.storeNames(config), operation: "read store names for the report") {
            guard let id = try row.decodeIfPresent(0, as: String.self) else { continue }
            names[id] = try row.decodeIfPresent(1, as: String.self) ?? id
        }
        return names
    }

    /// One attribution row as the report shows it, with the date it observed through and whether complete.
    /// Store rows are named as stored with them, else as the source names them now; segments get readable labels.
    private static func observation(
        _ r: PostgresRow, names: [String: String]
    ) throws -> (row: ReportAttributionRow, observedThrough: String?, complete: Bool) {
        func int(_ i: Int) throws -> Int64 { try r.decodeIfPresent(i) ?? 0 }
        func double(_ i: Int) throws -> Double? { try r.decodeIfPresent(i) }
        let level = try r.decode(0, as: String.self)
        let key = try r.decode(1, as: String.self)
        let storedName = try r.decodeIfPresent(31, as: String.self)
        let label =
            switch level {
            case "store": storedName ?? names[key] ?? "store \(key)"
            case "segment": ReportLabels.segment(key)
            default: key == "all_waves" ? "All waves" : "All stores"
            }
        var row = ReportAttributionRow(
            level: level, key: key, label: label, nTreatment: try int(2), nControl: try int(3), reactivatedTreatment: try int(4),
            reactivatedControl: try int(5), salesTreatment: try double(6) ?? 0, salesControl: try double(7) ?? 0,
            reactivationLift: try double(8), reactivationCILow: try double(9), reactivationCIHigh: try double(10),
            salesPerMemberDifference: try double(11), incrementalSales: try double(12), ciLow: try double(13), ciHigh: try double(14),
            cupedIncrementalSales: try double(15), cupedCILow: try double(16), cupedCIHigh: try double(17), redemptions: try int(18),
            couponCost: try double(19) ?? 0, netIncrementalSales: try double(20), netCILow: try double(21), netCIHigh: try double(22),
            returnPerCost: try double(23))
        row.returnCILow = try double(24)
        row.returnCIHigh = try double(25)
        row.ciLevel = try double(26)
        row.grossMargin = try double(27)
        row.incrementalProfit = try double(28)
        row.profitCILow = try double(29)
        row.profitCIHigh = try double(30)
        return (row, try r.decodeIfPresent(32, as: String.self), try r.decodeIfPresent(33, as: Bool.self) ?? false)
    }

    private func daily(wave: String) throws -> [ReportDailyPoint] {
        try connection.query(ReportQuery.daily(config, wave: wave), operation: "read daily series for the report").map { r in
            ReportDailyPoint(
                day: try r.decode(0), arm: try r.decode(1), members: try r.decode(2),
                cumulativeSales: try r.decode(3), cumulativeReactivated: try r.decode(4))
        }
    }

    /// The campaign roll-up the attribute stage stored, over the waves up to the one it is stored under.
    private func rollup(waves: [String], names: [String: String]) throws -> ReportRollup? {
        guard let row = try connection.query(ReportQuery.rollup(config), operation: "read the campaign roll-up").first else { return nil }
        let observed = try Self.observation(row, names: names)
        let through = try row.decode(34, as: String.self)
        return ReportRollup(
            waves: waves.filter { $0 <= through }.count, throughWave: through, complete: observed.complete,
            observedThrough: observed.observedThrough, row: observed.row)
    }

    /// The settings the issuing run recorded (its stages' config inputs); the current config where it recorded none.
    private func parameters(wave: String) throws -> ReportParameters {
        var inputs: [String: String] = [:]
        for row in try connection.query(ReportQuery.stageInputs(config, wave: wave), operation: "read the wave's parameters") {
            let text = try row.decode(1, as: String.self)
            let stage = (try? JSONDecoder().decode([String: String].self, from: Data(text.utf8))) ?? [:]
            inputs.merge(stage) { first, _ in first }
        }
        func int(_ key: String) -> Int? { inputs[key].flatMap { Int($0) } }
        func double(_ key: String) -> Double? { inputs[key].flatMap { Double($0) } }
        func yuan(_ key: String) -> Double? { inputs[key].flatMap { Int64($0) }.map { Double($0) / 100 } }
        guard !inputs.isEmpty else {
            return ReportParameters(
                dormantDays: config.dormantDays, radiusMeters: config.radiusMeters, faceValue: Double(config.faceValueCents) / 100,
                minSpend: Double(config.minSpendCents) / 100, validDays: config.validDays, holdoutFraction: config.holdoutFraction,
                cooldownDays: config.cooldownDays, windowDays: config.windowDays, fromCurrentConfig: true)
        }
        return ReportParameters(
            dormantDays: int("dormancy.dormant_days"), radiusMeters: double("target.radius_m"), faceValue: yuan("coupon.face_value"),
            minSpend: yuan("coupon.min_spend"), validDays: int("coupon.valid_days"), holdoutFraction: double("holdout.fraction"),
            cooldownDays: int("target.cooldown_days"), windowDays: int("attribution.window_days") ?? config.windowDays,
            fromCurrentConfig: false)
    }

    /// Holdout balance from the target stage's stats; contamination of the control arm counted now.
    private func diagnostics(wave: String, stats: [String: Any]) throws -> ReportDiagnostics {
        let balance = stats["holdout_balance"] as? [String: Any] ?? [:]
        func number(_ key: String) -> Double? { (balance[key] as? NSNumber)?.doubleValue }
        let counts = try connection.query(ReportQuery.contamination(config, wave: wave), operation: "count control-arm contamination").first
        return ReportDiagnostics(
            balanceChiSquare: number("chi_square"), balanceDegreesOfFreedom: number("degrees_of_freedom").map { Int($0) },
            balancePValue: number("p_value"), controlWithOtherCoupon: try counts?.decodeIfPresent(1, as: Int64.self),
            controlRedeemedOtherCoupon: try counts?.decodeIfPresent(2, as: Int64.self),
            controlMembers: try counts?.decodeIfPresent(0, as: Int64.self))
    }

    static func funnel(_ stats: [String: Any]) -> [ReportFunnelStep] {
        (stats["funnel"] as? [[String: Any]] ?? []).compactMap { step in
            guard let name = step["step"] as? String, let members = (step["members"] as? NSNumber)?.intValue else { return nil }
            return ReportFunnelStep(step: name, members: members)
        }
    }

    static func power(_ stats: [String: Any], expectedLift: Double) -> ReportPower? {
        guard let power = stats["power"] as? [String: Any] else { return nil }
        func number(_ key: String) -> Double? { (power[key] as? NSNumber)?.doubleValue }
        return ReportPower(
            treatment: Int(number("treatment") ?? 0), control: Int(number("control") ?? 0),
            baselineRate: number("baseline_reactivation_rate") ?? 0, mdeReactivationRate: number("mde_reactivation_rate"),
            mdeSalesPerMember: number("mde_sales_per_member"), expectedLift: expectedLift, warning: power["warning"] as? String)
    }
}
