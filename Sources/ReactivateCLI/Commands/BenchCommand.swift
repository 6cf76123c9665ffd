import ArgumentParser
import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import ReactivatePipeline

/// One measurement per process, so peak memory (ru_maxrss) belongs to exactly one thing.
///
/// `make bench` runs each of these in its own process and prints the table and ratios.
struct BenchCommand: ParsableCommand {
    /// This process's peak resident memory so far (ru_maxrss).
    static func peakMegabytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }

    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure one thing and print it as a JSON line (used by `make bench`).",
        shouldDisplay: false)

    enum Subject: String, ExpressibleByArgument, CaseIterable {
        /// COPY of every transaction's (member_id, occurred_at, amount), read and discarded: the floor.
        case floor
        case extract, score, fit, target, issue, attribute
        /// extract → score → target → issue as one live run, as cron runs them (issue 15's "extract → issue").
        case run
    }

    @OptionGroup var global: GlobalOptions
    @Argument(help: "What to measure: floor, extract, score, fit, target, issue, attribute or run (extract through issue).")
    var subject: Subject
    @Argument(help: "Pipeline config file.") var pipeline: String
    @Option(name: .customLong("as-of")) var asOf: String
    @Option(help: "Shards read at once by a sharded extract (as `run --jobs`); peak memory follows it.")
    var jobs = 2

    func run() throws {
        let logger = try global.makeLogger()
        let (config, text) = try PipelineFile.load(pipeline)
        guard let asOfDay = PostgresEpoch.parseDate(asOf) else { throw ValidationError("bad --as-of") }
        var started = DispatchTime.now()
        var rows = 0
        /// A digest of the extract artifact's columns: `make bench` compares it across table layouts.
        var checksum = ""
        var ended: DispatchTime?
        /// For issue: the coupons written and the seconds spent writing them with their outbox rows and skips.
        var extra = ""
        /// Taken before the extract's artifact is read back for its digest.
        var extractPeakMB: Double?
        switch subject {
        case .floor:
            let connection = try global.connect()
            rows = try connection.copyOut(
                "COPY (SELECT member_id, occurred_at, amount FROM \(identifier: config.sourceSchema).transactions) TO STDOUT (FORMAT binary)",
                fieldCount: 3
            ) { _ in }
        case .fit:
            rows = try ScoreStage.benchmarkFit(config: config, asOfDay: asOfDay, artifactDirectory: config.artifactDir)
        default:
            let stages: [StageName]
            if subject == .run {
                stages = [.extract, .score, .target, .issue]
            } else if let stage = StageName(rawValue: subject.rawValue) {
                stages = [stage]
            } else {
                throw ValidationError("unknown subject")
            }
            if stages.contains(.issue) || stages.contains(.target) {
                // Issuing is exactly-once: forget the benchmark wave so every measurement issues it anew
                // (and targets it anew: an issued wave's targets are frozen, and are not rewritten).
                let connection = try global.connect()
                try connection.query(
                    """
                    DELETE FROM reactivation.coupon_outbox o USING reactivation.coupons c
                      WHERE o.code = c.code AND c.campaign = \(config.campaign) AND c.as_of = \(asOf)::date;
                    """)
                for table in ["coupons", "coupon_skips", "waves"] {
                    try connection.query("DELETE FROM reactivation.\(identifier: table) WHERE campaign = \(config.campaign) AND as_of = \(asOf)::date")
                }
                // As on a fresh date: no dead rows for the unique indexes to check new codes against.
                try connection.execute("VACUUM reactivation.coupons, reactivation.coupon_outbox, reactivation.coupon_skips, reactivation.waves")
            }
            if stages.contains(.target) {
                // A date's first targeting, as for score: replacing the rows just written pays a unique-index
                // check per row against them.
                let connection = try global.connect()
                try connection.query(
                    "DELETE FROM reactivation.targets WHERE campaign = \(config.campaign) AND as_of = \(asOf)::date AND mode = 'live'")
                try connection.execute("VACUUM reactivation.targets")
            }
            if stages.contains(.score) {
                // Measure a date's first scoring, the daily path: a rerun's COPY over the rows it just
                // deleted pays a unique-index check per row against them (+0.5 s at 1M, see README).
                let connection = try global.connect()
                try connection.query(
                    """
                    DELETE FROM reactivation.member_scores WHERE run_id IN
                      (SELECT run_id FROM reactivation.runs WHERE campaign = \(config.campaign) AND as_of = \(asOf)::date AND mode = 'live')
                    """)
                try connection.execute("VACUUM reactivation.member_scores")
            }
            started = DispatchTime.now()  // the clean-up above is not part of the measurement
            // The benchmark database is a throwaway: stages run live, so target and issue really write.
            let runner = PipelineRunner(connectionString: global.connectionString, logger: logger)
            var request = PipelineRunner.Request(
                config: config, configText: text, asOf: .day(CalendarDay(asOfDay)), mode: .live, stages: stages, force: true,
                attributeWave: nil)
            request.jobs = jobs
            let outcome = try runner.run(request)
            rows = outcome.reports.first?.result?.rowsIn ?? 0
            if stages.contains(.issue), let stats = outcome.reports.last?.result?.stats,
                case .integer(let milliseconds)? = stats["insert_ms"], case .integer(let issued)? = stats["issued_now"]
            {
                extra = ",\"issued\":\(issued),\"insert_seconds\":\(String(format: "%.3f", Double(milliseconds) / 1000))"
            }
            if stages == [.extract], let path = outcome.reports.first?.result?.artifactPath {
                // Reading the artifact back is not part of the measurement, in time or in memory (the
                // digest holds the whole member base: at 8M it raised the extract's peak by a fifth).
                ended = DispatchTime.now()
                extractPeakMB = Self.peakMegabytes()
                checksum = try MemberHistories.contentDigest(path: path)
            }
        }
        let seconds = Double((ended ?? DispatchTime.now()).uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let peakMB = extractPeakMB ?? Self.peakMegabytes()
        print(
            "{\"subject\":\"\(subject.rawValue)\",\"seconds\":\(String(format: "%.3f", seconds)),\"rows\":\(rows),"
                + "\"rows_per_s\":\(Int(Double(rows) / max(seconds, 1e-9))),\"peak_rss_mb\":\(String(format: "%.1f", peakMB)),"
                + "\"checksum\":\"\(checksum)\"\(extra)}")
    }
}
