import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// What cron and people see when connecting goes wrong: a malformed connection string is a usage
/// error (exit 2) saying what is wrong; refused credentials say so and never suggest starting a server.
@Suite struct ConnectionConventionTests {
    static let serverAdvice = ["is running", "db-start"]

    @Test(arguments: [
        ("postgresql://crm@db:5432/crm?sslmod=require", "sslmod"),
        ("host=db port", "missing \"=\" after \"port\""),
        ("postgresql://crm:p%zzss@db/crm", "percent-encoded"),
        ("host=/tmp port=abc dbname=x", "invalid integer value \"abc\""),
        ("db.example.com:5432/crm", "missing \"=\""),
    ])
    func aMalformedConnectionStringIsAUsageErrorSayingWhatIsWrong(url: String, what: String) throws {
        let output = try CommandLine.run(["migrate", "--database-url", url])
        #expect(output.status == 2, "\(url): \(output.stderr)")
        #expect(output.stderr.contains(what), "\(url): \(output.stderr)")
        #expect(output.stderr.contains("postgresql://user@host:5432/dbname"), "\(output.stderr)")
        for advice in Self.serverAdvice { #expect(!output.stderr.contains(advice), "\(output.stderr)") }
        #expect(!output.stderr.contains("zzss"))
    }

    @Test func aMalformedDatabaseURLInTheEnvironmentIsAUsageErrorToo() throws {
        let output = try CommandLine.run(["status"], environment: ["DATABASE_URL": "postgresql://u:Secret-9@h/db?nonsense=1"])
        #expect(output.status == 2, "\(output.stderr)")
        #expect(output.stderr.contains("nonsense"))
        #expect(!output.stderr.contains("Secret-9"))
    }

    /// A cluster that requires scram-sha-256 for every connection, asked with the wrong password: a
    /// genuine authentication failure from the server (28P01), not a missing role or socket.
    @Test func aWrongPasswordSaysAuthenticationFailedAndNeverSuggestsStartingTheServer() throws {
        let cluster = try TestCluster(password: "Right-Horse-Battery-1")
        let wrong = cluster.connectionString.conninfo.replacingOccurrences(of: "Right-Horse-Battery-1", with: "Wrong-Staple-2")
        let output = try CommandLine.run(["migrate", "--database-url", wrong])
        #expect(output.status == 1)
        #expect(output.stderr.contains("password authentication failed"))
        #expect(output.stderr.contains("the server refused the credentials"))
        for advice in Self.serverAdvice { #expect(!output.stderr.contains(advice), "\(output.stderr)") }
        #expect(!output.stderr.contains("Wrong-Staple-2"))
        let none = try CommandLine.run(["migrate", "--database-url", cluster.connectionString.conninfo.replacingOccurrences(of: "Right-Horse-Battery-1", with: "")])
        #expect(none.status == 1)
        #expect(none.stderr.contains("the server refused the credentials"), "\(none.stderr)")
    }

    @Test func anUnknownRoleIsAnAuthenticationFailureAndAMissingDatabaseIsNamed() throws {
        let database = try TestDatabase()
        let base = database.connectionString.conninfo
        let role = try CommandLine.run(["migrate", "--database-url", base + " user=nobody_here"])
        #expect(role.status == 1)
        #expect(role.stderr.contains("role \"nobody_here\" does not exist"))
        #expect(role.stderr.contains("the server refused the credentials"))
        for advice in Self.serverAdvice { #expect(!role.stderr.contains(advice)) }
        let missing = try CommandLine.run(["migrate", "--database-url", base + " dbname=no_such_db_here"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("has no such database"), "\(missing.stderr)")
    }

    @Test func anUnreachableServerStillGetsTheServerAdvice() throws {
        let output = try CommandLine.run(["migrate", "--database-url", "host=/nonexistent-socket-dir dbname=x"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("check that the server is running"))
    }

    @Test func statusShowsAMultiLineStageErrorInFull() throws {
        let database = try TestDatabase()
        let url = database.connectionString.conninfo
        #expect(try CommandLine.run(["migrate", "--database-url", url]).status == 0)
        let connection = try database.connect()
        let runId = try connection.query(
            "INSERT INTO reactivation.runs (campaign, as_of, mode, status) VALUES ('c', '2026-11-01', 'live', 'failed') RETURNING run_id"
        ).scalar ?? ""
        try connection.query(
            "INSERT INTO reactivation.stage_runs (run_id, stage, status, error) VALUES ($1::bigint, 'extract', 'failed', $2)",
            [runId, "first line of the error\n  detail: the second line\n  fix: the third line"])
        let output = try CommandLine.run(["status", "--database-url", url])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("error: first line of the error"))
        #expect(output.stdout.contains("detail: the second line"))
        #expect(output.stdout.contains("fix: the third line"))
    }
}
