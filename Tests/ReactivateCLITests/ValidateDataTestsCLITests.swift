import Foundation
import Postgres
import ReactivateTestSupport
import Testing

/// `reactivate validate` runs the data tests on the mapped source: a broken mapping exits 2 naming the
/// view, column, example values and fix; a clean one exits 0.
@Suite struct ValidateDataTestsCLITests {
    static func generated() throws -> (TestDatabase, String, URL) {
        let database = try TestDatabase()
        let url = database.connectionString.conninfo
        #expect(try CommandLine.run(["migrate", "--database-url", url]).status == 0)
        let generate = try CommandLine.run(
            ["generate", "--members", "800", "--stores", "20", "--seed", "3", "--as-of", "2026-11-01", "--database-url", url])
        #expect(generate.status == 0, "\(generate.stderr)")
        let folder = try TestDatabase.temporaryFolder()
        let config = folder.appendingPathComponent("crm.toml")
        try "campaign = \"crm\"\n[source]\nschema = \"crm_src\"\n".write(to: config, atomically: true, encoding: .utf8)
        return (database, url, config)
    }

    @Test func upperCaseChannelsThroughAViewExitTwoWithViewColumnExamplesAndFix() throws {
        let (database, url, config) = try Self.generated()
        let connection = try database.connect()
        try connection.execute("""
            CREATE SCHEMA crm_src;
            CREATE VIEW crm_src.stores AS SELECT * FROM src.stores;
            CREATE VIEW crm_src.members AS SELECT * FROM src.members;
            CREATE VIEW crm_src.member_locations AS SELECT * FROM src.member_locations;
            CREATE VIEW crm_src.member_channels AS
              SELECT member_id, upper(channel) AS channel, verified_at, last_delivered_at, last_failed_at FROM src.member_channels;
            CREATE VIEW crm_src.transactions AS SELECT * FROM src.transactions;
            """)
        let output = try CommandLine.run(["validate", config.path, "--as-of", "2026-11-01", "--database-url", url])
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("crm_src.member_channels.channel"))
        #expect(output.stderr.contains("'SMS' ("))
        #expect(output.stderr.contains("lower(channel) AS channel"))
        try connection.execute("""
            CREATE OR REPLACE VIEW crm_src.member_channels AS
              SELECT member_id, lower(upper(channel)) AS channel, verified_at, last_delivered_at, last_failed_at FROM src.member_channels
            """)
        let fixed = try CommandLine.run(["validate", config.path, "--as-of", "2026-11-01", "--database-url", url])
        #expect(fixed.status == 0, "\(fixed.stdout)\(fixed.stderr)")
        #expect(fixed.stdout.contains(", 0 error(s)"))
        let late = try CommandLine.run(["validate", config.path, "--as-of", "2026-12-01", "--database-url", url])
        #expect(late.status == 2)
        #expect(late.stderr.contains("the feed is late; re-run when it has caught up"))
    }
}
