import ArgumentParser
import Postgres
import ReactivateCore
import ReactivatePipeline

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline config and the source tables' columns and types without running anything.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Pipeline config file.") var pipeline: String

    func run() throws {
        _ = try global.makeLogger()
        let (config, _) = try PipelineFile.load(pipeline)
        print("config \(pipeline): ok (campaign '\(config.campaign)')")
        let connection = try global.connect()
        let timeZoneKnown = try connection.query("SELECT count(*) FROM pg_timezone_names WHERE name = $1", [config.businessTimeZone]).scalar
        var problems = try SourceContract.problems(connection, schema: config.sourceSchema)
        if timeZoneKnown == "0" {
            problems.append("source.business_timezone '\(config.businessTimeZone)' is not a time zone the server knows (e.g. Asia/Shanghai)")
        }
        if try connection.query("SELECT to_regclass('reactivation.stage_runs') IS NULL").scalar == "t" {
            problems.append("the reactivation schema is missing: run `reactivate migrate`")
        }
        guard problems.isEmpty else {
            throw PipelineError(.configuration, "\(problems.count) problem(s) with the source for \(pipeline):\n  - " + problems.joined(separator: "\n  - "))
        }
        print("source schema '\(config.sourceSchema)': every relation, column and type matches the contract")
    }
}
