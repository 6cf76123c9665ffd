import Foundation
import Logging
import Postgres
import ReactivateCore

/// Finds out from the coordinator's catalog whether the source is member-sharded, and where.
///
/// Citus distributed tables come first when the extension is installed; otherwise PostgreSQL's own
/// hash partitions (local tables or postgres_fdw foreign tables). Plain tables and views are one server.
public enum ShardCatalog {
    public static func layout(_ connection: Connection, config: PipelineConfig) throws -> SourceLayout {
        guard config.sourceShards == .auto else {
            return .oneServer(reason: "source.shards = \"off\": every relation is read through this server")
        }
        let user = try connection.query("SELECT current_user::text", operation: "read the current user").scalar(String.self) ?? ""
        let database = try connection.query("SELECT current_database()::text", operation: "read the database name").scalar(String.self) ?? ""
        let credentials = ShardCredentials(overrides: config.shardServers, user: user, database: database)
        if let map = try CitusShardCatalog.map(connection, schema: config.sourceSchema, credentials: credentials) {
            return .sharded(map)
        }
        return try ForeignPartitionCatalog.layout(connection, schema: config.sourceSchema, credentials: credentials)
    }
}
