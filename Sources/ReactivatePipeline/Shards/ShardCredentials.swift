import Foundation

/// How a shard server is reached: `[shards.servers]` when it names the server, else what the catalog
/// says (host, port, dbname, the user mapping's user and password where readable) — and libpq's own
/// rules (`~/.pgpass`, `PG*` variables) for anything left out.
struct ShardCredentials: Sendable {
    /// `[shards.servers]`: server name → conninfo.
    let overrides: [String: String]
    /// The coordinator session's user: the user when a mapping names none.
    let user: String
    /// The coordinator's database: a Citus worker's database has the same name.
    let database: String

    /// The libpq options postgres_fdw passes on from a server or user mapping (the rest are its own).
    static let libpqOptions: Set<String> = [
        "host", "hostaddr", "port", "dbname", "user", "password", "sslmode", "sslcert", "sslkey", "sslrootcert",
        "sslcrl", "sslpassword", "connect_timeout", "gssencmode", "krbsrvname", "channel_binding", "target_session_attrs",
        "application_name", "keepalives", "keepalives_idle", "keepalives_interval", "keepalives_count", "tcp_user_timeout",
    ]

    /// A server from its catalog options (server first, then mapping; a later value wins).
    func server(named name: String, options: [(String, String)]) -> ShardServer {
        var values: [String: String] = [:]
        var keys: [String] = []
        for (key, value) in options where Self.libpqOptions.contains(key) {
            if values[key] == nil { keys.append(key) }
            values[key] = value
        }
        if values["user"] == nil, !user.isEmpty {
            keys.append("user")
            values["user"] = user
        }
        let conninfo = overrides[name] ?? keys.map { "\($0)=\(Self.quote(values[$0] ?? ""))" }.joined(separator: " ")
        let parsed = overrides[name].map(Self.parse) ?? values
        return ShardServer(name: name, host: parsed["host"] ?? parsed["hostaddr"], port: parsed["port"], dbname: parsed["dbname"], conninfo: conninfo)
    }

    /// A conninfo value in single quotes, as libpq reads it.
    static func quote(_ value: String) -> String {
        "'" + value.replacing("\\", with: "\\\\").replacing("'", with: "\\'") + "'"
    }

    /// The host, port and dbname of a `[shards.servers]` string, for messages (URL or key=value).
    static func parse(_ conninfo: String) -> [String: String] {
        var values: [String: String] = [:]
        if conninfo.contains("://") {
            let rest = conninfo.split(separator: "://", maxSplits: 1).last.map(String.init) ?? ""
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            let hostPort = authority.split(separator: "@").last.map(String.init) ?? ""
            let pieces = hostPort.split(separator: ":", maxSplits: 1).map(String.init)
            if let host = pieces.first, !host.isEmpty { values["host"] = host }
            if pieces.count > 1 { values["port"] = pieces[1] }
            let path = rest.dropFirst(authority.count)
            if path.hasPrefix("/") {
                let name = path.dropFirst().prefix { $0 != "?" }
                if !name.isEmpty { values["dbname"] = String(name) }
            }
            return values
        }
        for pair in conninfo.split(separator: " ") {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            if parts.count == 2 { values[parts[0]] = parts[1].trimmingCharacters(in: ["'"]) }
        }
        return values
    }
}
