import Foundation
import Postgres
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
        print("reliability: database stopped mid-run \(Self.rounds) times, \(recovered) runs recovered, coupons \(coupons[0] ?? "?"), duplicates 0")
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
        #expect(outputs[3].status == 1)
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
