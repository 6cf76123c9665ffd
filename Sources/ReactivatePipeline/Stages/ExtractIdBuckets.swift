import ReactivateCore

/// Routes scattered member ids to their slot-range bucket during the transaction scan, and resolves
/// them to slots one bucket at a time when the buckets are folded.
///
/// Looking up each transaction's slot in `MemberIdIndex` while scanning missed the cache on every
/// row (the table is 32 MB at 1M members; about 40% of the client's time on sparse ids). The bucket
/// of an id needs far less: the first id of every bucket, found through a directory of equal-width
/// id cells, both small enough to stay in cache (at most a few hundred KB). The record keeps the id
/// as its offset from its bucket's first id; at fold time each bucket's offsets are resolved through
/// a hash table of that bucket's few thousand ids, which stays in cache too.
///
/// The offset shares a word with the day, so it must stay below 2^32. A bucket that spans more ids
/// (one that straddles a wide gap, say between an old and a new id range) is "wide": its rows look
/// their slot up in `MemberIdIndex` per row as before, and its records hold slots, not offsets.
struct MemberIdBuckets: @unchecked Sendable {
    /// The route without references, for the per-row path (see `MemberIdIndex.Probe`). Valid while
    /// the `MemberIdBuckets` it came from lives.
    struct Route: @unchecked Sendable {
        let low: Int64
        /// Ids above `low + span` are not members.
        let span: UInt64
        let cellShift: UInt64
        /// For each cell, the bucket holding the cell's first id; one more entry at the end.
        let cellBuckets: UnsafePointer<UInt32>
        /// Each bucket's first id, and `Int64.max` after the last.
        let firsts: UnsafePointer<Int64>
        /// 1 for a wide bucket, whose rows are looked up in `probe`.
        let wide: UnsafePointer<UInt8>
        let probe: MemberIdIndex.Probe

        /// The bucket of `id` and the id's offset from the bucket's first id (in a wide bucket, the
        /// id's slot within the bucket); nil for an id that is not a member, as far as that tells.
        @inline(__always)
        func locate(_ id: Int64) -> (bucket: Int, offset: UInt64)? {
            let offset = UInt64(bitPattern: id &- low)
            guard id >= low, offset <= span else { return nil }
            let cell = Int(truncatingIfNeeded: offset >> cellShift)
            var bucket = Int(cellBuckets[cell])
            let last = Int(cellBuckets[cell + 1])
            // A cell holds a bucket boundary or two at most when ids are evenly spread; clustered ids
            // can put many in one cell, so those are searched by halves.
            if last - bucket > 8 {
                var high = last
                while bucket < high {
                    let middle = (bucket + high + 1) >> 1
                    if firsts[middle] <= id { bucket = middle } else { high = middle - 1 }
                }
            } else {
                while bucket < last && firsts[bucket + 1] <= id { bucket += 1 }
            }
            if wide[bucket] != 0 {
                guard let slot = probe.position(of: id) else { return nil }
                return (bucket, UInt64(slot - bucket << shift))
            }
            return (bucket, UInt64(bitPattern: id &- firsts[bucket]))
        }
        let shift: Int
    }

    private let storage: Storage
    /// Keeps the table `route.probe` reads alive.
    private let index: MemberIdIndex
    let route: Route
    /// Slots per bucket (`PurchaseDayBuckets.shift`).
    let shift: Int

    private final class Storage: @unchecked Sendable {
        let cellBuckets: UnsafeMutablePointer<UInt32>
        let firsts: UnsafeMutablePointer<Int64>
        let wide: UnsafeMutablePointer<UInt8>
        init(cells: Int, buckets: Int) {
            cellBuckets = .allocate(capacity: cells + 1)
            firsts = .allocate(capacity: buckets + 1)
            wide = .allocate(capacity: buckets)
        }
        deinit {
            cellBuckets.deallocate()
            firsts.deallocate()
            wide.deallocate()
        }
    }

    /// The route for `ids` (ascending, without repeats; `index` their index) cut into buckets of
    /// `1 << shift` slots; nil when there are no ids.
    init?(ascending ids: [Int64], index: MemberIdIndex, shift: Int) {
        guard let low = ids.first, let high = ids.last else { return nil }
        let buckets = (ids.count - 1) >> shift + 1
        var firsts: [Int64] = []
        firsts.reserveCapacity(buckets + 1)
        for bucket in 0..<buckets { firsts.append(ids[bucket << shift]) }
        let span = UInt64(bitPattern: high &- low)
        // About sixteen cells per bucket: few boundaries per cell, and a directory that stays small.
        var cellShift: UInt64 = 0
        while span >> cellShift >= UInt64(16 * buckets) { cellShift += 1 }
        let cells = Int(span >> cellShift) + 1
        let storage = Storage(cells: cells, buckets: buckets)
        var bucket = 0
        for cell in 0..<cells {
            let cellFirst = low &+ Int64(bitPattern: UInt64(cell) << cellShift)
            while bucket + 1 < buckets && firsts[bucket + 1] <= cellFirst { bucket += 1 }
            storage.cellBuckets[cell] = UInt32(bucket)
        }
        storage.cellBuckets[cells] = UInt32(buckets - 1)
        for (index, first) in firsts.enumerated() { storage.firsts[index] = first }
        storage.firsts[buckets] = .max
        for bucket in 0..<buckets {
            let end = bucket + 1 < buckets ? firsts[bucket + 1] - 1 : high
            storage.wide[bucket] = UInt64(bitPattern: end &- firsts[bucket]) < 1 << 32 ? 0 : 1
        }
        self.storage = storage
        self.index = index
        self.shift = shift
        route = Route(
            low: low, span: span, cellShift: cellShift, cellBuckets: UnsafePointer(storage.cellBuckets),
            firsts: UnsafePointer(storage.firsts), wide: UnsafePointer(storage.wide), probe: index.probe, shift: shift)
    }

    /// Whether `bucket`'s records hold slots already (a wide bucket) rather than offsets to resolve.
    func isWide(_ bucket: Int) -> Bool { route.wide[bucket] != 0 }

    /// Rewrites one bucket's records (two words each: offset above the day, then cents) to hold each
    /// id's slot within the bucket instead of its offset, dropping records whose id is not a member.
    /// `ids` are the bucket's ids in slot order. Returns the records kept (moved to the front) and dropped.
    static func resolve(
        _ words: UnsafeMutablePointer<UInt64>, records: Int, bucketIds ids: UnsafeBufferPointer<Int64>,
        scratch: inout [UInt64]
    ) -> (kept: Int, dropped: Int) {
        guard let first = ids.first else { return (0, records) }
        // Open addressing on the 32-bit offset; an entry is offset << 32 | (slot + 1), 0 when empty.
        var bits = 4
        while 1 << bits < 2 * ids.count { bits += 1 }
        let mask = (1 << bits) - 1
        if scratch.count < 1 << bits { scratch = Array(repeating: 0, count: 1 << bits) }
        return scratch.withUnsafeMutableBufferPointer { table in
            for index in 0...mask { table[index] = 0 }
            for (slot, id) in ids.enumerated() {
                let offset = UInt64(bitPattern: id &- first)
                var at = hash(offset, bits: bits)
                while table[at] != 0 { at = (at + 1) & mask }
                table[at] = offset << 32 | UInt64(slot + 1)
            }
            var kept = 0
            for index in 0..<records {
                let word = words[2 * index]
                let offset = word >> 32
                var at = hash(offset, bits: bits)
                var slotPlusOne: UInt64 = 0
                while true {
                    let entry = table[at]
                    if entry == 0 { break }
                    if entry >> 32 == offset {
                        slotPlusOne = entry & 0xFFFF_FFFF
                        break
                    }
                    at = (at + 1) & mask
                }
                guard slotPlusOne != 0 else { continue }
                words[2 * kept] = (slotPlusOne - 1) << 32 | (word & 0xFFFF_FFFF)
                words[2 * kept + 1] = words[2 * index + 1]
                kept += 1
            }
            return (kept, records - kept)
        }
    }

    @inline(__always)
    private static func hash(_ key: UInt64, bits: Int) -> Int {
        Int(truncatingIfNeeded: (key &* 0x9E37_79B9_7F4A_7C15) >> UInt64(64 - bits))
    }
}
