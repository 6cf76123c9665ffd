-- The reactivation schema: run ledger and every result table of SPEC.md.
-- Applied by `reactivate migrate` inside one transaction; never edit once applied, add a new file.

CREATE SCHEMA IF NOT EXISTS reactivation;

-- One row per pipeline run (a campaign as of a date in a mode).
CREATE TABLE reactivation.runs (
    run_id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    campaign      text        NOT NULL,
    as_of         date        NOT NULL,
    mode          text        NOT NULL CHECK (mode IN ('live', 'dry_run', 'backfill')),
    status        text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted')),
    started_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz,
    host          text,
    pid           integer,
    config_sha256 text,
    stats         jsonb       NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX runs_campaign_as_of ON reactivation.runs (campaign, as_of, mode);

-- One row per stage of a run; the latest attempt overwrites the row.
CREATE TABLE reactivation.stage_runs (
    run_id            bigint      NOT NULL REFERENCES reactivation.runs ON DELETE CASCADE,
    stage             text        NOT NULL CHECK (stage IN ('extract', 'score', 'target', 'issue', 'attribute')),
    status            text        NOT NULL CHECK (status IN ('running', 'succeeded', 'failed', 'interrupted', 'skipped')),
    rows_in           bigint,
    rows_out          bigint,
    started_at        timestamptz NOT NULL DEFAULT now(),
    finished_at       timestamptz,
    error             text,
    artifact_path     text,
    artifact_checksum text,
    stats             jsonb       NOT NULL DEFAULT '{}'::jsonb,
    PRIMARY KEY (run_id, stage)
);

CREATE TABLE reactivation.member_scores (
    run_id          bigint  NOT NULL,
    member_id       bigint  NOT NULL,
    days_since_last integer,            -- NULL for never-activated members
    frequency       integer NOT NULL,   -- repeat purchase days (BG/NBD x)
    recency_days    integer NOT NULL,   -- first to last purchase day (t_x)
    tenure_days     integer NOT NULL,   -- first purchase day to as-of (T)
    monetary        numeric(12, 2) NOT NULL, -- mean spend per purchase day
    p_alive         float8  NOT NULL,
    expected_txns   float8  NOT NULL,   -- expected purchases over the horizon
    value_score     float8  NOT NULL,   -- expected_txns × monetary
    reachability    float8  NOT NULL,
    best_channel    text,
    segment         text    NOT NULL,
    PRIMARY KEY (run_id, member_id)
);

CREATE TABLE reactivation.targets (
    run_id      bigint  NOT NULL,
    campaign    text    NOT NULL,
    as_of       date    NOT NULL,
    member_id   bigint  NOT NULL,
    store_id    bigint  NOT NULL,
    distance_m  float8  NOT NULL,
    score       float8  NOT NULL,
    arm         text    NOT NULL CHECK (arm IN ('treatment', 'control')),
    segment     text,
    channel     text,
    pre_sales   numeric(14, 2),
    PRIMARY KEY (campaign, as_of, member_id)
);
CREATE INDEX targets_run ON reactivation.targets (run_id);

-- A wave: one issuing of a campaign as of a date; issued_at anchors attribution windows of both arms.
CREATE TABLE reactivation.waves (
    campaign    text        NOT NULL,
    as_of       date        NOT NULL,
    run_id      bigint      NOT NULL,
    issued_at   timestamptz NOT NULL,
    status      text        NOT NULL CHECK (status IN ('issuing', 'issued')),
    coupons     bigint      NOT NULL DEFAULT 0,
    PRIMARY KEY (campaign, as_of)
);

CREATE TABLE reactivation.coupons (
    code        text        PRIMARY KEY,
    campaign    text        NOT NULL,
    as_of       date        NOT NULL,
    run_id      bigint      NOT NULL,
    member_id   bigint      NOT NULL,
    store_id    bigint      NOT NULL,
    channel     text        NOT NULL,
    face_value  numeric(12, 2) NOT NULL,
    min_spend   numeric(12, 2) NOT NULL,
    issued_at   timestamptz NOT NULL,
    expires_at  timestamptz NOT NULL,
    UNIQUE (campaign, as_of, member_id)
);
CREATE INDEX coupons_member_issued ON reactivation.coupons (member_id, issued_at);

-- What a channel sender picks up; one row per coupon.
CREATE TABLE reactivation.coupon_outbox (
    code        text        PRIMARY KEY REFERENCES reactivation.coupons (code),
    channel     text        NOT NULL,
    member_id   bigint      NOT NULL,
    status      text        NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sent', 'failed')),
    attempts    integer     NOT NULL DEFAULT 0,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX coupon_outbox_pending ON reactivation.coupon_outbox (status) WHERE status = 'pending';

-- Members a wave wanted to treat but could not (budget, cooldown…), with the reason.
CREATE TABLE reactivation.coupon_skips (
    campaign    text    NOT NULL,
    as_of       date    NOT NULL,
    member_id   bigint  NOT NULL,
    reason      text    NOT NULL,
    PRIMARY KEY (campaign, as_of, member_id)
);

CREATE TABLE reactivation.attribution (
    campaign              text    NOT NULL,
    as_of                 date    NOT NULL,   -- the wave; 1970-01-01 never used: campaign level rows use the wave too
    window_days           integer NOT NULL,
    complete              boolean NOT NULL,
    level                 text    NOT NULL CHECK (level IN ('campaign', 'store', 'segment')),
    key                   text    NOT NULL,
    n_treatment           bigint  NOT NULL,
    n_control             bigint  NOT NULL,
    reactivated_treatment bigint  NOT NULL,
    reactivated_control   bigint  NOT NULL,
    sales_treatment       numeric(16, 2) NOT NULL,
    sales_control         numeric(16, 2) NOT NULL,
    reactivation_lift     float8,
    reactivation_ci_low   float8,
    reactivation_ci_high  float8,
    sales_per_member_diff float8,
    incremental_sales     float8,
    ci_low                float8,
    ci_high               float8,
    cuped_incremental_sales float8,
    cuped_ci_low          float8,
    cuped_ci_high         float8,
    redemptions           bigint  NOT NULL,
    coupon_cost           numeric(16, 2) NOT NULL,
    net_incremental_sales float8,
    net_ci_low            float8,
    net_ci_high           float8,
    return_per_cost       float8,
    computed_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (campaign, as_of, window_days, level, key)
);

CREATE TABLE reactivation.attribution_daily (
    campaign               text    NOT NULL,
    as_of                  date    NOT NULL,
    day                    integer NOT NULL,   -- days since issue, 1 … window_days
    arm                    text    NOT NULL CHECK (arm IN ('treatment', 'control')),
    members                bigint  NOT NULL,
    cumulative_sales       numeric(16, 2) NOT NULL,
    cumulative_reactivated bigint  NOT NULL,
    PRIMARY KEY (campaign, as_of, day, arm)
);
