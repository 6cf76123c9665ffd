import Foundation
@_spi(Testing) import Postgres
import ReactivateCore
@testable import ReactivatePipeline
import ReactivateTestSupport
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
        try connection.execute("""
            CREATE SCHEMA tidy;
            CREATE VIEW tidy.stores AS SELECT * FROM src.stores;
            CREATE VIEW tidy.members AS SELECT * FROM src.members;
            CREATE VIEW tidy.member_locations AS SELECT * FROM src.member_locations;
            CREATE VIEW tidy.transactions AS SELECT * FROM src.transactions;
            CREATE VIEW tidy.member_channels AS SELECT member_id, channel, \(columns) WHERE member_id % 7 <> 0;
            """)
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
}
