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
    public var isConnectionLoss: Bool {
        kind == .connection || (sqlState?.hasPrefix("08") ?? false) || sqlState == "57P01"
            || sqlState == "57P02" || sqlState == "57P03"
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
