internal import CLibPQ

/// libpq's `PG_DIAG_*` field codes are character macros Swift does not import.
enum DiagnosticField {
    static let sqlState = Int32(UInt8(ascii: "C"))
    static let primary = Int32(UInt8(ascii: "M"))
    static let detail = Int32(UInt8(ascii: "D"))
    static let hint = Int32(UInt8(ascii: "H"))
    static let constraint = Int32(UInt8(ascii: "n"))
}

extension PostgresError {
    /// Builds an error from a failed result's fields (SQLSTATE, primary message, detail, hint).
    init(result: OpaquePointer, connection: Connection, operation: String, kind: Kind = .query) {
        func field(_ code: Int32) -> String? {
            guard let raw = PQresultErrorField(result, code) else { return nil }
            return String(cString: raw)
        }
        let redact = connection.connectionString.redact
        let sqlState = field(DiagnosticField.sqlState)
        var message = field(DiagnosticField.primary) ?? {
            if let raw = PQresultErrorMessage(result) { return String(cString: raw) }
            return "unknown error"
        }()
        if message.isEmpty { message = Connection.errorText(connection.handle) }
        let lostConnection = PQstatus(connection.handle) == CONNECTION_BAD
        let resolvedKind: Kind =
            sqlState == "57014" ? .cancelled : (lostConnection ? .connection : kind)
        self.init(
            kind: resolvedKind, operation: operation, sqlState: sqlState,
            message: redact(message.trimmingTrailingWhitespace()),
            detail: field(DiagnosticField.detail).map(redact), hint: field(DiagnosticField.hint).map(redact))
        constraint = field(DiagnosticField.constraint)
    }
}
