import Artifacts
import Foundation

extension MemberHistories {
    /// Extract artifacts of disjoint member sets (one per shard), each in member-id order, merged into
    /// one artifact in member-id order: the same bytes one server holding every shard's rows writes.
    ///
    /// Streams: it holds one row group per input and one output group, whatever the member base.
    /// A member on two shards means the catalog's map does not split members as it says: an error,
    /// not a silent double.
    static func mergeArtifacts(
        _ paths: [String], names: [String], into path: String, runId: Int64, asOf: String, metadata: [String: String]
    ) throws -> (summary: ArtifactSummary, counts: Counts) {
        let inputs = try paths.map { try Groups(path: $0) }
        var total = 0
        for (index, input) in inputs.enumerated() {
            guard let rows = input.header.rowCount else {
                throw PipelineError(.runtime, "the shard artifact \(paths[index]) does not state its row count", fix: "re-run the same command")
            }
            total += Int(rows)
        }
        let writer = try writer(to: path, rows: total, runId: runId, asOf: asOf, metadata: metadata)
        var heads = try inputs.map { try $0.next() ?? MemberHistories() }
        var rows = Array(repeating: 0, count: inputs.count)
        var counts = Counts()
        var output = MemberHistories()
        let groupRows = ArtifactWriter.defaultRowsPerGroup
        func flush() throws {
            counts.add(output)
            try writer.append(columns: output.columns(0..<output.count))
            output = MemberHistories()
        }
        var previous: (id: Int64, part: Int)?
        while true {
            var best = -1
            var bestId = Int64.max
            for part in heads.indices where rows[part] < heads[part].count {
                let id = heads[part].memberId[rows[part]]
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
            output.append(row: rows[best], of: heads[best])
            rows[best] += 1
            if rows[best] == heads[best].count, let next = try inputs[best].next() {
                heads[best] = next
                rows[best] = 0
            }
            if output.count == groupRows { try flush() }
        }
        if output.count > 0 { try flush() }
        return (try writer.commit(), counts)
    }
}
