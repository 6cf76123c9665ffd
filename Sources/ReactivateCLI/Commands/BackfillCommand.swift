import ArgumentParser
import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import ReactivatePipeline
import Synchronization

struct BackfillCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Replay past dates point-in-time: extract, score, target and attribute, never issuing coupons.",
        discussion: """
            Each date runs in `backfill` mode with the same holdout assignment a live run would use, so a
            backfilled date gives the numbers a live run on that date would have given. Resumable: dates
            already done are skipped (use --force to redo them). --jobs runs dates in parallel.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Pipeline config file.") var pipeline: String
    @Option(name: .customLong("from"), help: "First date (YYYY-MM-DD).") var from: String
    @Option(name: .customLong("to"), help: "Last date (YYYY-MM-DD), inclusive.") var to: String
    @Option(help: "Step between dates, in days: 7d or 7.") var every: String = "7d"
    @Option(help: "Dates run in parallel (each with its own connections).") var jobs: Int = 1
    @Flag(help: "Redo dates that already succeeded.") var force = false

    var stepDays: Int? {
        let digits = every.hasSuffix("d") ? String(every.dropLast()) : every
        guard let days = Int(digits), days >= 1 else { return nil }
        return days
    }

    func validate() throws {
        guard let first = PostgresEpoch.parseDate(from), let last = PostgresEpoch.parseDate(to) else {
            throw ValidationError("--from and --to must be dates like 2026-01-05")
        }
        guard first <= last else { throw ValidationError("--from must not be after --to") }
        guard stepDays != nil else { throw ValidationError("--every must be a number of days like 7d, got '\(every)'") }
        guard (1...16).contains(jobs) else { throw ValidationError("--jobs must be 1…16") }
    }

    func run() throws {
        let logger = try global.makeLogger()
        let (config, text) = try PipelineFile.load(pipeline)
        guard let first = PostgresEpoch.parseDate(from), let last = PostgresEpoch.parseDate(to), let step = stepDays else {
            throw ValidationError("bad dates")
        }
        let dates = Array(stride(from: first, through: last, by: step))
        SignalHandling.install()
        let connectionString = global.connectionString
        let done = try RunLedger(connection: Postgres.Connection(connectionString)).succeededDates(campaign: config.campaign, mode: .backfill)
        let queue = Mutex(dates.filter { force || !done.contains(PostgresEpoch.format($0)) })
        let skipped = dates.count - queue.withLock { $0.count }
        let failures = Mutex<[(String, String)]>([])
        let finished = Mutex<[String]>([])
        let slices = max(1, 2 / jobs)
        DispatchQueue.concurrentPerform(iterations: jobs) { _ in
            while let day = queue.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
                if Cancellation.shared.isCancelled { return }
                var dateLogger = logger
                dateLogger[metadataKey: "backfill.date"] = "\(PostgresEpoch.format(day))"
                do {
                    _ = try PipelineRunner(connectionString: connectionString, logger: dateLogger).run(PipelineRunner.Request(
                        config: config, configText: text, asOf: .day(CalendarDay(day)), mode: .backfill,
                        stages: [.extract, .score, .target, .attribute], force: force, sliceCount: slices))
                    finished.withLock { $0.append(PostgresEpoch.format(day)) }
                } catch {
                    failures.withLock { $0.append((PostgresEpoch.format(day), String(describing: error))) }
                }
            }
        }
        let ran = finished.withLock { $0.sorted() }
        print("backfill \(config.campaign): \(ran.count) date(s) run, \(skipped) already done\(ran.isEmpty ? "" : ": " + ran.joined(separator: ", "))")
        let failed = failures.withLock { $0.sorted { $0.0 < $1.0 } }
        if !failed.isEmpty {
            for (date, error) in failed { StandardError.write("backfill \(date) failed: \(error)") }
            throw PipelineError(.runtime, "\(failed.count) backfill date(s) failed", fix: "fix the cause and re-run the same backfill: finished dates are skipped")
        }
    }
}
