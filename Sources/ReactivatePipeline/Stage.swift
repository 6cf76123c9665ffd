import Foundation
import Logging
import Postgres
import ReactivateCore

/// Everything a stage may use: the run's identity and configuration, the database, its artifact folder.
public struct StageContext: Sendable {
    public let config: PipelineConfig
    public let asOfDay: Int32
    public let runId: Int64
    public let mode: RunMode
    public let connectionString: ConnectionString
    public let logger: Logger
    /// `<artifact_dir>/<campaign>/<as-of>/<mode>/`, created with owner-only permissions.
    public let artifactDirectory: URL
    /// Slices of the member-id space processed in parallel (one connection each).
    public let sliceCount: Int
    /// When the issue stage stamps its coupons (µs since 2000-01-01 UTC); nil = the commit time.
    public let issueAt: Int64?
    /// Attribute only this wave (its as-of day); nil = every wave issued before the as-of date.
    public var attributeWave: Int32? = nil

    public init(
        config: PipelineConfig, asOfDay: Int32, runId: Int64, mode: RunMode, connectionString: ConnectionString,
        logger: Logger, artifactDirectory: URL, sliceCount: Int, issueAt: Int64?
    ) {
        self.config = config
        self.asOfDay = asOfDay
        self.runId = runId
        self.mode = mode
        self.connectionString = connectionString
        self.logger = logger
        self.artifactDirectory = artifactDirectory
        self.sliceCount = sliceCount
        self.issueAt = issueAt
    }

    public var asOf: String { PostgresEpoch.format(asOfDay) }

    public func artifactPath(_ stage: StageName) -> String {
        artifactDirectory.appendingPathComponent("\(stage.rawValue).ract").path
    }

    /// A connection for this stage, cancelled with the rest of the run on SIGINT/SIGTERM.
    public func connect() throws -> Connection {
        try Cancellation.shared.checkpoint()
        let connection = try Connection(connectionString)
        Cancellation.shared.register(connection)
        return connection
    }
}

/// What a stage reports to the ledger.
public struct StageResult: Sendable {
    public var rowsIn: Int
    public var rowsOut: Int
    public var stats: [String: JSONValue]
    public var artifactPath: String?
    public var artifactChecksum: String?

    public init(rowsIn: Int, rowsOut: Int, stats: [String: JSONValue] = [:], artifactPath: String? = nil, artifactChecksum: String? = nil) {
        self.rowsIn = rowsIn
        self.rowsOut = rowsOut
        self.stats = stats
        self.artifactPath = artifactPath
        self.artifactChecksum = artifactChecksum
    }
}

/// One step of the pipeline. A stage makes its results visible atomically (one transaction, or a
/// renamed artifact) so a failure at any point leaves the previous results or nothing.
public protocol Stage: Sendable {
    var name: StageName { get }
    func run(_ context: StageContext) throws -> StageResult
}
