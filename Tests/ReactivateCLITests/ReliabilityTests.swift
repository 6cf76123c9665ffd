import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// Faults the project promises to survive, on real PostgreSQL servers: the database going away mid-stage,
/// unwritable artifact folders, hostile config values, passwords that must never leak.
@Suite(.serialized) struct ReliabilityTests {
    static let asOf = "2026-11-01"
    /// `make reliability` raises this for a longer soak.
    static let rounds = Int(ProcessInfo.processInfo.environment["REACTIVATE_SOAK_ROUNDS"] ?? "") ?? 2

    static func writeConfig(_ folder: URL, campaign: String, schema: String = "src") throws -> URL {
        let config = folder.appendingPathComponent("\(campaign).toml")
        try """
            campaign = "\(campaign)"
            [source]
            schema = "\(schema)"
            [output]
            artifact_dir = "\(folder.appendingPathComponent("artifacts").path)"
            """.write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    @Test func databaseGoingAwayMidStageFailsClearlyAndTheSameCommandResumesToTheSameResult() throws {
        let cluster = try TestCluster()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = cluster.connectionString.conninfo
        for arguments in [["migrate"], ["generate", "--members", "3000", "--stores", "20", "--seed", "4", "--as-of", Self.asOf]] {
            let output = try CommandLine.run(arguments + ["--database-url", url])
            try #require(output.status == 0, "\(output.stderr)")
        }
        let connection = try Connection(cluster.connectionString)
        // Slow views make each stage long enough to pull the plug under it.
        try connection.createSlowSourceViews(sleepSeconds: 0.00005)
        connection.close()
        let config = try Self.writeConfig(folder, campaign: "outage", schema: "slow")
        let run = ["run", config.path, "--as-of", Self.asOf, "--stages", "extract,score,target,issue", "--issue-at", "2026-11-01T10:00:00+08:00", "--database-url", url]
        var recovered = 0
        for round in 0..<Self.rounds {
            if round > 0 {
                let reset = try Connection(cluster.connectionString)
                try reset.execute("UPDATE reactivation.stage_runs SET status = 'failed'")
            }
            let process = Process()
            process.executableURL = CommandLine.binary
            process.arguments = run + ["--log-format", "text"]
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: 0.5 + 0.3 * Double(round % 4))
            try cluster.stopImmediately()
            process.waitUntilExit()
            let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            if process.terminationStatus == 0 { try cluster.start(); continue }  // finished before the outage
            #expect(process.terminationStatus == 1)
            #expect(message.contains("stage ") && message.contains("fix:"), "unclear error: \(message)")
            #expect(!message.contains("Fatal error") && !message.contains("Stack dump"))
            try cluster.start()
            let resumed = try CommandLine.run(run)
            #expect(resumed.status == 0, "resume failed: \(resumed.stderr)")
            recovered += 1
        }
        // Resumed results equal an uninterrupted run over the same data.
        let check = try Connection(cluster.connectionString)
        let resumedDigest = try Self.resultDigest(check)
        let forced = try CommandLine.run(["run", config.path, "--as-of", Self.asOf, "--stages", "extract,score,target", "--force", "--database-url", url])
        #expect(forced.status == 0)
        #expect(try Self.resultDigest(check) == resumedDigest)
        let coupons = try check.query("""
            SELECT count(*), count(DISTINCT member_id),
                   (SELECT count(*) FROM reactivation.targets WHERE campaign = 'outage' AND arm = 'treatment')
            FROM reactivation.coupons WHERE campaign = 'outage'
            """).rows.first ?? []
        #expect(coupons[0] == coupons[1] && coupons[0] == coupons[2], "coupons \(coupons)")
        print("reliability|database stopped mid-run (extract…issue)|\(Self.rounds)|\(recovered)|\(coupons[0] ?? "?")|0|0")
    }

    /// How each stage is slowed down so the server can be stopped while that stage is writing or reading.
    /// Attribute comes before issue: re-issuing replaces the coupon codes, which changes a complete
    /// wave's redemptions, and a complete wave's final numbers are never rewritten.
    static let slowdowns: [(stage: String, sql: String)] = [
        ("score", """
            CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.002); RETURN NEW; END $$;
            CREATE TRIGGER slow BEFORE INSERT ON reactivation.member_scores FOR EACH ROW EXECUTE FUNCTION slow_row();
            """),
        ("attribute", """
            CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.02); RETURN NEW; END $$;
            CREATE TRIGGER slow BEFORE INSERT ON reactivation.attribution FOR EACH ROW EXECUTE FUNCTION slow_row();
            CREATE TRIGGER slow BEFORE INSERT ON reactivation.attribution_daily FOR EACH ROW EXECUTE FUNCTION slow_row();
            """),
        ("issue", """
            CREATE FUNCTION slow_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(0.003); RETURN NEW; END $$;
            CREATE TRIGGER slow BEFORE INSERT ON reactivation.coupons FOR EACH ROW EXECUTE FUNCTION slow_row();
            """),
    ]

    @Test func databaseStoppedDuringScoreIssueOrAttributeLeavesNothingHalfWrittenAndResumes() throws {
        let cluster = try TestCluster()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = cluster.connectionString.conninfo
        for arguments in [["migrate"], ["generate", "--members", "4000", "--stores", "20", "--seed", "8", "--as-of", Self.asOf]] {
            let output = try CommandLine.run(arguments + ["--database-url", url])
            try #require(output.status == 0, "\(output.stderr)")
        }
        let config = try Self.writeConfig(folder, campaign: "stages")
        let issueAt = ["--issue-at", "2026-11-01T10:00:00+08:00"]
        func run(_ stage: String, asOf: String = Self.asOf, force: Bool = false) throws -> CommandLine.Output {
            var arguments = ["run", config.path, "--as-of", asOf, "--stages", stage, "--database-url", url] + issueAt
            if force { arguments.append("--force") }
            return try CommandLine.run(arguments)
        }
        try #require(try run("extract,score,target,issue").status == 0)
        let simulate = try CommandLine.run(["generate", "--simulate-campaign", "stages", "--wave", Self.asOf, "--database-url", url])
        try #require(simulate.status == 0, "\(simulate.stderr)")
        try #require(try run("attribute", asOf: "2026-12-02").status == 0)
        let before = try Self.stageDigests(try Connection(cluster.connectionString))
        for (stage, slowdown) in Self.slowdowns {
            let connection = try Connection(cluster.connectionString)
            try connection.execute(slowdown)
            if stage == "issue" {
                try connection.execute("DELETE FROM reactivation.coupon_outbox; DELETE FROM reactivation.coupons; DELETE FROM reactivation.coupon_skips; DELETE FROM reactivation.waves;")
            }
            connection.close()
            let process = Process()
            process.executableURL = CommandLine.binary
            let asOf = stage == "attribute" ? "2026-12-02" : Self.asOf
            process.arguments = ["run", config.path, "--as-of", asOf, "--stages", stage, "--force", "--database-url", url, "--log-format", "text"] + issueAt
            let stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            Thread.sleep(forTimeInterval: 0.8)
            try cluster.stopImmediately()
            process.waitUntilExit()
            let message = String(decoding: stderr.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            #expect(process.terminationStatus == 1, "\(stage) did not fail when the server went away: \(message)")
            #expect(message.contains("stage \(stage) failed") && message.contains("fix:"), "\(stage): \(message)")
            try cluster.start()
            let check = try Connection(cluster.connectionString)
            // Nothing half-written: the stage's rows are the old ones or none (issue), never a partial set.
            let after = try Self.stageDigests(check)
            if stage == "issue" {
                #expect(try check.query("SELECT count(*) FROM reactivation.coupons").scalar == "0")
                #expect(try check.query("SELECT count(*) FROM reactivation.coupon_outbox").scalar == "0")
            } else {
                #expect(after[stage] == before[stage], "\(stage) rows changed after a failed attempt")
            }
            try check.execute("DROP TRIGGER IF EXISTS slow ON reactivation.member_scores; DROP TRIGGER IF EXISTS slow ON reactivation.coupons; DROP TRIGGER IF EXISTS slow ON reactivation.attribution; DROP TRIGGER IF EXISTS slow ON reactivation.attribution_daily; DROP FUNCTION slow_row();")
            check.close()
            // The same command again completes, with the same results as before the outage.
            let resumed = try run(stage, asOf: asOf)
            #expect(resumed.status == 0, "\(stage) resume failed: \(resumed.stderr)")
            let final = try Self.stageDigests(try Connection(cluster.connectionString))
            #expect(final[stage] == before[stage], "\(stage) results differ after resuming")
        }
        print("reliability|database stopped during score, issue, attribute|\(Self.slowdowns.count)|\(Self.slowdowns.count)|all|0|0")
    }

    /// Score's member_scores commit on their own while target computes (``BackgroundWrite``). When that
    /// write fails at its very end — after target had all the time to run beside it — the run fails
    /// naming score, neither score nor target counts as done, issue never starts, and the same command
    /// later completes the run.
    @Test func memberScoresFailingWhileTargetRunsStopsTheRunBeforeIssueAndTheSameCommandResumes() throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = database.connectionString.conninfo
        for arguments in [["migrate"], ["generate", "--members", "3000", "--stores", "20", "--seed", "6", "--as-of", Self.asOf]] {
            let output = try CommandLine.run(arguments + ["--database-url", url])
            try #require(output.status == 0, "\(output.stderr)")
        }
        let config = try Self.writeConfig(folder, campaign: "scores-fail")
        let connection = try database.connect()
        try connection.execute("""
            CREATE FUNCTION refuse_scores() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN PERFORM pg_sleep(0.5); RAISE EXCEPTION 'member_scores refused by the test'; END $$;
            CREATE TRIGGER refuse AFTER INSERT ON reactivation.member_scores FOR EACH STATEMENT EXECUTE FUNCTION refuse_scores();
            """)
        let run = ["run", config.path, "--as-of", Self.asOf, "--issue-at", "2026-11-01T10:00:00+08:00", "--database-url", url]
        let failed = try CommandLine.run(run + ["--stages", "extract,score,target,issue"])
        #expect(failed.status == 1)
        #expect(failed.stderr.contains("stage score failed") && failed.stderr.contains("member_scores refused by the test"), "\(failed.stderr)")
        let stages = try connection.query("SELECT stage, status FROM reactivation.stage_runs ORDER BY stage").rows
        let status = Dictionary(uniqueKeysWithValues: stages.map { ($0[0] ?? "", $0[1] ?? "") })
        #expect(status["extract"] == "succeeded")
        #expect(status["score"] == "failed")
        // Target ran beside the write and finished, but is not counted as done on top of a failed score.
        #expect(status["target"] == "failed", "\(stages)")
        #expect(status["issue"] == nil, "issue started before score's write committed: \(stages)")
        #expect(try connection.query("SELECT count(*) FROM reactivation.coupons").scalar == "0")
        #expect(try connection.query("SELECT count(*) FROM reactivation.member_scores").scalar == "0")

        try connection.execute("DROP TRIGGER refuse ON reactivation.member_scores; DROP FUNCTION refuse_scores();")
        let resumed = try CommandLine.run(run + ["--stages", "extract,score,target,issue"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        let done = try connection.query("SELECT count(*) FILTER (WHERE status = 'succeeded'), count(*) FROM reactivation.stage_runs").rows.first ?? []
        #expect(done[0] == "4" && done[1] == "4", "\(done)")
        let counts = try connection.query("""
            SELECT (SELECT count(*) FROM reactivation.member_scores), (SELECT count(*) FROM reactivation.coupons),
                   (SELECT count(*) FROM reactivation.targets WHERE arm = 'treatment')
            """).rows.first ?? []
        #expect(Int(counts[0] ?? "") ?? 0 > 0)
        #expect(counts[1] == counts[2], "coupons \(counts)")
    }

    /// A digest of what each stage wrote, comparable across attempts (run ids and timestamps excluded).
    static func stageDigests(_ connection: Connection) throws -> [String: String] {
        let row = try connection.query("""
            SELECT (SELECT md5(coalesce(string_agg(concat_ws(',', member_id, p_alive, expected_txns, segment), ';' ORDER BY member_id), ''))
                    FROM reactivation.member_scores),
                   (SELECT md5(coalesce(string_agg(concat_ws(',', c.member_id, c.store_id, c.face_value, o.status), ';' ORDER BY c.member_id), ''))
                    FROM reactivation.coupons c JOIN reactivation.coupon_outbox o USING (code)),
                   (SELECT md5(coalesce(string_agg(concat_ws(',', level, key, n_treatment, n_control, incremental_sales, ci_low, ci_high), ';' ORDER BY level, key), ''))
                    FROM reactivation.attribution)
            """).rows.first ?? []
        return ["score": row[0] ?? "", "issue": row[1] ?? "", "attribute": row[2] ?? ""]
    }

    static func resultDigest(_ connection: Connection) throws -> String {
        try connection.query("""
            SELECT md5(coalesce((SELECT string_agg(concat_ws(',', member_id, days_since_last, p_alive, expected_txns, reachability, segment), ';' ORDER BY member_id)
                                 FROM reactivation.member_scores), '')
                || coalesce((SELECT string_agg(concat_ws(',', member_id, store_id, distance_m, score, arm), ';' ORDER BY member_id)
                             FROM reactivation.targets), ''))
            """).scalar ?? ""
    }

    @Test func unwritableArtifactFolderIsAClearErrorAndLeavesNoArtifact() throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = database.connectionString.conninfo
        #expect(try CommandLine.run(["migrate", "--database-url", url]).status == 0)
        #expect(try CommandLine.run(["generate", "--members", "300", "--as-of", Self.asOf, "--database-url", url]).status == 0)
        // A regular file where the artifact folder should be.
        let blocker = folder.appendingPathComponent("artifacts")
        try "not a folder".write(to: blocker, atomically: true, encoding: .utf8)
        let config = try Self.writeConfig(folder, campaign: "nowhere")
        let output = try CommandLine.run(["run", config.path, "--as-of", Self.asOf, "--database-url", url])
        #expect(output.status == 1)
        #expect(output.stderr.contains("artifact") && output.stderr.contains("fix:"))
        #expect(try String(contentsOf: blocker, encoding: .utf8) == "not a folder")
    }

    @Test(arguments: [
        ("schema", "[source]\nschema = \"src; DROP TABLE reactivation.runs; --\""),
        ("schema", "[source]\nschema = \"src\\\" CASCADE; --\""),
        ("campaign", "campaign = \"x'; DROP TABLE reactivation.runs; --\""),
        ("business_timezone", "[source]\nbusiness_timezone = \"Asia/Shanghai'; DROP TABLE reactivation.runs; --\""),
        ("key", "[holdout]\nkey = \"' OR 1=1 --\""),
        ("channels", "[target]\nchannels = [\"sms'); DROP TABLE reactivation.runs; --\"]"),
    ])
    func injectionThroughConfigIsRefusedAndReachesNoSQL(field: String, toml: String) throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = database.connectionString.conninfo
        #expect(try CommandLine.run(["migrate", "--database-url", url]).status == 0)
        let config = folder.appendingPathComponent("hostile.toml")
        let campaignLine = toml.hasPrefix("campaign") ? "" : "campaign = \"hostile\"\n"
        try (campaignLine + toml + "\n").write(to: config, atomically: true, encoding: .utf8)
        let output = try CommandLine.run(["run", config.path, "--as-of", Self.asOf, "--database-url", url])
        #expect(output.status == 2, "\(field): \(output.stderr)")
        #expect(output.stderr.contains(field))
        let connection = try database.connect()
        #expect(try connection.query("SELECT to_regclass('reactivation.runs') IS NOT NULL").scalar == "t")
    }

    @Test func wrongPasswordIsAOneParagraphErrorThatNeverShowsEitherPassword() throws {
        let cluster = try TestCluster(password: "Right-Horse-Battery-1")
        let wrong = cluster.connectionString.conninfo.replacingOccurrences(of: "Right-Horse-Battery-1", with: "Wrong-Staple-2")
        let output = try CommandLine.run(["migrate", "--database-url", wrong])
        #expect(output.status == 1)
        #expect(output.stderr.contains("password authentication failed"))
        #expect(output.stderr.contains("28P01") || output.stderr.contains("fix: check the user name and password") || output.stderr.contains("fix:"))
        #expect(!output.stderr.contains("Wrong-Staple-2") && !output.stderr.contains("Right-Horse-Battery-1"))
        #expect(output.stderr.split(separator: "\n").count <= 4)
        let right = try CommandLine.run(["migrate", "--database-url", cluster.connectionString.conninfo])
        #expect(right.status == 0, "\(right.stderr)")
    }

    @Test func aFullDiskIsAClearErrorAndLeavesNoCorruptArtifact() throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        let small = folder.appendingPathComponent("artifacts")
        try FileManager.default.createDirectory(at: small, withIntermediateDirectories: true)
        // A 64 KiB file system: the extract artifact of 4,000 members does not fit.
        let mounted = (try? TestCluster.shell("/bin/mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", small.path])) != nil
        defer {
            if mounted { _ = try? TestCluster.shell("/bin/umount", [small.path]) }
            try? FileManager.default.removeItem(at: folder)
        }
        try #require(mounted, "this test mounts a tiny tmpfs and needs root (make test runs as root in CI)")
        let url = database.connectionString.conninfo
        #expect(try CommandLine.run(["migrate", "--database-url", url]).status == 0)
        #expect(try CommandLine.run(["generate", "--members", "4000", "--as-of", Self.asOf, "--database-url", url]).status == 0)
        let config = try Self.writeConfig(folder, campaign: "full")
        let output = try CommandLine.run(["run", config.path, "--as-of", Self.asOf, "--database-url", url])
        #expect(output.status == 1)
        #expect(output.stderr.lowercased().contains("space") && output.stderr.contains("fix:"), "\(output.stderr)")
        let left = FileManager.default.enumerator(atPath: small.path)?.compactMap { $0 as? String }.filter { $0.contains(".ract") } ?? []
        #expect(left.isEmpty, "left behind: \(left)")
    }

    @Test(arguments: [
        ("members", "SELECT member_id, joined_at, home_store_id, marketing_consent FROM src.members", "has no column opted_out_at"),
        ("members", "SELECT member_id::text AS member_id, joined_at, home_store_id, marketing_consent, opted_out_at FROM src.members", "member_id is text, expected bigint"),
        ("transactions", "SELECT txn_id, member_id, store_id, occurred_at, amount::float8 AS amount, coupon_code FROM src.transactions", "amount is double precision, expected numeric"),
    ])
    func aMappedViewThatBreaksTheContractIsNamedWithTheFix(relation: String, view: String, expected: String) throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = database.connectionString.conninfo
        #expect(try CommandLine.run(["migrate", "--database-url", url]).status == 0)
        #expect(try CommandLine.run(["generate", "--members", "200", "--as-of", Self.asOf, "--database-url", url]).status == 0)
        let connection = try database.connect()
        try connection.execute("CREATE SCHEMA mapped")
        for other in ["stores", "members", "member_locations", "member_channels", "transactions"] {
            try connection.execute("CREATE VIEW mapped.\(other) AS " + (other == relation ? view : "SELECT * FROM src.\(other)"))
        }
        let config = try Self.writeConfig(folder, campaign: "mapped", schema: "mapped")
        let output = try CommandLine.run(["run", config.path, "--as-of", Self.asOf, "--database-url", url])
        #expect(output.status == 2)
        #expect(output.stderr.contains(expected), "\(output.stderr)")
        #expect(output.stderr.contains("fix:") && !output.stderr.contains("Fatal error"))
        let validate = try CommandLine.run(["validate", config.path, "--database-url", url])
        #expect(validate.status == 2 && validate.stderr.contains(expected))
    }

    @Test func anUnmigratedDatabaseSaysToRunMigrate() throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let config = try Self.writeConfig(folder, campaign: "unmigrated")
        let output = try CommandLine.run(["run", config.path, "--as-of", Self.asOf, "--database-url", database.connectionString.conninfo])
        #expect(output.status == 1)
        #expect(output.stderr.contains("reactivate migrate"))
    }

    @Test func passwordsNeverReachLogsErrorsTheLedgerOrReports() throws {
        let database = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let secret = "S3cret-Pa55word-xyz"
        // The local cluster trusts socket connections, so a password is accepted and simply unused.
        let url = database.connectionString.conninfo + " password=\(secret)"
        var outputs: [CommandLine.Output] = []
        outputs.append(try CommandLine.run(["migrate", "--database-url", url, "--log-level", "debug"]))
        outputs.append(try CommandLine.run(["generate", "--members", "500", "--as-of", Self.asOf, "--database-url", url, "--log-level", "debug"]))
        let config = try Self.writeConfig(folder, campaign: "secretive")
        outputs.append(try CommandLine.run(["run", config.path, "--as-of", Self.asOf, "--database-url", url, "--log-level", "debug"]))
        let missing = try Self.writeConfig(folder, campaign: "broken", schema: "nope")
        outputs.append(try CommandLine.run(["run", missing.path, "--as-of", Self.asOf, "--database-url", url]))
        outputs.append(try CommandLine.run(["status", "--database-url", url, "--format", "json"]))
        #expect(outputs[3].status == 2)  // the source schema does not exist: a configuration problem
        for output in outputs {
            #expect(!output.stdout.contains(secret) && !output.stderr.contains(secret))
        }
        let connection = try database.connect()
        let ledger = try connection.query(
            "SELECT coalesce(string_agg(coalesce(error, '') || stats::text, ' '), '') FROM reactivation.stage_runs").scalar ?? ""
        #expect(!ledger.contains(secret))
        #expect(try connection.query("SELECT count(*) FROM reactivation.runs WHERE stats::text LIKE '%' || $1 || '%'", [secret]).scalar == "0")
        // Artifacts and delivery files are readable by their owner only.
        let artifacts = folder.appendingPathComponent("artifacts")
        let files = FileManager.default.enumerator(atPath: artifacts.path)?.compactMap { $0 as? String } ?? []
        for file in files where file.hasSuffix(".ract") || file.hasSuffix(".zst") {
            let mode = try FileManager.default.attributesOfItem(atPath: artifacts.appendingPathComponent(file).path)[.posixPermissions] as? Int
            #expect(mode == 0o600, "\(file) has mode \(String(mode ?? 0, radix: 8))")
        }
    }
}
