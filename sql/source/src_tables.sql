-- The source contract: what reactivate reads. The demo and the tests create these tables;
-- in production map your own tables onto these names and columns with views (see README.md in this folder).

CREATE SCHEMA IF NOT EXISTS src;

CREATE TABLE IF NOT EXISTS src.stores (
    store_id   bigint PRIMARY KEY,
    name       text   NOT NULL,
    latitude   float8 NOT NULL,
    longitude  float8 NOT NULL,
    opened_on  date,
    closed_on  date
);

CREATE TABLE IF NOT EXISTS src.members (
    member_id         bigint PRIMARY KEY,
    joined_at         timestamptz NOT NULL,
    home_store_id     bigint,
    marketing_consent boolean NOT NULL,
    opted_out_at      timestamptz
);

CREATE TABLE IF NOT EXISTS src.member_locations (
    member_id    bigint      NOT NULL,
    latitude     float8      NOT NULL,
    longitude    float8      NOT NULL,
    observed_at  timestamptz NOT NULL,
    source       text        NOT NULL
);

CREATE TABLE IF NOT EXISTS src.member_channels (
    member_id         bigint NOT NULL,
    channel           text   NOT NULL CHECK (channel IN ('wechat_oa', 'wechat_card', 'sms', 'moments_ad')),
    verified_at       timestamptz,
    last_delivered_at timestamptz,
    last_failed_at    timestamptz,
    PRIMARY KEY (member_id, channel)
);

CREATE TABLE IF NOT EXISTS src.transactions (
    txn_id      bigint PRIMARY KEY,
    member_id   bigint        NOT NULL,
    store_id    bigint        NOT NULL,
    occurred_at timestamptz   NOT NULL,
    amount      numeric(12,2) NOT NULL,
    coupon_code text
);
