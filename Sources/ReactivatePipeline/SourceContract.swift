import Postgres

/// The source relations and column types the pipeline reads, checked before a run touches data.
///
/// `reactivate validate` compares a schema (tables or an operator's views) against this contract, so a
/// missing column or a wrong type is reported by name, with the fix, instead of failing mid-stage.
public enum SourceContract {
    public static let relations: [(name: String, columns: [(String, String)])] = [
        ("stores", [("store_id", "bigint"), ("name", "text"), ("latitude", "double precision"), ("longitude", "double precision"),
                    ("opened_on", "date"), ("closed_on", "date")]),
        ("members", [("member_id", "bigint"), ("joined_at", "timestamp with time zone"), ("home_store_id", "bigint"),
                     ("marketing_consent", "boolean"), ("opted_out_at", "timestamp with time zone")]),
        ("member_locations", [("member_id", "bigint"), ("latitude", "double precision"), ("longitude", "double precision"),
                              ("observed_at", "timestamp with time zone"), ("source", "text")]),
        ("member_channels", [("member_id", "bigint"), ("channel", "text"), ("verified_at", "timestamp with time zone"),
                             ("last_delivered_at", "timestamp with time zone"), ("last_failed_at", "timestamp with time zone")]),
        ("transactions", [("txn_id", "bigint"), ("member_id", "bigint"), ("store_id", "bigint"),
                          ("occurred_at", "timestamp with time zone"), ("amount", "numeric"), ("coupon_code", "text")]),
    ]

    /// Every problem found, one sentence each; empty when the schema fits the contract.
    public static func problems(_ connection: Connection, schema: String) throws -> [String] {
        try Identifier.validate(schema, what: "source.schema")
        let result = try connection.query(
            """
            SELECT c.relname, a.attname, format_type(a.atttypid, NULL)
            FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
            WHERE n.nspname = \(schema) AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
            """, operation: "read source schema")
        var found: [String: [String: String]] = [:]
        for row in result {
            guard let type = try row.decodeIfPresent(2, as: String.self) else { continue }
            found[try row.decode(0, as: String.self), default: [:]][try row.decode(1, as: String.self)] = type
        }
        var problems: [String] = []
        for (relation, columns) in relations {
            guard let actual = found[relation] else {
                problems.append("\(schema).\(relation) is missing: create it or a view with that name (see sql/source/README.md)")
                continue
            }
            for (column, type) in columns {
                guard let actualType = actual[column] else {
                    problems.append("\(schema).\(relation) has no column \(column) (\(type)): add or alias it in the view")
                    continue
                }
                if actualType != type {
                    problems.append("\(schema).\(relation).\(column) is \(actualType), expected \(type): cast it in the view (\(column)::\(type))")
                }
            }
        }
        return problems
    }
}
