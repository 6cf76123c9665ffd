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
