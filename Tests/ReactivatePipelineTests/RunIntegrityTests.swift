import Foundation
import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Testing

/// Results that stay true: each scenario of issue 11 reproduced on a real database, with the new behaviour.
@Suite struct RunIntegrityTests {
    /// Waves here use a 20-day window, complete by this date, so a later observation (`later`) exists
    /// whatever today is after the fixture's dates.
    static let observed = "2026-11-25"
    static let later = "2026-12-02"

    /// The error a run failed with, unwrapped from the stage that raised it.
    static func failure(_ body: () throws -> Void) -> (any Error)? {
        do { try body() } catch let failure as StageFailure { return failure.underlying } catch { return error }
        return nil
    }

    static func configurationError(_ body: () throws -> Void) -> PipelineError? {
        guard let error = failure(body) as? PipelineError, error.category == .configuration else { return nil }
        return error
    }

    static func scalar(_ connection: Connection, _ sql: SQL) throws -> String? { try connection.query(sql).scalar(String.self) }

    /// The live attribution analysts read: every level of the latest observation, as text.
    static func published(_ connection: Connection, _ campaign: String) throws -> [String] {
        try connection.query(
            """
            SELECT concat_ws('|', as_of, level, key, complete, observed_through, n_treatment, n_control, sales_treatment,
                             sales_control, incremental_sales, redemptions)
            FROM reactivation.attribution a
            WHERE campaign = \(campaign) AND mode = 'live' AND observed_through = (
                SELECT max(observed_through) FROM reactivation.attribution b
                WHERE b.campaign = a.campaign AND b.as_of = a.as_of AND b.mode = 'live')
            ORDER BY 1
            """
        ).map { try $0.decode(0, as: String.self) }
    }

    static func targets(_ connection: Connection, _ campaign: String, mode: RunMode = .live) throws -> [String] {
        try connection.query(
            """
            SELECT concat_ws('|', as_of, member_id, store_id, arm) FROM reactivation.targets
            WHERE campaign = \(campaign) AND mode = \(mode) ORDER BY as_of, member_id
            """
        ).map { try $0.decode(0, as: String.self) }
    }

    /// Stage name → whether the runner reused it.
    static func reused(_ outcome: PipelineRunner.Outcome) -> [StageName: Bool] {
        Dictionary(uniqueKeysWithValues: outcome.reports.map { ($0.stage, $0.skipped) })
    }

    /// A live wave issued on the fixture's date, played out, and attributed once its window closed.
    static func publishedWave(_ campaign: String, members: Int = 3_000, seed: UInt64 = 11) throws -> (PipelineFixture, PipelineConfig) {
        let fixture = try PipelineFixture(members: members, seed: seed)
        let config = fixture.config(campaign) { $0.windowDays = 20 }
        try fixture.run(config, stages: [.extract, .score, .target, .issue])
        _ = try fixture.simulate(campaign, uplift: 0.2)
        try fixture.run(config, stages: [.attribute], asOf: observed, wave: PipelineFixture.asOf)
        return (fixture, config)
    }

    // 1. Backfills and dry runs never touch a live wave's results; attribution is a history.
    @Test func backfillsDryRunsAndEarlierObservationsNeverReplaceAPublishedAttribution() throws {
        let (fixture, config) = try Self.publishedWave("history")
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        let published = try Self.published(connection, "history")
        let liveTargets = try Self.targets(connection, "history")
        #expect(published.first?.contains("|t|\(Self.observed)|") == true, "complete and observed through \(Self.observed): \(published.first ?? "none")")

        try fixture.run(config, stages: [.extract, .score, .target, .attribute], asOf: "2026-11-10", mode: .backfill)
        try fixture.run(config, stages: [.attribute], asOf: "2026-11-10", mode: .dryRun)
        try fixture.run(config, stages: [.attribute], asOf: "2026-11-10", wave: PipelineFixture.asOf)
        try fixture.run(config, stages: [.extract, .score, .target], asOf: PipelineFixture.asOf, mode: .backfill)

        #expect(try Self.published(connection, "history") == published)
        #expect(try Self.targets(connection, "history") == liveTargets)
        #expect(!(try Self.targets(connection, "history", mode: .backfill)).isEmpty, "the backfill keeps targets of its own")
        #expect(try Self.scalar(connection, "SELECT count(DISTINCT mode)::text FROM reactivation.attribution WHERE campaign = 'history'") == "3")
        // The earlier live observation is kept as history, and the views show the latest one.
        #expect(try Self.scalar(connection, "SELECT count(DISTINCT observed_through)::text FROM reactivation.attribution WHERE campaign = 'history' AND mode = 'live'") == "2")
        #expect(try Self.scalar(connection, "SELECT observed_through::text FROM reactivation.wave_summary WHERE campaign = 'history'") == Self.observed)
        #expect(try Self.scalar(connection, "SELECT count(*)::text FROM reactivation.latest_complete_attribution WHERE campaign = 'history' AND mode <> 'live'") == "0")
        // A complete window's numbers are final: attributing it again later gives identical rows.
        try fixture.run(config, stages: [.attribute], asOf: Self.later, wave: PipelineFixture.asOf)
        let later = try Self.published(connection, "history")
        #expect(later.first?.contains(Self.later) == true)
        #expect(later.map { $0.replacingOccurrences(of: Self.later, with: Self.observed) } == published)
    }

    // 2. An issued wave is frozen: a changed holdout fraction with --force is refused, targets untouched.
    @Test func recomputingAnIssuedWavesTargetsDifferentlyIsRefusedNamingTheWave() throws {
        let fixture = try PipelineFixture(members: 3_000, seed: 12)
        defer { fixture.cleanUp() }
        let config = fixture.config("frozen")
        try fixture.run(config)
        let connection = try fixture.database.connect()
        let before = try Self.targets(connection, "frozen")
        let wider = fixture.config("frozen") { $0.holdoutFraction = 0.5 }
        let error = try #require(Self.configurationError { try fixture.run(wider, force: true) })
        #expect(error.message.contains("wave frozen as of 2026-11-01 is already issued"))
        #expect(error.message.contains("holdout.fraction 0.1 → 0.5"), "names what changed: \(error.message)")
        #expect(error.fix?.contains("new wave") == true)
        #expect(try Self.targets(connection, "frozen") == before)
        // Recomputing the same targets (--force, unchanged config) is fine and changes nothing.
        try fixture.run(config, force: true)
        #expect(try Self.targets(connection, "frozen") == before)
        #expect(try Self.scalar(connection, "SELECT count(*)::text FROM reactivation.coupons WHERE campaign = 'frozen'") == (try Self.scalar(connection, "SELECT count(*)::text FROM reactivation.targets WHERE campaign = 'frozen' AND arm = 'treatment'")))
    }

    // 3. Resume compares inputs: unchanged → everything reused; a changed key → its readers and downstream.
    @Test func aChangedConfigKeyRerunsExactlyTheStagesThatReadItAndThoseDownstream() throws {
        let fixture = try PipelineFixture(members: 2_000, seed: 13)
        defer { fixture.cleanUp() }
        let config = fixture.config("resume")
        let stages: [StageName] = [.extract, .score, .target]
        try fixture.run(config, stages: stages, mode: .dryRun)
        let again = try fixture.run(config, stages: stages, mode: .dryRun)
        #expect(Self.reused(again) == [.extract: true, .score: true, .target: true])
        let narrower = fixture.config("resume") { $0.radiusMeters = 1000 }
        let radius = try fixture.run(narrower, stages: stages, mode: .dryRun)
        #expect(Self.reused(radius) == [.extract: true, .score: true, .target: false])
        let dormancy = fixture.config("resume") { $0.radiusMeters = 1000; $0.dormantDays = 200 }
        let rescored = try fixture.run(dormancy, stages: stages, mode: .dryRun)
        #expect(Self.reused(rescored) == [.extract: true, .score: false, .target: false])
        // An unknown time zone is a configuration error before anything is written.
        let connection = try fixture.database.connect()
        let runs = try Self.scalar(connection, "SELECT sum(attempts)::text FROM reactivation.runs")
        let badZone = fixture.config("resume") { $0.businessTimeZone = "Asia/Atlantis" }
        let error = try #require(Self.configurationError { try fixture.run(badZone, stages: stages, mode: .dryRun) })
        #expect(error.message.contains("Asia/Atlantis"))
        #expect(try Self.scalar(connection, "SELECT sum(attempts)::text FROM reactivation.runs") == runs)
    }

    // 4. Redoing a stage always invalidates what was computed from it.
    @Test func redoingExtractMakesTheNextRunRedoScoreEvenWithoutForce() throws {
        let fixture = try PipelineFixture(members: 2_000, seed: 14)
        defer { fixture.cleanUp() }
        let config = fixture.config("redo")
        try fixture.run(config, stages: [.extract, .score], mode: .dryRun)
        try fixture.run(config, stages: [.extract], mode: .dryRun, force: true)  // as if interrupted after extract
        let next = try fixture.run(config, stages: [.extract, .score], mode: .dryRun)
        #expect(Self.reused(next) == [.extract: true, .score: false])
    }

    // 5. Issuing needs committed targets; no empty wave is ever recorded as issued.
    @Test func issuingADateWithoutCommittedTargetsIsRefusedAndRecordsNoWave() throws {
        let fixture = try PipelineFixture(members: 1_000, seed: 15)
        defer { fixture.cleanUp() }
        let error = try #require(Self.configurationError { try fixture.run(fixture.config("empty"), stages: [.issue]) })
        #expect(error.message.contains("no committed targets"))
        let connection = try fixture.database.connect()
        #expect(try Self.scalar(connection, "SELECT count(*)::text FROM reactivation.waves") == "0")
        // A later full run then issues the wave normally.
        try fixture.run(fixture.config("empty"))
        #expect(try Self.scalar(connection, "SELECT (coupons > 0)::text FROM reactivation.waves WHERE campaign = 'empty'") == "true")
    }

    // 6. Another campaign's open experiment keeps its control arm.
    @Test func aSecondCampaignOnTheSameDateLeavesTheFirstCampaignsControlArmAlone() throws {
        let fixture = try PipelineFixture(members: 4_000, seed: 16)
        defer { fixture.cleanUp() }
        try fixture.run(fixture.config("first"))
        try fixture.run(fixture.config("second"))
        let connection = try fixture.database.connect()
        let spoiled = try Self.scalar(connection,
            """
            SELECT count(*)::text FROM reactivation.targets f JOIN reactivation.coupons c ON c.member_id = f.member_id
            WHERE f.campaign = 'first' AND f.arm = 'control' AND c.campaign = 'second'
            """)
        #expect(spoiled == "0")
        let protected = try Self.scalar(connection,
            "SELECT (stats -> 'target' -> 'exclusions' ->> 'open_experiment_control') FROM reactivation.runs WHERE campaign = 'second'")
        #expect((Int(protected ?? "") ?? 0) > 0, "the funnel counts the protected members")
        // Switched off, the second campaign may target them again.
        try fixture.run(fixture.config("third") { $0.protectOpenExperiments = false }, stages: [.extract, .score, .target], mode: .dryRun)
        let third = try Self.scalar(connection,
            "SELECT coalesce(stats -> 'target' -> 'exclusions' ->> 'open_experiment_control', '0') FROM reactivation.runs WHERE campaign = 'third'")
        #expect(third == "0")
    }

    // 7. Dates after today are refused, for runs and attribution.
    @Test func aFutureAsOfIsRefusedForRunsAndAttribution() throws {
        let fixture = try PipelineFixture(members: 1_000, seed: 17)
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        let future = try #require(try Self.scalar(connection, "SELECT ((now() AT TIME ZONE 'Asia/Shanghai')::date + 2)::text"))
        let run = try #require(Self.configurationError { try fixture.run(fixture.config("future"), asOf: future, issueAt: "\(future)T10:00:00+08:00") })
        #expect(run.message.contains("after today"))
        let attribute = try #require(Self.configurationError {
            try fixture.run(fixture.config("future"), stages: [.attribute], asOf: future, force: true)
        })
        #expect(attribute.message.contains("after today"))
        #expect(try Self.scalar(connection, "SELECT count(*)::text FROM reactivation.runs") == "0")
    }

    // 9. One cooldown definition: what the target stage keeps, the issue stage issues.
    @Test func targetAndIssueAgreeOnCooldownWhenAPastDateIsReplayed() throws {
        let fixture = try PipelineFixture(members: 4_000, seed: 18)
        defer { fixture.cleanUp() }
        try fixture.run(fixture.config("earlier"))  // coupons issued 2026-11-01 10:00 Shanghai
        // A wave as of a date before those coupons, issued after them: cooldown counts from the issue time.
        let replay = try fixture.run(fixture.config("replay"), asOf: "2026-10-25", issueAt: "2026-11-05T10:00:00+08:00")
        let issue = try #require(replay.reports.first { $0.stage == .issue }?.result)
        #expect(issue.stats["skipped"] == .object([:]), "the issue stage skips nobody the target stage kept: \(issue.stats)")
        let connection = try fixture.database.connect()
        #expect(try Self.scalar(connection,
            """
            SELECT count(*)::text FROM reactivation.targets t JOIN reactivation.coupons c ON c.member_id = t.member_id AND c.campaign = 'earlier'
            WHERE t.campaign = 'replay'
            """) == "0", "members holding the earlier campaign's coupon were cooled down at targeting")
        #expect(issue.rowsOut > 0)
    }

    // `--as-of today` is today in the business time zone, whatever the host's zone.
    @Test func asOfTodayIsTodayInTheBusinessTimeZone() throws {
        let fixture = try PipelineFixture(members: 1_000, seed: 19)
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        for zone in ["Asia/Shanghai", "America/Los_Angeles"] {
            let config = fixture.config("today-\(zone.count)") { $0.businessTimeZone = zone }
            let request = PipelineRunner.Request(config: config, configText: "", asOf: .today, mode: .dryRun, stages: [.extract])
            let outcome = try PipelineRunner(connectionString: fixture.database.connectionString, logger: fixture.logger).run(request)
            let today = try #require(try Self.scalar(connection, "SELECT (now() AT TIME ZONE \(zone))::date::text"))
            #expect(outcome.asOf.description == today)
            #expect(try Self.scalar(connection, "SELECT as_of::text FROM reactivation.runs WHERE run_id = \(outcome.runId)") == today)
        }
    }

    // Source freshness: a live run on a feed that stopped days before the cut-off writes nothing and says so.
    @Test func aLiveRunOnALateFeedExitsTwoNamingTheLatestTransaction() throws {
        let fixture = try PipelineFixture(members: 1_000, seed: 20)  // purchases up to 2026-11-01
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        let error = try #require(Self.configurationError {
            try fixture.run(fixture.config("late"), asOf: "2026-11-10", issueAt: "2026-11-10T10:00:00+08:00")
        })
        #expect(error.message.contains("2026-10-31") || error.message.contains("2026-11-01"), "names the latest transaction: \(error.message)")
        #expect(error.description.contains("caught up"))
        // Refused at the start of extract: the run is recorded as failed, nothing else is written.
        #expect(try Self.scalar(connection, "SELECT string_agg(stage || ':' || status, ',') FROM reactivation.stage_runs") == "extract:failed")
        #expect(try Self.scalar(connection, "SELECT count(*)::text FROM reactivation.targets") == "0")
        // The same date is fine once the lag the config allows covers it.
        try fixture.run(fixture.config("late") { $0.maxLagDays = 10 }, stages: [.extract], asOf: "2026-11-10", mode: .live)
    }
}
