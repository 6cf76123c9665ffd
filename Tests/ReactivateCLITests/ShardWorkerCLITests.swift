import Foundation
@_spi(Testing) import Postgres
import ReactivateTestSupport
import Testing

/// Two `reactivate` processes share one run's shards, as two hosts running cron would.
@Suite struct ShardWorkerCLITests {
    @Test func aRunAndAShardWorkerSplitTheShardsAndGiveTheOneServersScoresAndTargets() throws {
        let single = try TestDatabase()
        let folder = try TestDatabase.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let env = ["DATABASE_URL": single.connectionString.conninfo]
        #expect(try CommandLine.run(["migrate"], environment: env).status == 0)
        let generated = try CommandLine.run(["generate", "--members", "20000", "--seed", "5", "--as-of", "2026-11-01"], environment: env)
        #expect(generated.status == 0, "\(generated.stderr)")
        let rig = try ShardedSource()
        try rig.load(from: single.connectionString)
        let pipeline = folder.appendingPathComponent("two.toml")
        try "campaign = \"two\"\n[output]\nartifact_dir = \"\(folder.path)/artifacts\"\n".write(to: pipeline, atomically: true, encoding: .utf8)
        let runArguments = ["run", pipeline.path, "--as-of", "2026-11-01", "--stages", "extract,score,target", "--issue-at", "2026-11-01T10:00:00+08:00", "--jobs", "1"]
        #expect(try CommandLine.run(runArguments, environment: env).status == 0)

        // The helper starts first and waits for the run to register its shards.
        let coordinatorEnv = ["DATABASE_URL": rig.coordinator.conninfo]
        let helper = Process()
        helper.executableURL = CommandLine.binary
        helper.arguments = ["shard-worker", pipeline.path, "--as-of", "2026-11-01", "--jobs", "1", "--wait", "60"]
        helper.environment = ProcessInfo.processInfo.environment.merging(coordinatorEnv) { $1 }
        let helperOut = Pipe()
        helper.standardOutput = helperOut
        helper.standardError = FileHandle.nullDevice
        try helper.run()
        let run = try CommandLine.run(runArguments, environment: coordinatorEnv)
        let helped = String(decoding: helperOut.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        helper.waitUntilExit()
        #expect(run.status == 0, "\(run.stderr)")
        #expect(helper.terminationStatus == 0)
        #expect(helped.contains("read shards"), "\(helped)")

        let coordinator = try Connection(rig.coordinator)
        let workers = try coordinator.query(
            "SELECT count(DISTINCT claimed_by), count(*) FROM reactivation.shard_work WHERE status = 'done'").first
        #expect(try workers?.decode(0, as: Int.self) == 2, "both processes read shards")
        #expect(try workers?.decode(1, as: Int.self) == 4)
        let scores: SQL = """
            SELECT concat_ws('|', s.member_id, days_since_last, frequency, recency_days, tenure_days, monetary, p_alive, expected_txns,
                             value_score, reachability, best_channel, segment)
            FROM reactivation.member_scores s ORDER BY s.member_id
            """
        let targets: SQL = "SELECT concat_ws('|', member_id, store_id, arm) FROM reactivation.targets ORDER BY member_id"
        let oneServer = try single.connect()
        let expectedTargets = try oneServer.query(targets).rows
        #expect(expectedTargets.count > 100)
        #expect(try coordinator.query(targets).rows == expectedTargets)
        #expect(try coordinator.query(scores).rows == oneServer.query(scores).rows)
    }
}
