-- A run is identified by (campaign, as_of, mode): re-running resumes it instead of starting over,
-- so every result row keyed by run_id belongs to exactly one logical run.
CREATE UNIQUE INDEX runs_identity ON reactivation.runs (campaign, as_of, mode);
DROP INDEX reactivation.runs_campaign_as_of;
ALTER TABLE reactivation.runs ADD COLUMN attempts integer NOT NULL DEFAULT 1;
