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
