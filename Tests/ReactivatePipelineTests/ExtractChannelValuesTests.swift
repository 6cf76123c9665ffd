import Dispatch
import Foundation
import Logging
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
import Synchronization
import Testing

/// The channel data tests of a live extract count the extract's own stream of member_channels: the
/// table is read once, and the findings are those `validate` gives reading it on its own.
@Suite struct ExtractChannelValuesTests {
    /// Sequential scans of `relation` the server has counted, once every other backend of the test
    /// database has exited (a backend reports its counts when it ends).
    static func settledSequentialScans(_ connection: Connection, of relation: String) throws -> Int64 {
        let deadline = Date().addingTimeInterval(20)
        var last: Int64 = -1
        while true {
            try connection.execute("SELECT pg_stat_clear_snapshot()")
            let others = try connection.query(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
            ).scalar(Int64.self) ?? 0
            let scans = try connection.query(
                "SELECT seq_scan FROM pg_stat_user_tables WHERE relid = to_regclass(\(relation))"
            ).scalar(Int64.self) ?? 0
            // Settled: nobody else is connected and the count did not move since the last look.
            if others == 0 && scans == last { return scans }
            guard Date() < deadline else { return scans }
            last = scans
            Thread.sleep(forTimeInterval: 0.3)
        }
    }

    @Test func aLiveExtractReadsMemberChannelsOnceWithItsDataTestsBesideIt() throws {
        let fixture = try PipelineFixture(members: 1200, stores: 20)
        defer { fixture.cleanUp() }
        let connection = try fixture.database.connect()
        let before = try Self.settledSequentialScans(connection, of: "src.member_channels")
        let outcome = try fixture.run(fixture.config("once"), stages: [.extract])
        let stats = try #require(outcome.reports.first?.result?.stats["source_checks"])
        #expect("\(stats)".contains("accepted_values(member_channels.channel)"), "the channel tests ran: \(stats)")
        #expect(try Self.settledSequentialScans(connection, of: "src.member_channels") == before + 1)
    }

    /// The same broken mapping, judged by the extract's stream and by `validate`'s own: the same error.
    @Test(arguments: [
        "SELECT member_id, upper(channel) AS channel, verified_at, last_delivered_at, last_failed_at FROM src.member_channels",
        "SELECT * FROM src.member_channels UNION ALL SELECT * FROM src.member_channels WHERE member_id % 10 = 0",
    ])
    func aBrokenChannelViewFailsTheExtractWithTheFindingValidateGives(view: String) throws {
        let (fixture, connection) = try SourceCheckTests.mapped(["member_channels": view])
        defer { fixture.cleanUp() }
        let config = SourceCheckTests.config(fixture)
        let alone = try SourceCheckTests.findings(connection, config)
        let expected = try #require(alone.errors.first { $0.relation == "crm.member_channels" })
        let failure = try #require(throws: StageFailure.self) { try fixture.run(config, stages: [.extract]) }
        #expect((failure.underlying as? PipelineError)?.category == .configuration, "\(failure)")
        #expect("\(failure)".contains(expected.message), "\(failure)\nexpected: \(expected.message)")
        for example in expected.examples { #expect("\(failure)".contains(example), "\(failure)") }
    }

    /// Rows without a member are a warning and are ignored: the extract runs through and folds exactly
    /// what a view without those rows gives.
    @Test func channelRowsWithoutAMemberAreIgnoredWithAWarning() throws {
        let columns = "verified_at, last_delivered_at, last_failed_at FROM src.member_channels"
        let (fixture, connection) = try SourceCheckTests.mapped([
            "member_channels": "SELECT CASE WHEN member_id % 7 = 0 THEN NULL ELSE member_id END AS member_id, channel, \(columns)"
        ])
        defer { fixture.cleanUp() }
        try SourceCheckTests.views(
            connection, schema: "tidy", ["member_channels": "SELECT member_id, channel, \(columns) WHERE member_id % 7 <> 0"])
        let nullRows = try connection.query("SELECT count(*) FROM src.member_channels WHERE member_id % 7 = 0").scalar(Int64.self)
        let careless = try fixture.run(SourceCheckTests.config(fixture), stages: [.extract])
        let stats = try #require(careless.reports.first?.result?.stats["source_checks"])
        #expect("\(stats)".contains("\(try #require(nullRows)) row(s) have no member_id"), "\(stats)")
        let tidy = try fixture.run(fixture.config("tidy") { $0.sourceSchema = "tidy" }, stages: [.extract])
        let digest = { (outcome: PipelineRunner.Outcome) in
            try MemberHistories.contentDigest(path: try #require(outcome.reports.first?.result?.artifactPath))
        }
        #expect(try digest(careless) == digest(tidy))
    }

    /// On a sharded source the channel tests count each shard's own stream (a helper's shards through
    /// the ledger) once every shard is read: the finding one server gives.
    @Test func aShardedExtractSplitOverTwoProcessesFindsTheChannelValuesOneServerFinds() throws {
        let pair = try ShardedPipelineTests.Pair(members: 4_000)
        defer { pair.cleanUp() }
        let oneServer = try pair.single.database.connect(), coordinator = try pair.sharded.coordinator.connect()
        // Every shard guarantees its (member, channel) pairs, so the counts alone decide the tests.
        try coordinator.execute("CREATE UNIQUE INDEX ON src.member_channels_p2 (member_id, channel)")
        let upper = "UPDATE %@ SET channel = 'SMS' WHERE channel = 'sms' AND member_id % 3 = 0"
        try oneServer.execute("ALTER TABLE src.member_channels DROP CONSTRAINT IF EXISTS member_channels_channel_check")
        try oneServer.execute(upper.replacingOccurrences(of: "%@", with: "src.member_channels"))
        try coordinator.execute("ALTER TABLE src.member_channels DROP CONSTRAINT IF EXISTS member_channels_channel_check")
        try coordinator.execute(upper.replacingOccurrences(of: "%@", with: "src.member_channels_p2"))
        for (shard, remainders) in [(pair.sharded.shardA, [0, 1]), (pair.sharded.shardB, [3])] {
            for remainder in remainders {
                try shard.connect().execute("""
                    ALTER TABLE shard.member_channels_p\(remainder) DROP CONSTRAINT IF EXISTS member_channels_p\(remainder)_channel_check;
                    ALTER TABLE shard.member_channels_p\(remainder) DROP CONSTRAINT IF EXISTS member_channels_channel_check;
                    \(upper.replacingOccurrences(of: "%@", with: "shard.member_channels_p\(remainder)"))
                    """)
            }
        }
        let config = pair.config("split-channels", artifacts: pair.artifacts)
        let request = PipelineRunner.Request(config: config, configText: "test", asOf: .day(CalendarDay(PipelineFixture.asOfDay)), stages: [.extract])
        let expected = try #require(
            try SourceChecks.inspect(oneServer, plan: try RunPlan.resolve(request, connection: oneServer)).errors.first { $0.check == "accepted_values" })
        let helper = Mutex<Result<ShardWorker.Outcome, any Error>?>(nil)
        let helperDone = DispatchSemaphore(value: 0)
        let thread = Thread {
            var helperRequest = request
            helperRequest.jobs = 1
            let outcome = Result {
                try ShardWorker.work(
                    connectionString: pair.sharded.coordinator.connectionString, config: config, configText: "test",
                    request: helperRequest, waitSeconds: 30, logger: Logger(label: "test"))
            }
            helper.withLock { $0 = outcome }
            helperDone.signal()
        }
        thread.start()
        let failure = try #require(throws: StageFailure.self) { try pair.runSharded(config, stages: [.extract], jobs: 1) }
        #expect(helperDone.wait(timeout: .now() + 60) == .success)
        let helped = try #require(try helper.withLock { $0 }?.get())
        #expect(!helped.shards.isEmpty, "the helper took no shard")
        #expect((failure.underlying as? PipelineError)?.category == .configuration, "\(failure)")
        #expect(expected.examples.count == 1 && expected.examples[0].hasPrefix("'SMS' ("), "\(expected.examples)")
        #expect("\(failure)".contains(expected.examples[0]), "\(failure)\nexpected: \(expected.examples)")
    }

    /// When the reads fail before the channel counts exist, the stage reports the reads' own error: the
    /// channel tests waiting for the counts add nothing (they used to be reported as failed data tests).
    @Test func aShardedExtractWhoseReadsFailReportsTheirErrorNotTheDataTests() throws {
        let pair = try ShardedPipelineTests.Pair(members: 1_000)
        defer { pair.cleanUp() }
        // Every shard guarantees its pairs, so the channel tests wait for the shards' counts.
        try pair.sharded.coordinator.connect().execute("""
            CREATE UNIQUE INDEX ON src.member_channels_p2 (member_id, channel);
            ALTER TABLE reactivation.shard_work RENAME TO shard_work_gone
            """)
        let failure = try #require(throws: StageFailure.self) {
            try pair.runSharded(pair.config("reads-fail", artifacts: pair.artifacts), stages: [.extract])
        }
        #expect("\(failure)".contains("shard_work"), "\(failure)")
        #expect(!"\(failure)".contains("data test"), "\(failure)")
    }
}
