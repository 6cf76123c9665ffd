/// Day and instant arithmetic in PostgreSQL's epoch (2000-01-01), the unit every stage exchanges.
///
/// Binary COPY delivers `date` as days and `timestamptz` as microseconds since 2000-01-01 UTC; keeping
/// those units end to end avoids conversions on hot paths.
public enum PostgresEpoch {
    public static let microsecondsPerDay: Int64 = 86_400_000_000

    /// Days since 2000-01-01 for a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    public static func day(year: Int, month: Int, day: Int) -> Int32 {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let unixDays = era * 146_097 + dayOfEra - 719_468
        return Int32(unixDays - 10_957)
    }

    /// The calendar date of a day number.
    public static func civil(_ day: Int32) -> (year: Int, month: Int, day: Int) {
        let z = Int(day) + 10_957 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let d = dayOfYear - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yearOfEra + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Parses `YYYY-MM-DD` strictly (a real calendar date), or nil.
    public static func parseDate(_ text: String) -> Int32? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let dayOfMonth = Int(parts[2]),
            (1...12).contains(month), (1...31).contains(dayOfMonth)
        else { return nil }
        let value = day(year: year, month: month, day: dayOfMonth)
        let back = civil(value)
        guard back.year == year, back.month == month, back.day == dayOfMonth else { return nil }
        return value
    }

    /// `YYYY-MM-DD` for a day number.
    public static func format(_ day: Int32) -> String {
        let date = civil(day)
        func pad(_ value: Int, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(date.year, 4))-\(pad(date.month, 2))-\(pad(date.day, 2))"
    }
}
