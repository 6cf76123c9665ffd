import Foundation
import Logging
import Postgres
import ReactivateCore

/// Everything a stage may use: the run plan, the run's identity, the database, its artifact folder.
public struct StageContext: Sendable {
    public let plan: RunPlan
    public let runId: Int64
    public let connectionString: ConnectionString
    public let logger: Logger
    /// `<artifact_dir>/<campaign>/<as-of>/<mode>/`, created with owner-only permissions.
    public let artifactDirectory: URL
    /// Why the runner runs this stage again instead of reusing it (a changed input), if it ran before.
    public var rerunReason: String?
    /// Stops this context's connections and loops early (the extract's reads once its data tests failed).
    var stop: StageStop?

    public init(plan: RunPlan, runId: Int64, connectionString: ConnectionString, logger: Logger, artifactDirectory: URL) {
        self.plan = plan
        self.runId = runId
        self.connectionString = connectionString
        self.logger = logger
        self.artifactDirectory = artifactDirectory
    }

    /// A context for running one stage outside the runner (tests, tools): the plan is resolved against
    /// the server exactly as the runner resolves it.
    public static func resolving(
        config: PipelineConfig, asOfDay: Int32, runId: Int64, mode: RunMode, connectionString: ConnectionString,
        logger: Logger, artifactDirectory: URL, sliceCount: Int, issueAt: Int64?
    ) throws -> StageContext {
        let request = PipelineRunner.Request(
            config: config, configText: "", asOf: .day(CalendarDay(asOfDay)), mode: mode, issueAt: issueAt, sliceCount: sliceCount)
        let plan = try RunPlan.resolve(request, connection: try Connection(connectionString))
        return StageContext(
            plan: plan, runId: runId, connectionString: connectionString, logger: logger, artifactDirectory: artifactDirectory)
    }

    public var config: PipelineConfig { plan.config }
    public var mode: RunMode { plan.mode }
    public var asOfDay: Int32 { plan.asOf.number }
    public var sliceCount: Int { plan.sliceCount }
    /// How many shards are worked on at once.
    public var jobs: Int { plan.jobs }
    public var attributeWave: Int32? { plan.attributeWave?.number }

    public func artifactPath(_ stage: StageName) -> String {
        artifactDirectory.appendingPathComponent("\(stage.rawValue).ract").path
    }

    /// The same context logging with `logger` (a shard's worker adds the shard to every line).
    public func withLogger(_ logger: Logger) -> StageContext {
        var copy = StageContext(plan: plan, runId: runId, connectionString: connectionString, logger: logger, artifactDirectory: artifactDirectory)
        copy.rerunReason = rerunReason
        copy.stop = stop
        return copy
    }

    /// The same context, its connections and checkpoints also stopped by `stop`.
    func withStop(_ stop: StageStop) -> StageContext {
        var copy = withLogger(logger)
        copy.stop = stop
        return copy
    }

    /// Throws once the process is stopping (a signal) or this context's work was stopped.
    func checkpoint() throws {
        try Cancellation.shared.checkpoint()
        try stop?.checkpoint()
    }

    /// A connection for this stage, cancelled with the rest of the run on SIGINT/SIGTERM.
    public func connect() throws -> Connection {
        try connect(to: connectionString)
    }

    /// A connection to another server of the run (a shard), cancelled with the rest of the run.
    public func connect(to server: ConnectionString) throws -> Connection {
        try Cancellation.shared.checkpoint()
        let connection = try Connection(server)
        Cancellation.shared.register(connection)
        stop?.watch(connection)
        return connection
    }
}
