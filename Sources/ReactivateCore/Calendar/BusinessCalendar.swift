/// Maps instants to calendar days of the business time zone, without a time-zone library on the hot path.
///
/// Built from the UTC instants of consecutive local midnights (the database computes them with its own
/// tz rules, DST included); mapping an instant is then an O(1) guess plus at most a step or two, fast
/// enough for every transaction of a run.
public struct BusinessCalendar: Sendable {
    /// Day number (days since 2000-01-01) of `midnights[0]`.
    public let firstDay: Int32
    /// UTC µs since 2000-01-01 of each local midnight, one per day, strictly increasing.
    public let midnights: [Int64]

    public init(firstDay: Int32, midnights: [Int64]) {
        precondition(!midnights.isEmpty, "a calendar needs at least one midnight")
        self.firstDay = firstDay
        self.midnights = midnights
    }

    /// A calendar with a fixed UTC offset, for tests and zones without daylight saving time.
    public init(firstDay: Int32, days: Int, utcOffsetSeconds: Int64) {
        let day = PostgresEpoch.microsecondsPerDay
        let offset = utcOffsetSeconds * 1_000_000
        self.init(firstDay: firstDay, midnights: (0..<Int64(days)).map { (Int64(firstDay) + $0) * day - offset })
    }

    /// The local calendar day of an instant (µs since 2000-01-01 UTC).
    ///
    /// Instants outside the table are extrapolated with the nearest midnight's offset.
    @inline(__always)
    public func day(of instant: Int64) -> Int32 {
        let length = PostgresEpoch.microsecondsPerDay
        let first = midnights[0]
        if instant < first {
            return firstDay - Int32((first - instant + length - 1) / length)
        }
        var index = Int((instant - first) / length)
        if index >= midnights.count {
            let last = midnights[midnights.count - 1]
            return firstDay + Int32(midnights.count - 1) + Int32((instant - last) / length)
        }
        while index > 0 && midnights[index] > instant { index -= 1 }
        while index + 1 < midnights.count && midnights[index + 1] <= instant { index += 1 }
        return firstDay + Int32(index)
    }

    /// The instant a local day starts, if it is in the table.
    public func midnight(of day: Int32) -> Int64? {
        let index = Int(day - firstDay)
        return midnights.indices.contains(index) ? midnights[index] : nil
    }
}
