#!/usr/bin/env bash
# `reactivate model fit` on a large summary CSV: seconds and peak memory against the goal (issue 15).
#
# The CSV is a CDNOW-like base (2,357 customers simulated with Fader, Hardie & Lee's CDNOW estimates,
# T between 27 and 39 weeks) repeated 1,000 times with recency and T jittered by the same 0–2 weeks (in steps of 0.001), about
# 2.36M rows of which about 774k are distinct. It is generated once (fixed seed) and kept under .build/.
# Usage: scripts/bench-fit.sh [path/to/reactivate]
set -euo pipefail
bin="${1:-.build/release/reactivate}"
csv="${BENCH_FIT_CSV:-.build/bench-fit-summary.csv}"
if [[ ! -s "$csv" ]]; then
  mkdir -p "$(dirname "$csv")"
  python3 - "$csv" <<'PY'
import random, sys
rng = random.Random(20050101)
r, alpha, a, b = 0.243, 4.414, 0.793, 2.426
base = []
for _ in range(2357):
    rate = rng.gammavariate(r, 1.0) / alpha
    p = rng.betavariate(a, b)
    age = 27 + rng.random() * 12
    t, x, last = 0.0, 0, 0.0
    while rate > 0:
        t += rng.expovariate(rate)
        if t > age: break
        x, last = x + 1, t
        if rng.random() < p: break
    base.append((x, round(last, 2), round(age, 2)))
with open(sys.argv[1], "w") as out:
    out.write("customer_id,frequency,recency,T\n")
    n = 0
    for copy in range(1000):
        for x, rec, age in base:
            j = rng.randrange(2000) / 1000
            n += 1
            out.write(f"{n},{x},{round(rec + j, 3) if x > 0 else 0},{round(age + j, 3)}\n")
PY
fi
rows=$(($(wc -l <"$csv") - 1))
distinct=$(tail -n +2 "$csv" | cut -d, -f2- | sort -u | wc -l)
# CPU time too: on a shared machine the wall time says as much about the other load as about the fit.
/usr/bin/time -f '%e %M %U %S' -o .build/bench-fit.time "$bin" model fit --summary "$csv" --format json >.build/bench-fit.json
read -r seconds kilobytes user system <.build/bench-fit.time
python3 - "$rows" "$distinct" "$seconds" "$kilobytes" .build/bench-fit.json "$user" "$system" <<'PY'
import json, sys
rows, distinct, seconds, kb = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), int(sys.argv[4])
fit = json.load(open(sys.argv[5]))
cpu = float(sys.argv[6]) + float(sys.argv[7])
print(f"model fit: {rows:,} rows ({distinct:,} distinct) in {seconds:.2f} s ({cpu:.2f} s CPU), peak {kb / 1024:.0f} MB "
      f"(goal ≤ 1 s and ≤ 200 MB; before: 3.4–4.1 s, 434 MB; 0.4–0.7 s, 163 MB at 50ada40)")
# The estimates of the code before the speed-up (commit 2070e35) on this very file.
before = {"r": 0.28448208994347496, "alpha": 6.342770539024141, "a": 1.0248420161570244, "b": 3.2876819885089072}
drift = max(abs(fit[k] / v - 1) for k, v in before.items())
print(f"  r={fit['r']:.6g} alpha={fit['alpha']:.6g} a={fit['a']:.6g} b={fit['b']:.6g} "
      f"iterations={fit['iterations']} (evaluations={fit.get('evaluations', '?')}, after a warm start on a sample) "
      f"converged={fit['converged']}; largest relative change from before: {drift:.1e}")
PY
