import Postgres
import ReactivateCore

/// One shard as the data tests read it: its tables on the server holding them. A failure reading
/// them names the shard.
public struct ShardSource: Sendable {
    public var shard: Shard
    public var connectionString: ConnectionString
    public init(shard: Shard, connectionString: ConnectionString) {
        self.shard = shard
        self.connectionString = connectionString
    }
}
