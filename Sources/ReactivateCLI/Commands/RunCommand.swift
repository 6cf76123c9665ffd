import ArgumentParser
import Foundation
import Logging
import ReactivateCore
import ReactivatePipeline

/// Loads a pipeline config file, turning every problem into a configuration error (exit 2).
enum PipelineFile {
    static func load(_ path: String) throws -> (config: PipelineConfig, text: String) {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw PipelineError(.configuration, "cannot read pipeline config \(path): \(error.localizedDescription)",
                fix: "pass the path of a TOML file such as pipelines/spring-wakeup.toml")
        }
        return (try PipelineConfig.load(text: text, fileName: path), text)
    }
}

extension StageName: ExpressibleByArgument {}

/// `--as-of`: a date parsed once at the edge, or `today`, which the run plan resolves in the business
/// time zone (the host's zone never decides which day it is).
enum AsOfArgument: ExpressibleByArgument, Sendable {
    case day(CalendarDay)
    case today

    init?(argument: String) {
        if argument == "today" { self = .today; return }
        guard let day = CalendarDay(parsing: argument) else { return nil }
        self = .day(day)
    }

    static var defaultCompletionKind: CompletionKind { .default }
}

extension PipelineRunner.Request {
    init(
        config: PipelineConfig, configText: String, asOf: AsOfArgument, mode: RunMode = .live, stages: [StageName]? = nil,
        force: Bool = false, issueAt: Int64? = nil, sliceCount: Int = 2, attributeWave: Int32? = nil
    ) {
        let day: Int32
        switch asOf {
        case .day(let value): day = value.number
        case .today: day = 0
        }
        self.init(
            config: config, configText: configText, asOfDay: day, mode: mode, stages: stages, force: force, issueAt: issueAt,
            sliceCount: sliceCount, attributeWave: attributeWave)
        if case .today = asOf { asOfToday = true }
    }
}

struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run a pipeline as of a date: extract → score → target → issue → attribute.",
        discussion: """
            Re-running the same campaign and date resumes: stages that already succeeded are skipped
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
    @Option(name: .customLong("issue-at"), help: ArgumentHelp(
        "Pin the wave's issue time (ISO 8601 with zone, e.g. 2026-11-01T10:00:00+08:00) for reproducible demos and replays.",
        valueName: "timestamp"))
    var issueAt: String?

    func validate() throws {
        guard (1...64).contains(slices) else { throw ValidationError("--slices must be 1…64") }
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
        let outcome = try runner.run(PipelineRunner.Request(
            config: config, configText: text, asOf: asOf, mode: dryRun ? .dryRun : .live,
            stages: selected, force: force, issueAt: issueAt.flatMap(IssueTime.parse), sliceCount: slices))
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

/// Short human summaries of a stage's stats for stdout.
enum StageSummary {
    static func render(_ stage: StageName, _ stats: [String: JSONValue]) -> String {
        stats.keys.sorted().map { key in "      \(key): \(format(stats[key] ?? .null))" }.joined(separator: "\n")
    }

    static func format(_ value: JSONValue) -> String {
        switch value {
        case .integer(let number): return String(number)
        case .number(let number): return String(format: "%.6g", number)
        case .string(let text): return text
        case .bool(let flag): return String(flag)
        case .null: return "–"
        case .array(let values): return "[" + values.map(format).joined(separator: ", ") + "]"
        case .object(let object): return "{" + object.keys.sorted().map { "\($0): \(format(object[$0] ?? .null))" }.joined(separator: ", ") + "}"
        }
    }
}

/// `--issue-at` values: ISO 8601 with an explicit zone, to microseconds since 2000-01-01 UTC.
enum IssueTime {
    static func parse(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var date = formatter.date(from: text)
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = formatter.date(from: text)
        }
        guard let date else { return nil }
        return Int64(((date.timeIntervalSince1970 - 946_684_800) * 1_000_000).rounded())
    }
}
