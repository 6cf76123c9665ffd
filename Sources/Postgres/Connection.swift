internal import CLibPQ

/// One libpq connection, used by one task at a time.
///
/// Stages are synchronous batch code, so the wrapper is blocking on purpose: no event loop, no pool.
/// Everything bulk goes through COPY (see `Connection+Copy.swift`); `query` is for small results.
///
/// `@unchecked Sendable` because a connection may be handed to a worker thread as a whole; it is never
/// used by two threads at once (each stage worker opens its own), and the only cross-thread call,
/// ``CancelHandle/cancel()``, goes through libpq's thread-safe `PQcancel`.
public final class Connection: @unchecked Sendable {
    let handle: OpaquePointer
    public let connectionString: ConnectionString

    /// Opens a connection and fixes the session settings the pipeline relies on.
    public init(_ connectionString: ConnectionString, applicationName: String = "reactivate") throws {
        self.connectionString = connectionString
        guard let handle = PQconnectdb(connectionString.conninfo) else {
            throw PostgresError(kind: .connection, operation: "connect", message: "libpq could not allocate a connection")
        }
        self.handle = handle
        guard PQstatus(handle) == CONNECTION_OK else {
            let message = connectionString.redact(Connection.errorText(handle))
            PQfinish(handle)
            throw PostgresError(kind: .connection, operation: "connect to \(connectionString)", message: message)
        }
        finished = false
        _ = try? query("SELECT set_config('application_name', \(applicationName), false)")
        // SQL.inlined escapes literals by doubling quotes, which is the whole rule only under this setting.
        try execute("SET client_min_messages = warning; SET standard_conforming_strings = on")
    }

    private var finished = true

    deinit {
        if !finished { PQfinish(handle) }
    }

    /// Closes the connection now instead of at deinit.
    public func close() {
        if !finished {
            PQfinish(handle)
            finished = true
        }
    }

    /// The server's version number, e.g. 150018.
    public var serverVersion: Int { Int(PQserverVersion(handle)) }

    /// Runs a statement without parameters or with text parameters (`$1`, `$2`…) and returns its rows.
    ///
    /// Parameters travel separately from the SQL text (`PQexecParams`), so values can never change the
    /// statement. Their values never appear in errors.
    @discardableResult
    public func query(_ sql: SQL, operation: String? = nil) throws -> QueryResult {
        let statement = sql.parameterized
        return try query(statement.text, statement.values, operation: operation)
    }

    /// Runs a statement with its values given apart, for tests only (`@_spi(Testing) import Postgres`):
    /// code uses the ``SQL`` form, which binds each interpolated value and cannot misnumber them.
    @discardableResult
    @_spi(Testing) public func query(_ sql: String, _ parameters: [any PostgresParameter], operation: String? = nil) throws -> QueryResult {
        try query(sql, parameters.map { $0.postgresText }, operation: operation)
    }

    private func query(_ sql: String, _ texts: [String?], operation: String?) throws -> QueryResult {
        let result = withCStrings(texts) { pointers in
            PQexecParams(handle, sql, Int32(pointers.count), nil, pointers, nil, nil, 0)
        }
        return try QueryResult(consuming: result, connection: self, operation: operation ?? Connection.summary(of: sql))
    }

    /// Runs one or more statements with no parameters (migrations, DDL).
    @discardableResult
    public func execute(_ sql: String, operation: String? = nil) throws -> QueryResult {
        let result = PQexec(handle, sql)
        return try QueryResult(consuming: result, connection: self, operation: operation ?? Connection.summary(of: sql))
    }

    /// Runs `body` inside a transaction: COMMIT when it returns, ROLLBACK when it throws.
    public func transaction<T>(_ body: () throws -> T) throws -> T {
        try execute("BEGIN")
        do {
            let value = try body()
            try execute("COMMIT")
            return value
        } catch {
            if PQtransactionStatus(handle) != PQTRANS_IDLE {
                _ = PQexec(handle, "ROLLBACK").map { PQclear($0) }
            }
            throw error
        }
    }

    /// True while the connection is inside an open transaction block.
    public var inTransaction: Bool {
        let status = PQtransactionStatus(handle)
        return status == PQTRANS_INTRANS || status == PQTRANS_INERROR
    }

    /// A handle another thread (a signal watcher) can use to cancel the running statement.
    public func cancelHandle() -> CancelHandle? {
        guard let cancel = PQgetCancel(handle) else { return nil }
        return CancelHandle(cancel)
    }

    /// Quotes a string as a SQL literal; only for the few statements (SET) that take no parameters.
    public static func quoteLiteral(_ value: String) -> String {
        "'" + value.replacingAll("'", with: "''") + "'"
    }

    /// Quotes an identifier (schema, table) so a config value can never become SQL.
    public static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    static func errorText(_ handle: OpaquePointer) -> String {
        guard let raw = PQerrorMessage(handle) else { return "unknown libpq error" }
        return String(cString: raw).trimmingTrailingWhitespace()
    }

    /// First words of a statement, for "what failed" without dumping whole SQL.
    static func summary(of sql: String) -> String {
        let words = sql.split(whereSeparator: { $0 == " " || $0 == "\n" || $0 == "\t" }).prefix(4)
        return "query '" + words.joined(separator: " ") + (words.count == 4 ? " …'" : "'")
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var text = self
        while let last = text.last, last.isWhitespace { text.removeLast() }
        return text
    }
}

/// Runs `body` with a C array of optional C strings that lives exactly as long as the call.
func withCStrings<R>(_ strings: [String?], _ body: ([UnsafePointer<CChar>?]) throws -> R) rethrows -> R {
    var owned: [UnsafeMutablePointer<CChar>?] = []
    owned.reserveCapacity(strings.count)
    defer { for pointer in owned { pointer?.deallocate() } }
    for string in strings {
        guard let string else { owned.append(nil); continue }
        let utf8 = Array(string.utf8)
        let pointer = UnsafeMutablePointer<CChar>.allocate(capacity: utf8.count + 1)
        for (index, byte) in utf8.enumerated() { pointer[index] = CChar(bitPattern: byte) }
        pointer[utf8.count] = 0
        owned.append(pointer)
    }
    return try body(owned.map { $0.map { UnsafePointer($0) } })
}
