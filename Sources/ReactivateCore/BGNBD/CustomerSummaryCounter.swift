import Foundation

/// Counts identical (x, t_x, T) triples: an open-addressing hash table on the triples' bit patterns.
///
/// Grouping millions of CSV rows is the hot loop of `model fit`; Swift's `Dictionary` spends most of it
/// in SipHash and in rehashing as it grows. Here a hash of folded multiplications and linear probing
/// do the same job several times faster. Equal triples are counted together (−0 is stored as +0), so
/// the groups are those `CustomerSummary.grouped` would make, in another order.
struct CustomerSummaryCounter {
    /// One slot, 32 bytes: a probe touches one cache line, not four arrays.
    private struct Entry {
        var frequency: UInt64
        var recency: UInt64
        var age: UInt64
        /// 0 marks an empty slot.
        var count: Int
    }

    /// Slots on their own pages, zeroed by the kernel as the counting threads first touch them. At 2M+ rows the table is tens of MB and probed at random: on
    /// 4 KB pages nearly every probe also misses the TLB, so the table asks for transparent huge pages
    /// (2 MB; a hint the kernel may ignore). Shared by copies: a counter is not copied while counting.
    private final class Table {
        let buffer: UnsafeMutableBufferPointer<Entry>

        init(count: Int) {
            let bytes = count * MemoryLayout<Entry>.stride
            let memory = HugePageMemory.allocateZeroed(bytes: bytes, for: "counting summaries")
            buffer = UnsafeMutableBufferPointer(start: memory.bindMemory(to: Entry.self, capacity: count), count: count)
        }

        deinit {
            if let base = buffer.baseAddress {
                HugePageMemory.deallocateZeroed(base, bytes: buffer.count * MemoryLayout<Entry>.stride)
            }
        }
    }

    private var entries: Table
    private var capacity: Int
    private(set) var distinct = 0

    /// - Parameter expected: how many distinct triples to size for (it grows past that as needed).
    ///
    /// Any capacity works (the home slot is scaled, not masked), so the table is sized to be 60% full
    /// at `expected` rather than rounded up to a power of two at most half full: at 770k triples that
    /// is 40 MB of pages fewer to fault in and zero, the largest single cost of a cold run.
    init(expected: Int = 1 << 12) {
        capacity = max(16, max(expected, 1) * 5 / 3)
        entries = Table(count: capacity)
    }

    /// Where a hash starts probing: its low 32 bits scaled to the capacity (the top bits choose the
    /// partition, so they are the same for all of a counter's triples and must not be used here).
    private func home(_ hash: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(truncatingIfNeeded: hash) << 32).multipliedFullWidth(by: UInt64(capacity)).high)
    }

    mutating func add(_ summary: CustomerSummary, count: Int = 1) {
        add(summary, hash: Self.hash(summary), count: count)
    }

    /// `add` with the summary's `hash(_:)` given.
    private mutating func add(_ summary: CustomerSummary, hash: Int, count: Int = 1) {
        // + 0.0 turns −0 into +0, so the two zeros land in one group as they compare equal.
        let x = (summary.frequency + 0.0).bitPattern
        let t = (summary.recency + 0.0).bitPattern
        let a = (summary.age + 0.0).bitPattern
        var slot = home(hash)
        let table = entries.buffer
        let capacity = self.capacity
        let inserted = { () -> Bool in
            while table[slot].count != 0 {
                if table[slot].frequency == x && table[slot].recency == t && table[slot].age == a {
                    table[slot].count += count
                    return false
                }
                slot += 1
                if slot == capacity { slot = 0 }
            }
            table[slot] = Entry(frequency: x, recency: t, age: a, count: count)
            return true
        }()
        guard inserted else { return }
        distinct += 1
        // At most 70% full: linear probing stays within a line or two per lookup.
        if 10 * distinct > 7 * capacity { grow() }
    }

    /// Written once per batch so the compiler keeps the batch's touching loads (see `add(hashed:)`).
    private var touched = 0

    /// A summary with its `hash`, computed where it was parsed.
    struct Hashed {
        var summary: CustomerSummary
        var hash: Int
    }

    /// Adds summaries hashed by the parser, all of this counter's partition (the top bits of their hash
    /// choose it, so that as many counters as cores count one round of rows at once).
    ///
    /// At 2M+ rows the table (tens of MB) is far larger than the caches, so almost every row's probe is
    /// a cache (and TLB) miss; one at a time they are serialized. Loading each batch's home slots first,
    /// in a loop of independent loads, overlaps those misses, and the inserts then find their lines in
    /// cache: the same counts, a few times faster.
    mutating func add(hashed rows: UnsafeBufferPointer<Hashed>) {
        var start = 0
        while start < rows.count {
            let end = min(start + Self.batch, rows.count)
            var sum = 0
            let table = entries.buffer
            for index in start..<end { sum &+= table[home(rows[index].hash)].count }
            touched = sum
            for index in start..<end { add(rows[index].summary, hash: rows[index].hash) }
            start = end
        }
    }

    /// Rows whose slots are loaded together: enough misses in flight to fill the memory pipeline.
    private static let batch = 32

    /// Writes the `distinct` groups to `target`, in table order (no intermediate array: at 770k groups
    /// that is 25 MB; each counter writes its own part of the result, all at once).
    func writeGroups(to target: UnsafeMutablePointer<WeightedCustomerSummary>) {
        var next = target
        for entry in entries.buffer where entry.count != 0 {
            next.initialize(to: Self.group(entry))
            next += 1
        }
    }

    private static func group(_ entry: Entry) -> WeightedCustomerSummary {
        WeightedCustomerSummary(
            summary: CustomerSummary(
                frequency: Double(bitPattern: entry.frequency), recency: Double(bitPattern: entry.recency),
                age: Double(bitPattern: entry.age)),
            count: entry.count)
    }

    private mutating func grow() {
        var bigger = CustomerSummaryCounter(expected: 2 * distinct)
        // The loop reads the old slots through a raw pointer, which does not keep their table alive:
        // without this, an optimised build released the old table (so freed its memory) before the
        // loop, as `self` was to be overwritten anyway, and crashed on the first table that grew.
        let old = entries
        withExtendedLifetime(old) {
            for entry in old.buffer where entry.count != 0 {
                let group = Self.group(entry)
                bigger.add(group.summary, count: group.count)
            }
        }
        self = bigger
    }

    /// The hash of a summary's triple, −0 taken as +0 (as in `add`).
    static func hash(_ summary: CustomerSummary) -> Int {
        hash((summary.frequency + 0.0).bitPattern, (summary.recency + 0.0).bitPattern, (summary.age + 0.0).bitPattern)
    }

    /// Two folded multiplications (the high and low words of a 128-bit product, xored, as in wyhash),
    /// independent of each other, then SplitMix64's finaliser, so triples that differ only in low
    /// mantissa bits still spread over the whole table and over the partitions. The parser hashes every
    /// row, so the chain is kept short: one finaliser instead of one per word.
    private static func hash(_ x: UInt64, _ t: UInt64, _ a: UInt64) -> Int {
        func fold(_ u: UInt64, _ v: UInt64) -> UInt64 {
            let product = u.multipliedFullWidth(by: v)
            return product.high ^ product.low
        }
        var z = fold(x ^ 0xA076_1D64_78BD_642F, t ^ 0xE703_7ED1_A0B4_28DB) ^ fold(a ^ 0x8EBC_6AF0_9C88_C6E3, 0x5899_65CC_7537_4CC3)
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int(truncatingIfNeeded: z ^ (z >> 31))
    }
}
