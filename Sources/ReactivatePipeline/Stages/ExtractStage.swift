import Artifacts
import Dispatch
import Foundation
import Logging
import Postgres
import ReactivateCore
import Synchronization

/// Point-in-time member histories as of D, streamed with binary COPY into a zstd artifact.
///
/// Only rows timestamped before D 00:00 in the business time zone count, so re-running a past date
/// later gives byte-identical output. Two connections on one snapshot share the reading (see `stream`).
public struct ExtractStage: Stage {
    public let name = StageName.extract

    /// How finely the transaction scan is cut into statements (see `TransactionScanPlan`).
    let scanChunks: Int
    let minimumChunkBlocks: Int
    /// About how many purchases each bucket of the distinct-day count holds (`PurchaseDayBuckets`).
    let pairsPerBucket: Int
    /// Bytes of finished shards' histories a sharded extract keeps in memory until the merge.
    let heldShardBytes: Int

    public init() {
        self.init(scanChunks: 64, minimumChunkBlocks: 128)
    }

    /// Tests cut small tables finely so that the connections steal from each other, and the purchase
    /// days into many buckets; and hold no shard in memory, so that every shard goes through a file.
    init(scanChunks: Int, minimumChunkBlocks: Int, pairsPerBucket: Int = 1 << 18, heldShardBytes: Int = Self.defaultHeldShardBytes) {
        self.scanChunks = scanChunks
        self.minimumChunkBlocks = minimumChunkBlocks
        self.pairsPerBucket = pairsPerBucket
        self.heldShardBytes = heldShardBytes
    }

    public func run(_ context: StageContext) throws -> StageResult {
        let config = context.config
        let sourceStats: JSONValue
        let layout = try ShardCatalog.layout(try context.connect(), config: config)
        let metadata = [
            "business_timezone": config.businessTimeZone, "source_schema": config.sourceSchema,
            "location_freshness_days": String(config.locationFreshnessDays),
            "pre_period_days": String(config.prePeriodDays),
        ]
        let summary: ArtifactSummary, counts: MemberHistories.Counts, tally: Tally
        var shardStats: JSONValue?
        var clock = PhaseClock(logger: context.logger)
        switch layout {
        case .oneServer(let reason):
            context.logger.debug("source read through one server", metadata: ["reason": "\(reason)"])
            // The channel data tests count the extract's own channel stream (member_channels read once).
            let channelValues =
                context.mode == .backfill
                ? nil : ChannelValueHandoff(checkPairs: !(try SourceChecks.channelPairsGuaranteed(try context.connect(), schema: context.plan.sourceSchema)))
            let (checks, read) = besideDataTests(context, shards: nil, channelValues: channelValues) { try stream($0, channelValues: channelValues) }
            sourceStats = try checks.get()
            let members: MemberHistories
            (members, tally) = try read.get()
            clock = PhaseClock(logger: context.logger)
            summary = try members.write(
                to: context.artifactPath(.extract), runId: context.runId, asOf: context.plan.asOf.description, metadata: metadata)
            var all = MemberHistories.Counts()
            all.add(members)
            counts = all
        case .sharded(let map):
            context.logger.notice(
                "source is sharded: reading each shard from its own server",
                metadata: ["provider": "\(map.provider.rawValue)", "shards": "\(map.shards.count)", "jobs": "\(context.jobs)"])
            try probeShards(context, map: map)
            // The channel tests count the shards' own channel streams once every shard is read (where a
            // unique index on every shard guarantees the pairs, so counts suffice).
            let channelValues = context.mode == .backfill ? nil : ChannelValueHandoff(checkPairs: false)
            let (checks, shards) = besideDataTests(context, shards: map, channelValues: channelValues) {
                try streamShards($0, map: map, channelValues: channelValues)
            }
            do { sourceStats = try checks.get() } catch {
                if case .success(let done) = shards { Self.removeShardArtifacts(done.parts) }
                throw error
            }
            let (parts, sums, perShard) = try shards.get()
            clock = PhaseClock(logger: context.logger)
            (summary, counts) = try mergeShards(context, parts: parts, metadata: metadata)
            tally = sums
            shardStats = .array(perShard)
        }
        clock.lap("artifact written")
        return StageResult(
            rowsIn: counts.members, rowsOut: counts.members,
            stats: [
                "members": JSONValue(counts.members), "buyers": JSONValue(counts.buyers),
                "never_activated": JSONValue(counts.members - counts.buyers), "with_fresh_location": JSONValue(counts.withLocation),
                "artifact_bytes": JSONValue(Int(summary.fileBytes)), "transactions": JSONValue(tally.transactions),
                "transactions_of_unknown_members": JSONValue(tally.transactionsOfUnknownMembers),
                "transactions_spilled": JSONValue(tally.transactionsSpilled),
                "transactions_read_after_member_facts": JSONValue(tally.transactionsReadAfterMemberFacts),
                "source_checks": sourceStats,
            ].merging(shardStats.map { ["shards": $0] } ?? [:]) { current, _ in current },
            artifactPath: context.artifactPath(.extract), artifactChecksum: summary.contentChecksumHex)
    }

    /// Runs the source data tests beside `read`. Nothing is written before both are done, so a failed
    /// test still stops the run before the artifact; and a failed test stops the reads at once (their
    /// connections cancelled), so the run ends with the test's error without reading every table first.
    /// `channelValues` is the handoff from the reads' channel stream to the channel tests: fulfilled
    /// here with the reads' error if they end without fulfilling it, so the tests never wait for nothing.
    func besideDataTests<Read: Sendable>(
        _ context: StageContext, shards: ShardMap?, channelValues: ChannelValueHandoff? = nil,
        read: @escaping @Sendable (StageContext) throws -> Read
    ) -> (checks: Result<JSONValue, any Error>, read: Result<Read, any Error>) {
        let stop = StageStop()
        let checks = Mutex<Result<JSONValue, any Error>>(.success(.null))
        let reads = Mutex<Result<Read, any Error>?>(nil)
        Self.onThreads(2) { task in
            if task == 0 {
                let outcome = Result { try checkSource(context, shards: shards, channelValues: channelValues) }
                if case .failure = outcome { stop.stop(because: "the source data tests failed") }
                checks.withLock { $0 = outcome }
            } else {
                let outcome = Result { try read(context.withStop(stop)) }
                if case .failure(let error) = outcome { channelValues?.fulfill(.failure(error)) }
                channelValues?.fulfill(.failure(PipelineError(.runtime, "the extract's reads finished without reading member_channels")))
                reads.withLock { $0 = outcome }
            }
        }
        let read = reads.withLock { $0 } ?? .failure(PipelineError(.runtime, "the extract's reads finished without results"))
        // Tests that stopped only because the reads did report nothing of their own: the reads' error stands.
        if case .failure(let failure) = checks.withLock({ $0 }), failure is ChannelValueHandoff.ReadsEnded, case .failure = read {
            return (.success(.null), read)
        }
        return (checks.withLock { $0 }, read)
    }

    /// Before any data is kept: the contract (relations, columns, types), then the data tests and the
    /// feed's freshness for live and dry runs. Errors are configuration errors (exit 2); warnings go to
    /// the log and the stage's stats. Backfills replay the past and skip the data tests. On a sharded
    /// source the key uniqueness, the channel values and the feed's freshness are read shard by shard on
    /// the shard servers (exact: a bucket holds all rows of its members); the samples through the coordinator.
    func checkSource(_ context: StageContext, shards: ShardMap? = nil, channelValues: ChannelValueHandoff? = nil) throws -> JSONValue {
        let config = context.config
        if context.mode == .backfill {
            let problems = try SourceContract.problems(try context.connect(), schema: config.sourceSchema)
            guard problems.isEmpty else {
                throw PipelineError(
                    .configuration, "the source schema '\(config.sourceSchema)' does not match the contract:\n  - " + problems.joined(separator: "\n  - "),
                    fix: "fix the views (sql/source/README.md shows the contract), then check with `reactivate validate PIPELINE`")
            }
            return .null
        }
        var options = SourceCheckOptions()
        if let shards {
            options = try SourceChecks.options(
                for: shards, plan: context.plan, coordinator: context.connectionString, connect: context.connect(to:))
        }
        options.channelValues = channelValues
        let checks: SourceCheckReport
        do {
            checks = try SourceChecks.run(try context.connect(), plan: context.plan, options: options)
        } catch let error where shards != nil && !(error is PipelineError) && !(error is ChannelValueHandoff.ReadsEnded) {
            // Through the coordinator a shard server that is gone shows as postgres_fdw's error naming it.
            let map = shards?.shards ?? []
            if let shard = map.first(where: { shard in shard.server.map { "\(error)".contains("\"\($0.name)\"") } ?? false }) {
                throw shard.failure(error)
            }
            // A connection lost mid-query may not say which server: the shard that cannot be reached now is named.
            if let shards { try probeShards(context, map: shards) }
            throw PipelineError(
                .runtime, "the source data tests through the coordinator failed: \(error)",
                fix: "check that the coordinator and every shard server are up, then re-run the same command")
        }
        for warning in checks.warnings {
            context.logger.warning("source data test", metadata: ["finding": "\(warning.relation).\(warning.column): \(warning.message)"])
        }
        return .object(checks.stats)
    }

    /// Counts the extract reports besides its rows.
    struct Tally: Sendable {
        var transactions = 0
        var transactionsOfUnknownMembers = 0
        /// Transactions spilled as records for the bucketed fold (those of ids with a slot).
        var transactionsSpilled = 0
        /// Transactions the member-facts connection read after it finished its own streams.
        var transactionsReadAfterMemberFacts = 0
        /// What the channel data tests need from member_channels (counts only; member ids go straight to
        /// the tests through `ChannelValueHandoff`): the shards' counts add up to the source's.
        var channelValues = ChannelValueTally(checkPairs: false)

        /// Counts add: parts of one scan, or shards of one source.
        mutating func add(_ other: Tally) {
            transactions += other.transactions
            transactionsOfUnknownMembers += other.transactionsOfUnknownMembers
            transactionsSpilled += other.transactionsSpilled
            transactionsReadAfterMemberFacts += other.transactionsReadAfterMemberFacts
            channelValues.merge(other.channelValues)
        }
    }

    /// Two connections on one snapshot: members, channels and locations on the first, the transactions
    /// before D on the second in block chunks — until the first is free and steals the back half of what
    /// is left, and so on while a steal is worth it (`TransactionScanPlan`). Every stream is one plain
    /// scan folded by member slot with order-independent folds, so the result does not depend on the
    /// table's physical order: the transactions are spilled as records by slot-range bucket and folded
    /// bucket by bucket after the scan (`PurchaseFold`), distinct purchase days exactly. No member is
    /// read twice.
    /// `channelValues`, when given, gets the channel stream's counts for the data tests (and the error
    /// that ends the reads before it).
    func stream(_ context: StageContext, channelValues: ChannelValueHandoff? = nil) throws -> (MemberHistories, Tally) {
        try stream(context, from: ExtractSource(schema: context.plan.sourceSchema, connectionString: context.connectionString), channelValues: channelValues)
    }

    /// The same, from one server's relations: the source schema on the configured server, or a shard.
    func stream(_ context: StageContext, from source: ExtractSource, channelValues: ChannelValueHandoff? = nil) throws -> (MemberHistories, Tally) {
        do {
            return try streamSource(context, from: source, channelValues: channelValues)
        } catch {
            channelValues?.fulfill(.failure(error))
            throw error
        }
    }

    private func streamSource(_ context: StageContext, from source: ExtractSource, channelValues: ChannelValueHandoff?) throws -> (MemberHistories, Tally) {
        let config = context.config
        let run = context.plan
        let relations = source.relations
        var clock = PhaseClock(logger: context.logger)
        let first = try context.connect(to: source.connectionString)
        try ExtractQuery.prepareSession(first)
        let calendar = try ExtractQuery.calendar(
            first, asOfDay: run.asOf.number, daysBack: max(config.prePeriodDays, config.locationFreshnessDays, 400) + 1,
            timeZone: run.timeZone)
        // The calendar's day boundaries come from the same tz rules as the plan's cut-off; they must agree.
        let cutoff = run.cutoff.microseconds
        guard calendar.midnight(of: run.asOf.number) == cutoff,
            let freshFrom = calendar.midnight(of: run.asOf.number - Int32(config.locationFreshnessDays))
        else { throw PipelineError(.runtime, "the business calendar does not agree with the run's cut-off \(run.cutoff)") }
        let window = ExtractQuery.Window(relations: relations, cutoff: run.cutoff, freshLocationsFrom: Instant(microseconds: freshFrom))
        // One snapshot for both connections: the member slots, the member rows and the transactions
        // agree even while the source keeps changing.
        try first.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
        guard let snapshot = try first.query("SELECT pg_export_snapshot()").scalar(String.self) else {
            throw PipelineError(.runtime, "the server did not export a snapshot for the extract")
        }
        let estimate = try? first.query(
            "SELECT reltuples::int8 FROM pg_class WHERE oid = to_regclass(\(relations.transactions.regclassText))"
        ).scalar(Int.self)
        let second = try context.connect(to: source.connectionString)
        try ExtractQuery.prepareSession(second)
        try second.execute("BEGIN ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION SNAPSHOT \(Connection.quoteLiteral(snapshot))")
        let cancels = [first, second].compactMap { $0.cancelHandle() }
        let (slots, rowsRead) = try Self.memberSlots(
            first, second, cancelling: cancels, window: window, calendar: calendar, cutoff: cutoff, splitFrom: max(minimumChunkBlocks, 2))
        /// Taken by the member facts stream, so the rows are freed once folded.
        let membersRead = Mutex(rowsRead)
        // The scan threads probe the id index through a raw pointer (`SlotLookup`), which does not keep
        // its table alive: the optimiser may otherwise free it after the last use it can see.
        defer { withExtendedLifetime(slots) {} }
        clock.lap("member slots")
        let plan = Mutex(
            TransactionScanPlan(
                blocks: try ExtractQuery.blocks(first, relation: relations.transactions), chunks: scanChunks,
                minimumChunk: minimumChunkBlocks))
        let progress = ProgressReporter("extract", total: estimate, logger: context.logger)
        defer { progress.finish() }
        let scan = TransactionScan(
            window: window, slots: slots, calendar: calendar, preStartDay: context.asOfDay - Int32(config.prePeriodDays),
            progress: progress,
            buckets: PurchaseDayBuckets(
                slots: slots.count, expectedPairs: max(estimate ?? 0, 16 * slots.count), pairsPerBucket: pairsPerBucket),
            spillDirectory: context.artifactDirectory)
        let facts = Mutex<MemberFacts?>(nil)
        let channelCounts = Mutex(ChannelValueTally(checkPairs: false))
        let parts = Mutex<[FinishedPart]>([])
        clock.lap("scan plan and second connection")
        let started = DispatchTime.now().uptimeNanoseconds
        /// Reads segments until none is left worth stealing, `start` first when given, all folded into
        /// this connection's one part (the folds do not care which blocks come first).
        @Sendable func readSegments(on connection: Connection, start: Int?, byMemberFactsConnection: Bool) throws {
            var laps = PhaseClock(logger: context.logger, last: started)
            var segment = start ?? plan.withLock { $0.steal() }
            guard segment != nil else { return }
            var part = try scan.emptyPart()
            while let index = segment {
                let lower = plan.withLock { $0.segments[index].lower }
                while let blocks = plan.withLock({ $0.nextChunk(in: index) }) {
                    try context.checkpoint()
                    try scan.read(blocks, on: connection, into: &part)
                }
                laps.lap("transactions from block \(lower)")
                segment = plan.withLock { $0.steal() }
            }
            parts.withLock { $0.append(FinishedPart(part: part, byMemberFactsConnection: byMemberFactsConnection)) }
        }
        /// The first connection: member facts, then whatever transactions are left to steal.
        @Sendable func readMemberFactsThenTransactions() throws {
            var laps = PhaseClock(logger: context.logger, last: started)
            var part = MemberFacts(slots: slots.count, lookup: slots.lookup)
            var counts = try Self.streamMemberFacts(
                first, window: window, calendar: calendar, cutoff: cutoff, membersRead: membersRead.withLock { $0.take() }, into: &part,
                channelValues: channelValues, laps: &laps)
            counts.pairs = nil
            facts.withLock { $0 = part }
            channelCounts.withLock { $0 = counts }
            try readSegments(on: first, start: nil, byMemberFactsConnection: true)
        }
        try Self.together(2, cancelling: cancels) { task in
            try withBatchScheduling {
                if task == 0 {
                    try readMemberFactsThenTransactions()
                } else {
                    try readSegments(on: second, start: TransactionScanPlan.first, byMemberFactsConnection: false)
                }
            }
        }
        try second.execute("COMMIT")
        try first.execute("COMMIT")
        // Taken out of the mutex so each table has one owner and merges in place, without a copy.
        var finished = parts.withLock { list in
            defer { list = [] }
            return list
        }
        let readAfterMemberFacts = finished.filter(\.byMemberFactsConnection).reduce(0) { $0 + $1.part.tally.transactions }
        guard let folded = facts.withLock({ $0.take() }), !finished.isEmpty else {
            throw PipelineError(.runtime, "extract streams finished without results")
        }
        var purchases = finished.removeFirst().part
        let spills = [purchases.spill] + finished.map(\.part.spill)
        while !finished.isEmpty { purchases.merge(finished.removeFirst().part) }
        let (table, routedNonMembers) = try PurchaseFold.fold(spills, buckets: scan.buckets, preStartDay: scan.preStartDay, routing: scan.idBuckets.map { (slots, $0) })
        clock.lap("fold \(scan.buckets.count) buckets of \(spills.reduce(0) { $0 + $1.bytes } >> 20) MiB")
        var tally = purchases.tally
        tally.transactionsReadAfterMemberFacts = readAfterMemberFacts
        tally.channelValues = channelCounts.withLock { $0 }
        let (histories, nonMembers) = folded.gathered(with: table)
        tally.transactionsOfUnknownMembers += nonMembers + routedNonMembers
        clock.lap("streams joined")
        return (histories, tally)
    }

    /// One connection's share of the transaction table, read and folded.
    struct FinishedPart: Sendable {
        let part: TransactionScan.Part
        let byMemberFactsConnection: Bool
    }

    /// Reads block ranges of the transaction table and folds them by member slot.
    struct TransactionScan: Sendable {
        let window: ExtractQuery.Window
        let slots: MemberSlots
        let calendar: BusinessCalendar
        let preStartDay: Int32
        let progress: ProgressReporter
        /// How the (member, purchase day) pairs are cut for the distinct-day count.
        let buckets: PurchaseDayBuckets
        let spillDirectory: URL
        /// Scattered ids are routed by bucket instead of looked up per row (nil: compact ids, or too spread).
        let idBuckets: MemberIdBuckets?

        init(
            window: ExtractQuery.Window, slots: MemberSlots, calendar: BusinessCalendar, preStartDay: Int32,
            progress: ProgressReporter, buckets: PurchaseDayBuckets, spillDirectory: URL
        ) {
            self.window = window
            self.slots = slots
            self.calendar = calendar
            self.preStartDay = preStartDay
            self.progress = progress
            self.buckets = buckets
            self.spillDirectory = spillDirectory
            idBuckets = slots.idBuckets(shift: buckets.shift)
        }

        /// One connection's share: its spilled transactions and counts.
        struct Part: Sendable {
            let spill: PurchaseDaySpill
            var tally = Tally()

            /// Adds another part's counts (its spill is folded with this one's).
            mutating func merge(_ other: Part) { tally.add(other.tally) }
        }

        func emptyPart() throws -> Part {
            Part(
                spill: try PurchaseDaySpill(
                    buckets: buckets, directory: spillDirectory, slots: slots.lookup, route: idBuckets?.route, calendar: calendar))
        }

        func read(_ blocks: TransactionScanPlan.Blocks, on connection: Connection, into part: inout Part) throws {
            let spill = part.spill  // captured once: no reference count touched per row
            try connection.copyOut(
                ExtractQuery.transactions(window, blocks: blocks), fieldCount: 3, operation: "extract transactions"
            ) { row in
                part.tally.transactions += 1
                if part.tally.transactions & 0xFFFF == 0 {
                    progress.advance(by: 0x10000)
                    try Cancellation.shared.checkpoint()
                }
                // Ids outside the slots are not members on D; ids inside without a member are told
                // apart when the folds are gathered.
                if try spill.add(row) { part.tally.transactionsSpilled += 1 } else { part.tally.transactionsOfUnknownMembers += 1 }
            }
        }
    }

    /// Runs `body(0..<count)` at once, one per connection of the extract, and waits for all. The first
    /// failure cancels the statements behind `cancels`, so the other reads stop instead of finishing
    /// for nothing, and is rethrown.
    static func together(_ count: Int, cancelling cancels: [CancelHandle], _ body: @Sendable (Int) throws -> Void) throws {
        let failure = Mutex<(any Error)?>(nil)
        DispatchQueue.concurrentPerform(iterations: count) { index in
            do {
                try body(index)
            } catch {
                let firstFailure = failure.withLock { current -> Bool in
                    guard current == nil else { return false }
                    current = error
                    return true
                }
                if firstFailure { cancels.forEach { $0.cancel() } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
    }

    /// Where each member's rows fold: the id range when ids are compact, else the sorted list of ids.
    /// The list comes from the members stream itself, whose rows are returned to be folded once the
    /// slots exist: reading the ids on their own and the members again later scanned the table twice
    /// before and beside the transactions (0.2 s of a 4.5 s extract at 1M sparse ids). Nothing else
    /// can start before the list, so a members table is read in two halves at once, one on each of the
    /// extract's connections (`other`, on the same snapshot), when it has at least `minimumBlocks`.
    static func memberSlots(
        _ connection: Connection, _ other: Connection, cancelling cancels: [CancelHandle], window: ExtractQuery.Window,
        calendar: BusinessCalendar, cutoff: Int64, splitFrom minimumBlocks: Int
    ) throws -> (MemberSlots, membersRead: [MemberFacts.MemberRecord]?) {
        let range = try connection.query(
            """
            SELECT min(member_id), max(member_id),
                   (SELECT reltuples::int8 FROM pg_class WHERE oid = to_regclass(\(window.relations.members.regclassText)) AND reltuples > 0)
            FROM \(window.relations.members.sql)
            """, operation: "read member id range").first
        // A table never analyzed (or a view) has no row estimate: count, so a large compact base still gets a range.
        let memberCount = try range?.decodeIfPresent(2, as: Int64.self)
            ?? connection.query("SELECT count(*) FROM \(window.relations.members.sql)", operation: "count members").scalar(Int64.self) ?? 0
        if let compact = MemberSlots.range(
            low: try range?.decodeIfPresent(0, as: Int64.self), high: try range?.decodeIfPresent(1, as: Int64.self), members: memberCount)
        {
            return (compact, nil)
        }
        let expected = Int(clamping: max(memberCount, 0))
        let ranges: [TransactionScanPlan.Blocks] =
            if let blocks = try ExtractQuery.blocks(connection, relation: window.relations.members), blocks >= minimumBlocks {
                [TransactionScanPlan.Blocks(lower: 0, upper: blocks / 2), TransactionScanPlan.Blocks(lower: blocks / 2, upper: nil)]
            } else {
                [.all]
            }
        let connections = [connection, other]
        let parts = Mutex([[MemberFacts.MemberRecord]](repeating: [], count: ranges.count))
        try together(ranges.count, cancelling: cancels) { part in
            let days = ExtractDayTable(calendar)
            defer { days.deallocate() }
            // The first part is reserved for all rows, so the second is appended without a copy.
            var rows: [MemberFacts.MemberRecord] = []
            rows.reserveCapacity((part == 0 ? expected : expected / ranges.count) + expected / 16)
            try connections[part].copyOut(ExtractQuery.members(window, blocks: ranges[part]), fieldCount: 4, operation: "extract members") { row in
                rows.append(try memberRecord(row, days: days, cutoff: cutoff))
            }
            parts.withLock { $0[part] = rows }
        }
        var read = parts.withLock { parts in
            defer { parts = [] }
            return parts
        }
        var members = read.removeFirst()
        while !read.isEmpty { members.append(contentsOf: read.removeFirst()) }
        return (.index(unordered: members.map(\.id)), members)
    }

    /// A members row as the fold keeps it.
    @inline(__always)
    static func memberRecord(_ row: borrowing BinaryCopyRow, days: ExtractDayTable, cutoff: Int64) throws -> MemberFacts.MemberRecord {
        let joinedAt = try row.timestamp(1)
        return MemberFacts.MemberRecord(
            joinedAt: joinedAt, id: try row.int64(0), joinedDay: days.day(of: joinedAt),
            consent: try row.optionalBool(2) ?? false ? 1 : 0, optedOut: try row.optionalTimestamp(3).map { $0 < cutoff } ?? false ? 1 : 0)
    }

    /// Members, their channels and their freshest location, folded by slot in scan order (`facts`
    /// resolves the ids to slots, a batch of rows at a time); the members from `membersRead` when
    /// `memberSlots` already read them. Returns the channel data tests' counts of every
    /// member_channels row, also handed to `channelValues` as soon as the channels are read.
    static func streamMemberFacts(
        _ connection: Connection, window: ExtractQuery.Window, calendar: BusinessCalendar, cutoff: Int64,
        membersRead: [MemberFacts.MemberRecord]? = nil, into facts: inout MemberFacts, channelValues: ChannelValueHandoff? = nil,
        laps: inout PhaseClock
    ) throws -> ChannelValueTally {
        // The calendar through a pointer: `BusinessCalendar.day(of:)` retains its array on every call.
        let days = ExtractDayTable(calendar)
        defer { days.deallocate() }
        if let membersRead {
            for member in membersRead { facts.addMember(member) }
        } else {
            try connection.copyOut(ExtractQuery.members(window), fieldCount: 4, operation: "extract members") { row in
                facts.addMember(try memberRecord(row, days: days, cutoff: cutoff))
            }
        }
        laps.lap("members")
        // Every row is counted for the channel data tests (values, rows without a member, and the
        // pairs when no unique index guarantees them); those of members on D are folded.
        var channelValueTally = ChannelValueTally(checkPairs: channelValues?.checkPairs ?? false)
        if channelValues?.checkPairs == true { facts.checkChannelPairs() }
        let artifactChannel = ChannelValueTally.channels.map { MemberHistories.channelOrder.firstIndex(of: $0) }
        try connection.copyOut(ExtractQuery.channels(window), fieldCount: 5, operation: "extract channels") { row in
            guard let (member, code) = try channelValueTally.add(row, member: 0, channel: 1, keepingPair: false),
                let channel = artifactChannel[code]
            else { return }
            let delivered = try row.optionalTimestamp(3).flatMap { $0 < cutoff ? $0 : nil }
            facts.addChannel(
                id: member, channel: channel,
                health: ChannelHealth.judge(
                    verifiedAt: try row.optionalTimestamp(2), deliveredAt: delivered, failedAt: try row.optionalTimestamp(4),
                    cutoff: cutoff),
                deliveredDay: delivered.map { days.day(of: $0) })
        }
        facts.settle()
        if let pairs = facts.takeChannelPairs() { channelValueTally.addPairs(pairs) }
        channelValues?.fulfill(.success(channelValueTally))
        laps.lap("channels")
        try connection.copyOut(ExtractQuery.locations(window), fieldCount: 4, operation: "extract locations") { row in
            let observedAt = try row.timestamp(3)
            facts.addLocation(
                id: try row.int64(0), observedAt: observedAt, day: days.day(of: observedAt),
                latitude: try row.optionalFloat64(1) ?? .nan, longitude: try row.optionalFloat64(2) ?? .nan)
        }
        facts.settle()
        laps.lap("locations")
        return channelValueTally
    }
}
