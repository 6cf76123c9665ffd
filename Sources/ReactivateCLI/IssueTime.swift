import Foundation

/// `--issue-at` values: ISO 8601 with an explicit zone, to microseconds since 2000-01-01 UTC.
enum IssueTime {
    static func parse(_ text: String) -> Int64? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var date = formatter.date(from: text)
        if date == nil {
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            date = formatter.date(from: text)
        }
        guard let date else { return nil }
        return Int64(((date.timeIntervalSince1970 - 946_684_800) * 1_000_000).rounded())
    }
}
