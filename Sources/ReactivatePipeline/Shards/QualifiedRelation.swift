import Postgres

/// A relation named by schema and table, quoted wherever it reaches SQL.
///
/// Shard partitions live under any names on their servers (`shard.transactions_p3`), so the names come
/// from the catalog rather than the config and are carried quoted, never spliced as text.
public struct QualifiedRelation: Sendable, Hashable, CustomStringConvertible {
    public let schema: String
    public let table: String

    public init(schema: String, table: String) {
        self.schema = schema
        self.table = table
    }

    /// `"schema"."table"` for a FROM clause.
    public var sql: SQL { "\(identifier: schema).\(identifier: table)" }
    /// The quoted name as text, for `to_regclass($1)`.
    public var regclassText: String { Connection.quoteIdentifier(schema) + "." + Connection.quoteIdentifier(table) }
    public var description: String { "\(schema).\(table)" }
}
