import Artifacts
import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// Kills the real binary with SIGKILL at random moments while it issues a wave, then re-runs it:
/// every treated member ends with exactly one coupon, and codes that were committed never change.
@Suite(.serialized) struct IssueExactlyOnceTests {
    static let asOf = "2026-11-01"

    /// A migrated database with generated data, a config, and targets ready for the issue stage.
    static func prepare(members: Int) throws -> (TestDatabase, URL, URL) {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        let url = database.connectionString.conninfo
        let config = folder.appendingPathComponent("wave.toml")
        try """
            campaign = "kill-test"
            [output]
            artifact_dir = "\(folder.appendingPathComponent("artifacts").path)"
            """.write(to: config, atomically: true, encoding: .utf8)
        for arguments in [
            ["migrate"],
            ["generate", "--members", String(members), "--stores", "30", "--seed", "5", "--as-of", asOf],
            ["run", config.path, "--as-of", asOf, "--stages", "extract,score,target"],
        ] {
            let output = try CommandLine.run(arguments + ["--database-url", url])
            try #require(output.status == 0, "\(arguments.first ?? "") failed: \(output.stderr)")
        }
        return (database, folder, config)
    }

    static func codes(_ connection: Connection) throws -> [Int64: String] {
        let rows = try connection.query("SELECT member_id, code FROM reactivation.coupons WHERE campaign = 'kill-test'").rows
        return Dictionary(uniqueKeysWithValues: rows.compactMap { row in
            guard let id = row[0].flatMap({ Int64($0) }), let code = row[1] else { return nil }
            return (id, code)
        })
    }

    @Test func killedIssuingConvergesToExactlyOneCouponPerTreatedMember() throws {
        let (database, folder, config) = try Self.prepare(members: 4_000)
        defer { try? FileManager.default.removeItem(at: folder) }
        let connection = try database.connect()
        let treated = Int(try connection.query(
            "SELECT count(*) FROM reactivation.targets WHERE campaign = 'kill-test' AND arm = 'treatment'").scalar ?? "") ?? 0
        try #require(treated > 50)
        let url = database.connectionString.conninfo
        let issue = ["run", config.path, "--as-of", Self.asOf, "--stages", "issue", "--issue-at", "2026-11-01T10:00:00+08:00", "--database-url", url]
        var committedBeforeRerun = 0
        var killedBeforeCommit = 0
        var generator = SystemRandomNumberGenerator()
        // `make reliability` raises the number of kill points.
        let rounds = 6 * (Int(ProcessInfo.processInfo.environment["REACTIVATE_SOAK_ROUNDS"] ?? "") ?? 2)
        func forgetTheWave() throws {
            try connection.execute("""
                DELETE FROM reactivation.coupon_outbox; DELETE FROM reactivation.coupons;
                DELETE FROM reactivation.coupon_skips; DELETE FROM reactivation.waves;
                UPDATE reactivation.stage_runs SET status = 'failed' WHERE stage = 'issue';
                """)
        }
        // Kill points are fractions of one uninterrupted run, timed here, so they keep covering both
        // phases however fast this machine or the stage is.
        try forgetTheWave()
        let timed = Date()
        #expect(try CommandLine.run(issue).status == 0)
        let fullRun = Date().timeIntervalSince(timed)
        for round in 0..<rounds {
            try forgetTheWave()
            // Spread kill points from the process start to well past a typical run's end (1.6×), so both
            // sides of the commit are hit even when one run is faster or slower than the timed one.
            let delay = fullRun * 1.6 * Double(round % 12) / 11 + Double.random(in: 0..<(fullRun / 40), using: &generator)
            let process = Process()
            process.executableURL = CommandLine.binary
            process.arguments = issue + ["--log-level", "error"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            let before = try Self.codes(connection)
            if before.isEmpty { killedBeforeCommit += 1 } else { committedBeforeRerun += 1 }
            // A killed transaction is either fully there or not at all.
            #expect(before.isEmpty || before.count == treated)
            // The killed session's lock goes when the server notices the dead client: retry on 75 as cron would.
            var rerun = try CommandLine.run(issue)
            for _ in 0..<50 where rerun.status == 75 {
                Thread.sleep(forTimeInterval: 0.2)
                rerun = try CommandLine.run(issue)
            }
            #expect(rerun.status == 0, "rerun failed: \(rerun.stderr)")
            let after = try Self.codes(connection)
            #expect(after.count == treated)
            for (member, code) in before { #expect(after[member] == code, "member \(member) changed its code") }
            let orphans = try connection.query("""
                SELECT (SELECT count(*) FROM reactivation.coupon_outbox o LEFT JOIN reactivation.coupons c USING (code) WHERE c.code IS NULL),
                       (SELECT count(*) FROM reactivation.coupons c LEFT JOIN reactivation.coupon_outbox o USING (code) WHERE o.code IS NULL),
                       (SELECT count(*) FROM reactivation.coupons c LEFT JOIN reactivation.targets t
                            ON t.campaign = c.campaign AND t.as_of = c.as_of AND t.member_id = c.member_id
                         WHERE t.arm IS DISTINCT FROM 'treatment')
                """).rows.first ?? []
            #expect(orphans == ["0", "0", "0"])
        }
        print("reliability|SIGKILL while issuing (\(killedBeforeCommit) before, \(committedBeforeRerun) after commit)|\(rounds)|\(rounds)|\(treated * rounds)|0|0")
        // Both phases must have been hit for the test to mean anything.
        #expect(killedBeforeCommit > 0)
        #expect(committedBeforeRerun > 0)
    }

    @Test func rerunningAWaveIssuesNothingNewAndKeepsTheCodes() throws {
        let (database, folder, config) = try Self.prepare(members: 2_000)
        defer { try? FileManager.default.removeItem(at: folder) }
        let connection = try database.connect()
        let url = database.connectionString.conninfo
        let issue = ["run", config.path, "--as-of", Self.asOf, "--stages", "issue", "--database-url", url]
        #expect(try CommandLine.run(issue).status == 0)
        let first = try Self.codes(connection)
        #expect(try CommandLine.run(issue + ["--force"]).status == 0)
        #expect(try Self.codes(connection) == first)
        let issuedAt = try connection.query("SELECT count(DISTINCT issued_at) FROM reactivation.coupons").scalar
        #expect(issuedAt == "1")
        let file = try #require(try connection.query("SELECT delivery_file FROM reactivation.waves").scalar)
        let attributes = try FileManager.default.attributesOfItem(atPath: file)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
    }

    /// The file is sorted and formatted in the client; PostgreSQL's own `ORDER BY code COLLATE "C"` and
    /// `to_char` say what it must hold: every committed coupon of the wave, including those of an
    /// earlier, interrupted run of it, once each.
    @Test func deliveryFileHoldsEveryCommittedCouponOfTheWaveInCodeOrder() throws {
        let (database, folder, config) = try Self.prepare(members: 2_000)
        defer { try? FileManager.default.removeItem(at: folder) }
        let connection = try database.connect()
        let url = database.connectionString.conninfo
        // A time with a fraction of a second, which the file drops as to_char does.
        let issue = ["run", config.path, "--as-of", Self.asOf, "--stages", "issue", "--issue-at", "2026-11-01T10:00:00.987654+08:00", "--database-url", url]
        let first = try CommandLine.run(issue)
        try #require(first.status == 0, "\(first.stderr)")
        // As if an earlier run had committed only part of the wave: drop half of it and issue again.
        try connection.execute("""
            DELETE FROM reactivation.coupon_outbox WHERE code IN (SELECT code FROM reactivation.coupons WHERE member_id % 2 = 0);
            DELETE FROM reactivation.coupons WHERE member_id % 2 = 0;
            UPDATE reactivation.waves SET status = 'issuing'
            """)
        let second = try CommandLine.run(issue + ["--force"])
        try #require(second.status == 0, "\(second.stderr)")
        let expected = try #require(try connection.query(#"""
            SELECT string_agg(format('{"code":"%s","member_id":%s,"channel":"%s","store_id":%s,"expires_at":"%s"}',
                                     code, member_id, channel, store_id,
                                     to_char(expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')) || E'\n',
                              '' ORDER BY code COLLATE "C"), count(*)
            FROM reactivation.coupons WHERE campaign = 'kill-test'
            """#).rows.first)
        try #require(Int(expected[1] ?? "") ?? 0 > 50)
        let path = try #require(try connection.query("SELECT delivery_file FROM reactivation.waves").scalar)
        let text = String(decoding: try ZstdDecompressor.decompress(Array(try Data(contentsOf: URL(fileURLWithPath: path)))), as: UTF8.self)
        #expect(text == expected[0])
    }
}
