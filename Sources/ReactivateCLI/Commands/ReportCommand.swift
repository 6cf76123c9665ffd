import ArgumentParser
import Foundation
import ReactivateCore
import ReactivatePipeline
import ReactivateReports

extension ReportFormat: ExpressibleByArgument {}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write the analyst report of a campaign's attributed waves: html (self-contained), csv or md.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Pipeline config file.") var pipeline: String
    @Option(help: "Only this wave (YYYY-MM-DD); default every attributed wave.") var wave: String?
    @Option(help: "html, csv or md.") var format: ReportFormat = .html
    @Option(help: "Output file; '-' for stdout.") var out: String

    func validate() throws {
        if let wave, PostgresEpoch.parseDate(wave) == nil { throw ValidationError("--wave must be a date like 2026-11-01") }
    }

    func run() throws {
        _ = try global.makeLogger()
        let (config, _) = try PipelineFile.load(pipeline)
        let data = try ReportLoader(connection: try global.connect(), config: config).load(wave: wave.flatMap(PostgresEpoch.parseDate))
        let text = ReportRenderer.render(data, as: format)
        if out == "-" {
            print(text, terminator: "")
            return
        }
        try ReportFile.write(text, to: out)
        print("report written: \(out) (\(data.waves.count) wave(s), \(format.rawValue))")
    }
}
