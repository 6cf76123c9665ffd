import Foundation

/// The report's numbers as one RFC 4180 table, for spreadsheets and scripts.
///
/// Every row has every column; a `section` column says which part of the report the row belongs to
/// (campaign — the all-waves roll-up, headline, store, segment, daily, funnel, power) and the columns that do not apply stay empty,
/// as do estimates that are not estimable. Machine precision: 2 decimals for yuan,
/// 4 for rates and ratios, no thousands separators, CRLF line ends as the RFC asks.
enum ReportCSV {
    /// Column order of the file; names are snake_case and stable, so scripts can rely on them.
    static let columns = [
        "section", "campaign", "generated_at", "wave", "issued_at", "window_days", "window_complete", "confidence",
        "level", "key", "label",
        "n_treatment", "n_control", "reactivated_treatment", "reactivated_control",
        "reactivation_rate_treatment", "reactivation_rate_control",
        "reactivation_lift", "reactivation_ci_low", "reactivation_ci_high",
        "reactivated_above_control", "reactivated_above_control_ci_low", "reactivated_above_control_ci_high",
        "sales_treatment", "sales_control", "sales_per_member_difference",
        "incremental_sales", "ci_low", "ci_high",
        "cuped_incremental_sales", "cuped_ci_low", "cuped_ci_high",
        "redemptions", "coupon_cost", "net_incremental_sales", "net_ci_low", "net_ci_high", "return_per_cost",
        "return_ci_low", "return_ci_high", "ci_level", "gross_margin", "incremental_profit", "profit_ci_low", "profit_ci_high",
        "redemption_rate", "observed_through", "coupons",
        "day", "arm", "members", "cumulative_sales", "cumulative_sales_per_member",
        "cumulative_reactivated", "cumulative_reactivation_rate",
        "step", "step_order",
        "baseline_rate", "mde_reactivation_rate", "mde_sales_per_member", "expected_lift", "warning",
    ]

    static func document(_ data: ReportData) -> String {
        var lines = [line(columns)]
        if let rollup = data.rollup {
            var fields = attribution(rollup.row)
            fields.merge(["campaign": data.campaign, "generated_at": data.generatedAt, "wave": rollup.throughWave,
                          "window_complete": rollup.complete ? "true" : "false", "observed_through": rollup.observedThrough ?? "",
                          "section": "campaign"]) { _, new in new }
            lines.append(line(columns.map { fields[$0] ?? "" }))
        }
        for wave in data.waves {
            let context: [String: String] = [
                "campaign": data.campaign, "generated_at": data.generatedAt, "wave": wave.wave,
                "issued_at": wave.issuedAt, "window_days": String(wave.windowDays),
                "window_complete": wave.complete ? "true" : "false",
                "confidence": ReportNumber.fixed(wave.confidence, 4) ?? "",
                "observed_through": wave.observedThrough ?? "",
            ]
            func emit(_ section: String, _ fields: [String: String]) {
                let values = context.merging(fields) { _, new in new }.merging(["section": section]) { _, new in new }
                lines.append(line(columns.map { values[$0] ?? "" }))
            }
            emit("headline", attribution(wave.headline).merging(["coupons": wave.coupons.map { String($0) } ?? ""]) { _, new in new })
            for row in ReportFacts.sortedByIncrementalSales(wave.stores) { emit("store", attribution(row)) }
            for row in wave.segments { emit("segment", attribution(row)) }
            for day in ReportFacts.days(wave.daily) {
                for point in [day.treatment, day.control].compactMap({ $0 }) { emit("daily", daily(point)) }
            }
            for (index, step) in wave.funnel.enumerated() {
                emit("funnel", ["step": step.step, "step_order": String(index + 1), "members": String(step.members)])
            }
            if let power = wave.power { emit("power", self.power(power)) }
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    private static func attribution(_ row: ReportAttributionRow) -> [String: String] {
        let aboveCI = ReportFacts.reactivatedAboveControlInterval(row)
        return [
            "level": row.level, "key": row.key, "label": row.label,
            "n_treatment": String(row.nTreatment), "n_control": String(row.nControl),
            "reactivated_treatment": String(row.reactivatedTreatment), "reactivated_control": String(row.reactivatedControl),
            "reactivation_rate_treatment": rate(ReportFacts.rate(row.reactivatedTreatment, of: row.nTreatment)),
            "reactivation_rate_control": rate(ReportFacts.rate(row.reactivatedControl, of: row.nControl)),
            "reactivation_lift": rate(row.reactivationLift),
            "reactivation_ci_low": rate(row.reactivationCILow), "reactivation_ci_high": rate(row.reactivationCIHigh),
            "reactivated_above_control": yuan(ReportFacts.reactivatedAboveControl(row)),
            "reactivated_above_control_ci_low": yuan(aboveCI.low), "reactivated_above_control_ci_high": yuan(aboveCI.high),
            "sales_treatment": yuan(row.salesTreatment), "sales_control": yuan(row.salesControl),
            "sales_per_member_difference": rate(row.salesPerMemberDifference),
            "incremental_sales": yuan(row.incrementalSales), "ci_low": yuan(row.ciLow), "ci_high": yuan(row.ciHigh),
            "cuped_incremental_sales": yuan(row.cupedIncrementalSales),
            "cuped_ci_low": yuan(row.cupedCILow), "cuped_ci_high": yuan(row.cupedCIHigh),
            "redemptions": String(row.redemptions), "coupon_cost": yuan(row.couponCost),
            "net_incremental_sales": yuan(row.netIncrementalSales),
            "net_ci_low": yuan(row.netCILow), "net_ci_high": yuan(row.netCIHigh),
            "return_per_cost": rate(row.returnPerCost),
            "return_ci_low": rate(row.returnCILow), "return_ci_high": rate(row.returnCIHigh),
            "ci_level": ReportNumber.fixed(row.ciLevel, 4) ?? "", "gross_margin": ReportNumber.fixed(row.grossMargin, 4) ?? "",
            "incremental_profit": yuan(row.incrementalProfit), "profit_ci_low": yuan(row.profitCILow),
            "profit_ci_high": yuan(row.profitCIHigh),
            "redemption_rate": rate(ReportFacts.rate(row.redemptions, of: row.nTreatment)),
        ]
    }

    private static func daily(_ point: ReportDailyPoint) -> [String: String] {
        [
            "day": String(point.day), "arm": point.arm, "members": String(point.members),
            "cumulative_sales": yuan(point.cumulativeSales),
            "cumulative_sales_per_member": rate(ReportDay.salesPerMember(point)),
            "cumulative_reactivated": String(point.cumulativeReactivated),
            "cumulative_reactivation_rate": rate(ReportDay.reactivationRate(point)),
        ]
    }

    private static func power(_ power: ReportPower) -> [String: String] {
        [
            "n_treatment": String(power.treatment), "n_control": String(power.control),
            "baseline_rate": rate(power.baselineRate), "mde_reactivation_rate": rate(power.mdeReactivationRate),
            "mde_sales_per_member": rate(power.mdeSalesPerMember), "expected_lift": rate(power.expectedLift),
            "warning": power.warning ?? "",
        ]
    }

    /// One record: every field quoted as RFC 4180 asks; the only place CSV quoting happens.
    static func line(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }

    /// One RFC 4180 field: quoted (with quotes doubled) only when it holds a comma, quote, CR or LF.
    static func field(_ text: String) -> String {
        let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Yuan and member counts that can be fractional: 2 decimals, empty when not estimable.
    private static func yuan(_ value: Double?) -> String { ReportNumber.fixed(value, 2) ?? "" }
    /// Rates, differences of rates, per-member amounts and ratios: 4 decimals, empty when not estimable.
    private static func rate(_ value: Double?) -> String { ReportNumber.fixed(value, 4) ?? "" }
}
