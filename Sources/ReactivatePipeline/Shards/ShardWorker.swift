import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore

/// A helper process of a run on a member-sharded source: takes shards of the run's extract that the
/// run's own process has not taken yet, reads them straight from their servers, and leaves their
/// histories in the coordinator's run ledger, where the run's process merges them.
///
/// It holds no campaign lock (the run's process does) and never writes results; it joins only a
/// run started with the same pipeline file. Started on another host at the same time as the run
/// (cron on two hosts), two processes each read about half of the shards.
public enum ShardWorker {
    public struct Outcome: Sendable {
        /// The run whose shards this process worked on; nil when no run had shard work within the wait.
        public var runId: Int64?
        /// The shards this process read, by index.
        public var shards: [Int]
    }

    public static func work(
        connectionString: ConnectionString, config: PipelineConfig, configText: String, request: PipelineRunner.Request,
        waitSeconds: Double, logger: Logger
    ) throws -> Outcome {
        let connection = try Connection(connectionString)
        try PipelineRunner.requireMigrated(connection)
        let plan = try RunPlan.resolve(request, connection: connection)
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(max(waitSeconds, 0) * 1e9)
        var open: (runId: Int64, attempt: String, digest: String?)?
        while open == nil {
            try Cancellation.shared.checkpoint()
            if let row = try connection.query(
                ShardWorkQuery.openWork(campaign: config.campaign, asOf: plan.asOf, mode: plan.mode, stage: ShardWorkQueue.stage),
                operation: "look for shard work"
            ).first {
                open = (try row.decode(0), try row.decode(1), try row.decodeIfPresent(2))
            } else if DispatchTime.now().uptimeNanoseconds >= deadline {
                logger.info("no shard work to take", metadata: ["campaign": "\(config.campaign)", "as_of": "\(plan.asOf)"])
                return Outcome(runId: nil, shards: [])
            } else {
                Thread.sleep(forTimeInterval: 0.1)
            }
        }
        guard let open else { return Outcome(runId: nil, shards: []) }
        let digest = try connection.query(ShardWorkQuery.configDigest(configText), operation: "digest the pipeline file").scalar(String.self)
        guard digest == open.digest else {
            throw PipelineError(
                .configuration, "run \(open.runId) of \(config.campaign) as of \(plan.asOf) was started with another pipeline file",
                fix: "start the helper with the same pipeline file as the run")
        }
        guard case .sharded(let map) = try ShardCatalog.layout(connection, config: config) else {
            throw PipelineError(.configuration, "the source of \(config.campaign) is not sharded here, so there is no shard work to take")
        }
        var workerLogger = logger
        workerLogger[metadataKey: "run.id"] = .stringConvertible(open.runId)
        workerLogger[metadataKey: "stage"] = "extract"
        let directory = try PipelineRunner.prepareArtifactDirectory(config: config, asOf: plan.asOf.description, mode: plan.mode)
        let context = StageContext(plan: plan, runId: open.runId, connectionString: connectionString, logger: workerLogger, artifactDirectory: directory)
        let queue = ShardWorkQueue(runId: open.runId, attempt: open.attempt)
        let parts = try ExtractStage().workShards(context, map: map, queue: queue, store: true, waitForOthers: false)
        let shards = parts.map(\.shard.index).sorted()
        workerLogger.info("shard work done", metadata: ["shards": "\(shards.map(String.init).joined(separator: ","))"])
        return Outcome(runId: open.runId, shards: shards)
    }
}
