import Foundation
@_spi(Testing) import Postgres
import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// The sharded test rig (issue 13) is what the shard tests trust: it must hold the single server's rows,
/// each shard exactly its hash buckets, behind foreign hash partitions with the contract's columns.
@Suite("ShardedSourceRigTests")
struct ShardedSourceRigTests {
    @Test func coordinatorHoldsTheSingleServersRowsAndEachShardExactlyItsBuckets() throws {
        let single = try PipelineFixture(members: 2_500)
        defer { single.cleanUp() }
        let rig = try ShardedSource()
        try rig.load(from: single.database.connectionString)

        let singleConnection = try single.database.connect()
        let coordinator = try Connection(rig.coordinator)
        for connection in [singleConnection, coordinator] { try connection.execute("SET TimeZone = 'UTC'") }
        for (relation, _) in SourceContract.relations {
            let expected = try Self.digest(singleConnection, relation)
            #expect(expected.count > 0, "the generated \(relation) is empty: the comparison would prove nothing")
            #expect(try Self.digest(coordinator, relation) == expected, "src.\(relation) on the coordinator differs from the single server")
        }

        for relation in ShardedSource.memberKeyed {
            var heldOnShards = 0
            for shard in rig.shards {
                let direct = try Connection(shard.connectionString)
                for remainder in shard.remainders {
                    let table = ShardedSource.remoteTable(relation, remainder: remainder)
                    let ids = try direct.query("SELECT coalesce(array_agg(member_id), '{}')::text FROM \(identifier: ShardedSource.remoteSchema).\(identifier: table)").scalar ?? "{}"
                    let check = try coordinator.query("""
                        SELECT count(*), count(*) FILTER (WHERE NOT satisfies_hash_partition(\("src." + relation)::regclass::oid, \(ShardedSource.modulus)::int, \(remainder)::int, m))
                        FROM unnest(\(ids)::bigint[]) AS m
                        """)
                    let rows = try check[0].decode(0, as: Int.self), strangers = try check[0].decode(1, as: Int.self)
                    #expect(rows > 0, "\(shard.serverName).\(table) holds no rows")
                    #expect(strangers == 0, "\(shard.serverName).\(table) holds \(strangers) rows of another bucket")
                    heldOnShards += rows
                }
            }
            #expect(heldOnShards == (try Self.digest(singleConnection, relation)).count, "the shards together do not hold every \(relation) row once")
        }
        for shard in rig.shards {
            let tables = try Connection(shard.connectionString).query(
                "SELECT tablename::text FROM pg_tables WHERE schemaname = \(ShardedSource.remoteSchema)").rows.compactMap { $0[0] }
            let expected = ShardedSource.memberKeyed.flatMap { relation in shard.remainders.map { ShardedSource.remoteTable(relation, remainder: $0) } }
            #expect(Set(tables) == Set(expected), "\(shard.serverName) holds other partitions than its buckets'")
        }
    }

    @Test func memberKeyedRelationsAreFourForeignHashPartitionsOverTwoShardsAndStoresIsLocal() throws {
        let rig = try ShardedSource()
        let coordinator = try Connection(rig.coordinator)
        #expect(try SourceContract.problems(coordinator, schema: "src").isEmpty, "the coordinator's src does not fit the source contract")
        #expect(Set(ShardedSource.memberKeyed) == ["members", "member_locations", "member_channels", "transactions"])
        for relation in ShardedSource.memberKeyed {
            let tree = try coordinator.query("""
                SELECT c.relkind::text, coalesce(pg_get_expr(c.relpartbound, c.oid), ''), coalesce(s.srvname::text, ''),
                       coalesce(array_to_string(ft.ftoptions, ','), ''), t.isleaf::text, t.level
                FROM pg_partition_tree(\("src." + relation)::regclass) AS t
                JOIN pg_class c ON c.oid = t.relid
                LEFT JOIN pg_foreign_table ft ON ft.ftrelid = t.relid
                LEFT JOIN pg_foreign_server s ON s.oid = ft.ftserver
                ORDER BY t.level, c.relname
                """)
            let root = tree.rows.filter { $0[5] == "0" }
            #expect(root.count == 1 && root.first?[0] == "p", "src.\(relation) is not a partitioned table")
            let leaves = tree.rows.filter { $0[4] == "true" }
            #expect(leaves.count == ShardedSource.modulus, "src.\(relation) has \(leaves.count) leaves")
            for (remainder, leaf) in leaves.enumerated() {
                #expect(leaf[0] == "f", "partition \(remainder) of src.\(relation) is not a foreign table")
                #expect(leaf[1] == "FOR VALUES WITH (modulus 4, remainder \(remainder))")
                #expect(leaf[2] == rig.shard(holding: remainder).serverName)
                #expect(leaf[3] == "schema_name=shard_data,table_name=\(ShardedSource.remoteTable(relation, remainder: remainder))")
            }
        }
        #expect(try coordinator.query("SELECT relkind::text FROM pg_class WHERE oid = 'src.stores'::regclass").scalar == "r")
        let servers = try coordinator.query("""
            SELECT s.srvname, array_to_string(s.srvoptions, ',') FROM pg_foreign_server s ORDER BY 1
            """).rows
        #expect(servers.map { $0[0] } == rig.shards.map(\.serverName))
        for (server, shard) in zip(servers, rig.shards) {
            #expect(server[1]?.contains("dbname=\(shard.serverName)") == true, "server \(shard.serverName) does not name its database")
        }
    }

    @Test func aStoppedShardFailsCoordinatorReadsUntilItStartsAgain() throws {
        let rig = try ShardedSource()
        let coordinator = try Connection(rig.coordinator)
        #expect(try coordinator.query("SELECT count(*) FROM src.members").scalar == "0")
        try rig.stopShard(1)
        #expect(throws: PostgresError.self) { try Connection(rig.coordinator).query("SELECT count(*) FROM src.members") }
        #expect(throws: PostgresError.self) { try Connection(rig.shards[1].connectionString) }
        try rig.startShard(1)
        #expect(try Connection(rig.coordinator).query("SELECT count(*) FROM src.members").scalar == "0")
    }

    /// Row count and an order-free digest of every row's text, compared across servers.
    static func digest(_ connection: Connection, _ relation: String) throws -> Digest {
        let result = try connection.query("""
            SELECT count(*), coalesce(md5(string_agg(r::text, E'\\n' ORDER BY r::text)), '')
            FROM src.\(identifier: relation) AS r
            """)
        return Digest(count: try result[0].decode(0), md5: try result[0].decode(1))
    }

    struct Digest: Equatable {
        let count: Int
        let md5: String
    }
}
