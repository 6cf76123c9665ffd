import ArgumentParser
import Foundation
import Logging
import Postgres
import ReactivateCore
import ReactivatePipeline

struct AttributeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attribute",
        abstract: "Measure a wave's incremental sales against its holdout (treatment vs control, with CIs).",
        discussion: """
            Outcomes are counted over window_days from the wave's issue time, cut at --as-of while the window
            is still open (rows are then marked complete = false). Results replace the wave's earlier
            attribution atomically; re-running gives identical rows.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Pipeline config file.") var pipeline: String
    @Option(help: "The wave's as-of date (YYYY-MM-DD).") var wave: String
    @Option(name: .customLong("as-of"), help: "Observe outcomes up to this date's midnight (YYYY-MM-DD or `today`, the default, in the business time zone; never later).")
    var asOf: AsOfArgument = .today

    func validate() throws {
        guard PostgresEpoch.parseDate(wave) != nil else { throw ValidationError("--wave must be a date like 2026-11-01") }
    }

    func run() throws {
        let logger = try global.makeLogger()
        let (config, text) = try PipelineFile.load(pipeline)
        guard let waveDay = PostgresEpoch.parseDate(wave) else { throw ValidationError("bad --wave") }
        SignalHandling.install()
        let runner = PipelineRunner(connectionString: global.connectionString, logger: logger)
        let outcome = try runner.run(PipelineRunner.Request(
            config: config, configText: text, asOf: asOf, mode: .live, stages: [.attribute], force: true,
            attributeWave: waveDay))
        guard let stats = outcome.reports.first?.result?.stats else { return }
        print(AttributionSummary.render(campaign: config.campaign, stats: stats))
    }
}

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
