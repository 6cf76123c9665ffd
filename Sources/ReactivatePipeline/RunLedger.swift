import Foundation
import Postgres
import ReactivateCore

/// The `reactivation.runs` / `stage_runs` bookkeeping: what ran, when, from what, with what result.
///
/// A run is the pair (campaign, as-of date) in one mode. Running it again reuses the row, so the
/// ledger says how many attempts it took and each stage row shows its latest attempt, the digest of
/// the inputs it was computed from and the token downstream stages were computed against.
public struct RunLedger {
    public let connection: Connection

    public init(connection: Connection) { self.connection = connection }

    /// The advisory-lock key for a campaign, computed by the server so every client agrees.
    public func lockKey(campaign: String) throws -> Int64 {
        try connection.query("SELECT hashtextextended('reactivate:campaign:' || \(campaign), 0)").scalar(Int64.self) ?? 0
    }

    /// Takes the campaign lock or throws `.locked` naming who holds it.
    public func lockCampaign(_ campaign: String, scope: String? = nil) throws {
        let key = try lockKey(campaign: scope ?? campaign)
        guard try connection.tryAdvisoryLock(key) else {
            let holder = try connection.query(
                """
                SELECT run_id, as_of::text, mode, host, pid, to_char(started_at, 'YYYY-MM-DD HH24:MI:SS TZ')
                FROM reactivation.runs WHERE campaign = \(campaign) AND status = 'running'
                ORDER BY started_at DESC LIMIT 1
                """)
            let who = try holder.first.map { row in
                func field(_ column: Int) throws -> String { try row.decodeIfPresent(column, as: String.self) ?? "?" }
                return "run \(try field(0)) (as of \(try field(1)), \(try field(2))) on host \(try field(3)) pid \(try field(4)) since \(try field(5))"
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
    public func beginRun(campaign: String, asOf: CalendarDay, mode: RunMode, configText: String) throws -> Int64 {
        let host = ProcessInfo.processInfo.hostName
        let pid = Int(getpid())
        let id = try connection.query(
            """
            INSERT INTO reactivation.runs AS r (campaign, as_of, mode, status, host, pid, config_sha256)
            VALUES (\(campaign), \(asOf), \(mode), 'running', \(host), \(pid), encode(sha256(convert_to(\(configText), 'UTF8')), 'hex'))
            ON CONFLICT (campaign, as_of, mode) DO UPDATE
               SET status = 'running', started_at = now(), finished_at = NULL, host = EXCLUDED.host,
                   pid = EXCLUDED.pid, config_sha256 = EXCLUDED.config_sha256, attempts = r.attempts + 1
            RETURNING run_id
            """, operation: "record run start").scalar(Int64.self)
        guard let id else { throw PipelineError(.runtime, "the run ledger returned no run id") }
        return id
    }

    /// The as-of dates of the campaign's runs in `mode` that succeeded (`YYYY-MM-DD`).
    public func succeededDates(campaign: String, mode: RunMode) throws -> Set<String> {
        let rows = try connection.query(
            "SELECT as_of::text FROM reactivation.runs WHERE campaign = \(campaign) AND mode = \(mode) AND status = 'succeeded'")
        return Set(try rows.map { try $0.decode(0, as: String.self) })
    }

    public func finishRun(_ runId: Int64, status: String) throws {
        try connection.query(
            "UPDATE reactivation.runs SET status = \(status), finished_at = now() WHERE run_id = \(runId)", operation: "record run end")
    }

    /// Merges `stats` (a JSON object) into the run's stats.
    public func addRunStats(_ runId: Int64, json: String) throws {
        try connection.query(
            "UPDATE reactivation.runs SET stats = stats || \(json)::jsonb WHERE run_id = \(runId)", operation: "record run stats")
    }

    public struct StageRecord: Sendable {
        public var status: String
        public var artifactPath: String?
        public var artifactChecksum: String?
        /// Digest of what the stage was computed from; nil for rows written before digests existed.
        public var inputDigest: String?
        /// The inputs themselves (`key → value`), to name what changed.
        public var inputs: [String: String]
        /// Changes whenever the stage really runs; downstream digests include it.
        public var outputToken: String?
    }

    public func stageRecord(_ runId: Int64, _ stage: StageName) throws -> StageRecord? {
        let result = try connection.query(
            """
            SELECT status, artifact_path, artifact_checksum, input_digest, coalesce(inputs, '{}')::text, output_token
            FROM reactivation.stage_runs WHERE run_id = \(runId) AND stage = \(stage)
            """)
        return try result.first.map { row in
            let inputsText = try row.decode(4, as: String.self)
            let inputs = (try? JSONDecoder().decode([String: String].self, from: Data(inputsText.utf8))) ?? [:]
            return StageRecord(
                status: try row.decode(0), artifactPath: try row.decodeIfPresent(1), artifactChecksum: try row.decodeIfPresent(2),
                inputDigest: try row.decodeIfPresent(3), inputs: inputs, outputToken: try row.decodeIfPresent(5))
        }
    }

    public func startStage(_ runId: Int64, _ stage: StageName) throws {
        try connection.query(
            """
            INSERT INTO reactivation.stage_runs (run_id, stage, status) VALUES (\(runId), \(stage), 'running')
            ON CONFLICT (run_id, stage) DO UPDATE
               SET status = 'running', started_at = now(), finished_at = NULL, error = NULL,
                   rows_in = NULL, rows_out = NULL, input_digest = NULL, output_token = NULL
            """, operation: "record stage start")
    }

    /// What a finished stage was computed from, recorded with its result.
    public struct Fingerprint: Sendable {
        public var digest: String
        public var inputs: [String: String]
        public var outputToken: String
    }

    public func finishStage(
        _ runId: Int64, _ stage: StageName, status: String, rowsIn: Int?, rowsOut: Int?, error: String? = nil,
        artifactPath: String? = nil, artifactChecksum: String? = nil, statsJSON: String = "{}", fingerprint: Fingerprint? = nil
    ) throws {
        let inputsJSON = fingerprint.map { JSONValue.object($0.inputs.mapValues { .string($0) }).jsonText }
        try connection.query(
            """
            UPDATE reactivation.stage_runs
               SET status = \(status), finished_at = now(), rows_in = \(rowsIn.map(Int64.init)), rows_out = \(rowsOut.map(Int64.init)),
                   error = \(error), artifact_path = coalesce(\(artifactPath), artifact_path),
                   artifact_checksum = coalesce(\(artifactChecksum), artifact_checksum), stats = \(statsJSON)::jsonb,
                   input_digest = \(fingerprint?.digest), inputs = \(inputsJSON)::jsonb, output_token = \(fingerprint?.outputToken)
             WHERE run_id = \(runId) AND stage = \(stage)
            """, operation: "record stage end")
    }
}
