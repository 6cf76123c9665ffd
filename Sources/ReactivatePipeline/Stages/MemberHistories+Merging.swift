import Artifacts
import Foundation

extension MemberHistories {
    /// Where one shard's histories wait for the merge: in an artifact file, or in memory when the
    /// process's budget for held shards allows.
    enum Held: Sendable {
        case file(path: String, checksum: String)
        case memory(MemberHistories)
    }

    /// One merge input, read a row group at a time (a shard held in memory is one group).
    private final class MergeInput {
        private let groups: Groups?
        private var pending: MemberHistories?
        let rows: Int

        init(_ held: Held) throws {
            switch held {
            case .file(let path, _):
                let groups = try Groups(path: path)
                guard let rows = groups.header.rowCount else {
                    throw PipelineError(.runtime, "the shard artifact \(path) does not state its row count", fix: "re-run the same command")
                }
                (self.groups, self.rows) = (groups, Int(rows))
            case .memory(let histories):
                (groups, pending, rows) = (nil, histories, histories.count)
            }
        }

        func next() throws -> MemberHistories? {
            if let groups { return try groups.next() }
            defer { pending = nil }
            return pending
        }
    }

    /// Shards' histories of disjoint member sets, each in member-id order, merged into one artifact in
    /// member-id order: the same bytes one server holding every shard's rows writes.
    ///
    /// Streams: it holds one row group per file input (and the shards held in memory) and one output
    /// group, whatever the member base. A member on two shards means the catalog's map does not split
    /// members as it says: an error, not a silent double.
    static func merge(
        _ held: [Held], names: [String], into path: String, runId: Int64, asOf: String, metadata: [String: String]
    ) throws -> (summary: ArtifactSummary, counts: Counts) {
        let inputs = try held.map { try MergeInput($0) }
        let total = inputs.reduce(0) { $0 + $1.rows }
        let writer = try writer(to: path, rows: total, runId: runId, asOf: asOf, metadata: metadata)
        var heads = try inputs.map { try $0.next() ?? MemberHistories() }
        var rows = Array(repeating: 0, count: inputs.count)
        var counts = Counts()
        var output = MemberHistories()
        let groupRows = ArtifactWriter.defaultRowsPerGroup
        // The merge order is decided on member ids alone; the columns are then copied column by
        // column for a run of picks (until the output group is full or an input group runs out).
        var picks: [Pick] = []
        picks.reserveCapacity(groupRows)
        func gather() {
            output.append(picks, from: heads)
            picks.removeAll(keepingCapacity: true)
        }
        func flush() throws {
            gather()
            counts.add(output)
            try writer.append(columns: output.columns(0..<output.count))
            output = MemberHistories()
        }
        var ids = heads.map(\.memberId)
        var previous: (id: Int64, part: Int)?
        while true {
            var best = -1
            var bestId = Int64.max
            for part in ids.indices where rows[part] < ids[part].count {
                let id = ids[part][rows[part]]
                if best < 0 || id < bestId { (best, bestId) = (part, id) }
            }
            guard best >= 0 else { break }
            if let previous, previous.id == bestId {
                writer.discard()
                throw PipelineError(
                    .configuration, "member \(bestId) is on two shards (\(names[previous.part]) and \(names[best])): the partitions do not split members by one hash",
                    fix: ShardMapAssembly.fix)
            }
            previous = (bestId, best)
            picks.append(Pick(part: Int32(best), row: Int32(rows[best])))
            rows[best] += 1
            if rows[best] == ids[best].count, let next = try inputs[best].next() {
                gather()  // the picks so far point into the group being replaced
                heads[best] = next
                ids[best] = next.memberId
                rows[best] = 0
            }
            if output.count + picks.count == groupRows { try flush() }
        }
        if output.count + picks.count > 0 { try flush() }
        return (try writer.commit(), counts)
    }

    /// One member to copy: which input, which row of its current group.
    struct Pick {
        var part: Int32
        var row: Int32
    }

    /// Appends the picked members of `inputs`, one column at a time.
    mutating func append(_ picks: [Pick], from inputs: [MemberHistories]) {
        guard !picks.isEmpty else { return }
        func gather<Value>(_ target: inout [Value], _ column: (MemberHistories) -> [Value]) {
            let sources = inputs.map(column)
            target.reserveCapacity(target.count + picks.count)
            sources.withUnsafeBufferPointer { sources in
                for pick in picks { target.append(sources[Int(pick.part)][Int(pick.row)]) }
            }
        }
        gather(&memberId) { $0.memberId }
        gather(&joinedDay) { $0.joinedDay }
        gather(&consent) { $0.consent }
        gather(&optedOut) { $0.optedOut }
        gather(&firstPurchaseDay) { $0.firstPurchaseDay }
        gather(&lastPurchaseDay) { $0.lastPurchaseDay }
        gather(&purchaseDays) { $0.purchaseDays }
        gather(&grossCents) { $0.grossCents }
        gather(&preSalesCents) { $0.preSalesCents }
        for channel in 0..<4 {
            gather(&channelState[channel]) { $0.channelState[channel] }
            gather(&channelDeliveredDay[channel]) { $0.channelDeliveredDay[channel] }
        }
        gather(&latitude) { $0.latitude }
        gather(&longitude) { $0.longitude }
        gather(&locationDay) { $0.locationDay }
    }
}
