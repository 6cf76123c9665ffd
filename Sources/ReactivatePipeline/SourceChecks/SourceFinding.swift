/// One result of a data test on the mapped source: what is wrong, where, how often, and how to fix it.
///
/// Errors stop `validate` and a live run's preflight (exit 2); warnings go to the run's stats and log.
/// The rule deciding which is which lives in ``SourceChecks`` and `sql/source/README.md`.
public struct SourceFinding: Sendable, Equatable, CustomStringConvertible {
    public enum Severity: String, Sendable, Equatable {
        case error
        case warning
    }

    /// The dbt-style test that produced it: `unique`, `not_null`, `accepted_values`, `coordinates`,
    /// `lat_lng_swap`, `basket_band`, `relationships`, `accepted_channels`, `freshness`.
    public var check: String
    public var severity: Severity
    /// Schema-qualified relation, e.g. `crm_src.member_channels`.
    public var relation: String
    /// The column or columns the finding is about, e.g. `member_id, channel`.
    public var column: String
    /// How many rows (or values) are affected; in a sample when ``sampled`` is set.
    public var count: Int64
    /// A few offending values, already quoted for reading.
    public var examples: [String]
    /// One sentence saying what is wrong.
    public var message: String
    /// What to change, usually in the view.
    public var fix: String
    /// The number of rows looked at when the test read a bounded sample instead of the whole relation.
    public var sampled: Int64?

    public init(
        check: String, severity: Severity, relation: String, column: String, count: Int64,
        examples: [String], message: String, fix: String, sampled: Int64? = nil
    ) {
        self.check = check
        self.severity = severity
        self.relation = relation
        self.column = column
        self.count = count
        self.examples = examples
        self.message = message
        self.fix = fix
        self.sampled = sampled
    }

    /// `relation.column: message (e.g. a, b, c)` then the fix on its own line.
    public var description: String {
        var text = "\(relation).\(column): \(message)"
        let shown = examples.filter { !message.contains($0) }
        if !shown.isEmpty { text += " (e.g. \(shown.joined(separator: ", ")))" }
        return text + "\n    fix: \(fix)"
    }

    /// The finding as JSON for the run's stats.
    public var json: JSONValue {
        var object: [String: JSONValue] = [
            "check": .string(check), "severity": .string(severity.rawValue), "relation": .string(relation),
            "column": .string(column), "count": .integer(count), "examples": .array(examples.map(JSONValue.string)),
            "message": .string(message), "fix": .string(fix),
        ]
        if let sampled { object["sampled"] = .integer(sampled) }
        return .object(object)
    }
}
