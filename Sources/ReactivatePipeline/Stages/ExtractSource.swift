import Postgres

/// One server's share of the extract: where to connect and the member-keyed relations' names there.
struct ExtractSource: Sendable {
    let relations: SourceRelations
    let connectionString: ConnectionString
    /// The shard, when the source is sharded: named in errors and logs.
    let shard: Shard?

    /// The source schema on the configured server (today's one-server path).
    init(schema: SQLIdentifier, connectionString: ConnectionString) {
        relations = SourceRelations(schema: schema.name)
        self.connectionString = connectionString
        shard = nil
    }

    /// A shard, read on its own server; a local partition on the coordinator itself.
    init(shard: Shard, coordinator: ConnectionString) {
        relations = shard.relations
        connectionString = shard.server?.connectionString ?? coordinator
        self.shard = shard
    }
}
