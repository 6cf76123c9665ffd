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
    /// Member-keyed relations whose keys a unique index guarantees on every shard of a sharded source
    /// (`members`, `member_channels`): a bucket holds all rows of its member ids, so that is uniqueness
    /// over all shards, and the full key stream through the coordinator is skipped.
    public var uniqueOnEveryShard: Set<String> = []
    /// The latest transaction before the cut-off, when it was read shard by shard (the newest of each
    /// shard's, on its own server) instead of through the coordinator.
    public var latestTransaction: LatestTransaction?
    /// A sharded source's shards, read on their own servers instead of through the coordinator: the
    /// channel tests stream every shard's member_channels, and the samples of member_locations and
    /// transactions are drawn from every shard (a bucket holds its members' rows in all four relations,
    /// so the unknown-member test is exact per shard).
    public var shards: [ShardSource] = []
    /// The extract's own stream of member_channels, when the tests run beside it: the channel tests
    /// take their counts from it instead of reading every row a second time.
    var channelValues: ChannelValueHandoff?

    public init() {}
}
