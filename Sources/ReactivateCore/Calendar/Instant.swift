/// An instant as microseconds since 2000-01-01 00:00 UTC (PostgreSQL's `timestamptz` epoch).
public struct Instant: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public func adding(days: Int) -> Instant { Instant(microseconds: microseconds + Int64(days) * PostgresEpoch.microsecondsPerDay) }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, which PostgreSQL reads back exactly as a `timestamptz`.
    public var description: String {
        let (day, rest) = dayAndMicroseconds
        return "\(PostgresEpoch.format(day)) \(Self.clock(rest)).\(Self.pad(rest % 1_000_000, 6))+00"
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` in UTC, fractions of a second dropped (as `to_char` with `HH24:MI:SS` does).
    public var iso8601Seconds: String {
        let (day, rest) = dayAndMicroseconds
        return "\(PostgresEpoch.format(day))T\(Self.clock(rest))Z"
    }

    private var dayAndMicroseconds: (day: Int32, rest: Int64) {
        let perDay = PostgresEpoch.microsecondsPerDay
        var day = microseconds / perDay
        var rest = microseconds % perDay
        if rest < 0 { rest += perDay; day -= 1 }
        return (Int32(day), rest)
    }

    /// `HH:MM:SS` of microseconds into a day.
    private static func clock(_ rest: Int64) -> String {
        let seconds = rest / 1_000_000
        return "\(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2))"
    }

    private static func pad(_ value: Int64, _ width: Int) -> String {
        let text = String(value)
        return String(repeating: "0", count: max(0, width - text.count)) + text
    }

    public static func < (left: Instant, right: Instant) -> Bool { left.microseconds < right.microseconds }
}
