import Foundation
import Logging
import Postgres
import ReactivateCore

/// What a stage reports to the ledger.
public struct StageResult: Sendable {
    public var rowsIn: Int
    public var rowsOut: Int
    public var stats: [String: JSONValue]
    public var artifactPath: String?
    public var artifactChecksum: String?
    /// Writes still committing when `run` returned; the stage succeeds once they have.
    public var backgroundWrite: BackgroundWrite?

    public init(
        rowsIn: Int, rowsOut: Int, stats: [String: JSONValue] = [:], artifactPath: String? = nil, artifactChecksum: String? = nil,
        backgroundWrite: BackgroundWrite? = nil
    ) {
        self.backgroundWrite = backgroundWrite
        self.rowsIn = rowsIn
        self.rowsOut = rowsOut
        self.stats = stats
        self.artifactPath = artifactPath
        self.artifactChecksum = artifactChecksum
    }
}
