-- Indexes the demo builds after a bulk load (building them afterwards is several times faster).
CREATE INDEX IF NOT EXISTS transactions_member_occurred ON src.transactions (member_id, occurred_at);
CREATE INDEX IF NOT EXISTS transactions_coupon_code ON src.transactions (coupon_code) WHERE coupon_code IS NOT NULL;
CREATE INDEX IF NOT EXISTS member_locations_member ON src.member_locations (member_id, observed_at);
