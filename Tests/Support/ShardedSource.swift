import Foundation
import Logging
import Synchronization
import Postgres
import ReactivatePipeline

/// A member-sharded source like issue 13's: a coordinator whose member-keyed source relations are
/// `PARTITION BY HASH (member_id)` tables with foreign partitions (`postgres_fdw`) on two shard servers.
///
/// Three throwaway clusters (``TestCluster``: local, unix sockets only, trust). The coordinator's `src`
/// has the contract's names, columns and types (`sql/source/src_tables.sql`, ``SourceContract``);
/// `stores` stays a plain coordinator table. Remainders 0 and 2 live on shard A, 1 and 3 on shard B, as
/// `shard_data.<relation>_p<remainder>` tables with the contract's keys and indexes. The result schema
/// is migrated on the coordinator, so the pipeline runs there as on one server.
///
/// Credentials: the coordinator's session user is the clusters' bootstrap superuser, and postgres_fdw
/// lets a superuser connect without a password, so trust over the socket is enough; a non-superuser
/// would need a password in its user mapping (or `password_required 'false'`, set by a superuser).
/// Releasing the value stops the three servers and removes their folders (each ``TestCluster``'s deinit).
public final class ShardedSource: @unchecked Sendable {
    /// One shard server: the foreign server's name on the coordinator and how to reach it directly.
    public struct Shard: Sendable {
        public let serverName: String
        /// The shard's own database (not `postgres`), so a reader must honour the server's `dbname`.
        public let connectionString: ConnectionString
        /// The hash remainders (of ``ShardedSource/modulus``) whose rows this server holds.
        public let remainders: [Int]
    }

    public static let modulus = 4
    /// The schema on each shard holding the remote tables.
    public static let remoteSchema = "shard_data"
    /// The contract's relations keyed by member (every one with a `member_id` column): partitioned.
    public static let memberKeyed: [String] = SourceContract.relations
        .filter { relation in relation.columns.contains { $0.0 == "member_id" } }.map(\.name)

    /// The coordinator's database, where the pipeline runs and the results go.
    public let coordinator: ConnectionString
    public let shards: [Shard]
    private let coordinatorCluster: TestCluster
    private let shardClusters: [TestCluster]

    /// Starts the three clusters, builds the shard tables, the foreign servers and the partitioned
    /// source schema, and migrates the result schema on the coordinator. The source is empty until
    /// ``load(from:schema:)``.
    public init() throws {
        // initdb dominates the setup: the three clusters start side by side.
        let started = Mutex<[Int: Result<TestCluster, any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: 3) { index in
            let cluster = Result { try TestCluster() }
            started.withLock { $0[index] = cluster }
        }
        let clusters = try (0..<3).map { index in try started.withLock { $0[index]! }.get() }
        let shardClusters = Array(clusters[1...])
        coordinatorCluster = clusters[0]
        self.shardClusters = shardClusters
        coordinator = try Self.createDatabase("reactivate", on: clusters[0])
        shards = try [("shard_a", [0, 2]), ("shard_b", [1, 3])].enumerated().map { index, layout in
            Shard(
                serverName: layout.0, connectionString: try Self.createDatabase(layout.0, on: shardClusters[index]),
                remainders: layout.1)
        }
        for shard in shards { try Self.createRemoteTables(on: shard) }
        try createCoordinatorSchema()
        try Migrator(directory: projectRoot.appendingPathComponent("sql/migrations"))
            .migrate(try Connection(coordinator), logger: Logger(label: "sharded-source"))
    }

    /// The shard holding one remainder's rows.
    public func shard(holding remainder: Int) -> Shard {
        shards.first { $0.remainders.contains(remainder) }!
    }

    /// The remote table (in ``remoteSchema``) behind one partition.
    public static func remoteTable(_ relation: String, remainder: Int) -> String { "\(relation)_p\(remainder)" }

    /// Stops one shard server at once, as an outage would (sessions cut, no clean shutdown).
    public func stopShard(_ index: Int) throws { try shardClusters[index].stopImmediately() }

    /// Starts a stopped shard server again.
    public func startShard(_ index: Int) throws { try shardClusters[index].start() }

    /// Copies every source relation's rows from a single-server database into the coordinator.
    ///
    /// Binary COPY out of the single server, each value decoded by the contract's type and re-encoded,
    /// streamed into a temporary table on the coordinator; then one INSERT … SELECT into the partitioned
    /// table, which routes each row to its foreign partition. Not COPY straight into the partitioned
    /// table: PostgreSQL 15 sends a foreign partition one INSERT per copied row (COPY batches only from
    /// 16), while INSERT sends `batch_size` rows at a time (30k rows: 7 s against well under 1 s).
    /// Then ANALYZE on the shards (remote estimates) and on the coordinator.
    public func load(from single: ConnectionString, schema: String = "src") throws {
        let source = try Connection(single)
        let target = try Connection(coordinator)
        for (relation, columns) in SourceContract.relations {
            let fields = try columns.map { try CopyField(contractType: $0.1, relation: relation, column: $0.0) }
            let list = SQL(trusted: columns.map { Connection.quoteIdentifier($0.0) }.joined(separator: ", "))
            let staging = "load_" + relation
            try target.execute(SQL("CREATE TEMP TABLE \(identifier: staging) (LIKE src.\(identifier: relation))").inlined)
            try target.copyIn("COPY \(identifier: staging) (\(list)) FROM STDIN (FORMAT binary)", operation: "load \(relation)") { writer in
                try source.copyOut(
                    "COPY \(identifier: schema).\(identifier: relation) (\(list)) TO STDOUT (FORMAT binary)",
                    fieldCount: fields.count, operation: "read \(relation)"
                ) { row in
                    writer.encoder.beginRow(fieldCount: fields.count)
                    for (index, field) in fields.enumerated() { try field.transcode(row, index, into: &writer.encoder) }
                    try writer.rowDone()
                }
            }
            try target.execute(SQL("INSERT INTO src.\(identifier: relation) (\(list)) SELECT \(list) FROM \(identifier: staging); DROP TABLE \(identifier: staging)").inlined)
        }
        for shard in shards {
            let connection = try Connection(shard.connectionString)
            for relation in Self.memberKeyed {
                for remainder in shard.remainders {
                    try connection.execute(
                        SQL("ANALYZE \(identifier: Self.remoteSchema).\(identifier: Self.remoteTable(relation, remainder: remainder))").inlined)
                }
            }
        }
        for (relation, _) in SourceContract.relations {
            try target.execute(SQL("ANALYZE src.\(identifier: relation)").inlined)
        }
    }

    // MARK: - Setup

    private static func createDatabase(_ name: String, on cluster: TestCluster) throws -> ConnectionString {
        try Connection(cluster.connectionString).execute(SQL("CREATE DATABASE \(identifier: name)").inlined)
        return cluster.connectionString.replacingDatabase(name)
    }

    /// The contract's tables with their keys and indexes, one per remainder held, in ``remoteSchema``.
    private static func createRemoteTables(on shard: Shard) throws {
        let connection = try Connection(shard.connectionString)
        try connection.transaction {
            try connection.execute(try contractFile("src_tables.sql"))
            try connection.execute(try contractFile("src_indexes.sql"))
            try connection.execute(SQL("CREATE SCHEMA \(identifier: remoteSchema)").inlined)
            for relation in memberKeyed {
                for remainder in shard.remainders {
                    try connection.execute(SQL("""
                        CREATE TABLE \(identifier: remoteSchema).\(identifier: remoteTable(relation, remainder: remainder))
                            (LIKE src.\(identifier: relation) INCLUDING ALL)
                        """).inlined)
                }
            }
            try connection.execute("DROP SCHEMA src CASCADE")
        }
    }

    /// postgres_fdw, one foreign server and user mapping per shard, and `src` as the contract's tables
    /// with the member-keyed ones hash-partitioned over foreign partitions.
    private func createCoordinatorSchema() throws {
        let connection = try Connection(coordinator)
        try connection.transaction {
            try connection.execute("CREATE EXTENSION postgres_fdw")
            for (index, shard) in shards.enumerated() {
                let cluster = shardClusters[index]
                // batch_size: the load's inserts go to the shard in batches instead of one round trip a row.
                try connection.execute(SQL("""
                    CREATE SERVER \(identifier: shard.serverName) FOREIGN DATA WRAPPER postgres_fdw
                        OPTIONS (host \(cluster.folder.path), port '5432', dbname \(shard.serverName), batch_size '1000');
                    CREATE USER MAPPING FOR CURRENT_USER SERVER \(identifier: shard.serverName)
                        OPTIONS (user \(try Self.user(of: cluster)));
                    """).inlined)
            }
            try connection.execute(try Self.contractFile("src_tables.sql"))
            for relation in Self.memberKeyed {
                // LIKE keeps the contract's columns, types, NOT NULLs and checks; its keys cannot hold on a
                // table partitioned by member (they live on the shards).
                try connection.execute(SQL("""
                    ALTER TABLE src.\(identifier: relation) RENAME TO \(identifier: relation + "_contract");
                    CREATE TABLE src.\(identifier: relation) (LIKE src.\(identifier: relation + "_contract") INCLUDING DEFAULTS INCLUDING CONSTRAINTS)
                        PARTITION BY HASH (member_id);
                    DROP TABLE src.\(identifier: relation + "_contract");
                    """).inlined)
                for remainder in 0..<Self.modulus {
                    let table = Self.remoteTable(relation, remainder: remainder)
                    try connection.execute(SQL("""
                        CREATE FOREIGN TABLE src.\(identifier: table) PARTITION OF src.\(identifier: relation)
                            FOR VALUES WITH (MODULUS \(trusted: Self.modulus), REMAINDER \(trusted: remainder))
                            SERVER \(identifier: shard(holding: remainder).serverName)
                            OPTIONS (schema_name \(Self.remoteSchema), table_name \(table))
                        """).inlined)
                }
            }
        }
    }

    private static func user(of cluster: TestCluster) throws -> String {
        guard let user = try Connection(cluster.connectionString).query("SELECT current_user").scalar(String.self) else {
            throw TestSetupError("cannot read the user of the cluster in \(cluster.folder.path)")
        }
        return user
    }

    private static func contractFile(_ name: String) throws -> String {
        try String(contentsOf: projectRoot.appendingPathComponent("sql/source/\(name)"), encoding: .utf8)
    }
}

extension SQL.StringInterpolation {
    /// A number the program itself chose (a modulus, a remainder), spliced as text: DDL takes no parameters
    /// and partition bounds must be literal integers.
    fileprivate mutating func appendInterpolation(trusted number: Int) {
        appendInterpolation(SQL(trusted: String(number)))
    }
}

/// How one contract column travels through binary COPY: decoded by its type, re-encoded the same way.
private enum CopyField {
    case int8, text, float8, bool, timestamptz, date, numeric

    init(contractType: String, relation: String, column: String) throws {
        switch contractType {
        case "bigint": self = .int8
        case "text": self = .text
        case "double precision": self = .float8
        case "boolean": self = .bool
        case "timestamp with time zone": self = .timestamptz
        case "date": self = .date
        case "numeric": self = .numeric
        default:
            throw TestSetupError("ShardedSource cannot copy \(relation).\(column) of type \(contractType): add the type to CopyField")
        }
    }

    func transcode(_ row: borrowing BinaryCopyRow, _ index: Int, into encoder: inout BinaryCopyEncoder) throws {
        switch self {
        case .int8: encoder.append(try row.optionalInt64(index))
        case .text: encoder.append(try row.optionalText(index))
        case .float8: encoder.append(try row.optionalFloat64(index))
        case .bool: encoder.append(try row.optionalBool(index))
        case .timestamptz: encoder.appendTimestamp(try row.optionalTimestamp(index))
        case .date: encoder.appendDate(try row.optionalDate(index))
        case .numeric:
            if row.isNull(index) { encoder.appendNull() } else { encoder.append(try row.numeric(index)) }
        }
    }
}
