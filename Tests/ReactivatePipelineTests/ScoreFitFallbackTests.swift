import Foundation
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// A member base the BG/NBD cannot be fitted on (nobody ever came back) blocks a wave only when the
/// wave's `target.min_p_alive` needs P(alive).
@Suite struct ScoreFitFallbackTests {
    /// 60 members who each bought exactly once, a year before D: no repeat purchase anywhere.
    static func prepare() throws -> PipelineFixture {
        let fixture = try PipelineFixture(members: 0)
        let connection = try fixture.database.connect()
        try connection.execute("""
            TRUNCATE src.stores, src.members, src.transactions, src.member_channels, src.member_locations;
            INSERT INTO src.stores VALUES (1, 'Store', 31.2304, 121.4737, NULL, NULL);
            INSERT INTO src.members SELECT id, '2024-01-01 10:00+08', 1, true, NULL FROM generate_series(1, 60) id;
            INSERT INTO src.transactions
            SELECT id, id, 1, timestamptz '2025-06-01 12:00+08' + (id || ' days')::interval, 50, NULL
            FROM generate_series(1, 60) id;
            INSERT INTO src.member_channels SELECT id, 'wechat_card', '2024-02-01+08', '2026-10-01+08', NULL FROM generate_series(1, 60) id;
            INSERT INTO src.member_locations SELECT id, 31.2305, 121.4738, '2026-10-20+08', 'lbs' FROM generate_series(1, 60) id;
            """)
        return fixture
    }

    @Test func unfittableBaseStopsTheRunAsAConfigurationErrorNamingMinPAliveWhenItIsNeeded() throws {
        let fixture = try Self.prepare()
        defer { fixture.cleanUp() }
        do {
            try fixture.run(fixture.config("nofit-needed") { $0.minPAlive = 0.3; $0.maxLagDays = 3650 }, stages: [.extract, .score])
            Issue.record("the score stage must refuse to invent P(alive) for min_p_alive = 0.3")
        } catch let failure as StageFailure {
            // The command line exits with the underlying error's category: 2 for .configuration.
            #expect(failure.stage == .score)
            let error = try #require(failure.underlying as? PipelineError)
            #expect(error.category == .configuration)
            #expect(error.message.contains("target.min_p_alive = 0.3"), "\(error.message)")
            #expect(error.fix?.contains("set target.min_p_alive = 0") == true)
            for word in ["maximumIterations", "allowsNonConvergence"] { #expect(!error.description.contains(word)) }
        }
    }

    @Test func unfittableBaseIsScoredWithoutTheModelWhenMinPAliveIsZero() throws {
        let fixture = try Self.prepare()
        defer { fixture.cleanUp() }
        let outcome = try fixture.run(fixture.config("nofit-unneeded") { $0.maxLagDays = 3650 }, stages: [.extract, .score])
        let score = try #require(outcome.reports.last?.result)
        #expect(score.rowsOut == 60)
        let connection = try fixture.database.connect()
        let row = try connection.query(
            "SELECT count(*) FILTER (WHERE p_alive = 1), count(*) FILTER (WHERE expected_txns = 0) FROM reactivation.member_scores WHERE run_id = $1",
            [outcome.runId]).rows.first
        #expect(row == ["60", "60"])
    }
}
