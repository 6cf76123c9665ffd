import Foundation
import Dispatch
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Synchronization
import Testing

/// The pipeline on a member-sharded source gives what one server holding the same rows gives.
@Suite struct ShardedPipelineTests {
    static let logger = Logger(label: "test")

    /// A generated one-server database and a hand-sharded coordinator holding the same rows.
    struct Pair {
        let single: PipelineFixture
        let sharded: HandShardedSource
        let artifacts: URL

        init(members: Int) throws {
            single = try PipelineFixture(members: members, seed: 11)
            sharded = try HandShardedSource()
            try sharded.load(from: single.database)
            artifacts = try TestDatabase.temporaryFolder()
            try Migrator(directory: projectRoot.appendingPathComponent("sql/migrations")).migrate(try sharded.coordinator.connect(), logger: logger)
        }

        func config(_ campaign: String, artifacts folder: URL, _ change: (inout PipelineConfig) -> Void = { _ in }) -> PipelineConfig {
            var config = PipelineConfig.defaults(campaign: campaign)
            config.artifactDir = folder.path
            change(&config)
            return config
        }

        @discardableResult
        func runSharded(_ config: PipelineConfig, stages: [StageName], jobs: Int = 2) throws -> PipelineRunner.Outcome {
            var request = PipelineRunner.Request(
                config: config, configText: "test", asOf: .day(CalendarDay(PipelineFixture.asOfDay)), stages: stages,
                issueAt: PipelineFixture.micros("2026-11-01T10:00:00+08:00"))
            request.jobs = jobs
            return try PipelineRunner(connectionString: sharded.coordinator.connectionString, logger: logger).run(request)
        }

        func cleanUp() {
            single.cleanUp()
            try? FileManager.default.removeItem(at: artifacts)
        }
    }

    static let stages: [StageName] = [.extract, .score, .target]

    static func scores(_ connection: Connection, _ runId: Int64) throws -> [String] {
        try connection.query(
            """
            SELECT concat_ws('|', member_id, days_since_last, frequency, recency_days, tenure_days, monetary, p_alive, expected_txns,
                             value_score, reachability, best_channel, segment)
            FROM reactivation.member_scores WHERE run_id = $1 ORDER BY member_id
            """, [runId]).rows.map { $0[0] ?? "" }
    }

    static func targets(_ connection: Connection, _ campaign: String) throws -> [String] {
        try connection.query(
            "SELECT concat_ws('|', as_of, member_id, store_id, arm) FROM reactivation.targets WHERE campaign = $1 ORDER BY member_id",
            [campaign]).rows.map { $0[0] ?? "" }
    }

    @Test func shardByShardGivesTheOneServerScoresTargetsAndExtract() throws {
        let pair = try Pair(members: 4_000)
        defer { pair.cleanUp() }
        let single = try pair.single.run(pair.single.config("same"), stages: Self.stages)
        let sharded = try pair.runSharded(pair.config("same", artifacts: pair.artifacts), stages: Self.stages)
        let extract = try #require(sharded.reports.first?.result)
        guard case .array(let shards)? = extract.stats["shards"] else {
            Issue.record("the extract did not read shard by shard: \(extract.stats)")
            return
        }
        #expect(shards.count == 4)
        #expect(extract.stats["members"] == single.reports.first?.result?.stats["members"])
        #expect(extract.stats["transactions"] == single.reports.first?.result?.stats["transactions"])
        let oneServer = try pair.single.database.connect(), coordinator = try pair.sharded.coordinator.connect()
        let expectedScores = try Self.scores(oneServer, single.runId)
        #expect(expectedScores.count > 500)
        #expect(try Self.scores(coordinator, sharded.runId) == expectedScores)
        let expectedTargets = try Self.targets(oneServer, "same")
        #expect(expectedTargets.count > 100)
        #expect(try Self.targets(coordinator, "same") == expectedTargets)
        let digest = { (folder: URL) in
            try MemberHistories.contentDigest(path: folder.appendingPathComponent("same/2026-11-01/live/extract.ract").path)
        }
        #expect(try digest(pair.artifacts) == digest(pair.single.artifacts))

        // With no memory for finished shards every shard goes through a file of its own: the same
        // artifact, and no shard file left behind.
        let spilled = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: spilled) }
        let throughFiles = try ExtractStage(scanChunks: 64, minimumChunkBlocks: 128, heldShardBytes: 0)
            .run(ExtractStageTests.context(pair.sharded.coordinator, artifacts: spilled, runId: sharded.runId))
        #expect(try MemberHistories.contentDigest(path: try #require(throughFiles.artifactPath)) == digest(pair.single.artifacts))
        let leftovers = FileManager.default.enumerator(atPath: spilled.path)?.compactMap { $0 as? String }.filter { $0.contains(".extract.shard-") }
        #expect(leftovers == [], "shard files left: \(leftovers ?? [])")

        // Through the coordinator as a plain query would (source.shards = "off"): the same again.
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let off = try pair.runSharded(pair.config("off", artifacts: folder) { $0.sourceShards = .off }, stages: Self.stages, jobs: 1)
        #expect(off.reports.first?.result?.stats["shards"] == nil)
        #expect(try Self.scores(coordinator, off.runId) == expectedScores)
    }

    @Test func aShardServerGoneFailsNamingTheShardAndTheSameCommandResumesToTheSameResult() throws {
        let pair = try Pair(members: 2_000)
        defer { pair.cleanUp() }
        let single = try pair.single.run(pair.single.config("gone"), stages: Self.stages)
        let coordinator = try pair.sharded.coordinator.connect()
        let gone = "gone_\(pair.sharded.shardB.name)"
        try coordinator.execute("ALTER SERVER shard_b OPTIONS (SET dbname '\(gone)')")
        let config = pair.config("gone", artifacts: pair.artifacts)
        let failure = try #require(throws: StageFailure.self) { try pair.runSharded(config, stages: Self.stages) }
        let text = "\(failure)"
        #expect(failure.stage == .extract)
        #expect(text.contains("shard 3 (modulus 4, remainder 3) on server shard_b") && text.contains(gone), "\(text)")
        #expect(text.contains("transactions in shard.transactions_p3") && text.contains("re-run the same command"), "\(text)")
        // A runtime error, which the CLI exits 1 with.
        #expect((failure.underlying as? PipelineError)?.category == .runtime)
        try coordinator.execute("ALTER SERVER shard_b OPTIONS (SET dbname '\(pair.sharded.shardB.name)')")
        let resumed = try pair.runSharded(config, stages: Self.stages)
        #expect(try Self.scores(coordinator, resumed.runId) == Self.scores(try pair.single.database.connect(), single.runId))
        #expect(try Self.targets(coordinator, "gone") == Self.targets(try pair.single.database.connect(), "gone"))
    }

    @Test func twoProcessesSplittingTheShardsGiveTheOneServerResults() throws {
        let pair = try Pair(members: 4_000)
        defer { pair.cleanUp() }
        let single = try pair.single.run(pair.single.config("split"), stages: Self.stages)
        let config = pair.config("split", artifacts: pair.artifacts)
        // The helper waits for the run to register its shards, as a cron job on a second host would.
        let helper = Mutex<Result<ShardWorker.Outcome, any Error>?>(nil)
        let helperDone = DispatchSemaphore(value: 0)
        let thread = Thread {
            var request = PipelineRunner.Request(config: config, configText: "test", asOf: .day(CalendarDay(PipelineFixture.asOfDay)), stages: [.extract])
            request.jobs = 1
            let outcome = Result {
                try ShardWorker.work(
                    connectionString: pair.sharded.coordinator.connectionString, config: config, configText: "test", request: request,
                    waitSeconds: 30, logger: Self.logger)
            }
            helper.withLock { $0 = outcome }
            helperDone.signal()
        }
        thread.start()
        let run = try pair.runSharded(config, stages: Self.stages, jobs: 1)
        helperDone.wait()
        let helped = try #require(try helper.withLock { $0 }?.get())
        #expect(helped.runId == run.runId)
        #expect(!helped.shards.isEmpty, "the helper took no shard")
        guard case .array(let shards)? = run.reports.first?.result?.stats["shards"] else {
            Issue.record("no per-shard stats")
            return
        }
        #expect(shards.count == 4)
        let coordinator = try pair.sharded.coordinator.connect()
        let doneBy = try coordinator.query(
            "SELECT count(*) FILTER (WHERE artifact_checksum IS NOT NULL), count(*) FROM reactivation.shard_work WHERE run_id = $1 AND status = 'done'",
            [run.runId]).rows.first
        #expect(doneBy == [String(helped.shards.count), "4"], "the helper's shards came through the ledger")
        #expect(try Self.scores(coordinator, run.runId) == Self.scores(try pair.single.database.connect(), single.runId))
        #expect(try Self.targets(coordinator, "split") == Self.targets(try pair.single.database.connect(), "split"))
    }

    @Test func dataTestsTakeKeyUniquenessAndFreshnessFromTheShardsAndStillCatchALateFeed() throws {
        let pair = try Pair(members: 1_500)
        defer { pair.cleanUp() }
        let coordinator = try pair.sharded.coordinator.connect()
        // The local bucket gets the keys the shard tables have, so every shard guarantees uniqueness.
        try coordinator.execute("""
            CREATE UNIQUE INDEX ON src.members_p2 (member_id);
            CREATE UNIQUE INDEX ON src.member_channels_p2 (member_id, channel)
            """)
        let run = try pair.runSharded(pair.config("checks", artifacts: pair.artifacts), stages: [.extract])
        let checks = try #require(run.reports.first?.result?.stats["source_checks"])
        guard case .array(let skipped)? = checks["skipped"], case .array(let checked)? = checks["checked"] else {
            Issue.record("no source check lists: \(checks)")
            return
        }
        #expect(skipped.contains(.string("unique(members.member_id): guaranteed by a unique index on every shard")), "\(skipped)")
        #expect(skipped.contains(.string("unique(member_channels.member_id, channel): guaranteed by a unique index on every shard")))
        #expect(checked.contains(.string("freshness(transactions.occurred_at)")))
        // A channel value outside the contract on one shard server is still found, now read on that server.
        let b = try pair.sharded.shardB.connect()
        try b.execute("""
            ALTER TABLE shard.member_channels_p3 DROP CONSTRAINT IF EXISTS member_channels_p3_channel_check;
            ALTER TABLE shard.member_channels_p3 DROP CONSTRAINT IF EXISTS member_channels_channel_check;
            UPDATE shard.member_channels_p3 SET channel = 'SMS' WHERE channel = 'sms'
            """)
        let badChannel = try #require(throws: StageFailure.self) {
            try pair.runSharded(pair.config("channel", artifacts: pair.artifacts), stages: [.extract])
        }
        #expect("\(badChannel)".contains("'SMS'"), "\(badChannel)")
        try b.execute("UPDATE shard.member_channels_p3 SET channel = 'sms' WHERE channel = 'SMS'")
        // The last weeks of transactions go missing on every shard: the feed lags and a live run stops.
        let gap = "DELETE FROM %@ WHERE occurred_at >= '2026-10-20 00:00+08'"
        try pair.sharded.shardA.connect().execute(
            [0, 1].map { gap.replacingOccurrences(of: "%@", with: "shard.transactions_p\($0)") }.joined(separator: ";"))
        try pair.sharded.shardB.connect().execute(gap.replacingOccurrences(of: "%@", with: "shard.transactions_p3"))
        try coordinator.execute(gap.replacingOccurrences(of: "%@", with: "src.transactions_p2"))
        let late = try #require(throws: StageFailure.self) {
            try pair.runSharded(pair.config("late", artifacts: pair.artifacts), stages: [.extract])
        }
        #expect((late.underlying as? PipelineError)?.category == .configuration)
        #expect("\(late)".contains("occurred_at"), "\(late)")
    }

    @Test func freshnessReadsTheShardsNewestBlocksFirstAndTheWholeTablesWhenTheyLookLate() throws {
        let pair = try Pair(members: 1_500)
        defer { pair.cleanUp() }
        let coordinator = try pair.sharded.coordinator.connect()
        let config = pair.config("tails", artifacts: pair.artifacts)
        let request = PipelineRunner.Request(config: config, configText: "", asOf: .day(CalendarDay(PipelineFixture.asOfDay)), mode: .live, stages: [.extract])
        let plan = try RunPlan.resolve(request, connection: coordinator)
        guard case .sharded(let map) = try ShardCatalog.layout(coordinator, config: config) else {
            Issue.record("the hand-sharded source is not seen as sharded")
            return
        }
        func newest(tailBlocks: Int64) throws -> Instant? {
            try SourceChecks.options(for: map, plan: plan, coordinator: pair.sharded.coordinator.connectionString, tailBlocks: tailBlocks)
                .latestTransaction?.occurredAt
        }
        let exact = try #require(try newest(tailBlocks: 1_000_000), "whole tables")
        // The feed appends in time order here: the newest block of each table is recent enough.
        let fromTails = try #require(try newest(tailBlocks: 1))
        #expect(fromTails <= exact)
        #expect(Double(plan.cutoff.microseconds - fromTails.microseconds) / 86_400_000_000 <= Double(config.maxLagDays))
        // A re-import appends old rows behind the recent ones on every shard: the newest blocks look
        // years late, so the whole tables are read and the feed is judged by its real newest row.
        let reimport = "INSERT INTO %@ (txn_id, member_id, store_id, occurred_at, amount) SELECT txn_id + 500000000, member_id, store_id, occurred_at - interval '5 years', amount FROM %@"
        for (server, tables) in [(pair.sharded.shardA, ["shard.transactions_p0", "shard.transactions_p1"]), (pair.sharded.shardB, ["shard.transactions_p3"])] {
            try server.connect().execute(tables.map { reimport.replacingOccurrences(of: "%@", with: $0) }.joined(separator: ";"))
        }
        try coordinator.execute(reimport.replacingOccurrences(of: "%@", with: "src.transactions_p2"))
        #expect(try newest(tailBlocks: 1) == exact)
        let report = try SourceChecks.inspect(
            coordinator, plan: plan,
            options: try SourceChecks.options(for: map, plan: plan, coordinator: pair.sharded.coordinator.connectionString, tailBlocks: 1))
        #expect(!report.findings.contains { $0.check == "freshness" }, "\(report.findings)")
    }

    @Test func dataTestsSampleEveryShardOnItsServerAndFindWhatOneServerFinds() throws {
        let pair = try Pair(members: 1_500)
        defer { pair.cleanUp() }
        // The same planted mistakes on both: purchases of members nobody has (their ids hash to
        // several buckets, so to several shard servers) and members at the (0, 0) placeholder.
        let plant = """
            INSERT INTO src.transactions (txn_id, member_id, store_id, occurred_at, amount)
              SELECT 990000000 + g, 990000000 + g, (SELECT min(store_id) FROM src.stores), '2026-10-25 12:00+08', 12.50
              FROM generate_series(1, 12) g;
            UPDATE src.member_locations SET latitude = 0, longitude = 0 WHERE member_id % 50 = 7
            """
        let oneServer = try pair.single.database.connect(), coordinator = try pair.sharded.coordinator.connect()
        try oneServer.execute(plant)
        try coordinator.execute(plant)
        let config = pair.config("samples", artifacts: pair.artifacts)
        let request = PipelineRunner.Request(config: config, configText: "", asOf: .day(CalendarDay(PipelineFixture.asOfDay)), mode: .live, stages: [.extract])
        let expected = try SourceChecks.inspect(oneServer, plan: try RunPlan.resolve(request, connection: oneServer))
        guard case .sharded(let map) = try ShardCatalog.layout(coordinator, config: config) else {
            Issue.record("the hand-sharded source is not seen as sharded")
            return
        }
        let options = try SourceChecks.options(for: map, plan: try RunPlan.resolve(request, connection: coordinator), coordinator: pair.sharded.coordinator.connectionString)
        #expect(options.shards.count == 4)
        let actual = try SourceChecks.inspect(coordinator, plan: try RunPlan.resolve(request, connection: coordinator), options: options)
        let planted = expected.findings.filter { $0.check == "relationships" || $0.check == "coordinates" }
        #expect(planted.count == 2, "\(expected.findings)")
        #expect(planted.first { $0.check == "relationships" }?.count == 12)
        for finding in planted {
            let sharded = actual.findings.first { $0.check == finding.check && $0.relation == finding.relation }
            #expect(sharded?.count == finding.count, "\(finding.check): \(String(describing: sharded)) vs \(finding)")
            #expect(sharded?.examples == finding.examples, "\(finding.check)")
        }
        #expect(actual.errors.isEmpty, "\(actual.errors)")
        // Amounts a thousand times too large: the median over every shard's sample is one server's, to the digit.
        try oneServer.execute("UPDATE src.transactions SET amount = amount * 1000")
        try coordinator.execute("UPDATE src.transactions SET amount = amount * 1000")
        let centsExpected = try SourceChecks.inspect(oneServer, plan: try RunPlan.resolve(request, connection: oneServer))
        let centsActual = try SourceChecks.inspect(coordinator, plan: try RunPlan.resolve(request, connection: coordinator), options: options)
        let band = try #require(centsExpected.errors.first { $0.check == "basket_band" })
        #expect(centsActual.errors.first { $0.check == "basket_band" }?.examples == band.examples, "\(centsActual.errors) vs \(band)")
    }
}
