/// How the extract's two connections share the transaction scan.
///
/// The table's blocks are read in segments: contiguous ranges, each read by one connection in
/// ascending order, a chunk per statement, and folded into that connection's `PurchaseTable`. The
/// transaction connection starts with the one segment covering the whole table. A connection with
/// nothing left to read — the member-facts connection once its streams are done, or either one at the
/// end of its segment — steals the back half of the segment with the most unread blocks. Which
/// connection reads which blocks, and in what order, does not change the result: every fold is
/// order-independent (`PurchaseTable.merge`, `PurchaseDayBuckets`). Pure, so the sharing is tested
/// without a server.
struct TransactionScanPlan: Sendable {
    /// A block range of the table; `upper == nil` reads to the end, including blocks added after planning.
    struct Blocks: Equatable, Sendable {
        let lower: Int
        let upper: Int?

        static let all = Blocks(lower: 0, upper: nil)
    }

    /// A contiguous range being read by one connection.
    struct Segment: Equatable, Sendable {
        /// Its first block: segments join in this order.
        let lower: Int
        /// The first block not yet claimed.
        fileprivate(set) var next: Int
        /// Where it ends; nil reads to the end of the table.
        fileprivate(set) var stop: Int?
        fileprivate(set) var done = false
    }

    /// The table's size in blocks when planned; nil when it cannot be split (a view, or a server
    /// without TID range scans), and one statement reads everything.
    let blocks: Int?
    /// Blocks per statement.
    let chunk: Int
    /// The fewest unread blocks worth stealing: below this a second stream costs more than it saves.
    let minimumSteal: Int
    /// A cap on steals: past a few, the statements and hand-overs cost more than the balance gains.
    let maximumSegments: Int
    private(set) var segments: [Segment]

    /// A statement per chunk costs about a millisecond; 64 chunks keep that negligible while a steal
    /// waits for at most one chunk. A steal takes at least a sixteenth of the table.
    init(blocks: Int?, chunks: Int = 64, minimumChunk: Int = 128, maximumSegments: Int = 4) {
        self.blocks = blocks
        chunk = max((blocks ?? 0) / max(chunks, 1), minimumChunk, 1)
        minimumSteal = max(2 * chunk, (blocks ?? 0) / 16)
        self.maximumSegments = maximumSegments
        segments = [Segment(lower: 0, next: 0, stop: nil)]
    }

    /// The segment the transaction connection starts with.
    static let first = 0

    /// The next chunk of `segment`, or nil when the segment is done.
    mutating func nextChunk(in index: Int) -> Blocks? {
        var segment = segments[index]
        defer { segments[index] = segment }
        guard !segment.done else { return nil }
        guard let blocks else {
            segment.done = true
            return .all
        }
        let start = segment.next
        if let stop = segment.stop {
            guard start < stop else {
                segment.done = true
                return nil
            }
            segment.next = min(start + chunk, stop)
            return Blocks(lower: start, upper: segment.next)
        }
        guard start + chunk < blocks else {
            // The last chunk reads to the end, so blocks added since planning are not missed.
            segment.done = true
            return Blocks(lower: start, upper: nil)
        }
        segment.next = start + chunk
        return Blocks(lower: start, upper: segment.next)
    }

    /// Unread blocks of a segment (for an open-ended one, up to the planned size).
    func unread(_ segment: Segment) -> Int {
        guard !segment.done, let blocks else { return 0 }
        return max((segment.stop ?? blocks) - segment.next, 0)
    }

    /// Splits the segment with the most unread blocks: its back half becomes a new segment for the
    /// caller. Nil when no segment has enough left, the plan cannot split, or segments are at the cap.
    mutating func steal() -> Int? {
        guard blocks != nil, segments.count < maximumSegments,
            let victim = segments.indices.max(by: { unread(segments[$0]) < unread(segments[$1]) }),
            unread(segments[victim]) >= minimumSteal
        else { return nil }
        let middle = segments[victim].next + unread(segments[victim]) / 2
        segments.append(Segment(lower: middle, next: middle, stop: segments[victim].stop))
        segments[victim].stop = middle
        return segments.count - 1
    }
}
