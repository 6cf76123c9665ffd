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

    public init(rowsIn: Int, rowsOut: Int, stats: [String: JSONValue] = [:], artifactPath: String? = nil, artifactChecksum: String? = nil) {
        self.rowsIn = rowsIn
        self.rowsOut = rowsOut
        self.stats = stats
        self.artifactPath = artifactPath
        self.artifactChecksum = artifactChecksum
    }
}
