import Foundation
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivatePipeline
import ReactivateTestSupport
import Testing

@Suite struct ScoreStageTests {
    @Test func dormantMembersAreScoredOnceAndRerunsReplaceTheirRows() throws {
        let fixture = try PipelineFixture(members: 6_000)
        defer { fixture.cleanUp() }
        let config = fixture.config("score-test")
        let outcome = try fixture.run(config, stages: [.extract, .score])
        let score = try #require(outcome.reports.last?.result)
        let connection = try fixture.database.connect()
        let runId = outcome.runId
        let rows = Int(try connection.query("SELECT count(*) FROM reactivation.member_scores WHERE run_id = $1", [runId]).scalar ?? "") ?? -1
        #expect(rows == score.rowsOut)
        #expect(score.stats["dormant"] == .integer(Int64(rows)))
        let bad = try connection.query("""
            SELECT count(*) FILTER (WHERE days_since_last < 180), count(*) FILTER (WHERE p_alive < 0 OR p_alive > 1),
                   count(*) FILTER (WHERE expected_txns < 0), count(*) FILTER (WHERE segment NOT LIKE 'dormant%'),
                   count(*) FILTER (WHERE frequency < 0 OR recency_days > tenure_days)
            FROM reactivation.member_scores WHERE run_id = $1
            """, [runId]).rows.first
        #expect(bad == ["0", "0", "0", "0", "0"])
        // The dormant share on the generator's data is in the 30–45% the generator promises.
        if case .number(let share)? = score.stats["dormant_share_of_buyers"] { #expect(share > 0.30 && share < 0.45) }
        try fixture.run(config, stages: [.score], force: true)
        #expect(try connection.query("SELECT count(*) FROM reactivation.member_scores WHERE run_id = $1", [runId]).scalar == String(rows))
    }

    @Test func fittedModelRecoversTheGeneratorsPlantedParameters() throws {
        let fixture = try PipelineFixture(members: 20_000, seed: 99)
        defer { fixture.cleanUp() }
        let outcome = try fixture.run(fixture.config("fit-test"), stages: [.extract, .score])
        let bgnbd = try #require(outcome.reports.last?.result?.stats["bgnbd"])
        func value(_ key: String) -> Double { if case .number(let v)? = bgnbd[key] { v } else { .nan } }
        // The generator draws λ ~ Gamma(2, 55 days) and p ~ Beta(0.8, 14); its process adds first-purchase
        // delays and joins over four years, so recovery is close, not exact.
        #expect(abs(value("r") / 2.0 - 1) < 0.3, "r = \(value("r"))")
        #expect(abs(value("alpha") / 55 - 1) < 0.3, "alpha = \(value("alpha"))")
        #expect(abs(value("a") / 0.8 - 1) < 0.5, "a = \(value("a"))")
        #expect(abs(value("b") / 14 - 1) < 0.5, "b = \(value("b"))")
    }

    @Test func pAliveFromTheTableMatchesTheModelWithTheStoredParameters() throws {
        let fixture = try PipelineFixture(members: 4_000, seed: 3)
        defer { fixture.cleanUp() }
        let outcome = try fixture.run(fixture.config("palive-test"), stages: [.extract, .score])
        let bgnbd = try #require(outcome.reports.last?.result?.stats["bgnbd"])
        func value(_ key: String) -> Double { if case .number(let v)? = bgnbd[key] { v } else { .nan } }
        let model = try BGNBDModel(parameters: BGNBDParameters(r: value("r"), alpha: value("alpha"), a: value("a"), b: value("b")))
        let connection = try fixture.database.connect()
        let rows = try connection.query(
            "SELECT frequency, recency_days, tenure_days, p_alive FROM reactivation.member_scores WHERE run_id = $1 ORDER BY member_id LIMIT 200",
            [outcome.runId]).rows
        #expect(rows.count == 200)
        for row in rows {
            let summary = CustomerSummary(
                frequency: Double(row[0] ?? "") ?? 0, recency: Double(row[1] ?? "") ?? 0, age: Double(row[2] ?? "") ?? 0)
            let stored = Double(row[3] ?? "") ?? -1
            #expect(abs(model.probabilityAlive(summary) - stored) < 1e-9)
        }
    }
}
