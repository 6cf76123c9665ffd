import Postgres

/// One bucket of members with all four member-keyed relations on one server.
public struct Shard: Sendable, Hashable {
    /// Position in bucket order, from 0: names the shard's artifact and its log lines.
    public let index: Int
    public let bucket: ShardBucket
    /// Nil when the bucket's partitions are local tables on the coordinator.
    public let server: ShardServer?
    /// The relations' names on that server.
    public let relations: SourceRelations

    public init(index: Int, bucket: ShardBucket, server: ShardServer?, relations: SourceRelations) {
        self.index = index
        self.bucket = bucket
        self.server = server
        self.relations = relations
    }

    /// `shard 2 (modulus 4, remainder 2) on server shard_b (host …, port …), tables shard.transactions_p2, …`.
    public var label: String {
        "shard \(index) (\(bucket)) on \(server?.label ?? "the coordinator"), transactions in \(relations.transactions)"
    }
}
