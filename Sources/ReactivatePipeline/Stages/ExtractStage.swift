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
        let histories = try Self.stream(context)
        let sorted = histories.sortedByMember()
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
                "artifact_bytes": JSONValue(Int(summary.fileBytes)),
            ],
            artifactPath: context.artifactPath(.extract), artifactChecksum: summary.contentChecksumHex)
    }

    /// Runs one COPY per slice in parallel and concatenates the slices.
    static func stream(_ context: StageContext) throws -> MemberHistories {
        let config = context.config
        let slices = max(1, context.sliceCount)
        let parts = Mutex<[MemberHistories]>(Array(repeating: MemberHistories(), count: slices))
        let failure = Mutex<(any Error)?>(nil)
        let cancels = Mutex<[CancelHandle]>([])
        DispatchQueue.concurrentPerform(iterations: slices) { slice in
            do {
                let connection = try context.connect()
                if let cancel = connection.cancelHandle() { cancels.withLock { $0.append(cancel) } }
                try ExtractQuery.bindSettings(
                    connection, asOf: context.asOf, timeZone: config.businessTimeZone,
                    freshnessDays: config.locationFreshnessDays, prePeriodDays: config.prePeriodDays)
                var part = MemberHistories()
                try connection.copyOut(
                    ExtractQuery.copy(schema: config.sourceSchema, slice: slice, sliceCount: slices),
                    fieldCount: ExtractQuery.columnCount, operation: "extract COPY (slice \(slice + 1) of \(slices))"
                ) { row in
                    try part.append(row)
                    if part.count & 0xFFFF == 0 { try Cancellation.shared.checkpoint() }
                }
                parts.withLock { $0[slice] = part }
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
        return histories
    }
}
