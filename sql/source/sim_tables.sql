-- What the simulator knows and the pipeline must never read: tests compare estimates to this truth.
CREATE SCHEMA IF NOT EXISTS sim;

CREATE TABLE IF NOT EXISTS sim.member_truth (
    member_id             bigint  PRIMARY KEY,
    purchase_rate_per_day float8  NOT NULL,
    dropout_p             float8  NOT NULL,
    activated             boolean NOT NULL,
    alive_at_as_of        boolean NOT NULL,
    dropout_at            timestamptz,
    first_purchase_at     timestamptz,
    last_purchase_at      timestamptz,
    purchase_count        integer NOT NULL,
    mean_spend_cents      bigint  NOT NULL,
    spend_log_mu          float8  NOT NULL,
    spend_log_sigma       float8  NOT NULL,
    primary_store_id      bigint  NOT NULL,
    moved_away            boolean NOT NULL
);

-- One row per generate: the parameters the data came from.
CREATE TABLE IF NOT EXISTS sim.generation (
    members    bigint  NOT NULL,
    stores     bigint  NOT NULL,
    seed       bigint  NOT NULL,
    as_of      date    NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- Simulated campaign waves: both potential outcomes per targeted member, so tests know the true effect.
CREATE TABLE IF NOT EXISTS sim.waves (
    campaign text    NOT NULL,
    as_of    date    NOT NULL,
    wave     integer NOT NULL UNIQUE,
    uplift_if_alive       float8 NOT NULL,
    uplift_if_dropped_out float8 NOT NULL,
    PRIMARY KEY (campaign, as_of)
);

CREATE TABLE IF NOT EXISTS sim.wave_truth (
    campaign            text    NOT NULL,
    as_of               date    NOT NULL,
    member_id           bigint  NOT NULL,
    arm                 text    NOT NULL,
    control_sales_cents bigint  NOT NULL,   -- Y(0): window sales without the coupon
    treated_sales_cents bigint  NOT NULL,   -- Y(1): window sales with the coupon
    induced             boolean NOT NULL,
    alive_at_issue      boolean NOT NULL,
    PRIMARY KEY (campaign, as_of, member_id)
);
