/// Exact distinct purchase-day counts from (member slot, day) pairs that arrive in any order.
///
/// Counting the distinct days of a member needs all of its days at once, and in a heap that is not
/// in time order (batch re-imports, a shuffle, churn) a member's days arrive scattered over the whole
/// scan. Keeping them in memory would grow with transactions; instead the pairs are cut by slot range
/// into buckets (the caller spills each bucket's pairs as they come), and each bucket is counted on
/// its own at the end: a counting sort by slot, then each slot's few days sorted in place and their
/// runs counted. Memory while counting: one bucket, about `pairsPerBucket` pairs. Pure, so the
/// counting is tested without a server or a file.
public struct PurchaseDayBuckets: Sendable {
    /// Slots (members) in all.
    public let slots: Int
    /// Each bucket covers `1 << shift` consecutive slots.
    public let shift: Int

    /// Buckets sized so that each holds about `pairsPerBucket` of the `expectedPairs`, at most
    /// `maximumBuckets` of them (each costs a write buffer while the scan runs).
    public init(slots: Int, expectedPairs: Int, pairsPerBucket: Int = 1 << 20, maximumBuckets: Int = 1 << 12) {
        self.slots = max(slots, 0)
        let perBucket = max(1, Int((Double(max(slots, 1)) * Double(pairsPerBucket) / Double(max(expectedPairs, 1))).rounded(.down)))
        var shift = Int.bitWidth - 1 - perBucket.leadingZeroBitCount
        while shift < 31 && (max(slots, 1) - 1) >> shift >= maximumBuckets { shift += 1 }
        self.shift = min(shift, 31)
    }

    public var count: Int { max(1, ((slots - 1) >> shift) + 1) }

    @inline(__always) public func bucket(of slot: Int) -> Int { slot >> shift }

    /// A slot's pair: its offset within its bucket above the day's bits.
    @inline(__always) public func pair(slot: Int, day: Int32) -> UInt64 {
        UInt64(truncatingIfNeeded: slot & ((1 << shift) - 1)) << 32 | UInt64(UInt32(bitPattern: day))
    }

    public func slotRange(ofBucket bucket: Int) -> Range<Int> {
        let lower = min(bucket << shift, slots)
        return lower..<min(lower + (1 << shift), slots)
    }

    /// Counts, for each slot of a bucket holding `slotCount` slots, its distinct days among `pairs`
    /// (the bucket's pairs, any order, repeats allowed) into `counts[0..<slotCount]`.
    /// `scratch` is reused between buckets.
    public static func countDistinctDays(
        pairs: UnsafeBufferPointer<UInt64>, slotCount: Int, into counts: UnsafeMutableBufferPointer<Int32>,
        scratch: inout Scratch
    ) {
        precondition(counts.count >= slotCount, "counts shorter than the bucket")
        scratch.prepare(slots: slotCount, pairs: pairs.count)
        scratch.ends.withUnsafeMutableBufferPointer { ends in
            scratch.days.withUnsafeMutableBufferPointer { days in
                // Counting sort by slot: ends[s] first holds the slot's start, then (after the
                // scatter) its end, which is the next slot's start.
                for pair in pairs { ends[Int(truncatingIfNeeded: pair >> 32)] &+= 1 }
                var running: Int32 = 0
                for slot in 0..<slotCount {
                    let size = ends[slot]
                    ends[slot] = running
                    running &+= size
                }
                for pair in pairs {
                    let slot = Int(truncatingIfNeeded: pair >> 32)
                    days[Int(ends[slot])] = UInt32(truncatingIfNeeded: pair)
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
