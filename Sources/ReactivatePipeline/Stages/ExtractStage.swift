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
        // Slices are ascending member-id ranges, each streamed in member order: already sorted.
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
            ],
            artifactPath: context.artifactPath(.extract), artifactChecksum: summary.contentChecksumHex)
    }

    /// Counts the extract reports besides its rows.
    struct Tally: Sendable {
        var transactions = 0
        var transactionsOfUnknownMembers = 0
    }

    /// Streams each member-id range on its own connection in parallel and concatenates the ranges.
    static func stream(_ context: StageContext) throws -> (MemberHistories, Tally) {
        let config = context.config
        let slices = max(1, context.sliceCount)
        let setup = try context.connect()
        try ExtractQuery.bindSettings(
            setup, asOf: context.asOf, timeZone: config.businessTimeZone,
            freshnessDays: config.locationFreshnessDays, prePeriodDays: config.prePeriodDays)
        let bounds = try ExtractQuery.sliceBounds(setup, schema: config.sourceSchema, count: slices)
        let calendar = try ExtractQuery.calendar(setup, asOfDay: context.asOfDay, daysBack: max(config.prePeriodDays, 400) + 1)
        let estimate = try? setup.query(
            "SELECT reltuples::int8 FROM pg_class WHERE oid = to_regclass($1)",
            ["\(Connection.quoteIdentifier(config.sourceSchema)).transactions"]
        ).scalar.flatMap { Int($0) }
        setup.close()
        let progress = ProgressReporter("extract", total: estimate, logger: context.logger)
        defer { progress.finish() }
        let preStartDay = context.asOfDay - Int32(config.prePeriodDays)
        guard let cutoff = calendar.midnight(of: context.asOfDay) else {
            throw PipelineError(.runtime, "the business calendar does not reach \(context.asOf)")
        }
        let parts = Mutex<[MemberHistories]>(Array(repeating: MemberHistories(), count: slices))
        let tallies = Mutex(Tally())
        let failure = Mutex<(any Error)?>(nil)
        let cancels = Mutex<[CancelHandle]>([])
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            do {
                let connection = try context.connect()
                if let cancel = connection.cancelHandle() { cancels.withLock { $0.append(cancel) } }
                try ExtractQuery.bindSettings(
                    connection, asOf: context.asOf, timeZone: config.businessTimeZone,
                    freshnessDays: config.locationFreshnessDays, prePeriodDays: config.prePeriodDays)
                let lower = bounds[slice], upper = bounds[slice + 1]
                var part = MemberHistories()
                try Self.streamMembers(
                    connection, schema: config.sourceSchema, lower: lower, upper: upper, calendar: calendar,
                    cutoff: cutoff, into: &part)
                var tally = Tally()
                var fold = PurchaseDayFold(preStartDay: preStartDay)
                var current = Int64.min
                var cursor = 0
                func flush() {
                    guard current != Int64.min else { return }
                    while cursor < part.count && part.memberId[cursor] < current { cursor += 1 }
                    if cursor < part.count && part.memberId[cursor] == current {
                        part.setPurchases(fold, at: cursor)
                    } else {
                        tally.transactionsOfUnknownMembers += fold.transactions
                    }
                }
                try connection.copyOut(
                    ExtractQuery.transactions(schema: config.sourceSchema, lower: lower, upper: upper),
                    fieldCount: 3, operation: "extract transactions (slice \(slice + 1) of \(slices))"
                ) { row in
                    let member = try row.int64(0)
                    if member != current {
                        flush()
                        current = member
                        fold = PurchaseDayFold(preStartDay: preStartDay)
                    }
                    fold.add(day: calendar.day(of: try row.timestamp(1)), cents: try row.cents(2))
                    tally.transactions += 1
                    if tally.transactions & 0xFFFF == 0 {
                        progress.advance(by: 0x10000)
                        try Cancellation.shared.checkpoint()
                    }
                }
                flush()
                parts.withLock { $0[slice] = part }
                tallies.withLock {
                    $0.transactions += tally.transactions
                    $0.transactionsOfUnknownMembers += tally.transactionsOfUnknownMembers
                }
            } catch {
                let first = failure.withLock { current -> Bool in
                    guard current == nil else { return false }
                    current = error
                    return true
                }
                // One slice failed: stop the others instead of letting them finish for nothing.
                if first { cancels.withLock { $0.forEach { $0.cancel() } } }
            }
        }
        if let error = failure.withLock({ $0 }) { throw error }
        var histories = MemberHistories()
        parts.withLock { all in
            histories.reserve(all.reduce(0) { $0 + $1.count })
            for part in all { histories.append(contentsOf: part) }
        }
        return (histories, tallies.withLock { $0 })
    }

    /// Members, then their channels and latest fresh location, merged by member id (all ordered by it).
    static func streamMembers(
        _ connection: Connection, schema: String, lower: Int64, upper: Int64, calendar: BusinessCalendar, cutoff: Int64,
        into part: inout MemberHistories
    ) throws {
        try connection.copyOut(
            ExtractQuery.members(schema: schema, lower: lower, upper: upper), fieldCount: 4, operation: "extract members"
        ) { row in
            let id = try row.int64(0)
            // A careless view may repeat a member: the earliest joined row counts, the rest are ignored.
            if let last = part.memberId.last, last == id { return }
            let optedOutAt = try row.optionalTimestamp(3)
            part.appendMember(
                id: id, joinedDay: calendar.day(of: try row.timestamp(1)), consent: try row.optionalBool(2) ?? false,
                optedOut: optedOutAt.map { $0 < cutoff } ?? false)
        }
        var cursor = 0
        /// Index of `id` in the slice's members, advancing monotonically (both streams are ordered).
        func index(of id: Int64) -> Int? {
            while cursor < part.count && part.memberId[cursor] < id { cursor += 1 }
            return cursor < part.count && part.memberId[cursor] == id ? cursor : nil
        }
        let channelIndex = Dictionary(uniqueKeysWithValues: MemberHistories.channelOrder.enumerated().map { ($1.rawValue, $0) })
        try connection.copyOut(
            ExtractQuery.channels(schema: schema, lower: lower, upper: upper), fieldCount: 5, operation: "extract channels"
        ) { row in
            guard let member = index(of: try row.int64(0)), let channel = channelIndex[try row.text(1)] else { return }
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
            ExtractQuery.locations(schema: schema, lower: lower, upper: upper), fieldCount: 4, operation: "extract locations"
        ) { row in
            guard let member = index(of: try row.int64(0)) else { return }
            part.latitude[member] = try row.optionalFloat64(1) ?? .nan
            part.longitude[member] = try row.optionalFloat64(2) ?? .nan
            part.locationDay[member] = calendar.day(of: try row.timestamp(3))
        }
    }
}
