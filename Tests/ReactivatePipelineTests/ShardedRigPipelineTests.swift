import Dispatch
import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Synchronization
import Testing

/// The whole pipeline on the rig's sharded source (a coordinator and two shard clusters, 4 foreign hash
/// partitions) against a single server holding the same rows.
@Suite struct ShardedRigPipelineTests {
    static let logger = Logger(label: "test")
    static let issueAt = PipelineFixture.micros("2026-11-01T10:00:00+08:00")

    @discardableResult
    static func runRig(_ rig: ShardedSource, _ config: PipelineConfig, stages: [StageName], asOf: String = PipelineFixture.asOf, wave: String? = nil, jobs: Int = 2, force: Bool = false) throws -> PipelineRunner.Outcome {
        var request = PipelineRunner.Request(
            config: config, configText: "test", asOf: .day(CalendarDay(parsing: asOf) ?? CalendarDay(0)), stages: stages, force: force,
            issueAt: issueAt, attributeWave: wave.flatMap(PostgresEpoch.parseDate))
        request.jobs = jobs
        return try PipelineRunner(connectionString: rig.coordinator, logger: logger).run(request)
    }

    static func rows(_ connection: Connection, _ sql: SQL) throws -> [String] {
        try connection.query(sql).rows.map { $0.map { $0 ?? "∅" }.joined(separator: "|") }
    }

    static func results(_ connection: Connection, campaign: String) throws -> [String: [String]] {
        [
            "member_scores": try rows(connection, """
                SELECT s.member_id, days_since_last, frequency, recency_days, tenure_days, monetary, p_alive, expected_txns, value_score,
                       reachability, best_channel, segment
                FROM reactivation.member_scores s JOIN reactivation.runs r USING (run_id) WHERE r.campaign = \(campaign) ORDER BY s.member_id
                """),
            "targets": try rows(connection, "SELECT member_id, store_id, arm FROM reactivation.targets WHERE campaign = \(campaign) ORDER BY member_id"),
            "coupon recipients": try rows(connection, """
                SELECT member_id, store_id, channel, face_value, min_spend, issued_at, expires_at FROM reactivation.coupons
                WHERE campaign = \(campaign) ORDER BY member_id
                """),
            "attribution": try rows(connection, """
                SELECT level, key, window_days, complete, n_treatment, n_control, reactivated_treatment, reactivated_control, sales_treatment,
                       sales_control, reactivation_lift, reactivation_ci_low, reactivation_ci_high, sales_per_member_diff, incremental_sales,
                       ci_low, ci_high, cuped_incremental_sales, cuped_ci_low, cuped_ci_high, redemptions, coupon_cost, net_incremental_sales,
                       net_ci_low, net_ci_high, return_per_cost
                FROM reactivation.attribution WHERE campaign = \(campaign) ORDER BY level, key, window_days
                """),
        ]
    }

    @Test func theShardedRigGivesTheOneServersScoresTargetsCouponsAndAttributionAtEveryLevel() throws {
        let single = try PipelineFixture(members: 5_000, seed: 21)
        defer { single.cleanUp() }
        let config = single.config("rig")
        try single.run(config, stages: [.extract, .score, .target, .issue])
        _ = try single.simulate("rig", uplift: 0.3)
        let rig = try ShardedSource()
        try rig.load(from: single.database.connectionString)
        let run = try Self.runRig(rig, config, stages: [.extract, .score, .target, .issue])
        guard case .array(let shards)? = run.reports.first?.result?.stats["shards"] else {
            Issue.record("the rig's extract was not read shard by shard")
            return
        }
        #expect(shards.count == 4)
        // Coupon codes are random by design: the rig's redemptions are the single server's, under the rig's codes.
        let oneServer = try single.database.connect(), coordinator = try Connection(rig.coordinator)
        let singleCodes = try oneServer.query("SELECT member_id, code FROM reactivation.coupons WHERE campaign = 'rig'")
        var codeOf: [Int64: String] = [:]
        for row in singleCodes { codeOf[try row.decode(0)] = try row.decode(1) }
        for row in try coordinator.query("SELECT member_id, code FROM reactivation.coupons WHERE campaign = 'rig'") {
            guard let old = codeOf[try row.decode(0)] else { continue }
            try coordinator.query("UPDATE src.transactions SET coupon_code = \(try row.decode(1, as: String.self)) WHERE coupon_code = \(old)")
        }
        try single.run(config, stages: [.attribute], asOf: "2026-12-02", wave: PipelineFixture.asOf)
        let attributed = try Self.runRig(rig, config, stages: [.attribute], asOf: "2026-12-02", wave: PipelineFixture.asOf)
        // The window's purchases were read on the shards' servers, every shard's share of them.
        guard case .object(let waves)? = attributed.reports.first?.result?.stats["shards"],
            case .array(let reads)? = waves[PipelineFixture.asOf]
        else {
            Issue.record("the rig's attribution was not read shard by shard")
            return
        }
        let windowRows = reads.compactMap { read -> Int? in
            guard case .object(let fields) = read, case .integer(let rows)? = fields["transactions"] else { return nil }
            return Int(rows)
        }
        #expect(windowRows.count == 4 && windowRows.allSatisfy { $0 > 0 }, "\(reads)")
        let expected = try Self.results(oneServer, campaign: "rig")
        let actual = try Self.results(coordinator, campaign: "rig")
        for (table, rows) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(rows.count > 10, "the single server's \(table) is nearly empty: the comparison would prove little")
            #expect(actual[table] == rows, "\(table) differs between the sharded and the single server")
        }
        let levels = Set((expected["attribution"] ?? []).map { $0.split(separator: "|").first.map(String.init) ?? "" })
        #expect(levels == ["campaign", "segment", "store"])

        // A shard server gone while attributing: exit 1 naming it, nothing written; back up, the same
        // command gives the same attribution.
        try rig.stopShard(1)
        let failure = try #require(throws: StageFailure.self) {
            try Self.runRig(rig, config, stages: [.attribute], asOf: "2026-12-02", wave: PipelineFixture.asOf, force: true)
        }
        #expect(failure.stage == .attribute)
        #expect((failure.underlying as? PipelineError)?.category == .runtime, "a runtime error: exit 1")
        let text = "\(failure)"
        #expect(text.contains("on server \(rig.shards[1].serverName)") && text.contains("re-run the same command"), "\(text)")
        #expect(try Self.results(coordinator, campaign: "rig")["attribution"] == expected["attribution"])
        try rig.startShard(1)
        try Self.runRig(rig, config, stages: [.attribute], asOf: "2026-12-02", wave: PipelineFixture.asOf, force: true)
        #expect(try Self.results(coordinator, campaign: "rig")["attribution"] == expected["attribution"])
    }

    @Test func aShardServerStoppedMidExtractFailsNamingItAndTheSameCommandResumesToTheSameResults() throws {
        let single = try PipelineFixture(members: 6_000, seed: 22)
        defer { single.cleanUp() }
        let config = single.config("outage")
        try single.run(config, stages: [.extract, .score, .target])
        let rig = try ShardedSource()
        try rig.load(from: single.database.connectionString)
        // Shards are read one at a time in bucket order (0 on A, 1 on B, 2 on A, 3 on B): once shard B
        // serves its first COPY, it is stopped, so shard 1 or shard 3 is cut off.
        let shardB = rig.shards[1]
        let stopped = Mutex(false)
        let watcherDone = DispatchSemaphore(value: 0)
        // Weakly: a finished Thread may keep its closure, and the rig's clusters stop only when it goes.
        let watcher = Thread { [weak rig] in
            defer { watcherDone.signal() }
            guard let rig else { return }
            let deadline = Date().addingTimeInterval(60)
            while Date() < deadline {
                if let connection = try? Connection(shardB.connectionString),
                    (try? connection.query(
                        "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%' AND pid <> pg_backend_pid()").scalar(Int.self)) ?? 0 > 0
                {
                    stopped.withLock { $0 = (try? rig.stopShard(1)) != nil }
                    return
                }
                Thread.sleep(forTimeInterval: 0.005)
            }
        }
        watcher.start()
        let failure = try #require(throws: StageFailure.self) { try Self.runRig(rig, config, stages: [.extract, .score, .target], jobs: 1) }
        watcherDone.wait()
        #expect(stopped.withLock { $0 }, "the run failed before shard B was stopped: \(failure)")
        #expect(failure.stage == .extract)
        #expect((failure.underlying as? PipelineError)?.category == .runtime, "a runtime error: exit 1")
        let text = "\(failure)"
        #expect(text.contains("on server \(shardB.serverName)") && text.contains("re-run the same command"), "\(text)")
        #expect(text.contains("shard 1 (modulus 4, remainder 1)") || text.contains("shard 3 (modulus 4, remainder 3)"), "\(text)")
        try rig.startShard(1)
        try Self.runRig(rig, config, stages: [.extract, .score, .target])
        let expected = try Self.results(try single.database.connect(), campaign: "outage")
        let actual = try Self.results(try Connection(rig.coordinator), campaign: "outage")
        #expect(actual["member_scores"] == expected["member_scores"])
        #expect(actual["targets"] == expected["targets"])
        #expect((expected["targets"] ?? []).count > 10)
    }
}
