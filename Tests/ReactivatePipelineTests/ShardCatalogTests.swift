import Foundation
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// The shard map read from the coordinator's catalog (hash partitions, postgres_fdw servers).
@Suite struct ShardCatalogTests {
    static func config(_ change: (inout PipelineConfig) -> Void = { _ in }) -> PipelineConfig {
        var config = PipelineConfig.defaults(campaign: "shards")
        change(&config)
        return config
    }

    @Test func handMadeForeignPartitionsGiveTheBucketsServersAndRemoteTables() throws {
        let source = try HandShardedSource()
        let socket = try HandShardedSource.serverSocket(source.coordinator)
        let layout = try ShardCatalog.layout(try source.coordinator.connect(), config: Self.config())
        guard case .sharded(let map) = layout else {
            Issue.record("expected a sharded layout, got \(layout)")
            return
        }
        #expect(map.provider == .postgresFDW)
        #expect(map.shards.map(\.bucket) == (0..<4).map { ShardBucket.hash(modulus: 4, remainder: $0) })
        #expect(map.shards.map { $0.server?.name } == ["shard_a", "shard_a", nil, "shard_b"])
        let a = try #require(map.shards[0].server)
        #expect(a.host == socket.host && a.port == socket.port && a.dbname == source.shardA.name)
        #expect(map.shards[3].server?.dbname == source.shardB.name)
        #expect(map.shards[1].relations.transactions == QualifiedRelation(schema: "shard", table: "transactions_p1"))
        #expect(map.shards[3].relations.memberChannels == QualifiedRelation(schema: "shard", table: "member_channels_p3"))
        // A local partition is a shard too, read on the coordinator under its own name.
        #expect(map.shards[2].relations.members == QualifiedRelation(schema: "src", table: "members_p2"))
        // The user mapping's user reaches the shard: the map's connection string connects.
        let connection = try Connection(a.connectionString)
        #expect(try connection.query("SELECT current_database()::text").scalar == source.shardA.name)
        #expect(map.servers.count == 3)
    }

    @Test func aBucketSplitOverTwoServersIsAConfigurationErrorNamingIt() throws {
        let source = try HandShardedSource(overrides: ["transactions": [0: "shard_b", 1: "shard_a", 2: nil, 3: "shard_b"]])
        let error = try #require(throws: PipelineError.self) {
            try ShardCatalog.layout(try source.coordinator.connect(), config: Self.config())
        }
        #expect(error.category == .configuration)
        #expect(error.message.contains("not co-located"), "\(error)")
        #expect(error.message.contains("modulus 4, remainder 0") && error.message.contains("transactions on server shard_b"), "\(error)")
        #expect(error.fix?.contains("source.shards = \"off\"") == true)
    }

    @Test func relationsHashedWithDifferentModuliAreAConfigurationError() throws {
        let source = try HandShardedSource(overrides: ["transactions": [0: "shard_a", 1: "shard_b"]], modulus: ["transactions": 2])
        let error = try #require(throws: PipelineError.self) {
            try ShardCatalog.layout(try source.coordinator.connect(), config: Self.config())
        }
        #expect(error.category == .configuration)
        #expect(error.message.contains("different moduli (2, 4)"), "\(error)")
    }

    @Test func partlyShardedRelationsAreAConfigurationError() throws {
        let source = try HandShardedSource()
        let connection = try source.coordinator.connect()
        try connection.execute("ALTER TABLE src.member_channels RENAME TO member_channels_sharded; CREATE TABLE src.member_channels (LIKE tmpl.member_channels)")
        let error = try #require(throws: PipelineError.self) { try ShardCatalog.layout(connection, config: Self.config()) }
        #expect(error.message.contains("partly sharded") && error.message.contains("member_channels (a plain table)"), "\(error)")
    }

    @Test func plainTablesAndShardsOffAreReadThroughOneServer() throws {
        let plain = try TestDatabase()
        let connection = try plain.connect()
        try plain.createSourceTables(connection)
        guard case .oneServer(let reason) = try ShardCatalog.layout(connection, config: Self.config()) else {
            Issue.record("plain tables gave a shard map")
            return
        }
        #expect(reason.contains("not hash-partitioned"))
        let source = try HandShardedSource()
        let off = try ShardCatalog.layout(try source.coordinator.connect(), config: Self.config { $0.sourceShards = .off })
        #expect(off == .oneServer(reason: "source.shards = \"off\": every relation is read through this server"))
    }

    @Test func aServersSectionReplacesTheCatalogsConnectionForThatServer() throws {
        let source = try HandShardedSource()
        let replacement = "host=/nonexistent port=6543 dbname=elsewhere user=reactivate password=secret"
        let layout = try ShardCatalog.layout(try source.coordinator.connect(), config: Self.config { $0.shardServers = ["shard_b": replacement] })
        guard case .sharded(let map) = layout else {
            Issue.record("expected a sharded layout")
            return
        }
        let b = try #require(map.shards[3].server)
        #expect(b.conninfo == replacement)
        #expect(b.host == "/nonexistent" && b.port == "6543" && b.dbname == "elsewhere")
        #expect(!map.shards[3].label.contains("secret"))
        #expect(map.shards[0].server?.dbname == source.shardA.name, "other servers keep the catalog's connection")
    }

    @Test func hashBoundsAreParsedAndOtherBoundsRefused() {
        #expect(ForeignPartitionCatalog.bucket("FOR VALUES WITH (modulus 8, remainder 5)") == .hash(modulus: 8, remainder: 5))
        #expect(ForeignPartitionCatalog.bucket("FOR VALUES FROM (1) TO (10)") == nil)
        #expect(ForeignPartitionCatalog.bucket("FOR VALUES WITH (modulus 4, remainder 4)") == nil)
        #expect(ForeignPartitionCatalog.bucket("DEFAULT") == nil)
    }

    /// Citus is not in this machine's packages: the provider is exercised only where it is installed.
    @Test(.enabled(if: citusIsInstalled(), "Citus is not installed on the test server (pg_available_extensions has no citus)"))
    func citusDistributedTablesGiveOneShardPerColocatedRange() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        try connection.execute("CREATE EXTENSION citus")
        try database.createSourceTables(connection)
        try connection.execute("ALTER TABLE src.transactions DROP CONSTRAINT transactions_pkey")
        for relation in ["members", "member_channels", "member_locations", "transactions"] {
            try connection.execute("SELECT create_distributed_table('src.\(relation)', 'member_id', colocate_with => 'default', shard_count => 4)")
        }
        guard case .sharded(let map) = try ShardCatalog.layout(connection, config: Self.config()) else {
            Issue.record("expected a Citus shard map")
            return
        }
        #expect(map.provider == .citus && map.shards.count == 4)
    }

    static func citusIsInstalled() -> Bool {
        guard let connection = try? TestDatabase().connect() else { return false }
        return (try? connection.query("SELECT count(*) FROM pg_available_extensions WHERE name = 'citus'").scalar) == "1"
    }
}
