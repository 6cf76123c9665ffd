import Postgres

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
