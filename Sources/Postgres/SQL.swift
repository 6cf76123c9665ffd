/// A statement with its values kept apart from its text, built by string interpolation.
///
/// `"… WHERE campaign = \(campaign)"` becomes `$1` plus a bound value, so a value can never change the
/// statement; `\(identifier: name)` quotes a validated identifier. Statements that take no bind
/// parameters (COPY) get the same values inlined as quoted literals by ``inlined``, in this one place,
/// so no caller builds literals by hand. Like postgres-nio's `PostgresQuery`, but for libpq's text
/// parameters.
public struct SQL: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    enum Segment: Sendable {
        case text(String)
        case value(String?)
    }

    private(set) var segments: [Segment]

    public init(stringLiteral value: String) { segments = [.text(value)] }

    public init(stringInterpolation: StringInterpolation) { segments = stringInterpolation.segments }

    /// Trusted SQL text from the program itself (migrations, DDL), never from input.
    public init(trusted text: String) { segments = [.text(text)] }

    public struct StringInterpolation: StringInterpolationProtocol, Sendable {
        var segments: [Segment] = []

        public init(literalCapacity: Int, interpolationCount: Int) {
            segments.reserveCapacity(interpolationCount * 2 + 1)
        }

        public mutating func appendLiteral(_ literal: String) { segments.append(.text(literal)) }

        /// A value, bound as a parameter (`$n`) or inlined as a quoted literal for COPY.
        public mutating func appendInterpolation(_ value: some PostgresParameter) {
            segments.append(.value(value.postgresText))
        }

        /// An optional value: NULL when nil.
        public mutating func appendInterpolation<Value: PostgresParameter>(_ value: Value?) {
            segments.append(.value(value?.postgresText))
        }

        /// An identifier (schema, table), double-quoted.
        public mutating func appendInterpolation(_ identifier: SQLIdentifier) {
            segments.append(.text(identifier.quoted))
        }

        /// Any name as a double-quoted identifier: quoting makes every name safe to splice.
        public mutating func appendInterpolation(identifier name: String) {
            segments.append(.text(Connection.quoteIdentifier(name)))
        }

        /// Another statement fragment, its values carried along.
        public mutating func appendInterpolation(_ fragment: SQL) {
            segments.append(contentsOf: fragment.segments)
        }
    }

    /// Appends a fragment, values and all.
    public static func + (left: SQL, right: SQL) -> SQL {
        var joined = left
        joined.segments.append(contentsOf: right.segments)
        return joined
    }

    /// Text with `$1`, `$2`… placeholders and the values in order, for `PQexecParams`.
    var parameterized: (text: String, values: [String?]) {
        var text = ""
        var values: [String?] = []
        for segment in segments {
            switch segment {
            case .text(let part): text += part
            case .value(let value):
                values.append(value)
                text += "$\(values.count)"
            }
        }
        return (text, values)
    }

    /// Text with every value inlined as a quoted literal, for statements that take no parameters.
    ///
    /// An untyped literal `'…'` is resolved by its context exactly as an untyped bind parameter is, so
    /// both forms mean the same. The connection fixes `standard_conforming_strings = on`, under which
    /// doubling quotes is the whole escaping; NUL cannot occur in PostgreSQL text.
    public var inlined: String {
        var text = ""
        for segment in segments {
            switch segment {
            case .text(let part): text += part
            case .value(nil): text += "NULL"
            case .value(let value?): text += "'" + value.replacingAll("'", with: "''") + "'"
            }
        }
        return text
    }

    /// The statement with placeholders, never the values: safe for logs and errors.
    public var description: String { parameterized.text }
}
