import Foundation
import ReactivatePipeline

/// The headline of an attribution for stdout: what the campaign caused, with its uncertainty.
enum AttributionSummary {
    static func render(campaign: String, stats: [String: JSONValue]) -> String {
        guard case .object(let waves)? = stats["waves"], !waves.isEmpty else {
            return "\(campaign): no issued wave to attribute before the as-of date"
        }
        var lines: [String] = []
        for wave in waves.keys.sorted() {
            guard let value = waves[wave] else { continue }
            func number(_ key: String) -> Double? {
                switch value[key] {
                case .number(let number)?: number
                case .integer(let number)?: Double(number)
                default: nil
                }
            }
            func money(_ key: String) -> String { number(key).map { String(format: "%.0f", $0) } ?? "n/a" }
            let complete = value["complete"] == .bool(true) ? "complete" : "window still open"
            lines.append("\(campaign) wave \(wave) (\(complete)): \(Int(number("n_treatment") ?? 0)) treated, \(Int(number("n_control") ?? 0)) control")
            lines.append("  incremental sales      \(money("incremental_sales")) yuan  (95% CI \(money("ci_low")) … \(money("ci_high")))")
            lines.append("  CUPED-adjusted         \(money("cuped_incremental_sales")) yuan")
            lines.append("  coupon cost            \(money("coupon_cost")) yuan over \(Int(number("redemptions") ?? 0)) redemptions")
            lines.append("  net incremental sales  \(money("net_incremental_sales")) yuan")
            if let lift = number("reactivation_lift") {
                lines.append("  reactivation lift      \(String(format: "%+.2f", lift * 100)) percentage points")
            }
        }
        return lines.joined(separator: "\n")
    }
}
