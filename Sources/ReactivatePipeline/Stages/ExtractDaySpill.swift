import Dispatch
import Synchronization
import Foundation
import Postgres
import ReactivateCore
#if canImport(Glibc)
import Glibc
#endif

/// One scan thread's transactions as 16-byte records (member slot, day, cents), cut into slot-range
/// buckets and spilled to an unlinked temporary file, so memory stays with members while the records
/// grow with transactions.
///
/// Each bucket has a small write buffer; a full buffer is appended to the file and its place noted.
/// After the scan, `PurchaseFold` reads each bucket back from every thread's spill and folds it
/// (`PurchaseDayBuckets.fold`). The file is unlinked as soon as it is created, so nothing is left behind
/// however the process ends. Owned by one thread at a time (handed over through a mutex), hence
/// `@unchecked Sendable`.
final class PurchaseDaySpill: @unchecked Sendable {
    let buckets: PurchaseDayBuckets
    let directory: String
    private let descriptor: Int32
    /// Words per bucket buffer (two per record): 64 KiB, so a write is a few dozen microseconds of copying.
    private static let bufferPairs = 8_192
    // The per-row state is in `let` pointers: a `var` of a class is checked for exclusive access
    // at run time on every use, which the per-transaction `add` cannot afford.
    private let buffer: UnsafeMutablePointer<UInt64>
    private let filled: UnsafeMutablePointer<Int>
    /// Where each bucket's flushed words are: (byte offset, words).
    private(set) var chunks: [[(offset: Int64, pairs: Int)]]
    private var fileBytes: Int64 = 0
    /// The row path's own mapping state, all without shared references (`add(_:)`): the id → slot
    /// lookup, this spill's copy of the calendar, and the bucket width (`PurchaseDayBuckets`' inline
    /// helpers are not inlined across modules).
    private let slots: SlotLookup
    /// Scattered ids: buckets found per row, slots resolved per bucket when folded (`MemberIdBuckets`).
    let route: MemberIdBuckets.Route?
    private let days: ExtractDayTable
    private let shift: Int

    init(
        buckets: PurchaseDayBuckets, directory: URL, slots: SlotLookup? = nil, route: MemberIdBuckets.Route? = nil,
        calendar: BusinessCalendar? = nil
    ) throws {
        self.buckets = buckets
        self.slots = slots ?? SlotLookup(low: 0, count: buckets.slots, probe: nil)
        self.route = route
        days = ExtractDayTable(calendar ?? BusinessCalendar(firstDay: 0, days: 1, utcOffsetSeconds: 0))
        shift = buckets.shift
        self.directory = directory.path
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var template = Array(directory.appendingPathComponent(".extract-purchase-days-XXXXXX").path.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw Self.failure("create a file in", directory.path) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        self.descriptor = descriptor
        buffer = .allocate(capacity: buckets.count * Self.bufferPairs)
        filled = .allocate(capacity: buckets.count)
        filled.initialize(repeating: 0, count: buckets.count)
        chunks = Array(repeating: [], count: buckets.count)
    }

    deinit {
        close(descriptor)
        buffer.deallocate()
        filled.deallocate()
        days.deallocate()
    }

    @inline(__always)
    func add(slot: Int, day: Int32, cents: Int64) throws {
        let bucket = buckets.bucket(of: slot)
        let count = filled[bucket]
        let record = buckets.record(slot: slot, day: day, cents: cents)
        let at = buffer + (bucket * Self.bufferPairs + count)
        at[0] = record.0
        at[1] = record.1
        filled[bucket] = count + 2
        if count + 2 == Self.bufferPairs { try flush(bucket) }
    }

    /// Spills one transaction row (member id, instant, amount); false when the id has no slot (not a
    /// member on D). Needs the spill made with `slots` (or `route`) and `calendar`. With a route the
    /// record holds the id's offset within its bucket, and ids in range that are not members are
    /// spilled too (dropped when the bucket is resolved).
    @inline(__always)
    func add(_ row: borrowing BinaryCopyRow) throws -> Bool {
        let id = try row.int64(0)
        let bucket: Int
        let key: UInt64
        if let route {
            guard let located = route.locate(id) else { return false }
            (bucket, key) = located
        } else {
            guard let slot = slots.slot(of: id) else { return false }
            bucket = slot >> shift
            key = UInt64(truncatingIfNeeded: slot & ((1 << shift) - 1))
        }
        let day = days.day(of: try row.timestamp(1))
        let cents = try row.cents(2)
        let count = filled[bucket]
        let at = buffer + (bucket * Self.bufferPairs + count)
        at[0] = key << 32 | UInt64(UInt32(bitPattern: day))
        at[1] = UInt64(bitPattern: cents)
        filled[bucket] = count + 2
        if count + 2 == Self.bufferPairs { try flush(bucket) }
        return true
    }

    private func flush(_ bucket: Int) throws {
        let count = filled[bucket]
        guard count > 0 else { return }
        let bytes = count * MemoryLayout<UInt64>.stride
        var written = 0
        let start = UnsafeRawPointer(buffer + bucket * Self.bufferPairs)
        while written < bytes {
            let result = pwrite(descriptor, start + written, bytes - written, off_t(fileBytes) + off_t(written))
            if result < 0 && errno == EINTR { continue }
            guard result > 0 else { throw Self.failure("write to a file in", directory) }
            written += result
        }
        chunks[bucket].append((fileBytes, count))
        fileBytes += Int64(bytes)
        filled[bucket] = 0
    }

    /// Writes out what the buffers still hold; call once the scan is done.
    func finish() throws {
        for bucket in 0..<buckets.count { try flush(bucket) }
    }

    /// Words spilled for `bucket` (two per record).
    func pairs(inBucket bucket: Int) -> Int { chunks[bucket].reduce(0) { $0 + $1.pairs } }

    /// Bytes written so far.
    var bytes: Int64 { fileBytes }

    /// Reads `bucket`'s words into `destination` (room for `pairs(inBucket:)`); returns how many.
    /// Safe from several threads at once: positioned reads only.
    func read(bucket: Int, into destination: UnsafeMutablePointer<UInt64>) throws -> Int {
        var done = 0
        for chunk in chunks[bucket] {
            let bytes = chunk.pairs * MemoryLayout<UInt64>.stride
            var read = 0
            let target = UnsafeMutableRawPointer(destination + done)
            while read < bytes {
                let result = pread(descriptor, target + read, bytes - read, off_t(chunk.offset) + off_t(read))
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { throw Self.failure("read back a file in", directory) }
                read += result
            }
            done += chunk.pairs
        }
        return done
    }

    static func failure(_ what: String, _ directory: String) -> PipelineError {
        PipelineError(
            .runtime,
            "the extract could not \(what) \(directory) for its purchase-day spill: \(String(cString: strerror(errno)))",
            fix: "the extract spills 16 bytes per transaction to the artifact directory while it runs: free space there or set artifact_dir to a roomier place")
    }
}

/// Folds every member's purchases from the scan threads' spills, bucket by bucket, on `workers`
/// threads (the server is done by then, so both cores are the client's).
enum PurchaseFold {
    /// Spills made with a route (`MemberIdBuckets`) need it here with their `slots` (`routing`): their
    /// records hold offsets, resolved a bucket at a time; records of ids that are not members are
    /// dropped and counted in `transactionsOfNonMembers`.
    static func fold(
        _ spills: [PurchaseDaySpill], buckets: PurchaseDayBuckets, preStartDay: Int32,
        routing: (slots: MemberSlots, route: MemberIdBuckets)? = nil, workers: Int = 2
    ) throws -> (table: PurchaseTable, transactionsOfNonMembers: Int) {
        for spill in spills { try spill.finish() }
        precondition(routing != nil || spills.allSatisfy { $0.route == nil }, "routed spills need their route to be folded")
        let dropped = Mutex(0)
        let next = Counter()
        let failure = FirstFailure()
        var entries = Array(repeating: PurchaseTable.Entry(), count: buckets.slots)
        var days = Array(repeating: Int32(0), count: buckets.slots)
        entries.withUnsafeMutableBufferPointer { entries in
            days.withUnsafeMutableBufferPointer { days in
                let entryOutput = SharedBuffer(pointer: entries.baseAddress)
                let dayOutput = SharedBuffer(pointer: days.baseAddress)
                DispatchQueue.concurrentPerform(iterations: max(1, workers)) { _ in
                    var scratch = PurchaseDayBuckets.Scratch()
                    var idTable: [UInt64] = []
                    var droppedHere = 0
                    defer { dropped.withLock { $0 += droppedHere } }
                    var words: UnsafeMutablePointer<UInt64>?
                    var capacity = 0
                    defer { words?.deallocate() }
                    while let bucket = next.take(below: buckets.count), !failure.happened {
                        let total = spills.reduce(0) { $0 + $1.pairs(inBucket: bucket) }
                        if total > capacity {
                            words?.deallocate()
                            capacity = total
                            words = .allocate(capacity: capacity)
                        }
                        do {
                            var filled = 0
                            for spill in spills where total > 0 { filled += try spill.read(bucket: bucket, into: words! + filled) }
                            let range = buckets.slotRange(ofBucket: bucket)
                            if let routing, filled > 0, !routing.route.isWide(bucket) {
                                let (kept, gone) = routing.slots.withIds(ofSlots: range) { ids in
                                    MemberIdBuckets.resolve(words!, records: filled / 2, bucketIds: ids, scratch: &idTable)
                                }
                                filled = 2 * kept
                                droppedHere += gone
                            }
                            guard !range.isEmpty, let entryBase = entryOutput.pointer, let dayBase = dayOutput.pointer else { continue }
                            PurchaseDayBuckets.fold(
                                records: UnsafeBufferPointer(start: words, count: filled), slotCount: range.count,
                                preStartDay: preStartDay,
                                entries: UnsafeMutableBufferPointer(start: entryBase + range.lowerBound, count: range.count),
                                days: UnsafeMutableBufferPointer(start: dayBase + range.lowerBound, count: range.count),
                                scratch: &scratch)
                        } catch {
                            failure.record(error)
                        }
                    }
                }
            }
        }
        if let error = failure.error { throw error }
        return (PurchaseTable(entries: entries, purchaseDays: days, preStartDay: preStartDay), dropped.withLock { $0 })
    }

    /// The output array's storage, written by the workers in disjoint bucket ranges.
    private struct SharedBuffer<Element>: @unchecked Sendable {
        let pointer: UnsafeMutablePointer<Element>?
    }

    private final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func take(below limit: Int) -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard value < limit else { return nil }
            value += 1
            return value - 1
        }
    }

    private final class FirstFailure: @unchecked Sendable {
        private let lock = NSLock()
        private var first: (any Error)?
        var happened: Bool { lock.withLock { first != nil } }
        var error: (any Error)? { lock.withLock { first } }
        func record(_ error: any Error) { lock.withLock { if first == nil { first = error } } }
    }
}
