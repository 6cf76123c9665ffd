import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport

/// A member-sharded source made by hand on the test server: a coordinator database whose
/// member-keyed relations are hash-partitioned by member_id (modulus 4), each bucket a local table or
/// a postgres_fdw foreign table on one of two shard databases (`shard.<relation>_p<r>` there).
///
/// One server plays coordinator and both shards (postgres_fdw to the same server's other databases);
/// the rig's `ShardedSource` does the same with separate clusters.
final class HandShardedSource: @unchecked Sendable {
    let coordinator: TestDatabase
    let shardA: TestDatabase
    let shardB: TestDatabase
    /// Remainder → the shard database holding that bucket of each relation (nil: local on the coordinator).
    let placement: [String: [Int: String?]]

    static let relations = ["members", "member_locations", "member_channels", "transactions"]

    /// `placement[relation][remainder]` = "shard_a", "shard_b" or nil; relations not listed use `standard`.
    init(standard: [Int: String?] = [0: "shard_a", 1: "shard_a", 2: nil, 3: "shard_b"], overrides: [String: [Int: String?]] = [:], modulus: [String: Int] = [:]) throws {
        coordinator = try TestDatabase(prefix: "coord")
        shardA = try TestDatabase(prefix: "shard_a")
        shardB = try TestDatabase(prefix: "shard_b")
        var placement: [String: [Int: String?]] = [:]
        for relation in Self.relations { placement[relation] = overrides[relation] ?? standard }
        self.placement = placement
        let socket = try Self.serverSocket(coordinator)
        for shard in [shardA, shardB] {
            let connection = try shard.connect()
            try coordinator.createSourceTables(connection)
            try connection.execute("CREATE SCHEMA shard")
        }
        let coord = try coordinator.connect()
        try coordinator.createSourceTables(coord)
        try coord.execute("ALTER SCHEMA src RENAME TO tmpl; CREATE SCHEMA src; CREATE TABLE src.stores (LIKE tmpl.stores INCLUDING ALL)")
        try coord.execute("CREATE EXTENSION postgres_fdw")
        for (name, database) in [("shard_a", shardA), ("shard_b", shardB)] {
            try coord.execute("""
                CREATE SERVER \(name) FOREIGN DATA WRAPPER postgres_fdw
                  OPTIONS (host '\(socket.host)', port '\(socket.port)', dbname '\(database.name)', batch_size '1000', fetch_size '10000');
                CREATE USER MAPPING FOR CURRENT_USER SERVER \(name) OPTIONS (user '\(socket.user)')
                """)
        }
        for relation in Self.relations {
            let buckets = modulus[relation] ?? 4
            try coord.execute("CREATE TABLE src.\(relation) (LIKE tmpl.\(relation) INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (member_id)")
            for remainder in 0..<buckets {
                let partition = "\(relation)_p\(remainder)"
                let bound = "FOR VALUES WITH (modulus \(buckets), remainder \(remainder))"
                if let server = placement[relation]?[remainder] ?? nil {
                    let shard = server == "shard_a" ? shardA : shardB
                    try shard.connect().execute("CREATE TABLE shard.\(partition) (LIKE src.\(relation) INCLUDING ALL)")
                    try coord.execute(
                        "CREATE FOREIGN TABLE src.\(partition) PARTITION OF src.\(relation) \(bound) SERVER \(server) OPTIONS (schema_name 'shard', table_name '\(partition)')")
                } else {
                    try coord.execute("CREATE TABLE src.\(partition) PARTITION OF src.\(relation) \(bound)")
                }
            }
        }
    }

    /// Copies the source rows of `single` (a database on the same server) into the sharded relations.
    func load(from single: TestDatabase) throws {
        let socket = try Self.serverSocket(coordinator)
        let coord = try coordinator.connect()
        try coord.execute("""
            CREATE SERVER single FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '\(socket.host)', port '\(socket.port)', dbname '\(single.name)', fetch_size '10000');
            CREATE USER MAPPING FOR CURRENT_USER SERVER single OPTIONS (user '\(socket.user)');
            CREATE SCHEMA single_src;
            IMPORT FOREIGN SCHEMA src FROM SERVER single INTO single_src;
            INSERT INTO src.stores SELECT * FROM single_src.stores;
            """)
        for relation in Self.relations { try coord.execute("INSERT INTO src.\(relation) SELECT * FROM single_src.\(relation)") }
        for shard in [shardA, shardB] { try shard.connect().execute("ANALYZE") }
        try coord.execute("ANALYZE")
    }

    /// Where the test server listens, as postgres_fdw on that server reaches it.
    static func serverSocket(_ database: TestDatabase) throws -> (host: String, port: String, user: String) {
        let connection = try database.connect()
        let directories = try connection.query("SELECT current_setting('unix_socket_directories')").scalar ?? "/tmp"
        let host = directories.split(separator: ",").first.map { $0.trimmingCharacters(in: .whitespaces) } ?? "/tmp"
        let port = try connection.query("SELECT current_setting('port')").scalar ?? "5432"
        let user = try connection.query("SELECT current_user::text").scalar ?? "postgres"
        return (host, port, user)
    }
}
