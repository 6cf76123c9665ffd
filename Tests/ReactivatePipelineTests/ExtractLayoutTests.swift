import Artifacts
import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// The extract does not depend on how the transaction heap is laid out (issue 15): the same rows in
/// the benchmark's layouts (`scripts/bench-layouts.sh`, here at a few thousand members) give the same
/// artifact byte for byte, and it matches an aggregate computed by PostgreSQL itself.
@Suite struct ExtractLayoutTests {
    static let config = PipelineConfig.defaults(campaign: "test")
    /// The layouts holding the generated ids; `lay_sparse` holds the same rows under other ids.
    static let sameIdLayouts = ["lay_time", "lay_batches", "lay_shuffled", "lay_member", "lay_churn"]

    /// Extracts the layout `schema` as if it were `src` (the artifact names its source schema), cut
    /// finely so both connections read and steal, with the purchase days in many buckets.
    static func extract(_ fixture: PipelineFixture, layout schema: String?, into folder: URL) throws -> (StageResult, Data) {
        let connection = try fixture.database.connect()
        if let schema {
            try connection.execute("ALTER SCHEMA src RENAME TO src_generated; ALTER SCHEMA \(schema) RENAME TO src")
        }
        defer {
            if let schema {
                _ = try? connection.execute("ALTER SCHEMA src RENAME TO \(schema); ALTER SCHEMA src_generated RENAME TO src")
            }
        }
        let context = try StageContext.resolving(
            config: config, asOfDay: PipelineFixture.asOfDay, runId: 1, mode: .live,
            connectionString: fixture.database.connectionString, logger: Logger(label: "test"),
            artifactDirectory: folder, sliceCount: 2, issueAt: nil)
        let result = try ExtractStage(scanChunks: 64, minimumChunkBlocks: 1, pairsPerBucket: 500).run(context)
        return (result, try Data(contentsOf: URL(fileURLWithPath: try #require(result.artifactPath))))
    }

    static func buildLayouts(_ fixture: PipelineFixture) throws {
        let process = Process()
        process.executableURL = projectRoot.appendingPathComponent("scripts/bench-layouts.sh")
        var environment = ProcessInfo.processInfo.environment
        environment["DATABASE_URL"] = fixture.database.connectionString.conninfo
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "bench-layouts.sh failed: \(message)")
    }

    @Test func everyTableLayoutOfTheSameRowsGivesTheSameArtifactByteForByte() throws {
        let fixture = try PipelineFixture(members: 3_000)
        defer { fixture.cleanUp() }
        try Self.buildLayouts(fixture)
        let connection = try fixture.database.connect()
        // The layouts really differ: each heap holds the rows in another physical order.
        let orders = try (["src"] + Self.sameIdLayouts).map { layout in
            try connection.query("SELECT md5(string_agg(txn_id::text, ',' ORDER BY ctid)) FROM \(identifier: layout).transactions").scalar
        }
        #expect(Set(orders).count == orders.count, "layouts with the same heap order test nothing")
        let churned = try connection.query(
            "SELECT count(*) FILTER (WHERE refunded_late), count(*) FROM lay_churn.transactions").rows[0]
        #expect((Int(churned[0] ?? "") ?? 0) * 25 > Int(churned[1] ?? "") ?? 0, "about 5% of lay_churn's rows were updated")

        let (reference, referenceBytes) = try Self.extract(fixture, layout: nil, into: fixture.artifacts.appendingPathComponent("src"))
        #expect(reference.rowsOut > 2_500)
        for layout in Self.sameIdLayouts {
            let (_, bytes) = try Self.extract(fixture, layout: layout, into: fixture.artifacts.appendingPathComponent(layout))
            // A Bool, not `bytes == referenceBytes`: on a failure Swift Testing would diff the two
            // files byte by byte, which takes minutes.
            let identical = bytes == referenceBytes
            #expect(identical, "\(layout): the artifact differs from the generated layout's (\(bytes.count) vs \(referenceBytes.count) bytes)")
        }

        // Sparse ids (around 10^10, irregular gaps, same order): the same histories under the mapped ids.
        let (sparseResult, _) = try Self.extract(fixture, layout: "lay_sparse", into: fixture.artifacts.appendingPathComponent("lay_sparse"))
        let expected = try MemberHistories.read(path: try #require(reference.artifactPath)).histories
        var sparse = try MemberHistories.read(path: try #require(sparseResult.artifactPath)).histories
        #expect(sparse.memberId.first ?? 0 > 10_000_000_000)
        let mapped = sparse.memberId.map { ($0 - 10_000_000_000) / 9_973 }  // the gap is below 9,973
        let sameMembers = mapped == expected.memberId
        #expect(sameMembers, "lay_sparse has other members")
        sparse.memberId = mapped
        let (got, want) = (Self.columns(sparse), Self.columns(expected))
        let differing = MemberHistories.schema.indices.filter { got[$0] != want[$0] }.map { MemberHistories.schema[$0].name }
        #expect(differing.isEmpty, "lay_sparse differs in columns \(differing)")
        // Its transactions of ids that are not members are told apart at fold time, not per row.
        #expect(sparseResult.stats["transactions_of_unknown_members"] == reference.stats["transactions_of_unknown_members"])
        #expect(sparseResult.stats["transactions_spilled"] == reference.stats["transactions_spilled"])
    }

    /// Every column of the histories as bytes, for comparing two of them whole.
    static func columns(_ histories: MemberHistories) -> [Data] {
        histories.columns(0..<histories.count).map { (column: ArtifactColumnData) -> Data in
            switch column {
            case .int64(let values): return values.withUnsafeBytes { Data($0) }
            case .int32(let values): return values.withUnsafeBytes { Data($0) }
            case .uint8(let values): return Data(values)
            case .float64(let values): return values.withUnsafeBytes { Data($0) }
            }
        }
    }

    @Test func theShuffledLayoutMatchesAnIndependentSQLAggregate() throws {
        let fixture = try PipelineFixture(members: 3_000)
        defer { fixture.cleanUp() }
        try Self.buildLayouts(fixture)
        let (result, _) = try Self.extract(fixture, layout: "lay_shuffled", into: fixture.artifacts)
        let histories = try MemberHistories.read(path: try #require(result.artifactPath)).histories
        let connection = try fixture.database.connect()
        let expected = try connection.query(
            """
            WITH cut AS (SELECT $1::date AS d, ($1::date::timestamp AT TIME ZONE $2) AS at)
            SELECT m.member_id,
                   count(DISTINCT (t.occurred_at AT TIME ZONE $2)::date) FILTER (WHERE t.amount > 0),
                   coalesce(min((t.occurred_at AT TIME ZONE $2)::date) FILTER (WHERE t.amount > 0) - DATE '2000-01-01', -1),
                   coalesce(max((t.occurred_at AT TIME ZONE $2)::date) FILTER (WHERE t.amount > 0) - DATE '2000-01-01', -1),
                   coalesce(sum(t.amount * 100) FILTER (WHERE t.amount > 0), 0)::int8,
                   coalesce(sum(t.amount * 100) FILTER (WHERE (t.occurred_at AT TIME ZONE $2)::date >= cut.d - $3::int), 0)::int8
            FROM cut, lay_shuffled.members m LEFT JOIN lay_shuffled.transactions t ON t.member_id = m.member_id
                 AND t.occurred_at < (SELECT at FROM cut)
            WHERE m.joined_at < cut.at
            GROUP BY m.member_id ORDER BY m.member_id
            """, [PipelineFixture.asOf, Self.config.businessTimeZone, String(Self.config.prePeriodDays)]
        ).rows.map { row in row.map { Int64($0 ?? "") ?? Int64.min } }
        #expect(histories.count == expected.count)
        #expect(expected.filter { $0[1] > 1 }.count > 1_000, "enough members with several purchase days")
        var mismatches: [Int64] = []
        for (index, row) in expected.enumerated() where index < histories.count {
            let noDay = { (day: Int64) in day == -1 ? MemberHistories.noDay : Int32(day) }
            if histories.memberId[index] != row[0] || Int64(histories.purchaseDays[index]) != row[1]
                || histories.firstPurchaseDay[index] != noDay(row[2]) || histories.lastPurchaseDay[index] != noDay(row[3])
                || histories.grossCents[index] != row[4] || histories.preSalesCents[index] != row[5]
            {
                mismatches.append(row[0])
            }
        }
        #expect(mismatches.isEmpty, "members folded differently from SQL: \(mismatches.prefix(5))")
        #expect(result.stats["transactions_spilled"] != nil)
    }
}
