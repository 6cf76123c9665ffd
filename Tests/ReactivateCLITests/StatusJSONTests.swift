import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// `status --format json`: one record per run with the same keys every time, typed values, ISO 8601
/// instants with an offset, stats as objects and errors in full.
@Suite struct StatusJSONTests {
    /// ISO 8601 with milliseconds and an explicit offset.
    static func isInstant(_ value: Any?) -> Bool {
        (value as? String)?.wholeMatch(of: #/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00/#) != nil
    }
    static let runKeys: Set<String> = [
        "run_id", "campaign", "as_of", "mode", "status", "attempts", "started_at", "finished_at", "duration_ms", "host", "pid",
        "config_sha256", "stats", "stages",
    ]
    static let stageKeys: Set<String> = [
        "stage", "status", "rows_in", "rows_out", "started_at", "finished_at", "duration_ms", "error", "artifact_path",
        "artifact_checksum", "stats",
    ]

    @Test func statusJSONGivesOneTypedRecordPerRunWithStageStatsAndFullErrors() throws {
        let setup = try RunLifecycleTests.prepare(members: 1_000, campaign: "status")
        defer { try? FileManager.default.removeItem(at: setup.folder) }
        let ran = try setup.run(["run", setup.config.path, "--as-of", "2026-11-01", "--stages", "extract,score"])
        try #require(ran.status == 0, "\(ran.stderr)")
        // A failed run as the ledger records one: several lines of error, no finish of the stage.
        let connection = try setup.database.connect()
        let error = "score: the fit did not converge\n  detail: a=819252\n  fix: set model.min_p_alive = 0"
        try connection.query(
            """
            WITH r AS (INSERT INTO reactivation.runs (campaign, as_of, mode, status, started_at, finished_at, host, pid)
                       VALUES ('status', '2026-10-25', 'live', 'failed', now() - interval '1 hour', now() - interval '59 minutes', 'cron-host', 4242)
                       RETURNING run_id)
            INSERT INTO reactivation.stage_runs (run_id, stage, status, started_at, finished_at, error)
            SELECT run_id, 'score', 'failed', now() - interval '1 hour', NULL, $1 FROM r
            """, [error])

        let output = try setup.run(["status", "--campaign", "status", "--format", "json"])
        try #require(output.status == 0, "\(output.stderr)")
        let runs = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [[String: Any]])
        try #require(runs.count == 2)
        for run in runs {
            #expect(Set(run.keys) == Self.runKeys, "run keys: \(run.keys.sorted())")
            for stage in run["stages"] as? [[String: Any]] ?? [] {
                #expect(Set(stage.keys) == Self.stageKeys, "stage keys: \(stage.keys.sorted())")
            }
        }
        let live = try #require(runs.first { $0["as_of"] as? String == "2026-11-01" })
        #expect(live["run_id"] is Int && live["attempts"] as? Int == 1 && live["pid"] is Int && live["duration_ms"] is Int)
        #expect(live["campaign"] as? String == "status" && live["mode"] as? String == "live" && live["status"] as? String == "succeeded")
        #expect(live["host"] as? String == ProcessInfo.processInfo.hostName)
        #expect((live["config_sha256"] as? String)?.wholeMatch(of: #/[0-9a-f]{64}/#) != nil)
        for key in ["started_at", "finished_at"] {
            #expect(Self.isInstant(live[key]), "\(key): \(live[key] ?? "nil")")
        }
        #expect(live["stats"] is [String: Any])
        let stages = try #require(live["stages"] as? [[String: Any]])
        #expect(stages.map { $0["stage"] as? String } == ["extract", "score"])
        for stage in stages {
            #expect(stage["status"] as? String == "succeeded")
            #expect((stage["rows_in"] as? Int ?? 0) > 0 && (stage["rows_out"] as? Int ?? 0) > 0 && stage["duration_ms"] is Int)
            #expect(Self.isInstant(stage["started_at"]) && Self.isInstant(stage["finished_at"]))
            #expect(stage["error"] is NSNull)
        }
        let scoreStats = try #require(stages[1]["stats"] as? [String: Any], "stage stats must be a JSON object")
        #expect(!scoreStats.isEmpty)

        let failed = try #require(runs.first { $0["as_of"] as? String == "2026-10-25" })
        #expect(failed["status"] as? String == "failed" && failed["host"] as? String == "cron-host" && failed["pid"] as? Int == 4242)
        #expect(failed["config_sha256"] is NSNull && (failed["duration_ms"] as? Int).map { abs($0 - 60_000) < 5_000 } == true)
        let failedStage = try #require((failed["stages"] as? [[String: Any]])?.first)
        #expect(failedStage["error"] as? String == error)
        #expect(failedStage["finished_at"] is NSNull && failedStage["rows_in"] is NSNull)
        #expect(runs.first?["as_of"] as? String == "2026-11-01", "most recent run first")
    }
}
