import Foundation
import Postgres

/// Which stages exist, in the order they run.
public enum StageName: String, CaseIterable, Sendable, Codable {
    case extract, score, target, issue, attribute
}

/// How a run treats the outside world: `live` issues coupons, `dry_run` computes everything and writes
/// no coupon, `backfill` replays a past date without issuing.
public enum RunMode: String, Sendable, Codable, CaseIterable {
    case live
    case dryRun = "dry_run"
    case backfill
}

/// The `reactivation.runs` / `stage_runs` bookkeeping: what ran, when, with what result.
///
/// A run is the pair (campaign, as-of date) in one mode. Running it again reuses the row, so the
/// ledger says how many attempts it took and each stage row shows its latest attempt.
public struct RunLedger {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// The advisory-lock key for a campaign, computed by the server so every client agrees.
    public func lockKey(campaign: String) throws -> Int64 {
        let value = try connection.query("SELECT hashtextextended('reactivate:campaign:' || $1, 0)", [campaign]).scalar
        return Int64(value ?? "") ?? 0
    }

    /// Takes the campaign lock or throws `.locked` naming who holds it.
    public func lockCampaign(_ campaign: String, scope: String? = nil) throws {
        let key = try lockKey(campaign: scope ?? campaign)
        guard try connection.tryAdvisoryLock(key) else {
            let holder = try connection.query(
                """
                SELECT run_id, as_of, mode, host, pid, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS TZ')
                FROM reactivation.runs WHERE campaign = $1 AND status = 'running'
                ORDER BY started_at DESC LIMIT 1
                """, [campaign])
            let who = holder.rows.first.map { row in
                "run \(row[0] ?? "?") (as of \(row[1] ?? "?"), \(row[2] ?? "?")) on host \(row[3] ?? "?") pid \(row[4] ?? "?") since \(row[5] ?? "?")"
            } ?? "a session that has not recorded its run yet"
            throw PipelineError(
                .locked, "campaign '\(campaign)' is locked by \(who)",
                fix: "wait for it to finish and retry (cron can simply retry on exit code 75)")
        }
    }

    public func unlockCampaign(_ campaign: String) throws {
        try connection.advisoryUnlock(try lockKey(campaign: campaign))
    }

    /// Creates the run or reopens it for another attempt; returns its id.
    public func beginRun(campaign: String, asOf: String, mode: RunMode, configText: String) throws -> Int64 {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(getpid())
        let result = try connection.query(
            """
            INSERT INTO reactivation.runs AS r (campaign, as_of, mode, status, host, pid, config_sha256)
            VALUES ($1, $2::date, $3, 'running', $4, $5, encode(sha256(convert_to($6, 'UTF8')), 'hex'))
            ON CONFLICT (campaign, as_of, mode) DO UPDATE
               SET status = 'running', started_at = now(), finished_at = NULL, host = EXCLUDED.host,
                   pid = EXCLUDED.pid, config_sha256 = EXCLUDED.config_sha256, attempts = r.attempts + 1
            RETURNING run_id
            """, [campaign, asOf, mode.rawValue, host, pid, configText], operation: "record run start")
        guard let id = result.scalar.flatMap({ Int64($0) }) else {
            throw PipelineError(.runtime, "the run ledger returned no run id")
        }
        return id
    }

    public func finishRun(_ runId: Int64, status: String) throws {
        try connection.query(
            "UPDATE reactivation.runs SET status = $2, finished_at = now() WHERE run_id = $1", [runId, status],
            operation: "record run end")
    }

    /// Merges `stats` (a JSON object) into the run's stats.
    public func addRunStats(_ runId: Int64, json: String) throws {
        try connection.query(
            "UPDATE reactivation.runs SET stats = stats || $2::jsonb WHERE run_id = $1", [runId, json],
            operation: "record run stats")
    }

    public struct StageRecord: Sendable {
        public var status: String
        public var artifactPath: String?
        public var artifactChecksum: String?
    }

    public func stageRecord(_ runId: Int64, _ stage: StageName) throws -> StageRecord? {
        let result = try connection.query(
            "SELECT status, artifact_path, artifact_checksum FROM reactivation.stage_runs WHERE run_id = $1 AND stage = $2",
            [runId, stage.rawValue])
        return result.rows.first.map { StageRecord(status: $0[0] ?? "", artifactPath: $0[1], artifactChecksum: $0[2]) }
    }

    public func startStage(_ runId: Int64, _ stage: StageName) throws {
        try connection.query(
            """
            INSERT INTO reactivation.stage_runs (run_id, stage, status) VALUES ($1, $2, 'running')
            ON CONFLICT (run_id, stage) DO UPDATE
               SET status = 'running', started_at = now(), finished_at = NULL, error = NULL,
                   rows_in = NULL, rows_out = NULL
            """, [runId, stage.rawValue], operation: "record stage start")
    }

    public func finishStage(
        _ runId: Int64, _ stage: StageName, status: String, rowsIn: Int?, rowsOut: Int?, error: String? = nil,
        artifactPath: String? = nil, artifactChecksum: String? = nil, statsJSON: String = "{}"
    ) throws {
        try connection.query(
            """
            UPDATE reactivation.stage_runs
               SET status = $3, finished_at = now(), rows_in = $4, rows_out = $5, error = $6,
                   artifact_path = coalesce($7, artifact_path), artifact_checksum = coalesce($8, artifact_checksum),
                   stats = $9::jsonb
             WHERE run_id = $1 AND stage = $2
            """,
            [runId, stage.rawValue, status, rowsIn.map(Int64.init), rowsOut.map(Int64.init), error, artifactPath,
             artifactChecksum, statsJSON],
            operation: "record stage end")
    }
}
