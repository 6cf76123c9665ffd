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
            is still open (rows are then marked complete = false). Each attribution is kept as an observation
            through its --as-of date: a later one never replaces an earlier one, re-running the same date
            replaces only itself, and a complete window's first numbers are final. --as-of after today is refused.
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
            config: config, configText: text, asOf: asOf.value, mode: .live, stages: [.attribute], force: true,
            attributeWave: waveDay))
        guard let stats = outcome.reports.first?.result?.stats else { return }
        print(AttributionSummary.render(campaign: config.campaign, stats: stats))
    }
}
