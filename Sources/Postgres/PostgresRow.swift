/// One row of a small query result, decoded to Swift types by column index.
///
/// A NULL where a value is required, or text that is not the asked-for type, throws an error naming
/// the statement and the column instead of turning into a silent default.
public struct PostgresRow: Sendable {
    let values: [String?]
    let columns: [String]
    let operation: String

    public var count: Int { values.count }

    public func isNull(_ column: Int) -> Bool { values[column] == nil }

    /// The value of `column`; throws on NULL.
    public func decode<Value: PostgresTextDecodable>(_ column: Int, as type: Value.Type = Value.self) throws -> Value {
        guard let value = try decodeIfPresent(column, as: type) else {
            throw PostgresError(kind: .query, operation: operation, message: "column \(name(column)) is NULL")
        }
        return value
    }

    /// The value of `column`, or nil for NULL.
    public func decodeIfPresent<Value: PostgresTextDecodable>(_ column: Int, as type: Value.Type = Value.self) throws -> Value? {
        guard let text = values[column] else { return nil }
        guard let value = Value(postgresText: text) else {
            throw PostgresError(
                kind: .query, operation: operation, message: "column \(name(column)) is not \(Value.self): '\(text.prefix(40))'")
        }
        return value
    }

    private func name(_ column: Int) -> String { column < columns.count ? "'\(columns[column])'" : "#\(column + 1)" }
}
