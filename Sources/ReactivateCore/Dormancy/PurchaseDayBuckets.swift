/// Exact per-member purchase facts, distinct purchase days included, from transactions that arrive
/// in any order: folded one slot-range bucket at a time.
///
/// Counting the distinct days of a member needs all of its days at once, and in a heap that is not
/// in time order (batch re-imports, a shuffle, churn) a member's days arrive scattered over the whole
/// scan. Keeping them in memory would grow with transactions; instead each transaction becomes a
/// 16-byte record (slot within its bucket, day, cents), the records are cut by slot range into
/// buckets (the caller spills each bucket's records as they come, `PurchaseDaySpill`), and each
/// bucket is folded on its own at the end (`fold`): sums, first and last day into the bucket's
/// entries, then a counting sort of the purchase days by slot, each slot's few days sorted in place
/// and their runs counted. Folding the per-member table during the scan instead missed the cache on
/// almost every row of a heap not in member order (45% of the client's time, shuffled heap at 1M);
/// a bucket's entries stay in cache. Memory while folding: one bucket, about `pairsPerBucket`
/// records. Pure, so the folding is tested without a server or a file.
public struct PurchaseDayBuckets: Sendable {
    /// Slots (members) in all.
    public let slots: Int
    /// Each bucket covers `1 << shift` consecutive slots.
    public let shift: Int

    /// Buckets sized so that each holds about `pairsPerBucket` of the `expectedPairs`, at most
    /// `maximumBuckets` of them (each costs a write buffer while the scan runs).
    public init(slots: Int, expectedPairs: Int, pairsPerBucket: Int = 1 << 18, maximumBuckets: Int = 1 << 12) {
        self.slots = max(slots, 0)
        let perBucket = max(1, Int((Double(max(slots, 1)) * Double(pairsPerBucket) / Double(max(expectedPairs, 1))).rounded(.down)))
        var shift = Int.bitWidth - 1 - perBucket.leadingZeroBitCount
        while shift < 31 && (max(slots, 1) - 1) >> shift >= maximumBuckets { shift += 1 }
        self.shift = min(shift, 31)
    }

    public var count: Int { max(1, ((slots - 1) >> shift) + 1) }

    @inline(__always) public func bucket(of slot: Int) -> Int { slot >> shift }

    /// A slot's key word: its offset within its bucket above the day's bits.
    @inline(__always) public func pair(slot: Int, day: Int32) -> UInt64 {
        UInt64(truncatingIfNeeded: slot & ((1 << shift) - 1)) << 32 | UInt64(UInt32(bitPattern: day))
    }

    public func slotRange(ofBucket bucket: Int) -> Range<Int> {
        let lower = min(bucket << shift, slots)
        return lower..<min(lower + (1 << shift), slots)
    }

    /// One transaction's record: two words, the slot within its bucket above the day's bits, and the cents.
    @inline(__always) public func record(slot: Int, day: Int32, cents: Int64) -> (UInt64, UInt64) {
        (pair(slot: slot, day: day), UInt64(bitPattern: cents))
    }

    /// Folds one bucket's `records` (two words each, any order) into `entries[0..<slotCount]` (fresh
    /// entries) and the distinct purchase days into `days[0..<slotCount]`.
    public static func fold(
        records: UnsafeBufferPointer<UInt64>, slotCount: Int, preStartDay: Int32,
        entries: UnsafeMutableBufferPointer<PurchaseTable.Entry>, days counts: UnsafeMutableBufferPointer<Int32>,
        scratch: inout Scratch
    ) {
        precondition(entries.count >= slotCount && counts.count >= slotCount, "output shorter than the bucket")
        let recordCount = records.count / 2
        var purchases = 0
        scratch.prepare(slots: slotCount, pairs: 0)
        scratch.ends.withUnsafeMutableBufferPointer { ends in
            for index in 0..<recordCount {
                let key = records[2 * index]
                let slot = Int(truncatingIfNeeded: key >> 32)
                let day = Int32(bitPattern: UInt32(truncatingIfNeeded: key))
                if entries[slot].add(day: day, cents: Int64(bitPattern: records[2 * index + 1]), preStartDay: preStartDay) {
                    ends[slot] &+= 1
                    purchases += 1
                }
            }
        }
        if scratch.days.count < purchases { scratch.days = Array(repeating: 0, count: purchases) }
        scratch.ends.withUnsafeMutableBufferPointer { ends in
            scratch.days.withUnsafeMutableBufferPointer { days in
                var running: Int32 = 0
                for slot in 0..<slotCount {
                    let size = ends[slot]
                    ends[slot] = running
                    running &+= size
                }
                for index in 0..<recordCount where Int64(bitPattern: records[2 * index + 1]) > 0 {
                    let key = records[2 * index]
                    let slot = Int(truncatingIfNeeded: key >> 32)
                    days[Int(ends[slot])] = UInt32(truncatingIfNeeded: key)
                    ends[slot] &+= 1
                }
                var start = 0
                for slot in 0..<slotCount {
                    let end = Int(ends[slot])
                    counts[slot] = distinct(days, start, end)
                    start = end
                }
            }
        }
    }

    /// Distinct values among `days[start..<end]`, sorting them in place.
    @inline(__always)
    static func distinct(_ days: UnsafeMutableBufferPointer<UInt32>, _ start: Int, _ end: Int) -> Int32 {
        let size = end - start
        if size <= 1 { return Int32(size) }
        if size == 2 { return days[start] == days[start + 1] ? 1 : 2 }
        if size <= 32 {
            // Insertion sort: a member has a dozen purchases or so.
            for index in (start + 1)..<end {
                let value = days[index]
                var hole = index
                while hole > start && days[hole - 1] > value {
                    days[hole] = days[hole - 1]
                    hole -= 1
                }
                days[hole] = value
            }
        } else {
            var slice = UnsafeMutableBufferPointer(rebasing: days[start..<end])
            slice.sort()
        }
        var runs: Int32 = 1
        for index in (start + 1)..<end where days[index] != days[index - 1] { runs += 1 }
        return runs
    }

    /// Working memory for counting one bucket, kept between buckets.
    public struct Scratch: Sendable {
        var ends: [Int32] = []
        var days: [UInt32] = []

        public init() {}

        mutating func prepare(slots: Int, pairs: Int) {
            if ends.count < slots { ends = Array(repeating: 0, count: slots) }
            for index in 0..<slots { ends[index] = 0 }
            if days.count < pairs { days = Array(repeating: 0, count: pairs) }
        }
    }
}
