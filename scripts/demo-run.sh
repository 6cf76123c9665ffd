#!/usr/bin/env bash
# The demo's pipeline part, after `generate`: one live wave issued on the as-of date, the wave played out
# by the simulator with a planted uplift, then attribution 31 days later next to the planted truth.
#   scripts/demo-run.sh BIN PIPELINE AS_OF
set -euo pipefail
bin=$1; pipeline=$2; as_of=$3
campaign=$(sed -nE 's/^campaign *= *"([^"]+)".*/\1/p' "$pipeline")
observe=$(date -u -d "$as_of + 31 days" +%F)

# The demo owns its campaign: start from a clean slate so re-running the demo shows the same story.
psql "$DATABASE_URL" -qAt -v ON_ERROR_STOP=1 -v campaign="$campaign" <<'SQL' >/dev/null
DELETE FROM reactivation.coupon_outbox o USING reactivation.coupons c WHERE o.code = c.code AND c.campaign = :'campaign';
DELETE FROM reactivation.coupons WHERE campaign = :'campaign';
DELETE FROM reactivation.coupon_skips WHERE campaign = :'campaign';
DELETE FROM reactivation.waves WHERE campaign = :'campaign';
DELETE FROM reactivation.targets WHERE campaign = :'campaign';
DELETE FROM reactivation.attribution WHERE campaign = :'campaign';
DELETE FROM reactivation.attribution_daily WHERE campaign = :'campaign';
DELETE FROM reactivation.member_scores s USING reactivation.runs r WHERE s.run_id = r.run_id AND r.campaign = :'campaign';
DELETE FROM reactivation.runs WHERE campaign = :'campaign';
SQL

echo
echo "== 1. live run as of $as_of: extract → score → target → issue"
"$bin" run "$pipeline" --as-of "$as_of" --stages extract,score,target,issue \
  --issue-at "${as_of}T10:00:00+08:00" --log-format text --log-level warning

echo
echo "== 2. the next 30 days, simulated from each member's latent process (treated members get a planted uplift)"
"$bin" generate --simulate-campaign "$campaign" --wave "$as_of" --uplift 0.10 --log-level warning

echo
echo "== 3. attribution as of $observe (the 30-day window has closed)"
"$bin" attribute "$pipeline" --wave "$as_of" --as-of "$observe" --log-level warning
psql "$DATABASE_URL" -qAt -v campaign="$campaign" -v wave="$as_of" <<'SQL'
SELECT format('  planted truth          %s yuan (sum over treated members of sales with minus without the coupon)',
              round(sum(treated_sales_cents - control_sales_cents) / 100.0))
FROM sim.wave_truth WHERE campaign = :'campaign' AND as_of = :'wave'::date AND arm = 'treatment';
SQL

if "$bin" --help | grep -qE "^ +report "; then
  mkdir -p out
  "$bin" report "$pipeline" --wave "$as_of" --format html --out out/report.html --log-level warning
  "$bin" report "$pipeline" --wave "$as_of" --format md --out out/report.md --log-level warning
  "$bin" report "$pipeline" --wave "$as_of" --format csv --out out/report.csv --log-level warning
  echo
  echo "report: out/report.html (open it in a browser), out/report.md, out/report.csv"
fi
