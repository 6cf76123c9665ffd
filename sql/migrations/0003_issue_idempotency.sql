-- Delivery files are written after the issuing transaction commits; the wave remembers where.
ALTER TABLE reactivation.waves ADD COLUMN delivery_file text;
ALTER TABLE reactivation.waves ADD COLUMN skipped bigint NOT NULL DEFAULT 0;
