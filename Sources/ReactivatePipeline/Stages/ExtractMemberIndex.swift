import Foundation
import ReactivateCore

/// The position of each member id among the ids in ascending order, by open addressing.
///
/// Scattered ids (around 10^10, with gaps) are looked up once per transaction; a `Dictionary<Int64,
/// Int>` hashes each with SipHash and costs about twice as long per row as this table: a
/// multiplicative (Fibonacci) hash, linear probing, at most half full. 16 bytes per slot, so about
/// 32 to 64 bytes per member. Key and position share an entry: one cache line per lookup.
struct MemberIdIndex: Sendable {
    struct Entry: Sendable {
        var key: Int64 = 0
        /// Position of the id among the sorted ids, or -1 for an empty entry.
        var position: Int64 = -1
    }

    /// The table's memory, freed with the last copy of the index. At 1M ids the table is 32 MB probed
    /// at random once per transaction: on 4 KB pages nearly every probe also misses the TLB, so it
    /// asks for transparent huge pages (2 MB; a hint the kernel may ignore), as `model fit`'s counter does.
    private final class Storage: @unchecked Sendable {
        let entries: UnsafeMutablePointer<Entry>
        init(capacity: Int) {
            let memory = HugePageMemory.allocate(bytes: capacity * MemoryLayout<Entry>.stride, for: "the member id index")
            entries = memory.bindMemory(to: Entry.self, capacity: capacity)
            entries.initialize(repeating: Entry(), count: capacity)
        }
        deinit { free(entries) }
    }

    /// The lookup without a reference: the scan threads probe through it on every row, and a shared
    /// reference's count, bumped by both cores per row, bounced its cache line between them (the
    /// largest single cost of the transaction scan, about a tenth of the client's time). Valid while
    /// the index lives.
    struct Probe: @unchecked Sendable {
        let entries: UnsafePointer<Entry>
        let shift: Int
        let mask: Int

        @inline(__always)
        func position(of id: Int64) -> Int? {
            var slot = MemberIdIndex.hash(id, shift: shift)
            while true {
                let entry = entries[slot]
                if entry.position < 0 { return nil }
                if entry.key == id { return Int(entry.position) }
                slot = (slot + 1) & mask
            }
        }
    }

    private let storage: Storage
    let probe: Probe

    /// `ids` ascending without repeats.
    init(ascending ids: [Int64]) {
        var bits = 4
        while (1 << bits) < 2 * ids.count { bits += 1 }
        let capacity = 1 << bits
        let shift = 64 - bits
        let mask = capacity - 1
        let storage = Storage(capacity: capacity)
        let entries = storage.entries
        for (position, id) in ids.enumerated() {
            var slot = Self.hash(id, shift: shift)
            while entries[slot].position >= 0 { slot = (slot + 1) & mask }
            entries[slot] = Entry(key: id, position: Int64(position))
        }
        self.storage = storage
        probe = Probe(entries: UnsafePointer(entries), shift: shift, mask: mask)
    }

    @inline(__always)
    static func hash(_ id: Int64, shift: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(bitPattern: id) &* 0x9E37_79B9_7F4A_7C15) >> UInt64(shift))
    }

    @inline(__always)
    func position(of id: Int64) -> Int? { probe.position(of: id) }
}
