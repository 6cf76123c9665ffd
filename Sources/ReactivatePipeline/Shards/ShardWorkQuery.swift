import Postgres
import ReactivateCore

/// The run ledger's shard work SQL (`reactivation.shard_work`, `shard_work_chunks`).
enum ShardWorkQuery {
    /// Drops the rows of earlier attempts that no process holds (one still held is left to its holder).
    static func dropEarlierAttempts(runId: Int64, stage: String, attempt: String) -> SQL {
        """
        DELETE FROM reactivation.shard_work w
        USING (SELECT run_id, stage, attempt, shard FROM reactivation.shard_work
               WHERE run_id = \(runId) AND stage = \(stage) AND attempt <> \(attempt) FOR UPDATE SKIP LOCKED) old
        WHERE (w.run_id, w.stage, w.attempt, w.shard) = (old.run_id, old.stage, old.attempt, old.shard)
        """
    }

    static func register(runId: Int64, stage: String, attempt: String, shard: Int, label: String) -> SQL {
        """
        INSERT INTO reactivation.shard_work (run_id, stage, attempt, shard, label)
        VALUES (\(runId), \(stage), \(attempt), \(shard), \(label)) ON CONFLICT DO NOTHING
        """
    }

    /// The lowest pending shard no other process holds, locked for this transaction.
    static func claim(runId: Int64, stage: String, attempt: String) -> SQL {
        """
        SELECT shard, label FROM reactivation.shard_work
        WHERE run_id = \(runId) AND stage = \(stage) AND attempt = \(attempt) AND status = 'pending'
        ORDER BY shard LIMIT 1 FOR UPDATE SKIP LOCKED
        """
    }

    static func pending(runId: Int64, stage: String, attempt: String) -> SQL {
        """
        SELECT count(*) FILTER (WHERE status = 'pending'), count(*) FROM reactivation.shard_work
        WHERE run_id = \(runId) AND stage = \(stage) AND attempt = \(attempt)
        """
    }

    static func finish(runId: Int64, stage: String, attempt: String, shard: Int, by worker: String, tally: String, checksum: String?) -> SQL {
        """
        UPDATE reactivation.shard_work
        SET status = 'done', claimed_by = \(worker), finished_at = now(), tally = \(tally)::jsonb, artifact_checksum = \(checksum)
        WHERE run_id = \(runId) AND stage = \(stage) AND attempt = \(attempt) AND shard = \(shard)
        """
    }

    static let chunksIn: SQL = "COPY reactivation.shard_work_chunks (run_id, stage, attempt, shard, chunk, bytes) FROM STDIN (FORMAT binary)"

    static func chunksOut(runId: Int64, stage: String, attempt: String, shard: Int) -> SQL {
        """
        COPY (SELECT bytes FROM reactivation.shard_work_chunks
              WHERE run_id = \(runId) AND stage = \(stage) AND attempt = \(attempt) AND shard = \(shard) ORDER BY chunk)
        TO STDOUT (FORMAT binary)
        """
    }

    /// Finished shards of the attempt: who did each, its counts and its artifact's checksum (nil when
    /// the run's own process read it and kept it in memory).
    static func finished(runId: Int64, stage: String, attempt: String) -> SQL {
        """
        SELECT shard, claimed_by, tally::text, artifact_checksum FROM reactivation.shard_work
        WHERE run_id = \(runId) AND stage = \(stage) AND attempt = \(attempt) AND status = 'done' ORDER BY shard
        """
    }

    /// The newest attempt of a run of (campaign, as-of, mode) with shard work still pending, and the
    /// digest of the config text the run was started with.
    static func openWork(campaign: String, asOf: CalendarDay, mode: RunMode, stage: String) -> SQL {
        """
        SELECT w.run_id, w.attempt, r.config_sha256 FROM reactivation.shard_work w JOIN reactivation.runs r USING (run_id)
        WHERE r.campaign = \(campaign) AND r.as_of = \(asOf) AND r.mode = \(mode) AND r.status = 'running'
          AND w.stage = \(stage) AND w.status = 'pending'
        ORDER BY w.registered_at DESC LIMIT 1
        """
    }

    static func configDigest(_ text: String) -> SQL { "SELECT encode(sha256(convert_to(\(text), 'UTF8')), 'hex')" }
}

