import Postgres

/// Which slice of the member-id hash space a shard holds.
public enum ShardBucket: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// PostgreSQL hash partitioning: `FOR VALUES WITH (modulus m, remainder r)`.
    case hash(modulus: Int, remainder: Int)
    /// Citus: the shard's range of the distribution column's 32-bit hash, inclusive.
    case hashRange(lower: Int64, upper: Int64)

    public var description: String {
        switch self {
        case .hash(let modulus, let remainder): "modulus \(modulus), remainder \(remainder)"
        case .hashRange(let lower, let upper): "hash range \(lower)…\(upper)"
        }
    }

    public static func < (lhs: ShardBucket, rhs: ShardBucket) -> Bool {
        switch (lhs, rhs) {
        case (.hash(let m1, let r1), .hash(let m2, let r2)): (m1, r1) < (m2, r2)
        case (.hashRange(let l1, _), .hashRange(let l2, _)): l1 < l2
        case (.hash, .hashRange): true
        case (.hashRange, .hash): false
        }
    }
}

/// A server holding shards, as the catalog (or `[shards.servers]`) says to reach it.
public struct ShardServer: Sendable, Hashable {
    /// The foreign server's name (postgres_fdw) or `host:port` (a Citus node).
    public let name: String
    public let host: String?
    public let port: String?
    public let dbname: String?
    /// libpq conninfo for this server; may hold the user mapping's password, so never printed raw.
    public let conninfo: String

    public init(name: String, host: String?, port: String?, dbname: String?, conninfo: String) {
        self.name = name
        self.host = host
        self.port = port
        self.dbname = dbname
        self.conninfo = conninfo
    }

    public var connectionString: ConnectionString { ConnectionString(conninfo) }

    /// `server shard_a (host /tmp/x, port 5433, dbname crm)`: what an error names, without secrets.
    public var label: String {
        let parts = [host.map { "host \($0)" }, port.map { "port \($0)" }, dbname.map { "dbname \($0)" }].compactMap { $0 }
        return "server \(name)" + (parts.isEmpty ? "" : " (\(parts.joined(separator: ", ")))")
    }
}

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
