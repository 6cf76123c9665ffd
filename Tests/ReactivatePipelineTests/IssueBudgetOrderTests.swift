@_spi(Testing) import Postgres
@testable import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// The issue stage sorts its pending members itself; the order must be the one `ORDER BY score DESC,
/// member_id` gives on the server, which decides who is skipped when the budget runs out.
@Suite struct IssueBudgetOrderTests {
    @Test func pendingMembersSortAsPostgreSQLOrdersScoreDescendingThenMemberId() throws {
        let database = try TestDatabase()
        let connection = try database.connect()
        let scores: [Double] = [1.5, .nan, 0, -0.0, 1.5, .infinity, -.infinity, 2.25, .nan, 1e-300, -3, 1.5]
        try connection.execute("CREATE TABLE pending (member_id bigint, score float8)")
        try connection.copyIn("COPY pending FROM STDIN (FORMAT binary)") { writer in
            // Member ids out of order, so ties are decided by the id and not by position.
            for (index, score) in scores.enumerated() {
                writer.encoder.beginRow(fieldCount: 2)
                writer.encoder.append(Int64((index * 7) % scores.count))
                writer.encoder.append(score)
                try writer.rowDone()
            }
        }
        var expected: [Int64] = []
        try connection.copyOut("COPY (SELECT member_id FROM pending ORDER BY score DESC, member_id) TO STDOUT (FORMAT binary)", fieldCount: 1) { row in
            expected.append(try row.int64(0))
        }
        let pending = scores.enumerated().map { index, score in
            IssueStage.Pending(memberId: Int64((index * 7) % scores.count), storeId: 1, channel: "sms", cooling: false, score: score)
        }
        #expect(pending.sorted(by: IssueStage.Pending.comesFirst).map(\.memberId) == expected)
    }
}
