import Artifacts
import Foundation
import Postgres

/// One extract attempt's shards as claimable work in the run ledger, shared by every process of the run.
///
/// A claim is a row lock (`FOR UPDATE SKIP LOCKED`) held in an open transaction on a connection of the
/// claimer's own while it reads the shard; finishing marks the row done (and stores a helper's
/// histories) in that same transaction. So a shard is done exactly once, and a claimer that dies or
/// loses its connection frees the shard for the next process to take.
struct ShardWorkQueue: Sendable {
    static let stage = "extract"
    let runId: Int64
    let attempt: String

    /// Registers the attempt's shards; earlier attempts' rows no process holds are dropped.
    func register(_ connection: Connection, map: ShardMap) throws {
        try connection.transaction {
            try connection.query(ShardWorkQuery.dropEarlierAttempts(runId: runId, stage: Self.stage, attempt: attempt), operation: "drop earlier shard work")
            for shard in map.shards {
                try connection.query(
                    ShardWorkQuery.register(runId: runId, stage: Self.stage, attempt: attempt, shard: shard.index, label: shard.label),
                    operation: "register shard work")
            }
        }
    }

    /// Claims the next free shard on `connection`, leaving its transaction open; nil (and no
    /// transaction) when every pending shard is held by someone or none is pending.
    func claim(_ connection: Connection) throws -> (shard: Int, label: String)? {
        try connection.execute("BEGIN", operation: "claim shard work")
        do {
            guard let row = try connection.query(ShardWorkQuery.claim(runId: runId, stage: Self.stage, attempt: attempt), operation: "claim shard work").first
            else {
                try connection.execute("ROLLBACK")
                return nil
            }
            return (try row.decode(0), try row.decode(1))
        } catch {
            _ = try? connection.execute("ROLLBACK")
            throw error
        }
    }

    /// Marks the claimed shard done and commits; `artifact` (a helper's histories) is stored in chunks.
    func finish(_ connection: Connection, shard: Int, by worker: String, tally: ExtractStage.Tally, artifact: (path: String, checksum: String)?) throws {
        if let artifact {
            let data = try Data(contentsOf: URL(fileURLWithPath: artifact.path))
            let chunkBytes = 16 << 20
            try connection.copyIn(ShardWorkQuery.chunksIn, operation: "store a shard's histories") { writer in
                var chunk = 0
                var start = 0
                repeat {
                    let end = min(start + chunkBytes, data.count)
                    writer.encoder.beginRow(fieldCount: 6)
                    writer.encoder.append(runId)
                    writer.encoder.append(Self.stage)
                    writer.encoder.append(attempt)
                    writer.encoder.append(Int32(shard))
                    writer.encoder.append(Int32(chunk))
                    writer.encoder.append(bytes: data[start..<end])
                    try writer.rowDone()
                    chunk += 1
                    start = end
                } while start < data.count
            }
        }
        try connection.query(
            ShardWorkQuery.finish(
                runId: runId, stage: Self.stage, attempt: attempt, shard: shard, by: worker, tally: tally.json,
                checksum: artifact?.checksum),
            operation: "finish shard work")
        try connection.execute("COMMIT", operation: "finish shard work")
    }

    /// Gives a claimed shard back (its transaction rolls back; the row is pending for anyone again).
    func release(_ connection: Connection) {
        _ = try? connection.execute("ROLLBACK")
    }

    /// (pending, all) shards of the attempt.
    func progress(_ connection: Connection) throws -> (pending: Int, total: Int) {
        let row = try connection.query(ShardWorkQuery.pending(runId: runId, stage: Self.stage, attempt: attempt), operation: "read shard work").first
        return (try row?.decode(0) ?? 0, try row?.decode(1) ?? 0)
    }

    struct Finished: Sendable {
        let shard: Int
        let worker: String
        let tally: ExtractStage.Tally
        let checksum: String?
    }

    func finished(_ connection: Connection) throws -> [Finished] {
        try connection.query(ShardWorkQuery.finished(runId: runId, stage: Self.stage, attempt: attempt), operation: "read finished shard work").map { row in
            Finished(
                shard: try row.decode(0), worker: try row.decodeIfPresent(1) ?? "?",
                tally: ExtractStage.Tally(json: try row.decodeIfPresent(2) ?? "{}"), checksum: try row.decodeIfPresent(3))
        }
    }

    /// A helper's stored histories of one shard, streamed to `path` chunk by chunk and verified
    /// (checksum, and that it is the artifact the helper `reported`); returns its members and checksum.
    func download(_ connection: Connection, shard: Int, reported: String?, to path: String) throws -> (members: Int, checksum: String) {
        guard FileManager.default.createFile(atPath: path, contents: nil), let file = FileHandle(forWritingAtPath: path) else {
            throw PipelineError(.runtime, "cannot create \(path) for shard \(shard)'s histories", fix: "check the artifact directory's permissions and free space")
        }
        do {
            defer { try? file.close() }
            try connection.copyOut(ShardWorkQuery.chunksOut(runId: runId, stage: Self.stage, attempt: attempt, shard: shard), fieldCount: 1, operation: "read a shard's histories") { row in
                try file.write(contentsOf: row.bytes(0))
            }
            let summary = try ArtifactReader.verify(path: path)
            guard reported == nil || reported == summary.contentChecksumHex else {
                throw PipelineError(.runtime, "shard \(shard)'s stored histories do not match the checksum their process reported", fix: "re-run the same command")
            }
            return (Int(summary.rowCount), summary.contentChecksumHex)
        } catch {
            try? FileManager.default.removeItem(atPath: path)
            throw error
        }
    }

    /// Who this process is in the ledger: host and pid.
    static var workerName: String { "\(ProcessInfo.processInfo.hostName) pid \(getpid())" }
}

extension ExtractStage.Tally {
    /// The counts as the ledger stores them.
    var json: String {
        JSONValue.object([
            "transactions": JSONValue(transactions), "transactions_of_unknown_members": JSONValue(transactionsOfUnknownMembers),
            "transactions_spilled": JSONValue(transactionsSpilled), "transactions_read_after_member_facts": JSONValue(transactionsReadAfterMemberFacts),
            "channel_values": channelValues.json,
        ]).jsonText
    }

    init(json: String) {
        self.init()
        guard let object = try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8)) else { return }
        func count(_ key: String) -> Int { Int(object[key]?.integer ?? 0) }
        transactions = count("transactions")
        transactionsOfUnknownMembers = count("transactions_of_unknown_members")
        transactionsSpilled = count("transactions_spilled")
        transactionsReadAfterMemberFacts = count("transactions_read_after_member_facts")
        channelValues = ChannelValueTally(json: object["channel_values"] ?? .null)
    }
}
