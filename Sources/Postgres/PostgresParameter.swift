/// A value that can be bound to `$n` in text format.
///
/// Text format keeps binding simple and exact for the handful of small statements the pipeline runs;
/// bulk values go through binary COPY instead.
public protocol PostgresParameter: Sendable {
    /// The value's text form, or nil for SQL NULL.
    var postgresText: String? { get }
}

extension String: PostgresParameter { public var postgresText: String? { self } }
extension Int: PostgresParameter { public var postgresText: String? { String(self) } }
extension Int64: PostgresParameter { public var postgresText: String? { String(self) } }
extension Int32: PostgresParameter { public var postgresText: String? { String(self) } }
extension Bool: PostgresParameter { public var postgresText: String? { self ? "true" : "false" } }
extension Double: PostgresParameter {
    /// Shortest round-tripping decimal form; PostgreSQL reads "nan"/"inf" spelled its own way.
    public var postgresText: String? {
        if isNaN { return "NaN" }
        if isInfinite { return self > 0 ? "Infinity" : "-Infinity" }
        return "\(self)"
    }
}
extension Optional: PostgresParameter where Wrapped: PostgresParameter {
    public var postgresText: String? { self?.postgresText }
}

/// SQL NULL of any type.
public struct SQLNull: PostgresParameter {
    public init() {}
    public var postgresText: String? { nil }
}
