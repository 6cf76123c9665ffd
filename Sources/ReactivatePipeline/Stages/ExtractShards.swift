import Artifacts
import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import Synchronization

/// The extract of a member-sharded source: every shard read straight from its own server.
///
/// A shard holds whole members (all four member-keyed relations are split by the same hash of
/// member_id, co-located), so each shard's histories are exact on their own and the shards'
/// histories merge by member id into what one server holding every row gives. Up to `--jobs` shards
/// are read at once, each with the one-server stream (two connections on one snapshot of that server).
/// Each server has its own snapshot: shards are not read at one instant across servers, which the
/// cut-off makes harmless for rows before D that no longer change.
extension ExtractStage {
    /// One shard's histories until the shards are merged (in memory within the process's budget for
    /// held shards, otherwise in an artifact file of its own), and its counts.
    struct ShardPart: Sendable {
        let shard: Shard
        let held: MemberHistories.Held
        let members: Int
        let tally: Tally
        let seconds: Double
        /// Which process read it (host and pid).
        let worker: String
    }

    /// Registers the shards as work in the run ledger, reads every shard no other process takes
    /// (`reactivate shard-worker` on any host may take some), waits for those taken, and fetches those.
    /// A finished shard waits in memory while the budget for held shards lasts (`defaultHeldShardBytes`),
    /// otherwise as an artifact file: the process holds the shards it is reading, and at most that much more.
    /// `channelValues` gets the channel counts of every shard (the helpers' from the ledger) once all are read.
    func streamShards(
        _ context: StageContext, map: ShardMap, channelValues: ChannelValueHandoff? = nil
    ) throws -> (parts: [ShardPart], tally: Tally, stats: [JSONValue]) {
        let queue = ShardWorkQueue(runId: context.runId, attempt: StageFingerprint.newToken())
        let ledger = try context.connect()
        try queue.register(ledger, map: map)
        var parts: [Int: ShardPart] = [:]
        for part in try workShards(context, map: map, queue: queue, store: false, waitForOthers: true) { parts[part.shard.index] = part }
        for done in try queue.finished(ledger) where parts[done.shard] == nil {
            guard map.shards.indices.contains(done.shard) else { continue }
            let started = DispatchTime.now().uptimeNanoseconds
            let path = Self.shardArtifactPath(context, shard: done.shard)
            let (members, checksum) = try queue.download(ledger, shard: done.shard, reported: done.checksum, to: path)
            context.logger.debug("shard read by another process", metadata: ["shard": "\(done.shard)", "worker": "\(done.worker)"])
            parts[done.shard] = ShardPart(
                shard: map.shards[done.shard], held: .file(path: path, checksum: checksum), members: members, tally: done.tally,
                seconds: Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9, worker: done.worker)
        }
        let finished = map.shards.compactMap { parts[$0.index] }
        guard finished.count == map.shards.count else {
            Self.removeShardArtifacts(Array(parts.values))
            throw PipelineError(.runtime, "the extract has \(finished.count) of \(map.shards.count) shards", fix: "re-run the same command")
        }
        var tally = Tally()
        for part in finished { tally.add(part.tally) }
        channelValues?.fulfill(.success(tally.channelValues))
        let stats: [JSONValue] = finished.map { part in
            .object([
                "shard": JSONValue(part.shard.index), "bucket": .string(part.shard.bucket.description),
                "server": .string(part.shard.server?.name ?? "coordinator"), "members": JSONValue(part.members),
                "transactions": JSONValue(part.tally.transactions), "seconds": JSONValue(part.seconds), "worker": .string(part.worker),
            ])
        }
        return (finished, tally, stats)
    }

    /// The shards' artifacts merged by member id into the stage's artifact, then removed.
    func mergeShards(_ context: StageContext, parts: [ShardPart], metadata: [String: String]) throws -> (ArtifactSummary, MemberHistories.Counts) {
        defer { Self.removeShardArtifacts(parts) }
        return try MemberHistories.merge(
            parts.map(\.held), names: parts.map(\.shard.label), into: context.artifactPath(.extract),
            runId: context.runId, asOf: context.plan.asOf.description, metadata: metadata)
    }

    /// Where this process keeps one shard's histories between reading and merging.
    static func shardArtifactPath(_ context: StageContext, shard: Int) -> String {
        context.artifactDirectory.appendingPathComponent(".extract.shard-\(shard).\(getpid()).ract").path
    }

    static func removeShardArtifacts(_ parts: [ShardPart]) {
        for part in parts {
            if case .file(let path, _) = part.held { try? FileManager.default.removeItem(atPath: path) }
        }
    }

    /// Claims and reads shards on up to `--jobs` threads until none is left to claim. `store` keeps
    /// each shard's histories in the ledger (a helper process); `waitForOthers` waits for shards other
    /// processes hold, taking over any whose holder goes away (the run's own process).
    func workShards(_ context: StageContext, map: ShardMap, queue: ShardWorkQueue, store: Bool, waitForOthers: Bool) throws -> [ShardPart] {
        let parts = Mutex<[ShardPart]>([])
        let failure = Mutex<(any Error)?>(nil)
        let worker = ShardWorkQueue.workerName
        /// Shards this process's threads are reading now: a thread with nothing left to claim need not
        /// wait for its siblings' shards (they collect them), only for other processes'.
        let readingHere = Mutex(0)
        /// Bytes of finished shards this process may still keep in memory; a helper keeps none (its
        /// shards go to the ledger as files).
        let heldBytesLeft = Mutex(store ? 0 : heldShardBytes)
        Self.onThreads(min(context.jobs, map.shards.count)) { _ in
            do {
                let claims = try context.connect()
                while failure.withLock({ $0 == nil }) {
                    try context.checkpoint()
                    guard let claim = try queue.claim(claims) else {
                        let progress = try queue.progress(claims)
                        guard progress.pending > 0, waitForOthers, progress.pending > readingHere.withLock({ $0 }) else { return }
                        Thread.sleep(forTimeInterval: 0.05)
                        continue
                    }
                    readingHere.withLock { $0 += 1 }
                    defer { readingHere.withLock { $0 -= 1 } }
                    guard map.shards.indices.contains(claim.shard), map.shards[claim.shard].label == claim.label else {
                        queue.release(claims)
                        throw PipelineError(
                            .configuration, "shard \(claim.shard) of the run is \"\(claim.label)\", but this process's catalog says otherwise",
                            fix: "run every process of a run against the same coordinator and pipeline file")
                    }
                    let shard = map.shards[claim.shard]
                    do {
                        let part = try readShard(context, shard: shard, worker: worker, heldBytesLeft: heldBytesLeft)
                        do {
                            var artifact: (String, String)?
                            if store, case .file(let path, let checksum) = part.held { artifact = (path, checksum) }
                            try queue.finish(claims, shard: shard.index, by: worker, tally: part.tally, artifact: artifact)
                        } catch {
                            Self.removeShardArtifacts([part])
                            throw error
                        }
                        // A helper's shard now lives in the ledger; the run's own process keeps the file to merge.
                        if store { Self.removeShardArtifacts([part]) }
                        parts.withLock { $0.append(part) }
                    } catch {
                        queue.release(claims)
                        throw error
                    }
                }
            } catch {
                failure.withLock { if $0 == nil { $0 = error } }
            }
        }
        if let error = failure.withLock({ $0 }) {
            Self.removeShardArtifacts(parts.withLock { $0 })
            throw error
        }
        return parts.withLock { list in
            defer { list = [] }
            return list
        }
    }

    /// How many bytes of finished shards' histories the run's process keeps in memory for the merge
    /// instead of writing and reading them back (at about 80 bytes a member, 3M members).
    static let defaultHeldShardBytes = 256 << 20

    /// One shard, read straight from its server, kept in memory if `heldBytesLeft` allows, else written
    /// to an artifact of its own; a failure names the shard.
    func readShard(_ context: StageContext, shard: Shard, worker: String, heldBytesLeft: borrowing Mutex<Int>) throws -> ShardPart {
        let started = DispatchTime.now().uptimeNanoseconds
        var logger = context.logger
        logger[metadataKey: "shard"] = "\(shard.index)"
        do {
            let (histories, tally) = try stream(context.withLogger(logger), from: ExtractSource(shard: shard, coordinator: context.connectionString))
            let bytes = histories.count * MemberHistories.bytesPerMember
            let inMemory = heldBytesLeft.withLock { left -> Bool in
                guard bytes <= left else { return false }
                left -= bytes
                return true
            }
            let held: MemberHistories.Held
            if inMemory {
                held = .memory(histories)
            } else {
                let path = Self.shardArtifactPath(context, shard: shard.index)
                let summary = try histories.write(
                    to: path, runId: context.runId, asOf: context.plan.asOf.description, metadata: ["shard": shard.label])
                held = .file(path: path, checksum: summary.contentChecksumHex)
            }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            logger.debug("shard extracted", metadata: ["members": "\(histories.count)", "seconds": "\(seconds)", "held": "\(inMemory ? "memory" : "file")"])
            return ShardPart(shard: shard, held: held, members: histories.count, tally: tally, seconds: seconds, worker: worker)
        } catch {
            throw Self.shardFailure(error, shard: shard)
        }
    }

    /// Connects to every shard's server and looks up its four tables before anything is read, so a
    /// server that is gone or a remote table that is missing is named at once (the source data tests
    /// that follow go through the coordinator, whose postgres_fdw error names only the server).
    func probeShards(_ context: StageContext, map: ShardMap) throws {
        for server in map.servers {
            let shards = map.shards.filter { $0.server == server }
            guard let first = shards.first else { continue }
            let connection: Connection
            do { connection = try context.connect(to: server?.connectionString ?? context.connectionString) } catch {
                throw Self.shardFailure(error, shard: first)
            }
            for shard in shards {
                for relation in MemberKeyedRelation.allCases {
                    let name = shard.relations[relation]
                    let found: Bool
                    do {
                        found = try connection.query(
                            "SELECT to_regclass(\(name.regclassText)) IS NOT NULL", operation: "look up \(name) on \(server?.name ?? "the coordinator")"
                        ).scalar(Bool.self) ?? false
                    } catch { throw Self.shardFailure(error, shard: shard) }
                    guard found else {
                        throw PipelineError(
                            .configuration, "\(shard.label): the table \(name) does not exist there",
                            fix: "point the foreign table of \(relation.rawValue) at a table that exists (ALTER FOREIGN TABLE … OPTIONS (SET schema_name …, table_name …)), or fix `[shards.servers]` if it names another database")
                    }
                }
            }
        }
    }

    /// A shard's failure as the person on call needs it: which shard, on which server, and the fix.
    /// Interruptions stay what they are, so the runner records them as interrupted.
    static func shardFailure(_ error: any Error, shard: Shard) -> any Error { shard.failure(error) }
}

extension Shard {
    /// A failure reading this shard as the person on call needs it: which shard, on which server, and
    /// the fix. Interruptions and configuration errors stay what they are.
    func failure(
        _ error: any Error, redo: String = "the extract is redone from every shard and gives the same result"
    ) -> any Error {
        if Cancellation.shared.isCancelled || (error as? PostgresError)?.kind == .cancelled { return error }
        if let pipeline = error as? PipelineError, pipeline.category != .runtime { return error }
        let server = self.server.map { "\($0.label)" } ?? "the coordinator"
        return PipelineError(
            .runtime, "reading \(label) failed: \(error)",
            fix: "check that \(server) is up and reachable from this host (`[shards.servers]` in the pipeline file can give it another connection string), then re-run the same command: \(redo)")
    }
}

extension ExtractStage {
    /// Runs `body(0..<count)` each on a thread of its own and waits for all: shard workers block on
    /// their servers' sockets and must not hold the few pool threads the streams inside them use.
    static func onThreads(_ count: Int, _ body: @escaping @Sendable (Int) -> Void) {
        let group = DispatchGroup()
        for index in 0..<count {
            group.enter()
            let thread = Thread {
                body(index)
                group.leave()
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
        group.wait()
    }
}
