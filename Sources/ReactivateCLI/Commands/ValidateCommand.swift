import ArgumentParser
import Foundation
import Postgres
import ReactivateCore
import ReactivatePipeline

struct ValidateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a pipeline config, the source's relations, columns and types, and the data tests on its rows, without running anything.",
        discussion: """
            The data tests are the ones every live run's preflight runs: unique members and (member, channel) \
            pairs, channel values of the contract, coordinates, a latitude/longitude swap, the median basket \
            (amounts in cents), transactions of unknown members, and freshness judged as for a live run as of \
            --as-of. Errors exit 2; warnings are printed and exit 0.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Pipeline config file.") var pipeline: String
    @Option(name: .customLong("as-of"), help: "The run date D (YYYY-MM-DD or 'today') whose cut-off the freshness test uses. Default: today in the business time zone.")
    var asOf: String?

    func validate() throws {
        if let asOf, AsOfArgument(argument: asOf) == nil {
            throw ValidationError("--as-of must be a date like 2026-11-01 or 'today', got '\(asOf)'")
        }
    }

    func run() throws {
        _ = try global.makeLogger()
        let (config, _) = try PipelineFile.load(pipeline)
        print("config \(pipeline): ok (campaign '\(config.campaign)')")
        let connection = try global.connect()
        let timeZoneKnown = try connection.query(
            "SELECT EXISTS (SELECT 1 FROM pg_timezone_names WHERE name = \(config.businessTimeZone))", operation: "check the time zone"
        ).scalar(Bool.self) ?? false
        var problems = try SourceContract.problems(connection, schema: config.sourceSchema)
        if !timeZoneKnown {
            problems.append("source.business_timezone '\(config.businessTimeZone)' is not a time zone the server knows (e.g. Asia/Shanghai)")
        }
        if try connection.query("SELECT to_regclass('reactivation.stage_runs') IS NULL").scalar(Bool.self) == true {
            problems.append("the reactivation schema is missing: run `reactivate migrate`")
        }
        guard problems.isEmpty else {
            throw PipelineError(.configuration, "\(problems.count) problem(s) with the source for \(pipeline):\n  - " + problems.joined(separator: "\n  - "))
        }
        print("source schema '\(config.sourceSchema)': every relation, column and type matches the contract")
        // The cut-off is the run plan's, resolved exactly as a live run as of that date resolves it.
        let day = asOf.flatMap(AsOfArgument.init(argument:)) ?? .today
        let plan = try RunPlan.resolve(
            PipelineRunner.Request(config: config, configText: "", asOf: day.value, mode: .live, stages: [.extract]), connection: connection)
        // On a member-sharded source the tests read what they can on the shard servers, as the extract does.
        var options = SourceCheckOptions()
        if case .sharded(let map) = try ShardCatalog.layout(connection, config: config) {
            print("source is sharded (\(map.provider.rawValue)): \(map.shards.count) shards, read on their own servers")
            options = try SourceChecks.options(for: map, plan: plan, coordinator: global.connectionString)
        }
        let report = try SourceChecks.inspect(connection, plan: plan, options: options)
        for finding in report.findings {
            print("\(finding.severity.rawValue): \(finding)")
        }
        print(
            "source data as of cut-off \(report.cutoff): \(report.checked.count) data tests ran"
                + String(format: " in %.2f s", report.seconds)
                + ", \(report.errors.count) error(s), \(report.warnings.count) warning(s)")
        try report.requireNoErrors(schema: config.sourceSchema)
    }
}
