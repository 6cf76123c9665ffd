import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// The transaction scan cut into block ranges on a real table of a few hundred blocks.
@Suite struct ExtractScanTests {
    static let config = PipelineConfig.defaults(campaign: "test")

    static func context(_ fixture: PipelineFixture) throws -> StageContext {
        try StageContext.resolving(
            config: config, asOfDay: PipelineFixture.asOfDay, runId: 1, mode: .live,
            connectionString: fixture.database.connectionString, logger: Logger(label: "test"),
            artifactDirectory: fixture.artifacts, sliceCount: 2, issueAt: nil)
    }

    @Test func readingTheTransactionsInTwoBlockRangesAndMergingEqualsOneScan() throws {
        let fixture = try PipelineFixture(members: 3_000)
        let connection = try fixture.database.connect()
        let context = try Self.context(fixture)
        let calendar = try ExtractQuery.calendar(
            connection, asOfDay: PipelineFixture.asOfDay, daysBack: 401, timeZone: Self.config.businessTimeZone)
        let window = ExtractQuery.Window(
            schema: context.plan.sourceSchema, cutoff: context.plan.cutoff, freshLocationsFrom: context.plan.cutoff.adding(days: -90))
        let blocks = try #require(try ExtractQuery.transactionBlocks(connection, schema: context.plan.sourceSchema))
        #expect(blocks > 100)
        let range = try connection.query("SELECT min(member_id), max(member_id) FROM src.members").rows[0]
        let slots = try #require(
            MemberSlots.range(low: range[0].flatMap { Int64($0) }, high: range[1].flatMap { Int64($0) }, members: 3_000))
        let preStartDay = PipelineFixture.asOfDay - Int32(Self.config.prePeriodDays)
        let scan = ExtractStage.TransactionScan(
            window: window, slots: slots, calendar: calendar,
            preStartDay: PipelineFixture.asOfDay - Int32(Self.config.prePeriodDays),
            progress: ProgressReporter("test", total: nil, logger: Logger(label: "test")),
            buckets: PurchaseDayBuckets(slots: slots.count, expectedPairs: 40_000, pairsPerBucket: 1_000),
            spillDirectory: fixture.artifacts)
        var whole = try scan.emptyPart()
        try scan.read(.all, on: connection, into: &whole)
        let wholeTable = try PurchaseFold.fold([whole.spill], buckets: scan.buckets, preStartDay: preStartDay).table
        #expect(whole.tally.transactions > 10_000)
        for cut in [1, blocks / 3, blocks / 2, blocks - 1] {
            // Read the later blocks first: the order of the parts must not matter either.
            var later = try scan.emptyPart()
            var earlier = try scan.emptyPart()
            try scan.read(.init(lower: cut, upper: nil), on: connection, into: &later)
            try scan.read(.init(lower: 0, upper: cut), on: connection, into: &earlier)
            #expect(earlier.tally.transactions > 0 && later.tally.transactions > 0)
            later.merge(earlier)
            let merged = try PurchaseFold.fold([later.spill, earlier.spill], buckets: scan.buckets, preStartDay: preStartDay).table
            #expect(later.tally.transactions == whole.tally.transactions, "cut at block \(cut)")
            #expect(later.tally.transactionsSpilled == whole.tally.transactionsSpilled)
            let differing = wholeTable.purchaseDays.indices.filter { slot in
                merged.purchaseDays[slot] != wholeTable.purchaseDays[slot] || merged.entries[slot] != wholeTable.entries[slot]
            }
            #expect(differing.isEmpty, "members folded differently: \(differing.prefix(5))")
        }
    }

    @Test func extractMatchesAnIndependentSQLAggregateHoweverFinelyTheScanIsCut() throws {
        let fixture = try PipelineFixture(members: 3_000)
        let connection = try fixture.database.connect()
        // Out-of-order rows too: a member's oldest purchase appended last.
        try connection.execute("""
            INSERT INTO src.transactions
            SELECT 900000000 + txn_id, member_id, store_id, occurred_at - interval '800 days', amount, NULL
            FROM src.transactions WHERE member_id % 97 = 0 AND amount > 0 AND txn_id % 5 = 0
            """)
        let fine = try ExtractStage(scanChunks: 64, minimumChunkBlocks: 1).run(Self.context(fixture))
        let fineBytes = try Data(contentsOf: URL(fileURLWithPath: try #require(fine.artifactPath)))
        let whole = try ExtractStage(scanChunks: 1, minimumChunkBlocks: 1_000_000).run(Self.context(fixture))
        let wholePath = try #require(whole.artifactPath)
        #expect(try Data(contentsOf: URL(fileURLWithPath: wholePath)) == fineBytes, "the artifact does not depend on how the scan is cut")
        #expect(whole.stats["transactions_read_after_member_facts"] == 0)

        let histories = try MemberHistories.read(path: wholePath).histories
        let expected = try connection.query(
            """
            WITH cut AS (SELECT $1::date AS d, ($1::date::timestamp AT TIME ZONE $2) AS at)
            SELECT m.member_id,
                   count(DISTINCT (t.occurred_at AT TIME ZONE $2)::date) FILTER (WHERE t.amount > 0),
                   coalesce(min((t.occurred_at AT TIME ZONE $2)::date) FILTER (WHERE t.amount > 0) - DATE '2000-01-01', -1),
                   coalesce(max((t.occurred_at AT TIME ZONE $2)::date) FILTER (WHERE t.amount > 0) - DATE '2000-01-01', -1),
                   coalesce(sum(t.amount * 100) FILTER (WHERE t.amount > 0), 0)::int8,
                   coalesce(sum(t.amount * 100) FILTER (WHERE (t.occurred_at AT TIME ZONE $2)::date >= cut.d - $3::int), 0)::int8
            FROM cut, src.members m LEFT JOIN src.transactions t ON t.member_id = m.member_id
                 AND t.occurred_at < (SELECT at FROM cut)
            WHERE m.joined_at < cut.at
            GROUP BY m.member_id ORDER BY m.member_id
            """, [PipelineFixture.asOf, Self.config.businessTimeZone, String(Self.config.prePeriodDays)]
        ).rows.map { row in row.map { Int64($0 ?? "") ?? Int64.min } }
        #expect(histories.count == expected.count)
        var mismatches = 0
        for (index, row) in expected.enumerated() where index < histories.count {
            let noDay = { (day: Int64) in day == -1 ? MemberHistories.noDay : Int32(day) }
            if histories.memberId[index] != row[0] || Int64(histories.purchaseDays[index]) != row[1]
                || histories.firstPurchaseDay[index] != noDay(row[2]) || histories.lastPurchaseDay[index] != noDay(row[3])
                || histories.grossCents[index] != row[4] || histories.preSalesCents[index] != row[5]
            {
                mismatches += 1
            }
        }
        #expect(mismatches == 0)
        guard case .integer(let pairs) = whole.stats["transactions_spilled"] else {
            Issue.record("the extract reports how many transactions it spilled")
            return
        }
        #expect(pairs > 10_000)
    }
}
