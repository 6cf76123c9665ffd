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
/// later gives byte-identical output. Slices of the member-id space stream on parallel connections.
public struct ExtractStage: Stage {
    public let name = StageName.extract

    public init() {}

    public func run(_ context: StageContext) throws -> StageResult {
        let config = context.config
        try Identifier.validate(config.sourceSchema, what: "source.schema")
        // A mapped view with a missing column or a wrong type is named before any data moves.
        let problems = try SourceContract.problems(try context.connect(), schema: config.sourceSchema)
        guard problems.isEmpty else {
            throw PipelineError(
                .configuration, "the source schema '\(config.sourceSchema)' does not match the contract:\n  - " + problems.joined(separator: "\n  - "),
                fix: "fix the views (sql/source/README.md shows the contract), then check with `reactivate validate PIPELINE`")
        }
        let (histories, tally) = try Self.stream(context)
        var clock = PhaseClock(logger: context.logger)
        defer { clock.lap("artifact written") }
        // Members streamed in id order: already sorted.
        let sorted = histories
        let summary = try sorted.write(
            to: context.artifactPath(.extract), runId: context.runId, asOf: context.asOf,
            metadata: [
                "business_timezone": config.businessTimeZone, "source_schema": config.sourceSchema,
                "location_freshness_days": String(config.locationFreshnessDays),
                "pre_period_days": String(config.prePeriodDays),
            ])
        var buyers = 0
        var withLocation = 0
        for index in 0..<sorted.count {
            if sorted.purchaseDays[index] > 0 { buyers += 1 }
            if sorted.locationDay[index] != MemberHistories.noDay { withLocation += 1 }
        }
        return StageResult(
            rowsIn: sorted.count, rowsOut: sorted.count,
            stats: [
                "members": JSONValue(sorted.count), "buyers": JSONValue(buyers),
                "never_activated": JSONValue(sorted.count - buyers), "with_fresh_location": JSONValue(withLocation),
                "artifact_bytes": JSONValue(Int(summary.fileBytes)), "transactions": JSONValue(tally.transactions),
                "transactions_of_unknown_members": JSONValue(tally.transactionsOfUnknownMembers),
                "members_refolded_in_order": JSONValue(tally.refoldedMembers),
            ],
            artifactPath: context.artifactPath(.extract), artifactChecksum: summary.contentChecksumHex)
    }

    /// Counts the extract reports besides its rows.
    struct Tally: Sendable {
        var transactions = 0
        var transactionsOfUnknownMembers = 0
        /// Members whose transactions arrived out of chronological order and were re-read in order.
        var refoldedMembers = 0
    }

    /// Members first, then two streams at once: channels and locations on one connection, every
    /// transaction before D in scan order on the other, folded into per-member state. Members whose
    /// purchases arrived out of chronological order are re-folded from an ordered stream.
    static func stream(_ context: StageContext) throws -> (MemberHistories, Tally) {
        let config = context.config
        let schema = config.sourceSchema
        var clock = PhaseClock(logger: context.logger)
        let first = try context.connect()
        try ExtractQuery.bindSettings(
            first, asOf: context.asOf, timeZone: config.businessTimeZone,
            freshnessDays: config.locationFreshnessDays, prePeriodDays: config.prePeriodDays)
        let calendar = try ExtractQuery.calendar(first, asOfDay: context.asOfDay, daysBack: max(config.prePeriodDays, 400) + 1)
        guard let cutoff = calendar.midnight(of: context.asOfDay) else {
            throw PipelineError(.runtime, "the business calendar does not reach \(context.asOf)")
        }
        let estimate = try? first.query(
            "SELECT reltuples::int8 FROM pg_class WHERE oid = to_regclass($1)", ["\(Connection.quoteIdentifier(schema)).transactions"]
        ).scalar.flatMap { Int($0) }
        // Compact member ids (the usual case) let the transaction scan fold into an id-range table and
        // start at once, in parallel with the member stream; otherwise it waits for the member index.
        let range = try first.query(
            "SELECT min(member_id), max(member_id), (SELECT reltuples::int8 FROM pg_class WHERE oid = to_regclass($1)) FROM \(Connection.quoteIdentifier(schema)).members",
            ["\(Connection.quoteIdentifier(schema)).members"], operation: "read member id range").rows.first
        let low = range?[0].flatMap { Int64($0) }, high = range?[1].flatMap { Int64($0) }
        let expected = max(range?[2].flatMap { Int64($0) } ?? 0, 1)
        let dense: (low: Int64, slots: Int)? = {
            guard let low, let high, high >= low else { return nil }
            let width = Int128(high) - Int128(low) + 1
            return width <= Int128(expected) * 4 + 1_048_576 ? (low, Int(width)) : nil
        }()
        let progress = ProgressReporter("extract", total: estimate, logger: context.logger)
        defer { progress.finish() }
        let preStartDay = context.asOfDay - Int32(config.prePeriodDays)
        let membersReady = DispatchSemaphore(value: 0)
        let memberIndex = Mutex<MemberIndex?>(nil)
        let withFacts = Mutex<MemberHistories?>(nil)
        let purchases = Mutex<(PurchaseTable, Tally)?>(nil)
        let failure = Mutex<(any Error)?>(nil)
        let cancels = Mutex<[CancelHandle]>([])
        let started = DispatchTime.now().uptimeNanoseconds
        DispatchQueue.concurrentPerform(iterations: 2) { task in
            do {
                let connection = task == 0 ? first : try context.connect()
                if let cancel = connection.cancelHandle() { cancels.withLock { $0.append(cancel) } }
                if task == 0 {
                    var part = MemberHistories()
                    do {
                    try connection.copyOut(
                        ExtractQuery.members(schema: schema), fieldCount: 4,
                        operation: "extract members"
                    ) { row in
                        let id = try row.int64(0)
                        // A careless view may repeat a member: the earliest joined row counts, the rest are ignored.
                        if let last = part.memberId.last, last == id { return }
                        let optedOutAt = try row.optionalTimestamp(3)
                        part.appendMember(
                            id: id, joinedDay: calendar.day(of: try row.timestamp(1)), consent: try row.optionalBool(2) ?? false,
                            optedOut: optedOutAt.map { $0 < cutoff } ?? false)
                    }
                    } catch {
                        membersReady.signal()  // never leave the transaction stream waiting
                        throw error
                    }
                    if dense == nil { memberIndex.withLock { $0 = MemberIndex(part.memberId) } }
                    membersReady.signal()
                    var laps = PhaseClock(logger: context.logger, last: started)
                    laps.lap("members")
                    try Self.streamChannelsAndLocations(connection, schema: schema, calendar: calendar, cutoff: cutoff, into: &part)
                    laps.lap("channels and locations")
                    withFacts.withLock { $0 = part }
                } else {
                    try ExtractQuery.bindSettings(
                        connection, asOf: context.asOf, timeZone: config.businessTimeZone,
                        freshnessDays: config.locationFreshnessDays, prePeriodDays: config.prePeriodDays)
                    let index: MemberIndex?
                    if dense == nil {
                        membersReady.wait()
                        index = memberIndex.withLock { $0 }
                    } else {
                        index = nil
                    }
                    var table = PurchaseTable(members: dense?.slots ?? 0, preStartDay: preStartDay)
                    if let index { table = PurchaseTable(members: index.count, preStartDay: preStartDay) }
                    var tally = Tally()
                    try connection.copyOut(
                        ExtractQuery.transactions(schema: schema), fieldCount: 3, operation: "extract transactions"
                    ) { row in
                        tally.transactions += 1
                        if tally.transactions & 0xFFFF == 0 {
                            progress.advance(by: 0x10000)
                            try Cancellation.shared.checkpoint()
                        }
                        let id = try row.int64(0)
                        let slot: Int?
                        if let dense {
                            let (offset, overflow) = id.subtractingReportingOverflow(dense.low)
                            slot = !overflow && offset >= 0 && offset < Int64(dense.slots) ? Int(offset) : nil
                        } else {
                            slot = index?[id]
                        }
                        guard let slot else {
                            tally.transactionsOfUnknownMembers += 1
                            return
                        }
                        table.add(member: slot, day: calendar.day(of: try row.timestamp(1)), cents: try row.cents(2))
                    }
                    var laps = PhaseClock(logger: context.logger, last: started)
                    laps.lap("transactions")
                    tally.refoldedMembers = table.needsOrderedRefold.count
                    let lowId = dense?.low ?? 0
                    if dense == nil, let index {
                        try Self.refold(&table, connection: connection, schema: schema, calendar: calendar) { index.ids[$0] }
                    } else {
                        try Self.refold(&table, connection: connection, schema: schema, calendar: calendar) { lowId + Int64($0) }
                    }
                    laps.lap("re-fold out-of-order members")
                    purchases.withLock { $0 = (table, tally) }
                }
            } catch {
                let firstFailure = failure.withLock { current -> Bool in
                    guard current == nil else { return false }
                    current = error
                    return true
                }
                // One stream failed: stop the other instead of letting it finish for nothing.
                if firstFailure { cancels.withLock { $0.forEach { $0.cancel() } } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        guard var histories = withFacts.withLock({ $0 }), let (table, counts) = purchases.withLock({ $0 }) else {
            throw PipelineError(.runtime, "extract streams finished without results")
        }
        var tally = counts
        if let dense {
            // Gather the id-range slots into member order; activity in slots of ids that are not members
            // belongs to unknown members.
            let slots = histories.memberId.map { Int($0 - dense.low) }
            let gathered = table.gathered(slots)
            let known = gathered.transactions.reduce(0) { $0 + Int($1) }
            tally.transactionsOfUnknownMembers += table.transactions.reduce(0) { $0 + Int($1) } - known
            histories.setPurchases(gathered)
        } else {
            histories.setPurchases(table)
        }
        clock.lap("streams joined")
        return (histories, tally)
    }

    /// Re-reads, in member and time order, the transactions of members whose rows came out of order.
    static func refold(
        _ table: inout PurchaseTable, connection: Connection, schema: String, calendar: BusinessCalendar,
        id: (Int) -> Int64
    ) throws {
        let flagged = table.needsOrderedRefold.sorted { id($0) < id($1) }
        guard !flagged.isEmpty else { return }
        try connection.execute("CREATE TEMP TABLE IF NOT EXISTS refold (member_id bigint PRIMARY KEY); TRUNCATE refold")
        try connection.copyIn("COPY refold FROM STDIN (FORMAT binary)", operation: "list members to re-fold") { writer in
            for member in flagged {
                writer.encoder.beginRow(fieldCount: 1)
                writer.encoder.append(id(member))
                try writer.rowDone()
            }
        }
        for member in flagged { table.reset(member: member) }
        var cursor = 0
        try connection.copyOut(ExtractQuery.refoldTransactions(schema: schema), fieldCount: 3, operation: "re-fold out-of-order members") { row in
            let member = try row.int64(0)
            while cursor < flagged.count && id(flagged[cursor]) < member { cursor += 1 }
            guard cursor < flagged.count, id(flagged[cursor]) == member else { return }
            table.add(member: flagged[cursor], day: calendar.day(of: try row.timestamp(1)), cents: try row.cents(2))
        }
        table.clearRefold()
    }

    /// Channels and the latest fresh location of every member, merged by member id (all ordered by it).
    static func streamChannelsAndLocations(
        _ connection: Connection, schema: String, calendar: BusinessCalendar, cutoff: Int64, into part: inout MemberHistories
    ) throws {
        var cursor = 0
        /// Index of `id` in the slice's members, advancing monotonically (both streams are ordered).
        func index(of id: Int64) -> Int? {
            while cursor < part.count && part.memberId[cursor] < id { cursor += 1 }
            return cursor < part.count && part.memberId[cursor] == id ? cursor : nil
        }
        let channelNames = MemberHistories.channelOrder.map { Array($0.rawValue.utf8) }
        try connection.copyOut(
            ExtractQuery.channels(schema: schema), fieldCount: 5, operation: "extract channels"
        ) { row in
            // Compare the name's bytes in place: no String per row on a 2M-row stream.
            let name = row.bytes(1)
            guard let member = index(of: try row.int64(0)),
                let channel = channelNames.firstIndex(where: { $0.elementsEqual(name) })
            else { return }
            let delivered = try row.optionalTimestamp(3)
            let health = ChannelHealth.judge(
                verifiedAt: try row.optionalTimestamp(2), deliveredAt: delivered, failedAt: try row.optionalTimestamp(4),
                cutoff: cutoff)
            part.channelState[channel][member] = max(part.channelState[channel][member], health.rawValue)
            if let delivered, delivered < cutoff {
                part.channelDeliveredDay[channel][member] = max(part.channelDeliveredDay[channel][member], calendar.day(of: delivered))
            }
        }
        cursor = 0
        try connection.copyOut(
            ExtractQuery.locations(schema: schema), fieldCount: 4, operation: "extract locations"
        ) { row in
            guard let member = index(of: try row.int64(0)) else { return }
            part.latitude[member] = try row.optionalFloat64(1) ?? .nan
            part.longitude[member] = try row.optionalFloat64(2) ?? .nan
            part.locationDay[member] = calendar.day(of: try row.timestamp(3))
        }
    }
}
