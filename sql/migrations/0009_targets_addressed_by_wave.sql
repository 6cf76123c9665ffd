-- Targets are addressed by wave and mode (the primary key since 0005): every reader and writer selects
-- them by (campaign, as_of, mode), none by run_id. The index on run_id, built when targets were a run's
-- rows, held one key for a wave's 142k rows and cost a fifth of the database's work writing them.
DROP INDEX IF EXISTS reactivation.targets_run;
