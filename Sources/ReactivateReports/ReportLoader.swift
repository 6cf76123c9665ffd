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
        let waves = try connection.query(
            """
            SELECT w.as_of::text, to_char(w.issued_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"'),
                   bool_or(a.complete), coalesce(t.stats::text, '{}')
            FROM reactivation.waves w
            JOIN reactivation.attribution a ON a.campaign = w.campaign AND a.as_of = w.as_of AND a.window_days = \(config.windowDays)
            LEFT JOIN reactivation.stage_runs t ON t.run_id = w.run_id AND t.stage = 'target'
            WHERE w.campaign = \(config.campaign) AND (\(wave.map(PostgresEpoch.format))::date IS NULL OR w.as_of = \(wave.map(PostgresEpoch.format))::date)
            GROUP BY w.as_of, w.issued_at, t.stats ORDER BY w.as_of
            """, operation: "read waves for the report"
        ).map { row in
            (date: try row.decode(0, as: String.self), issuedAt: try row.decodeIfPresent(1, as: String.self) ?? "",
             complete: try row.decodeIfPresent(2, as: Bool.self) ?? false, stats: try row.decode(3, as: String.self))
        }
        guard !waves.isEmpty else {
            throw PipelineError(
                .configuration,
                "campaign '\(config.campaign)' has no attributed wave\(wave.map { " on \(PostgresEpoch.format($0))" } ?? "")",
                fix: "run `reactivate attribute PIPELINE --wave D` first")
        }
        let names = try storeNames()
        var reportWaves: [ReportWave] = []
        for wave in waves {
            let date = wave.date
            let rows = try attributionRows(wave: date, names: names)
            guard let headline = rows.first(where: { $0.level == "campaign" }) else { continue }
            let stats = (try? JSONSerialization.jsonObject(with: Data(wave.stats.utf8))) as? [String: Any] ?? [:]
            reportWaves.append(ReportWave(
                wave: date, issuedAt: wave.issuedAt, windowDays: config.windowDays, complete: wave.complete,
                confidence: config.confidence, headline: headline, stores: rows.filter { $0.level == "store" },
                segments: rows.filter { $0.level == "segment" }, daily: try daily(wave: date),
                funnel: Self.funnel(stats), power: Self.power(stats, expectedLift: config.expectedLift)))
        }
        let now = try connection.query(
            "SELECT to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')", operation: "read the report time"
        ).scalar(String.self) ?? ""
        return ReportData(campaign: config.campaign, generatedAt: now, waves: reportWaves)
    }

    private func storeNames() throws -> [String: String] {
        var names: [String: String] = [:]
        for row in try connection.query(
            "SELECT store_id::text, name FROM \(identifier: config.sourceSchema).stores", operation: "read store names for the report")
        {
            guard let id = try row.decodeIfPresent(0, as: String.self) else { continue }
            names[id] = try row.decodeIfPresent(1, as: String.self) ?? id
        }
        return names
    }

    private func attributionRows(wave: String, names: [String: String]) throws -> [ReportAttributionRow] {
        try connection.query(
            """
            SELECT level, key, n_treatment, n_control, reactivated_treatment, reactivated_control, sales_treatment, sales_control,
                   reactivation_lift, reactivation_ci_low, reactivation_ci_high, sales_per_member_diff,
                   incremental_sales, ci_low, ci_high, cuped_incremental_sales, cuped_ci_low, cuped_ci_high,
                   redemptions, coupon_cost, net_incremental_sales, net_ci_low, net_ci_high, return_per_cost
            FROM reactivation.attribution
            WHERE campaign = \(config.campaign) AND as_of = \(wave)::date AND window_days = \(config.windowDays)
              AND mode = 'live' AND key <> 'all_waves' AND observed_through = \(latestObservation(wave: wave))
            ORDER BY level, key
            """, operation: "read attribution for the report"
        ).map { r in
            func int(_ i: Int) throws -> Int64 { try r.decodeIfPresent(i) ?? 0 }
            func double(_ i: Int) throws -> Double? { try r.decodeIfPresent(i) }
            let level = try r.decode(0, as: String.self)
            let key = try r.decode(1, as: String.self)
            let label = level == "store" ? (names[key] ?? "store \(key)") : key
            return ReportAttributionRow(
                level: level, key: key, label: label, nTreatment: try int(2), nControl: try int(3), reactivatedTreatment: try int(4),
                reactivatedControl: try int(5), salesTreatment: try double(6) ?? 0, salesControl: try double(7) ?? 0,
                reactivationLift: try double(8), reactivationCILow: try double(9), reactivationCIHigh: try double(10),
                salesPerMemberDifference: try double(11), incrementalSales: try double(12), ciLow: try double(13), ciHigh: try double(14),
                cupedIncrementalSales: try double(15), cupedCILow: try double(16), cupedCIHigh: try double(17), redemptions: try int(18),
                couponCost: try double(19) ?? 0, netIncrementalSales: try double(20), netCILow: try double(21), netCIHigh: try double(22),
                returnPerCost: try double(23))
        }
    }

    private func daily(wave: String) throws -> [ReportDailyPoint] {
        try connection.query(
            """
            SELECT day, arm, members, cumulative_sales, cumulative_reactivated FROM reactivation.attribution_daily
            WHERE campaign = \(config.campaign) AND as_of = \(wave)::date AND mode = 'live'
              AND observed_through = \(latestObservation(wave: wave))
            ORDER BY arm, day
            """, operation: "read daily series for the report"
        ).map { r in
            ReportDailyPoint(
                day: try r.decode(0), arm: try r.decode(1), members: try r.decode(2),
                cumulativeSales: try r.decode(3), cumulativeReactivated: try r.decode(4))
        }
    }

    /// The date of the wave's latest live observation: the report shows what analysts' views show.
    private func latestObservation(wave: String) -> SQL {
        """
        (SELECT max(observed_through) FROM reactivation.attribution
         WHERE campaign = \(config.campaign) AND as_of = \(wave)::date AND mode = 'live' AND level = 'campaign' AND key = 'all')
        """
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
