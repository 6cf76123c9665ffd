import Postgres

/// Where a member-sharded source keeps each bucket of members, read from the coordinator's catalog.
///
/// Every member-keyed relation (members, channels, locations, transactions) is split the same way and
/// a bucket's four partitions sit on one server, so a shard's members and all their rows are read from
/// that server alone and every per-member result merges across shards exactly.
public struct ShardMap: Sendable, Hashable {
    public enum Provider: String, Sendable, Hashable {
        case postgresFDW = "postgres_fdw"
        case citus
    }

    public let provider: Provider
    /// In bucket order.
    public let shards: [Shard]

    public init(provider: Provider, shards: [Shard]) {
        self.provider = provider
        self.shards = shards
    }

    /// The distinct servers (nil for the coordinator), in shard order.
    public var servers: [ShardServer?] {
        var seen: [ShardServer?] = []
        for shard in shards where !seen.contains(shard.server) { seen.append(shard.server) }
        return seen
    }
}

/// One leaf of a member-keyed relation as the catalog lists it, before the relations are matched up.
struct PartitionLeaf: Sendable, Hashable {
    let bucket: ShardBucket
    /// The server's name; nil for a partition local to the coordinator.
    let serverName: String?
    /// The table's name where it lives (the remote table for a foreign partition).
    let relation: QualifiedRelation
    /// The leaf's own name on the coordinator, for messages.
    let localName: String
}
