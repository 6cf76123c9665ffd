-- Shard work of a run (issue 13): each shard of a member-sharded source is a unit of the extract
-- that any process may take, on this host or another. A process claims a shard by locking its row
-- (FOR UPDATE SKIP LOCKED) and keeps the lock while it reads the shard, so a process that dies frees
-- its shard at once for another to take. A shard taken by a helper process leaves its histories here,
-- in the coordinator database, as the bytes of an extract artifact in chunks; the run's own process
-- keeps the shards it read in memory. `attempt` is the extract attempt's token: work of an earlier
-- attempt is never mixed into a later one.
CREATE TABLE reactivation.shard_work (
    run_id            bigint      NOT NULL REFERENCES reactivation.runs (run_id) ON DELETE CASCADE,
    stage             text        NOT NULL,
    attempt           text        NOT NULL,
    shard             integer     NOT NULL,
    label             text        NOT NULL,
    status            text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'done')),
    registered_at     timestamptz NOT NULL DEFAULT now(),
    claimed_by        text,
    finished_at       timestamptz,
    tally             jsonb,
    artifact_checksum text,
    PRIMARY KEY (run_id, stage, attempt, shard)
);

CREATE TABLE reactivation.shard_work_chunks (
    run_id  bigint  NOT NULL,
    stage   text    NOT NULL,
    attempt text    NOT NULL,
    shard   integer NOT NULL,
    chunk   integer NOT NULL,
    bytes   bytea   NOT NULL,
    PRIMARY KEY (run_id, stage, attempt, shard, chunk),
    FOREIGN KEY (run_id, stage, attempt, shard) REFERENCES reactivation.shard_work ON DELETE CASCADE
);
