import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Synchronization
import Testing

/// A new code equal to one already issued is drawn again; nothing of the clashing batch stays.
@Suite struct IssueCodeClashTests {
    /// Hands out `first` for the first draws, then random codes, counting every draw.
    final class ScriptedCodes: Sendable {
        let draws = Mutex(0)
        let first: [String]

        init(first: [String]) { self.first = first }

        func next() -> String {
            let index = draws.withLock { count -> Int in
                count += 1
                return count - 1
            }
            return index < first.count ? first[index] : CouponCode.random().canonical
        }
    }

    @Test func aCodeClashingWithAnEarlierCampaignsCodeIsDrawnAgainAndEveryTreatedMemberGetsOneCoupon() throws {
        let fixture = try PipelineFixture(members: 2_000)
        defer { fixture.cleanUp() }
        let config = fixture.config("clash")
        try fixture.run(config, stages: [.extract, .score, .target])
        let connection = try fixture.database.connect()
        let taken = CouponCode.random().canonical
        try connection.query(
            """
            INSERT INTO reactivation.coupons (code, campaign, as_of, run_id, member_id, store_id, channel, face_value,
                                              min_spend, issued_at, expires_at)
            VALUES ($1, 'earlier', DATE '2026-01-01', 0, 999999999, 1, 'sms', 5, 0, '2026-01-01', '2026-02-01')
            """, [taken])
        let treated = try #require(Int(try connection.query(
            "SELECT count(*) FROM reactivation.targets WHERE campaign = 'clash' AND arm = 'treatment'").scalar ?? ""))
        #expect(treated > 10)
        let runId = try #require(Int64(try connection.query(
            "SELECT run_id FROM reactivation.runs WHERE campaign = 'clash' AND mode = 'live'").scalar ?? ""))
        // The 5th code of the first batch clashes; the whole batch is drawn again.
        let codes = ScriptedCodes(first: Array(repeating: "", count: 4).map { _ in CouponCode.random().canonical } + [taken])
        let context = try StageContext.resolving(
            config: config, asOfDay: PipelineFixture.asOfDay, runId: runId, mode: .live,
            connectionString: fixture.database.connectionString, logger: Logger(label: "test"),
            artifactDirectory: fixture.artifacts, sliceCount: 1, issueAt: PipelineFixture.micros("2026-11-01T10:00:00+08:00"))
        let result = try IssueStage(drawCode: codes.next).run(context)

        #expect(result.rowsOut == treated)
        #expect(codes.draws.withLock { $0 } == 2 * treated, "one full batch, then one more")
        let coupons = try connection.query(
            """
            SELECT count(*), count(DISTINCT member_id), count(*) FILTER (WHERE code = $1),
                   (SELECT count(*) FROM reactivation.coupon_outbox o JOIN reactivation.coupons c USING (code) WHERE c.campaign = 'clash')
            FROM reactivation.coupons WHERE campaign = 'clash'
            """, [taken]).rows[0].map { Int($0 ?? "") }
        #expect(coupons == [treated, treated, 0, treated])
        #expect(try connection.query("SELECT campaign FROM reactivation.coupons WHERE code = $1", [taken]).scalar == "earlier")
        // The batch drawn again is handed out like every batch: in member order, codes by their first two symbols.
        var prefixes: [String] = []
        try connection.copyOut(
            "COPY (SELECT left(code, 2) FROM reactivation.coupons WHERE campaign = 'clash' ORDER BY member_id) TO STDOUT (FORMAT binary)",
            fieldCount: 1) { row in prefixes.append(try row.text(0)) }
        #expect(prefixes.count == treated)
        #expect(prefixes == prefixes.sorted())
    }
}
