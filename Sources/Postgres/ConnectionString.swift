internal import CLibPQ

/// How to reach the server: an explicit URL or key=value string, or libpq's own environment.
///
/// An empty conninfo makes libpq read `PGHOST`, `PGDATABASE`, `PGUSER`, `PGPASSWORD`, `~/.pgpass`…,
/// which is exactly SPEC's "else the PG* environment variables and ~/.pgpass" rule.
public struct ConnectionString: Sendable, CustomStringConvertible {
    public let conninfo: String

    public init(_ conninfo: String) { self.conninfo = conninfo }

    /// `--database-url`, else `DATABASE_URL`, else libpq's environment.
    public static func resolve(explicit: String?, environment: [String: String]) -> ConnectionString {
        if let explicit, !explicit.isEmpty { return ConnectionString(explicit) }
        if let url = environment["DATABASE_URL"], !url.isEmpty { return ConnectionString(url) }
        return ConnectionString("")
    }

    /// The password embedded in the conninfo, if any, so it can be scrubbed from messages.
    var password: String? {
        guard !conninfo.isEmpty, let options = PQconninfoParse(conninfo, nil) else { return nil }
        defer { PQconninfoFree(options) }
        var cursor = options
        while let keyword = cursor.pointee.keyword {
            if String(cString: keyword) == "password", let value = cursor.pointee.val {
                let password = String(cString: value)
                return password.isEmpty ? nil : password
            }
            cursor += 1
        }
        return nil
    }

    /// The same server and credentials with another database name, as a key=value conninfo.
    ///
    /// Works for URLs and key=value strings alike because libpq parses both; used by tests that give
    /// each case a database of its own, and by tools that create one.
    public func replacingDatabase(_ name: String) -> ConnectionString {
        var pairs: [(String, String)] = []
        if let options = PQconninfoParse(conninfo, nil) {
            defer { PQconninfoFree(options) }
            var cursor = options
            while let keyword = cursor.pointee.keyword {
                if let value = cursor.pointee.val {
                    let key = String(cString: keyword)
                    if key != "dbname" { pairs.append((key, String(cString: value))) }
                }
                cursor += 1
            }
        }
        pairs.append(("dbname", name))
        func quote(_ value: String) -> String {
            "'" + value.replacingAll("\\", with: "\\\\").replacingAll("'", with: "\\'") + "'"
        }
        return ConnectionString(pairs.map { "\($0.0)=\(quote($0.1))" }.joined(separator: " "))
    }

    /// Removes the password from any text that may echo connection details.
    public func redact(_ text: String) -> String {
        guard let password, password.count >= 1 else { return text }
        return text.replacingAll(password, with: "********")
    }

    /// The conninfo with its password masked: safe for logs and error messages.
    public var description: String {
        conninfo.isEmpty ? "(libpq environment: PGHOST, PGDATABASE, …)" : redact(conninfo)
    }
}

extension String {
    func replacingAll(_ target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var result = ""
        var rest = self[...]
        while let range = rest.firstRange(of: target) {
            result += rest[..<range.lowerBound]
            result += replacement
            rest = rest[range.upperBound...]
        }
        result += rest
        return result
    }
}
