import Postgres
import ReactivateCore

/// One shard's table and the server holding it; a failure reading it names the shard.
public struct ShardTable: Sendable {
    public var shard: Shard
    public var connectionString: ConnectionString
    public var relation: QualifiedRelation
    public init(shard: Shard, connectionString: ConnectionString, relation: QualifiedRelation) {
        self.shard = shard
        self.connectionString = connectionString
        self.relation = relation
    }
}
