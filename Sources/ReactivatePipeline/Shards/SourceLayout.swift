import Foundation

/// How the extract reads the source: through one server, or shard by shard from each shard's server.
public enum SourceLayout: Sendable, Hashable {
    /// Today's path: every relation through the configured server. The reason is logged.
    case oneServer(reason: String)
    case sharded(ShardMap)
}
