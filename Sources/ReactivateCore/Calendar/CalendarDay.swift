/// A calendar date such as a run's as-of date D, as days since 2000-01-01 (PostgreSQL's `date` epoch).
///
/// Parsed once from the command line and carried as this type to the SQL that binds it, so no stage
/// formats or re-parses dates.
public struct CalendarDay: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let number: Int32

    public init(_ number: Int32) { self.number = number }

    /// Parses `YYYY-MM-DD` strictly, or nil.
    public init?(parsing text: String) {
        guard let number = PostgresEpoch.parseDate(text) else { return nil }
        self.number = number
    }

    public func adding(days: Int) -> CalendarDay { CalendarDay(number + Int32(days)) }

    /// Days from `other` to this day.
    public func days(since other: CalendarDay) -> Int { Int(number - other.number) }

    public var description: String { PostgresEpoch.format(number) }

    public static func < (left: CalendarDay, right: CalendarDay) -> Bool { left.number < right.number }
}

/// An instant as microseconds since 2000-01-01 00:00 UTC (PostgreSQL's `timestamptz` epoch).
public struct Instant: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public let microseconds: Int64

    public init(microseconds: Int64) { self.microseconds = microseconds }

    public func adding(days: Int) -> Instant { Instant(microseconds: microseconds + Int64(days) * PostgresEpoch.microsecondsPerDay) }

    /// `YYYY-MM-DD HH:MM:SS.ffffff+00`, which PostgreSQL reads back exactly as a `timestamptz`.
    public var description: String {
        let perDay = PostgresEpoch.microsecondsPerDay
        var day = microseconds / perDay
        var rest = microseconds % perDay
        if rest < 0 { rest += perDay; day -= 1 }
        let seconds = rest / 1_000_000
        func pad(_ value: Int64, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(PostgresEpoch.format(Int32(day))) \(pad(seconds / 3600, 2)):\(pad(seconds / 60 % 60, 2)):\(pad(seconds % 60, 2)).\(pad(rest % 1_000_000, 6))+00"
    }

    public static func < (left: Instant, right: Instant) -> Bool { left.microseconds < right.microseconds }
}
