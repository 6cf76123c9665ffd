/// How the extract's two connections share the transaction scan.
///
/// The transaction connection walks the table's blocks from the start, a chunk per statement. When
/// the other connection has finished the member facts, it takes the back half of the blocks nobody
/// has claimed yet. Each part is read in ascending block order, so in a table appended in time order
/// a member's purchases arrive chronologically within each part, and the two parts join exactly at
/// one boundary (`PurchaseTable.append(later:)`). Pure, so the hand-over is tested without a server.
struct TransactionScanPlan: Sendable {
    /// A block range of the table; `upper == nil` reads to the end, including blocks added after planning.
    struct Blocks: Equatable, Sendable {
        let lower: Int
        let upper: Int?

        static let all = Blocks(lower: 0, upper: nil)
    }

    /// The table's size in blocks when planned; nil when it cannot be split (a view, or a server
    /// without TID range scans), and one statement reads everything.
    let blocks: Int?
    /// Blocks per statement of the leading connection; also the smallest tail worth handing over.
    let chunk: Int
    /// The first block nobody has claimed.
    private(set) var next = 0
    /// Where the leading connection stops once the tail is handed over.
    private(set) var stop: Int?
    private var leaderDone = false

    /// A statement per chunk costs about a millisecond; 64 chunks keep that negligible while the hand-over
    /// waits for at most one chunk.
    init(blocks: Int?, chunks: Int = 64, minimumChunk: Int = 128) {
        self.blocks = blocks
        chunk = max((blocks ?? 0) / max(chunks, 1), minimumChunk, 1)
    }

    /// The leading connection's next range, or nil when its part is done.
    mutating func nextChunk() -> Blocks? {
        guard !leaderDone else { return nil }
        guard let blocks else {
            leaderDone = true
            return .all
        }
        if let stop {
            guard next < stop else {
                leaderDone = true
                return nil
            }
            let upper = min(next + chunk, stop)
            defer { next = upper }
            return Blocks(lower: next, upper: upper)
        }
        guard next + chunk < blocks else {
            leaderDone = true
            return Blocks(lower: next, upper: nil)
        }
        defer { next += chunk }
        return Blocks(lower: next, upper: next + chunk)
    }

    /// The back half of the unclaimed blocks for the helping connection, or nil when less than two
    /// chunks are left (not worth a second stream) or the plan cannot split.
    mutating func handOverTail() -> Blocks? {
        guard let blocks, stop == nil, !leaderDone, blocks - next >= 2 * chunk else { return nil }
        let middle = next + (blocks - next) / 2
        stop = middle
        return Blocks(lower: middle, upper: nil)
    }
}
