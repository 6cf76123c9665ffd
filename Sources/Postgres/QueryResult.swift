internal import CLibPQ

/// The rows of a small statement, copied out of libpq as text and freed at once.
///
/// Bulk data never comes through here; it streams through COPY. Copying keeps ownership trivial:
/// no `PGresult` outlives the call that produced it.
public struct QueryResult: Sendable, RandomAccessCollection {
    public let columns: [String]
    /// The raw text values, for tests only (`@_spi(Testing) import Postgres`): code reads rows through
    /// ``PostgresRow``, which names the column when a value is NULL or not the asked-for type.
    @_spi(Testing) public let rows: [[String?]]
    let operation: String
    /// Rows affected, from the command tag (INSERT/UPDATE/DELETE), else 0.
    public let affectedRows: Int

    init(consuming result: OpaquePointer?, connection: Connection, operation: String) throws {
        guard let result else {
            throw PostgresError(
                kind: .connection, operation: operation,
                message: connection.connectionString.redact(Connection.errorText(connection.handle)))
        }
        defer { PQclear(result) }
        self.operation = operation
        let status = PQresultStatus(result)
        switch status {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            break
        default:
            throw PostgresError(result: result, connection: connection, operation: operation)
        }
        let columnCount = Int(PQnfields(result))
        let rowCount = Int(PQntuples(result))
        columns = (0..<columnCount).map { String(cString: PQfname(result, Int32($0))) }
        var rows: [[String?]] = []
        rows.reserveCapacity(rowCount)
        for row in 0..<rowCount {
            var values: [String?] = []
            values.reserveCapacity(columnCount)
            for column in 0..<columnCount {
                if PQgetisnull(result, Int32(row), Int32(column)) == 1 {
                    values.append(nil)
                } else {
                    values.append(String(cString: PQgetvalue(result, Int32(row), Int32(column))))
                }
            }
            rows.append(values)
        }
        self.rows = rows
        affectedRows = Int(String(cString: PQcmdTuples(result))) ?? 0
    }

    /// The single value of a one-row, one-column result as raw text, or nil; for tests only. Code asks
    /// for a type with ``scalar(_:)``.
    @_spi(Testing) public var scalar: String? { rows.first?.first ?? nil }

    public var startIndex: Int { 0 }
    public var endIndex: Int { rows.count }
    public subscript(position: Int) -> PostgresRow {
        PostgresRow(values: rows[position], columns: columns, operation: operation)
    }

    /// The first column of the first row decoded, or nil when there is no row or it is NULL.
    public func scalar<Value: PostgresTextDecodable>(_ type: Value.Type) throws -> Value? {
        try first?.decodeIfPresent(0, as: type)
    }

    /// Raw text by row index and column name; for tests only.
    @_spi(Testing) public func value(_ row: Int, _ column: String) -> String? {
        guard let index = columns.firstIndex(of: column) else { return nil }
        return rows[row][index]
    }
}
