#!/usr/bin/env bash
# Builds the benchmark's table layouts from the generated rows in `src` (issue 15), once, and keeps them:
#   scripts/bench-layouts.sh            (DATABASE_URL = the benchmark database)
#   scripts/bench-layouts.sh --only L   only layout L (bench.sh builds, measures and drops one at a time
#                                       when BENCH_LAYOUTS_ONE_AT_A_TIME=1: six 8M copies need ~60 GB)
# Each layout is a schema with the five source relations holding the same rows as `src`; only the
# physical order of the heap (and, for lay_sparse, the member ids) differs:
#   lay_time      transactions in time order
#   lay_batches   twelve batches, each sorted by time, each covering all members and all dates
#   lay_shuffled  every table in random order (seeded, so rebuilds are the same)
#   lay_member    transactions CLUSTERed on the (member_id, occurred_at) index
#   lay_sparse    member ids around 10^10 with irregular gaps (order kept), heap as in lay_batches
#   lay_churn     lay_time after 5% of rows got a late refund flag (UPDATE) and a VACUUM: the new row
#                 versions sit at the end of the heap, the old ones leave holes
# A layout is rebuilt when `sim.generation` changed since it was built.
set -euo pipefail
layouts=(lay_time lay_batches lay_shuffled lay_member lay_sparse lay_churn)
if [ "${1:-}" = "--list" ]; then echo "${layouts[@]}"; exit 0; fi
q() { psql "$DATABASE_URL" -v ON_ERROR_STOP=1 -Atq "$@"; }
generation=$(q -c "SELECT members || '/' || stores || '/' || seed || '/' || as_of FROM sim.generation")
q -c "CREATE SCHEMA IF NOT EXISTS bench; CREATE TABLE IF NOT EXISTS bench.layouts (layout text PRIMARY KEY, generation text NOT NULL)"

# The sparse ids: strictly increasing in the compact id (steps of 9973 ± 4095), so members keep their order.
sparse="(10000000000 + %s * 9973 + (hashint8(%s) & 4095))"
sparse_of() { printf "$sparse" "$1" "$1"; }

# One session per layout; no parallel workers, so a CREATE TABLE AS keeps the order it reads or sorts.
build() {
  local layout=$1 body=$2
  echo "bench: building layout $layout …" >&2
  q <<SQL
SET max_parallel_workers_per_gather = 0;
SET maintenance_work_mem = '512MB';
SET work_mem = '256MB';
DROP SCHEMA IF EXISTS $layout CASCADE;
CREATE SCHEMA $layout;
$body
CREATE INDEX ON $layout.transactions (member_id, occurred_at);
ALTER TABLE $layout.members ADD PRIMARY KEY (member_id);
ANALYZE $layout.stores; ANALYZE $layout.members; ANALYZE $layout.member_channels;
ANALYZE $layout.member_locations; ANALYZE $layout.transactions;
INSERT INTO bench.layouts VALUES ('$layout', '$generation') ON CONFLICT (layout) DO UPDATE SET generation = EXCLUDED.generation;
SQL
}

copy_members() {  # $1 layout, $2 optional ORDER BY clause
  local order=${2:-}
  cat <<SQL
CREATE TABLE $1.stores AS SELECT * FROM src.stores;
CREATE TABLE $1.members AS SELECT * FROM src.members $order;
CREATE TABLE $1.member_channels AS SELECT * FROM src.member_channels $order;
CREATE TABLE $1.member_locations AS SELECT * FROM src.member_locations $order;
SQL
}

body_lay_time() {
  copy_members lay_time
  echo "CREATE TABLE lay_time.transactions AS SELECT * FROM src.transactions ORDER BY occurred_at, txn_id;"
}

body_lay_batches() {
  copy_members lay_batches
  echo "CREATE TABLE lay_batches.transactions AS SELECT * FROM src.transactions WITH NO DATA;"
  for batch in $(seq 0 11); do
    echo "INSERT INTO lay_batches.transactions SELECT * FROM src.transactions WHERE abs(hashint8(txn_id)) % 12 = $batch ORDER BY occurred_at, txn_id;"
  done
}

body_lay_shuffled() {
  echo "SELECT setseed(0.15);"
  copy_members lay_shuffled "ORDER BY random()"
  echo "CREATE TABLE lay_shuffled.transactions AS SELECT * FROM src.transactions ORDER BY random();"
}

body_lay_member() {
  copy_members lay_member
  cat <<SQL
CREATE TABLE lay_member.transactions AS SELECT * FROM src.transactions;
CREATE INDEX transactions_member ON lay_member.transactions (member_id, occurred_at);
CLUSTER lay_member.transactions USING transactions_member;
DROP INDEX lay_member.transactions_member;
SQL
}

# From src directly, in lay_batches' order (the member tables in src's order, the transactions in the
# same twelve batches), so the layout can be built without lay_batches.
body_lay_sparse() {
  cat <<SQL
CREATE TABLE lay_sparse.stores AS SELECT * FROM src.stores;
CREATE TABLE lay_sparse.members AS SELECT $(sparse_of member_id) AS member_id, joined_at, home_store_id, marketing_consent, opted_out_at FROM src.members;
CREATE TABLE lay_sparse.member_channels AS SELECT $(sparse_of member_id) AS member_id, channel, verified_at, last_delivered_at, last_failed_at FROM src.member_channels;
CREATE TABLE lay_sparse.member_locations AS SELECT $(sparse_of member_id) AS member_id, latitude, longitude, observed_at, source FROM src.member_locations;
CREATE TABLE lay_sparse.transactions AS SELECT txn_id, $(sparse_of member_id) AS member_id, store_id, occurred_at, amount, coupon_code FROM src.transactions WITH NO DATA;
SQL
  for batch in $(seq 0 11); do
    echo "INSERT INTO lay_sparse.transactions SELECT txn_id, $(sparse_of member_id), store_id, occurred_at, amount, coupon_code FROM src.transactions WHERE abs(hashint8(txn_id)) % 12 = $batch ORDER BY occurred_at, txn_id;"
  done
}

body_lay_churn() {
  copy_members lay_churn
  cat <<SQL
CREATE TABLE lay_churn.transactions AS SELECT * FROM src.transactions ORDER BY occurred_at, txn_id;
ALTER TABLE lay_churn.transactions ADD COLUMN refunded_late boolean NOT NULL DEFAULT false;
UPDATE lay_churn.transactions SET refunded_late = true WHERE abs(hashint8(txn_id)) % 20 = 0;
VACUUM lay_churn.transactions;
SQL
}

if [ "${1:-}" = "--only" ]; then layouts=("$2"); fi
for layout in "${layouts[@]}"; do
  built=$(q -c "SELECT generation FROM bench.layouts WHERE layout = '$layout'" || true)
  [ "$built" = "$generation" ] && continue
  build "$layout" "$("body_$layout")"
done
