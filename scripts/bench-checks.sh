#!/usr/bin/env bash
# The source data tests' cost next to the extract's, on the benchmark database bench.sh prepared.
#   scripts/bench-checks.sh BIN PIPELINE AS_OF   (DATABASE_URL names the benchmark database)
# Measured twice each, the faster kept: the contract tables (uniqueness guaranteed by their keys, so
# not scanned) and the same tables behind plain views (members and member_channels scanned in full,
# samples through the views' first rows), as an operator's mapping is.
set -euo pipefail
bin=$1 pipeline=$2 as_of=$3
views_pipeline="${pipeline%.toml}-views.toml"
sed -E 's|^schema = "src"|schema = "bench_views"|' "$pipeline" >"$views_pipeline"
grep -q '^schema = "bench_views"' "$views_pipeline"
psql "$DATABASE_URL" -qX >/dev/null <<'SQL'
CREATE SCHEMA IF NOT EXISTS bench_views;
CREATE OR REPLACE VIEW bench_views.stores AS SELECT * FROM src.stores;
CREATE OR REPLACE VIEW bench_views.members AS SELECT * FROM src.members;
CREATE OR REPLACE VIEW bench_views.member_locations AS SELECT * FROM src.member_locations;
CREATE OR REPLACE VIEW bench_views.member_channels AS SELECT * FROM src.member_channels;
CREATE OR REPLACE VIEW bench_views.transactions AS SELECT * FROM src.transactions;
SQL
# `validate` prints "... N data tests ran in S s, E error(s), W warning(s)"; errors exit 2 but still time.
checks() {
  "$bin" validate "$1" --as-of "$as_of" --log-level warning --log-format text 2>/dev/null |
    sed -nE 's/.* data tests ran in ([0-9.]+) s.*/\1/p'
}
faster() { printf '%s\n' "$@" | sort -g | head -n 1; }
tables=$(faster "$(checks "$pipeline")" "$(checks "$pipeline")")
views=$(faster "$(checks "$views_pipeline")" "$(checks "$views_pipeline")")
extract=$("$bin" bench extract "$pipeline" --as-of "$as_of" --log-level warning --log-format text | tail -n 1 |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["seconds"])')
python3 - "$tables" "$views" "$extract" <<'PY'
import sys
tables, views, extract = (float(x) for x in sys.argv[1:])
print(f"source data tests: {tables:.2f} s on the tables, {views:.2f} s through views; extract {extract:.2f} s "
      f"(tests / extract = {tables / extract:.2f} and {views / extract:.2f})")
PY
