import ArgumentParser
import Foundation
import Logging
import ReactivateCore
import ReactivatePipeline

/// `reactivate shard-worker`: a second process (on this host or another) taking shards of a run.
struct ShardWorkerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "shard-worker",
        abstract: "Take shards of a run's extract on a member-sharded source, alongside `reactivate run`.",
        discussion: """
            Started with the same pipeline file and date as `reactivate run` (e.g. from cron on a second
            host at the same minute), it waits up to --wait seconds for the run to register its shards in
            the run ledger, then reads shards nobody has taken yet straight from their servers and leaves
            their histories in the coordinator database; the run merges them and writes every result.
            It holds no lock and writes no result. Exit 0 also when there was nothing to take.
            """)

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Pipeline config file: the same file the run was started with.") var pipeline: String
    @Option(name: .customLong("as-of"), help: "The run's date D (YYYY-MM-DD, or `today` in the business time zone).")
    var asOf: AsOfArgument
    @Flag(name: .customLong("dry-run"), help: "Help a dry run instead of a live one.") var dryRun = false
    @Option(help: "Shards read at once (two connections each).") var jobs: Int = 2
    @Option(help: "Seconds to wait for the run to register its shards.") var wait: Double = 60

    func validate() throws {
        guard (1...64).contains(jobs) else { throw ValidationError("--jobs must be 1…64") }
        guard wait >= 0, wait <= 3600 else { throw ValidationError("--wait must be 0…3600 seconds") }
    }

    func run() throws {
        var logger = try global.makeLogger()
        let (config, text) = try PipelineFile.load(pipeline)
        logger[metadataKey: "pipeline"] = "\(pipeline)"
        SignalHandling.install()
        var request = PipelineRunner.Request(config: config, configText: text, asOf: asOf.value, mode: dryRun ? .dryRun : .live, stages: [.extract])
        request.jobs = jobs
        let outcome = try ShardWorker.work(
            connectionString: global.connectionString, config: config, configText: text, request: request, waitSeconds: wait, logger: logger)
        if let runId = outcome.runId {
            print("run \(runId): read shards \(outcome.shards.map(String.init).joined(separator: ", "))")
        } else {
            print("no run of \(config.campaign) had shards to take")
        }
    }
}
