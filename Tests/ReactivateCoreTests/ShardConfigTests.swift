import ReactivateCore
import Testing

/// `source.shards` and `[shards.servers]`: how a member-sharded source is read.
@Suite struct ShardConfigTests {
    @Test func shardsDefaultToAutoWithNoServerOverrides() throws {
        let config = try PipelineConfig.load(text: "campaign = \"c\"\n", fileName: "c.toml")
        #expect(config.sourceShards == .auto)
        #expect(config.shardServers.isEmpty)
    }

    @Test func shardsOffAndServerConnectionStringsAreRead() throws {
        let config = try PipelineConfig.load(
            text: """
                campaign = "c"
                [source]
                shards = "off"
                [shards.servers]
                shard_a = "host=10.0.0.5 port=5433 dbname=crm"
                "10.0.0.6:5432" = "postgresql://reactivate@10.0.0.6/crm"
                """, fileName: "c.toml")
        #expect(config.sourceShards == .off)
        #expect(config.shardServers == ["shard_a": "host=10.0.0.5 port=5433 dbname=crm", "10.0.0.6:5432": "postgresql://reactivate@10.0.0.6/crm"])
    }

    @Test func anUnknownShardsModeNamesTheKeyAndTheTwoValues() {
        #expect(throws: ConfigError.self) { try PipelineConfig.load(text: "campaign = \"c\"\n[source]\nshards = \"on\"\n", fileName: "c.toml") }
        do {
            _ = try PipelineConfig.load(text: "campaign = \"c\"\n[source]\nshards = \"on\"\n", fileName: "c.toml")
        } catch {
            #expect(error.keyPath == "source.shards" && error.line == 3)
            #expect(error.reason.contains("\"auto\" or \"off\""))
        }
    }

    @Test func aServerThatIsNotAStringIsRefused() {
        do {
            _ = try PipelineConfig.load(text: "campaign = \"c\"\n[shards.servers]\nshard_a = 5432\n", fileName: "c.toml")
            Issue.record("a number was accepted as a connection string")
        } catch {
            #expect(error.keyPath == "shards.servers.shard_a" && error.line == 3)
        }
    }
}
