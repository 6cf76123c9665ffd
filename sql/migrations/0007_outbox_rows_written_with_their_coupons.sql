-- An outbox row is written only by the issue stage, from the same staged rows and in the same
-- transaction as its coupon, so the foreign key to coupons never had anything to catch; its per-row
-- trigger (a key-share lock on the coupon) cost about 40% of the database's work per issued coupon.
-- The issue stage's tests check that every coupon has exactly one outbox row and every outbox row a coupon.
ALTER TABLE reactivation.coupon_outbox DROP CONSTRAINT IF EXISTS coupon_outbox_code_fkey;
