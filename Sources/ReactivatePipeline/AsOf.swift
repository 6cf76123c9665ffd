import ReactivateCore

/// The run date a request asks for: a given day, or today in the business time zone, which only the
/// run plan can tell (it asks the server; the host's zone never decides which day it is).
public enum AsOf: Sendable, Hashable, CustomStringConvertible {
    case day(CalendarDay)
    case today

    public var description: String {
        switch self {
        case .day(let day): day.description
        case .today: "today"
        }
    }
}
