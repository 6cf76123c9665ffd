import Foundation
import Dispatch
import Postgres
import ReactivateCore

/// How much of the large relations the sampled tests read.
public struct SourceCheckOptions: Sendable {
    /// Blocks of member_locations and transactions read by the block sample (a table no larger is read whole).
    public var sampleBlocks: Int64 = 500
    /// Rows read from a view, which cannot be block-sampled.
    public var sampleRows: Int = 50_000
    /// Newest blocks of the transactions table the freshness test reads before falling back to a full scan.
    public var tailBlocks: Int64 = 256

    public init() {}
}
