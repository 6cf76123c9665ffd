import Foundation
import Postgres

/// One run as `reactivate status --format json` reports it: the ledger's row with its stages, every
/// field named once, instants as ISO 8601 with an offset (UTC, `2026-11-01T02:10:00.123+00:00`),
/// durations in milliseconds (as in the JSON logs), stats as JSON objects and errors in full.
///
/// Field names are the JSON keys scripts read; they follow the ledger's columns
/// (`reactivation.runs`, `reactivation.stage_runs`).
public struct RunStatusRecord: Codable, Sendable, Equatable {
    public struct Stage: Codable, Sendable, Equatable {
        public var stage: String
        public var status: String
        public var rowsIn: Int64?
        public var rowsOut: Int64?
        public var startedAt: String
        /// Nil while the stage is running.
        public var finishedAt: String?
        /// Until `finished_at`, or until now while running.
        public var durationMs: Int64
        /// The whole error text (several lines when the error has a fix or detail), nil when none.
        public var error: String?
        public var artifactPath: String?
        public var artifactChecksum: String?
        public var stats: JSONValue

        enum CodingKeys: String, CodingKey {
            case stage, status, rowsIn = "rows_in", rowsOut = "rows_out", startedAt = "started_at", finishedAt = "finished_at"
            case durationMs = "duration_ms", error, artifactPath = "artifact_path", artifactChecksum = "artifact_checksum", stats
        }

        /// Every key, `null` included: scripts can rely on the shape.
        public func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(stage, forKey: .stage)
            try container.encode(status, forKey: .status)
            try container.encode(rowsIn, forKey: .rowsIn)
            try container.encode(rowsOut, forKey: .rowsOut)
            try container.encode(startedAt, forKey: .startedAt)
            try container.encode(finishedAt, forKey: .finishedAt)
            try container.encode(durationMs, forKey: .durationMs)
            try container.encode(error, forKey: .error)
            try container.encode(artifactPath, forKey: .artifactPath)
            try container.encode(artifactChecksum, forKey: .artifactChecksum)
            try container.encode(stats, forKey: .stats)
        }
    }

    public var runId: Int64
    public var campaign: String
    /// The run date D, `YYYY-MM-DD`.
    public var asOf: String
    public var mode: String
    public var status: String
    /// How many times the run was started (a resume is another attempt of the same run).
    public var attempts: Int
    /// When the latest attempt started.
    public var startedAt: String
    /// Nil while the run is running.
    public var finishedAt: String?
    public var durationMs: Int64
    /// The machine and process of the latest attempt.
    public var host: String?
    public var pid: Int?
    /// SHA-256 (hex) of the pipeline config file the latest attempt ran with.
    public var configSHA256: String?
    public var stats: JSONValue
    /// In pipeline order (extract, score, target, issue, attribute); stages never started are absent.
    public var stages: [Stage]

    enum CodingKeys: String, CodingKey {
        case runId = "run_id", campaign, asOf = "as_of", mode, status, attempts, startedAt = "started_at"
        case finishedAt = "finished_at", durationMs = "duration_ms", host, pid, configSHA256 = "config_sha256", stats, stages
    }

    /// Every key, `null` included: scripts can rely on the shape.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(runId, forKey: .runId)
        try container.encode(campaign, forKey: .campaign)
        try container.encode(asOf, forKey: .asOf)
        try container.encode(mode, forKey: .mode)
        try container.encode(status, forKey: .status)
        try container.encode(attempts, forKey: .attempts)
        try container.encode(startedAt, forKey: .startedAt)
        try container.encode(finishedAt, forKey: .finishedAt)
        try container.encode(durationMs, forKey: .durationMs)
        try container.encode(host, forKey: .host)
        try container.encode(pid, forKey: .pid)
        try container.encode(configSHA256, forKey: .configSHA256)
        try container.encode(stats, forKey: .stats)
        try container.encode(stages, forKey: .stages)
    }

    /// The most recent runs first (by start of the latest attempt), optionally of one campaign.
    public static func load(_ connection: Connection, campaign: String?, limit: Int) throws -> [RunStatusRecord] {
        func iso(_ column: SQL) -> SQL { #"to_char(\#(column) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"+00:00"')"# }
        func milliseconds(_ alias: SQL) -> SQL {
            "(extract(epoch FROM (coalesce(\(alias).finished_at, now()) - \(alias).started_at)) * 1000)::bigint"
        }
        let order = StageName.allCases.map(\.rawValue).joined(separator: ",")
        let result = try connection.query(
            """
            SELECT coalesce(json_agg(r.record ORDER BY r.started_at DESC, r.run_id DESC), '[]'::json)::text FROM (
              SELECT runs.run_id, runs.started_at, json_build_object(
                       'run_id', runs.run_id, 'campaign', runs.campaign, 'as_of', runs.as_of::text, 'mode', runs.mode,
                       'status', runs.status, 'attempts', runs.attempts,
                       'started_at', \(iso("runs.started_at")), 'finished_at', \(iso("runs.finished_at")),
                       'duration_ms', \(milliseconds("runs")),
                       'host', runs.host, 'pid', runs.pid, 'config_sha256', runs.config_sha256, 'stats', runs.stats,
                       'stages', (SELECT coalesce(json_agg(json_build_object(
                                    'stage', s.stage, 'status', s.status, 'rows_in', s.rows_in, 'rows_out', s.rows_out,
                                    'started_at', \(iso("s.started_at")), 'finished_at', \(iso("s.finished_at")),
                                    'duration_ms', \(milliseconds("s")), 'error', s.error,
                                    'artifact_path', s.artifact_path, 'artifact_checksum', s.artifact_checksum, 'stats', s.stats)
                                  ORDER BY array_position(string_to_array(\(order), ','), s.stage)), '[]'::json)
                                  FROM reactivation.stage_runs s WHERE s.run_id = runs.run_id)) AS record
              FROM reactivation.runs WHERE \(campaign)::text IS NULL OR runs.campaign = \(campaign)
              ORDER BY runs.started_at DESC, runs.run_id DESC LIMIT \(limit)
            ) r
            """, operation: "read run ledger")
        let text = try result.scalar(String.self) ?? "[]"
        do {
            return try JSONDecoder().decode([RunStatusRecord].self, from: Data(text.utf8))
        } catch {
            throw PipelineError(
                .runtime, "the run ledger has an unexpected shape (\(error))",
                fix: "run `reactivate migrate` so the ledger tables match this version of reactivate")
        }
    }

    /// The records as one JSON array on one line, keys sorted.
    public static func json(_ records: [RunStatusRecord]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(records), as: UTF8.self)
    }
}
