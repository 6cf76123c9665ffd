/// A failure talking to PostgreSQL, with the server's own fields kept apart so callers can give advice.
///
/// Never carries bound parameter values or the connection password: the message text comes from the
/// server or libpq and is passed through ``ConnectionString/redact(_:)`` before it gets here.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// Could not connect or the connection broke.
        case connection
        /// The server refused a statement.
        case query
        /// A COPY stream failed on either side.
        case copy
        /// A query was cancelled on request (SIGINT, SIGTERM).
        case cancelled
        /// The URL or key=value conninfo does not parse: a usage error, nothing was sent anywhere.
        case invalidConnectionString
    }

    /// Why connecting failed, read off libpq's and the server's message (which carry no SQLSTATE
    /// before a session exists), so the advice fits: a wrong password is not a server that is down.
    public enum ConnectFailure: String, Sendable {
        /// The string or one of its values cannot be used (bad URL, unknown option, port "abc").
        case invalidConnectionString
        /// The server answered and refused the credentials (password, role, pg_hba.conf, peer).
        case authentication
        /// The server answered but the database does not exist.
        case missingDatabase
        /// No server answered: down, wrong host or port, socket missing, timeout.
        case unreachable
    }

    public var kind: Kind
    /// What we were doing, in words: "connect", "COPY out", "migration 0002_x.sql".
    public var operation: String
    /// Five-character SQLSTATE when the server sent one (e.g. `42P01` undefined table).
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The constraint a violation names (`coupons_pkey`), so a caller can tell which one failed.
    public var constraint: String?

    public init(
        kind: Kind, operation: String, sqlState: String? = nil, message: String,
        detail: String? = nil, hint: String? = nil
    ) {
        self.kind = kind
        self.operation = operation
        self.sqlState = sqlState
        self.message = message
        self.detail = detail
        self.hint = hint
    }

    /// True when the failure says the server went away rather than that our statement was wrong.
    ///
    /// Refused credentials, a missing database and a malformed connection string are not losses:
    /// retrying or starting a server cannot help them.
    public var isConnectionLoss: Bool {
        if kind == .invalidConnectionString { return false }
        if let failure = connectFailure, failure != .unreachable { return false }
        if sqlState?.hasPrefix("28") == true || sqlState == "3D000" { return false }
        return kind == .connection || (sqlState?.hasPrefix("08") ?? false) || sqlState == "57P01"
            || sqlState == "57P02" || sqlState == "57P03"
    }

    /// For a failure to connect, what kind of failure it was; nil for errors of an open session.
    ///
    /// Matches the English texts of libpq (`fe-connect.c`, `fe-auth.c`) and the server's
    /// authentication messages (`auth.c`); a server with translated messages falls back to
    /// ``ConnectFailure/unreachable`` only for texts that say so, else nil.
    public var connectFailure: ConnectFailure? {
        if kind == .invalidConnectionString { return .invalidConnectionString }
        guard kind == .connection, operation.hasPrefix("connect") else { return nil }
        if sqlState?.hasPrefix("28") == true { return .authentication }
        if sqlState == "3D000" { return .missingDatabase }
        let text = message.lowercased()
        let authentication = [
            "password authentication failed", "authentication failed", "no password supplied",
            "no pg_hba.conf entry", "does not have connect privilege", "permission denied for database",
            "password is required", "role \"",
        ]
        if authentication.contains(where: text.contains) { return .authentication }
        if text.contains("database \""), text.contains("does not exist") { return .missingDatabase }
        // libpq rejects options before it tries any server, so these never carry "connection to server".
        let invalid = ["invalid ", "missing \"=\" after", "unterminated quoted string", "could not parse"]
        if !text.contains("connection to server"), invalid.contains(where: text.contains) {
            return .invalidConnectionString
        }
        let unreachable = [
            "connection refused", "no such file or directory", "could not translate host name", "timeout expired",
            "server closed the connection", "network is unreachable", "no route to host", "could not connect",
            "the database system is starting up", "the database system is shutting down", "connection to server",
        ]
        if unreachable.contains(where: text.contains) { return .unreachable }
        return nil
    }

    public var description: String {
        var text = "\(operation) failed"
        if let sqlState { text += " [SQLSTATE \(sqlState)]" }
        text += ": \(message)"
        if let detail, !detail.isEmpty { text += "\n  detail: \(detail)" }
        if let hint, !hint.isEmpty { text += "\n  hint: \(hint)" }
        return text
    }
}
