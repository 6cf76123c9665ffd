/// The position of each member id among the ids in ascending order, by open addressing.
///
/// Scattered ids (around 10^10, with gaps) are looked up once per transaction; a `Dictionary<Int64,
/// Int>` hashes each with SipHash and costs about twice as long per row as this table: a
/// multiplicative (Fibonacci) hash, linear probing, at most half full. 12 bytes per slot, so about
/// 32 to 64 bytes per member. Key and position share an entry: one cache line per lookup.
struct MemberIdIndex: Sendable {
    struct Entry: Sendable {
        var key: Int64 = 0
        /// Position of the id among the sorted ids, or -1 for an empty entry.
        var position: Int64 = -1
    }
    private let entries: [Entry]
    private let shift: Int
    private let mask: Int

    /// `ids` ascending without repeats.
    init(ascending ids: [Int64]) {
        var bits = 4
        while (1 << bits) < 2 * ids.count { bits += 1 }
        let capacity = 1 << bits
        shift = 64 - bits
        mask = capacity - 1
        var entries = Array(repeating: Entry(), count: capacity)
        for (position, id) in ids.enumerated() {
            var slot = Self.hash(id, shift: shift)
            while entries[slot].position >= 0 { slot = (slot + 1) & mask }
            entries[slot] = Entry(key: id, position: Int64(position))
        }
        self.entries = entries
    }

    @inline(__always)
    static func hash(_ id: Int64, shift: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: id) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    @inline(__always)
    func position(of id: Int64) -> Int? {
        var slot = Self.hash(id, shift: shift)
        while true {
            let entry = entries[slot]
            if entry.position < 0 { return nil }
            if entry.key == id { return Int(entry.position) }
            slot = (slot + 1) & mask
        }
    }
}
