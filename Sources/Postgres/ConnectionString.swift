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

    /// Checks the string parses as a libpq URL or key=value conninfo before anything connects.
    ///
    /// A malformed string is a usage error, not a server problem: the error says what libpq could not
    /// read (with any password masked) and how the two accepted forms look.
    /// - Throws: ``PostgresError`` of kind ``PostgresError/Kind/invalidConnectionString``.
    public func validate() throws {
        guard !conninfo.isEmpty else { return }
        var errorMessage: UnsafeMutablePointer<CChar>?
        if let options = PQconninfoParse(conninfo, &errorMessage) {
            PQconninfoFree(options)
            return
        }
        var reason = "libpq cannot parse it"
        if let errorMessage {
            reason = String(cString: errorMessage).trimmingTrailingWhitespace()
            PQfreemem(errorMessage)
        }
        throw PostgresError(
            kind: .invalidConnectionString, operation: "read the connection string \(description)",
            message: redact(reason))
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
    ///
    /// Also masks what looks like a password in a string libpq cannot parse (the `user:secret@` of a
    /// URL, a `password=` pair), since a malformed string has no parsed password to look for.
    public func redact(_ text: String) -> String {
        var text = text
        for secret in [password].compactMap({ $0 }) + lexicalPasswords where !secret.isEmpty {
            text = text.replacingAll(secret, with: "********")
        }
        return text
    }

    /// Password candidates read off the raw text: the URL's userinfo after ':' (raw and
    /// percent-decoded) and the value of a `password=` pair.
    private var lexicalPasswords: [String] {
        var found: [String] = []
        if let scheme = conninfo.firstRange(of: "://") {
            let rest = conninfo[scheme.upperBound...]
            let authority = rest.prefix { $0 != "/" && $0 != "?" }
            if let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") {
                let secret = String(authority[authority.index(after: colon)..<at])
                found.append(secret)
                if let decoded = secret.removingPercentEncodingIfValid, decoded != secret { found.append(decoded) }
            }
        }
        if let key = conninfo.firstRange(of: "password=") {
            var value = conninfo[key.upperBound...]
            if value.first == "'" {
                value = value.dropFirst()
                found.append(String(value.prefix { $0 != "'" }))
            } else {
                found.append(String(value.prefix { !$0.isWhitespace && $0 != "&" }))
            }
        }
        return found.filter { !$0.isEmpty }
    }

    /// The conninfo with its password masked: safe for logs and error messages.
    public var description: String {
        conninfo.isEmpty ? "(libpq environment: PGHOST, PGDATABASE, …)" : redact(conninfo)
    }
}

extension String {
    /// `%xx` sequences decoded as UTF-8; nil when one is malformed.
    var removingPercentEncodingIfValid: String? {
        var bytes: [UInt8] = []
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else { bytes.append(byte); continue }
            guard let high = iterator.next(), let low = iterator.next(),
                let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
            else { return nil }
            bytes.append(value)
        }
        return String(validating: bytes, as: UTF8.self)
    }

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
