import ArgumentParser
import Foundation
import Logging
import ReactivateCore
import ReactivatePipeline

extension StageName: ExpressibleByArgument {}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline as of a date: extract → score → target → issue → attribute.",
        discussion: """
            Re-running the same campaign and date resumes: stages that already succeeded from the same
            inputs (config keys they read, as-of date, upstream results) are reused, the others run again
            (their artifacts are verified first). Exit code 75 means another run of the campaign holds
            the lock; retry later.
            """)

    @OptionGroup var global: GlobalOptions

    @Argument(help: "Pipeline config file, e.g. pipelines/spring-wakeup.toml.") var pipeline: String
    @Option(name: .customLong("as-of"), help: "The run date D (YYYY-MM-DD, or `today` in the business time zone): only data before D 00:00 there counts.")
    var asOf: AsOfArgument
    @Option(help: "Comma-separated stages to run (default: all).", transform: { text in
        try text.split(separator: ",").map { name in
            guard let stage = StageName(rawValue: String(name).trimmingCharacters(in: .whitespaces)) else {
                throw ValidationError("unknown stage '\(name)'; stages are \(StageName.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return stage
        }
    })
    var stages: [StageName]?
    @Option(name: .customLong("from"), help: "Run from this stage to the end.") var fromStage: StageName?
    @Flag(name: .customLong("dry-run"), help: "Compute and report everything, write no coupon.") var dryRun = false
    @Flag(help: "Redo stages that already succeeded.") var force = false
    @Option(help: "Parallel slices of the member-id space (connections).") var slices: Int = 2
    @Option(help: "Shards of a member-sharded source read at once, each from its own server (two connections each).")
    var jobs: Int = 2
    @Option(name: .customLong("issue-at"), help: ArgumentHelp(
        "Pin the wave's issue time (ISO 8601 with zone, e.g. 2026-11-01T10:00:00+08:00) for reproducible demos and replays.",
        valueName: "timestamp"))
    var issueAt: String?

    func validate() throws {
        guard (1...64).contains(slices) else { throw ValidationError("--slices must be 1…64") }
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1…64") }
        if stages != nil && fromStage != nil { throw ValidationError("use either --stages or --from, not both") }
        if let issueAt, IssueTime.parse(issueAt) == nil {
            throw ValidationError("--issue-at must be an ISO 8601 timestamp with a zone, e.g. 2026-11-01T10:00:00+08:00; got '\(issueAt)'")
        }
    }

    func run() throws {
        var logger = try global.makeLogger()
        let (config, text) = try PipelineFile.load(pipeline)
        var selected = stages
        if let fromStage {
            selected = Array(StageName.allCases.drop(while: { $0 != fromStage }))
        }
        logger[metadataKey: "pipeline"] = "\(pipeline)"
        SignalHandling.install()
        let runner = PipelineRunner(connectionString: global.connectionString, logger: logger)
        var request = PipelineRunner.Request(
            config: config, configText: text, asOf: asOf.value, mode: dryRun ? .dryRun : .live,
            stages: selected, force: force, issueAt: issueAt.flatMap(IssueTime.parse), sliceCount: slices)
        request.jobs = jobs
        let outcome = try runner.run(request)
        print("run \(outcome.runId): \(config.campaign) as of \(outcome.asOf)")
        for report in outcome.reports {
            if report.skipped {
                print("  \(report.stage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) already done (skipped)")
                continue
            }
            guard let result = report.result else { continue }
            print("  \(report.stage.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)) \(result.rowsIn) in, \(result.rowsOut) out, \(String(format: "%.2f", report.seconds)) s")
            print(StageSummary.render(report.stage, result.stats))
        }
    }
}
