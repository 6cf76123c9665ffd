import Postgres
import ReactivateCore

// The core's calendar types bind straight into SQL: a date as `YYYY-MM-DD`, an instant in UTC with
// microseconds, both read back exactly by the server.
extension CalendarDay: PostgresParameter {
    public var postgresText: String? { description }
}

extension Instant: PostgresParameter {
    public var postgresText: String? { description }
}

extension RunMode: PostgresParameter {
    public var postgresText: String? { rawValue }
}

extension StageName: PostgresParameter {
    public var postgresText: String? { rawValue }
}

/// SQL fragments that turn server values into the core's units, written once.
public enum PostgresUnits {
    /// Microseconds since 2000-01-01 UTC of a `timestamptz` expression, exact.
    public static func microseconds(_ expression: SQL) -> SQL {
        "(extract(epoch FROM (\(expression)) - TIMESTAMPTZ '2000-01-01 00:00:00+00') * 1000000)::int8"
    }

    /// Days since 2000-01-01 of a `date` expression.
    public static func dayNumber(_ expression: SQL) -> SQL { "((\(expression)) - DATE '2000-01-01')" }
}
