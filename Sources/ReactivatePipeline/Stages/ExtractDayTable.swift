import ReactivateCore

/// A scan thread's own copy of the business calendar's midnights, read through a pointer.
///
/// `BusinessCalendar.day(of:)` is not inlined across modules and retains the calendar's array on every
/// call; with both scan threads doing so per row, that one reference count bounced between the cores.
/// The same mapping on a private copy, with no reference in it, costs neither. The owner (the spill)
/// frees it with `deallocate()`.
struct ExtractDayTable: @unchecked Sendable {
    private let midnights: UnsafeMutablePointer<Int64>
    private let count: Int
    private let firstDay: Int32
    /// `PostgresEpoch.microsecondsPerDay` as a literal: another module's `static let` is read through
    /// an accessor call.
    private static let length: Int64 = 86_400_000_000

    init(_ calendar: BusinessCalendar) {
        count = calendar.midnights.count
        firstDay = calendar.firstDay
        midnights = .allocate(capacity: count)
        calendar.midnights.withUnsafeBufferPointer { midnights.initialize(from: $0.baseAddress!, count: count) }
    }

    func deallocate() { midnights.deallocate() }

    /// The same day as `BusinessCalendar.day(of:)`, extrapolation outside the table included.
    @inline(__always)
    func day(of instant: Int64) -> Int32 {
        let first = midnights[0]
        if instant < first { return firstDay - Int32((first - instant + Self.length - 1) / Self.length) }
        var index = Int((instant - first) / Self.length)
        if index >= count { return firstDay + Int32(count - 1) + Int32((instant - midnights[count - 1]) / Self.length) }
        while index > 0 && midnights[index] > instant { index -= 1 }
        while index + 1 < count && midnights[index + 1] <= instant { index += 1 }
        return firstDay + Int32(index)
    }
}
