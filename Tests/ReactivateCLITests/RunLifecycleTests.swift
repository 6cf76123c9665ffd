import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// Runs as cron and people see them: locks, resume after a kill, signals, JSON logs, status, backfill.
@Suite(.serialized) struct RunLifecycleTests {
    static let asOf = "2026-11-01"

    struct Setup {
        let database: TestDatabase
        let folder: URL
        let config: URL
        var url: String { database.connectionString.conninfo }

        func run(_ arguments: [String]) throws -> CommandLine.Output {
            try CommandLine.run(arguments + ["--database-url", url])
        }
    }

    static func prepare(members: Int = 3_000, campaign: String = "life", extraConfig: String = "") throws -> Setup {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        let config = folder.appendingPathComponent("\(campaign).toml")
        try """
            campaign = "\(campaign)"
            \(extraConfig)
            [output]
            artifact_dir = "\(folder.appendingPathComponent("artifacts").path)"
            """.write(to: config, atomically: true, encoding: .utf8)
        let setup = Setup(database: database, folder: folder, config: config)
        for arguments in [["migrate"], ["generate", "--members", String(members), "--stores", "25", "--seed", "9", "--as-of", asOf]] {
            let output = try setup.run(arguments)
            try #require(output.status == 0, "\(arguments[0]): \(output.stderr)")
        }
        return setup
    }

    static func digest(_ connection: Connection, campaign: String) throws -> String {
        try connection.query("""
            SELECT md5(coalesce((SELECT string_agg(concat_ws(',', member_id, days_since_last, frequency, p_alive, expected_txns, reachability, segment), ';' ORDER BY member_id)
                                 FROM reactivation.member_scores s JOIN reactivation.runs r USING (run_id) WHERE r.campaign = $1 AND r.mode = 'live'), '')
                || coalesce((SELECT string_agg(concat_ws(',', member_id, store_id, distance_m, score, arm), ';' ORDER BY member_id)
                             FROM reactivation.targets WHERE campaign = $1), ''))
            """, [campaign]).scalar ?? ""
    }

    @Test func aSecondRunOfTheCampaignExitsSeventyFiveNamingTheHolder() throws {
        let setup = try Self.prepare(members: 500)
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let holder = try setup.database.connect()
        let key = try holder.query("SELECT hashtextextended('reactivate:campaign:' || 'life', 0)").scalar ?? "0"
        #expect(try holder.query("SELECT pg_try_advisory_lock($1::bigint)", [key]).scalar == "t")
        try holder.query(
            "INSERT INTO reactivation.runs (campaign, as_of, mode, status, host, pid) VALUES ('life', '2026-10-31', 'live', 'running', 'cron-host', 4242)")
        let output = try setup.run(["run", setup.config.path, "--as-of", Self.asOf])
        #expect(output.status == 75)
        #expect(output.stderr.contains("cron-host") && output.stderr.contains("4242"))
    }

    @Test func aRunKilledMidStageResumesToTheUninterruptedResult() throws {
        let setup = try Self.prepare(members: 8_000)
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let connection = try setup.database.connect()
        let stages = ["run", setup.config.path, "--as-of", Self.asOf, "--issue-at", "2026-11-01T10:00:00+08:00"]
        #expect(try setup.run(stages).status == 0)
        let expected = try Self.digest(connection, campaign: "life")
        let coupons = try connection.query("SELECT string_agg(member_id || ':' || code, ',' ORDER BY member_id) FROM reactivation.coupons").scalar
        for delay in [0.1, 0.25, 0.4, 0.6, 0.8, 1.0] {
            let process = Process()
            process.executableURL = CommandLine.binary
            process.arguments = stages + ["--force", "--database-url", setup.url, "--log-level", "error"]
            process.standardError = FileHandle.nullDevice
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: delay)
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            var resumed = try setup.run(stages)
            for _ in 0..<50 where resumed.status == 75 {
                Thread.sleep(forTimeInterval: 0.2)
                resumed = try setup.run(stages)
            }
            #expect(resumed.status == 0, "resume failed: \(resumed.stderr)")
            #expect(try Self.digest(connection, campaign: "life") == expected)
            // Coupons were issued once, by the first run: a killed rerun neither adds nor changes any.
            #expect(try connection.query("SELECT string_agg(member_id || ':' || code, ',' ORDER BY member_id) FROM reactivation.coupons").scalar == coupons)
            #expect(try connection.query("SELECT count(*) FROM reactivation.runs WHERE campaign = 'life' AND status <> 'succeeded'").scalar == "0")
        }
    }

    @Test func aFailedStageLeavesNoPartialRowsAndTheLedgerSaysWhy() throws {
        let setup = try Self.prepare(members: 3_000)
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let connection = try setup.database.connect()
        // A constraint that rejects some members' rows makes the COPY fail part-way through the stage.
        try connection.execute("ALTER TABLE reactivation.member_scores ADD CONSTRAINT reject_one CHECK (member_id % 50 <> 49)")
        let output = try setup.run(["run", setup.config.path, "--as-of", Self.asOf, "--stages", "extract,score"])
        #expect(output.status == 1)
        #expect(output.stderr.contains("score"))
        #expect(try connection.query("SELECT count(*) FROM reactivation.member_scores").scalar == "0")
        let stage = try connection.query("SELECT status, error FROM reactivation.stage_runs WHERE stage = 'score'").rows.first
        #expect(stage?[0] == "failed")
        #expect(stage?[1]?.contains("reject_one") == true)
        #expect(try connection.query("SELECT status FROM reactivation.runs").scalar == "failed")
    }

    @Test func sigtermInterruptsWithinSecondsAndRecordsTheStageAsInterrupted() throws {
        let setup = try Self.prepare(members: 3_000, campaign: "slow", extraConfig: "[source]\nschema = \"slow\"")
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let connection = try setup.database.connect()
        // The same data behind views, one of which sleeps per row: extract takes far longer than the test waits.
        try connection.createSlowSourceViews(sleepSeconds: 0.001)
        let process = Process()
        process.executableURL = CommandLine.binary
        process.arguments = ["run", setup.config.path, "--as-of", Self.asOf, "--database-url", setup.url]
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        Thread.sleep(forTimeInterval: 1.5)
        let sent = Date()
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        let elapsed = Date().timeIntervalSince(sent)
        _ = stderr.fileHandleForReading.readDataToEndOfFile()
        #expect(process.terminationStatus == 1)
        #expect(elapsed < 5, "took \(elapsed) s to stop")
        #expect(try connection.query("SELECT status FROM reactivation.stage_runs WHERE stage = 'extract'").scalar == "interrupted")
        #expect(try connection.query("SELECT status FROM reactivation.runs").scalar == "interrupted")
        #expect(try connection.query("SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY%slow.%' AND pid <> pg_backend_pid()").scalar == "0")
    }

    @Test func jsonLogLinesParseAndCarryTheRunFields() throws {
        let setup = try Self.prepare(members: 1_000)
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let output = try setup.run(["run", setup.config.path, "--as-of", Self.asOf, "--stages", "extract,score", "--log-format", "json"])
        #expect(output.status == 0)
        var finished = 0
        for line in output.stderr.split(separator: "\n") {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], "not JSON: \(line)")
            #expect(object["ts"] != nil && object["level"] != nil)
            if object["msg"] as? String == "stage finished" {
                finished += 1
                #expect(object["run.id"] != nil && object["campaign"] as? String == "life")
                #expect(object["as_of"] as? String == Self.asOf && object["stage"] != nil)
                #expect(object["duration_ms"] is Int && object["rows.out"] is Int && object["run.id"] is Int, "numbers, not strings: \(line)")
            }
        }
        #expect(finished == 2)
        #expect(output.stdout.contains("extract") && !output.stdout.contains("\"level\""))
    }

    @Test func backfillOverSeveralDatesEqualsSeparateLiveRunsAndStatusShowsThem() throws {
        let setup = try Self.prepare(members: 4_000)
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let connection = try setup.database.connect()
        let dates = ["2026-09-01", "2026-09-15", "2026-09-29"]
        let backfill = try setup.run(["backfill", setup.config.path, "--from", dates[0], "--to", dates[2], "--every", "14d", "--jobs", "2"])
        #expect(backfill.status == 0, "\(backfill.stderr)")
        let again = try setup.run(["backfill", setup.config.path, "--from", dates[0], "--to", dates[2], "--every", "14d"])
        #expect(again.stdout.contains("0 date(s) run, 3 already done"))
        for date in dates {
            #expect(try setup.run(["run", setup.config.path, "--as-of", date, "--stages", "extract,score,target", "--dry-run"]).status == 0)
            let compare = try connection.query("""
                WITH b AS (SELECT s.* FROM reactivation.member_scores s JOIN reactivation.runs r USING (run_id)
                           WHERE r.as_of = $1::date AND r.mode = 'backfill'),
                     l AS (SELECT s.* FROM reactivation.member_scores s JOIN reactivation.runs r USING (run_id)
                           WHERE r.as_of = $1::date AND r.mode = 'dry_run')
                SELECT (SELECT count(*) FROM b), (SELECT count(*) FROM l),
                       (SELECT count(*) FROM (SELECT member_id, days_since_last, frequency, p_alive, expected_txns, reachability, segment FROM b
                                              EXCEPT SELECT member_id, days_since_last, frequency, p_alive, expected_txns, reachability, segment FROM l) d)
                """, [date]).rows.first ?? []
            #expect(compare[0] == compare[1] && compare[2] == "0" && compare[0] != "0", "scores differ on \(date): \(compare)")
            let funnels = try connection.query("""
                SELECT s.stats -> 'funnel' FROM reactivation.stage_runs s JOIN reactivation.runs r USING (run_id)
                WHERE r.as_of = $1::date AND s.stage = 'target' ORDER BY r.mode
                """, [date]).rows.map { $0[0] }
            #expect(funnels.count == 2 && funnels[0] == funnels[1], "funnels differ on \(date)")
        }
        let status = try setup.run(["status", "--campaign", "life", "--format", "json"])
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]])
        #expect(runs.filter { $0["mode"] as? String == "backfill" }.count == 3)
        let table = try setup.run(["status", "--campaign", "life"])
        #expect(table.stdout.contains("backfill") && table.stdout.contains("extract"))
    }
}
