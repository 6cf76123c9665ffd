import Foundation
@_spi(Testing) import Postgres
import ReactivateCore
import ReactivateDemo
import ReactivatePipeline
import ReactivateReports
import ReactivateTestSupport
import Testing

@Suite struct AttributionTests {
    static func attributionRows(_ connection: Connection, _ campaign: String) throws -> [[String?]] {
        try connection.query(
            """
            SELECT level, key, complete, n_treatment, n_control, reactivated_treatment, reactivated_control, sales_treatment,
                   sales_control, reactivation_lift, incremental_sales, ci_low, ci_high, cuped_incremental_sales,
                   redemptions, coupon_cost, net_incremental_sales
            FROM reactivation.attribution WHERE campaign = $1 ORDER BY level, key
            """, [campaign]).rows
            + connection.query(
                "SELECT day::text, arm, members::text, cumulative_sales::text, cumulative_reactivated::text FROM reactivation.attribution_daily WHERE campaign = $1 ORDER BY arm, day",
                [campaign]).rows
    }

    @Test func resultsAreTheSameInOnePieceOrInSlicesAndOnRerun() throws {
        let fixture = try PipelineFixture(members: 6_000, seed: 21)
        defer { fixture.cleanUp() }
        let config = fixture.config("merge-test")
        try fixture.run(config, stages: [.extract, .score, .target, .issue])
        _ = try fixture.simulate("merge-test", uplift: 0.2)
        let connection = try fixture.database.connect()
        try fixture.run(config, stages: [.attribute], asOf: "2026-12-02", slices: 1, wave: PipelineFixture.asOf)
        let whole = try Self.attributionRows(connection, "merge-test")
        #expect(whole.count > 3)
        #expect(whole.first?[2] == "t")  // complete: 30 days have passed by 2026-12-02
        // The report shows exactly the stored numbers, with the funnel and power analysis of the issuing run.
        let report = try ReportLoader(connection: connection, config: config).load(wave: PipelineFixture.asOfDay)
        let headline = try #require(report.waves.first?.headline)
        let stored = try connection.query(
            "SELECT incremental_sales, n_treatment FROM reactivation.attribution WHERE campaign = 'merge-test' AND level = 'campaign'").rows.first
        #expect(headline.incrementalSales == stored?[0].flatMap { Double($0) })
        #expect(headline.nTreatment == stored?[1].flatMap { Int64($0) })
        #expect(report.waves.first?.funnel.first?.step == "members")
        #expect(report.waves.first?.power != nil)
        #expect((report.waves.first?.daily.count ?? 0) == 60)
        for format in ReportFormat.allCases { #expect(ReportRenderer.render(report, as: format).contains("merge-test")) }
        for slices in [2, 3, 7] {
            try fixture.run(config, stages: [.attribute], asOf: "2026-12-02", force: true, slices: slices, wave: PipelineFixture.asOf)
            #expect(try Self.attributionRows(connection, "merge-test") == whole, "\(slices) slices differ from one piece")
        }
    }

    @Test func anOpenWindowIsMarkedIncompleteAndItsSeriesStopsAtTheAsOfDate() throws {
        let fixture = try PipelineFixture(members: 3_000, seed: 5)
        defer { fixture.cleanUp() }
        let config = fixture.config("open-window")
        try fixture.run(config, stages: [.extract, .score, .target, .issue])
        _ = try fixture.simulate("open-window", uplift: 0.2)
        try fixture.run(config, stages: [.attribute], asOf: "2026-11-11", wave: PipelineFixture.asOf)
        let connection = try fixture.database.connect()
        #expect(try connection.query("SELECT bool_or(complete) FROM reactivation.attribution WHERE campaign = 'open-window'").scalar == "f")
        // Issued 2026-11-01 10:00 Shanghai, observed until 2026-11-11 00:00: 10 days (the last partial).
        #expect(try connection.query("SELECT max(day) FROM reactivation.attribution_daily WHERE campaign = 'open-window'").scalar == "10")
    }

    /// The planted-truth loop: generate → run → simulate → attribute, over many seeds.
    ///
    /// The 95% CI must cover the true incremental sales (Σ over treated of Y(1) − Y(0)) in roughly 95% of
    /// seeds, estimates must be unbiased within their standard error, and a zero uplift must come out
    /// not significant in roughly 95% of seeds.
    @Test func confidenceIntervalsCoverThePlantedTruthAtAboutTheNominalRate() throws {
        let fixture = try PipelineFixture(members: 100, seed: 1)
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        let seeds = 30
        var covered = 0
        var zScores: [Double] = []
        var nullSignificant = 0
        for seed in 1...seeds {
            try fixture.generate(members: 7_000, seed: UInt64(1_000 + seed), stores: 25)
            for (campaign, uplift) in [("cover-\(seed)", 0.25), ("null-\(seed)", 0.0)] {
                let config = fixture.config(campaign) { config in
                    config.holdoutFraction = 0.4
                    config.cooldownDays = 0
                    config.radiusMeters = 6_000
                }
                try fixture.run(config, stages: [.extract, .score, .target, .issue])
                let truth = try fixture.simulate(campaign, uplift: uplift, upliftDropped: uplift)
                try fixture.run(config, stages: [.attribute], asOf: "2026-12-02", wave: PipelineFixture.asOf)
                let row = try #require(try connection.query(
                    "SELECT incremental_sales, ci_low, ci_high FROM reactivation.attribution WHERE campaign = $1 AND level = 'campaign'",
                    [campaign]).rows.first)
                let estimate = Double(row[0] ?? "") ?? .nan
                let low = Double(row[1] ?? "") ?? .nan
                let high = Double(row[2] ?? "") ?? .nan
                let trueIncremental = Double(truth.trueIncrementalCents) / 100
                if uplift > 0 {
                    if low <= trueIncremental && trueIncremental <= high { covered += 1 }
                    let standardError = (high - low) / (2 * 1.96)
                    zScores.append((estimate - trueIncremental) / standardError)
                } else if low > 0 || high < 0 {
                    nullSignificant += 1
                }
            }
        }
        let meanZ = zScores.reduce(0, +) / Double(zScores.count)
        print("coverage: CI covered the planted truth in \(covered)/\(seeds) seeds; zero uplift significant in \(nullSignificant)/\(seeds); mean z \(meanZ)")
        // 95% of 30 is 28.5; P(covered ≤ 24 | p = 0.95) ≈ 0.2%.
        #expect(covered >= 25, "CI covered the truth in \(covered) of \(seeds) seeds")
        #expect(nullSignificant <= 5, "zero uplift was significant in \(nullSignificant) of \(seeds) seeds")
        // Unbiased: the mean standardized error is 0 ± 1/√n; allow 3.5 standard errors.
        #expect(abs(meanZ) < 3.5 / Double(zScores.count).squareRoot(), "mean z = \(meanZ)")
    }
}
