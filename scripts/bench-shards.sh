#!/usr/bin/env bash
# The sharded-source benchmark (issue 13), run by `make bench BENCH_SHARDS=1` or `make bench-shards`:
#   scripts/bench-shards.sh BIN AS_OF     (DATABASE_URL = the single-server benchmark database of bench.sh)
#   scripts/bench-shards.sh --stop        (stops the three servers; `make clean` calls it)
# Three local clusters in .bench/shards/ (coordinator, shard_a, shard_b; kept between runs like the bench
# database and reloaded when its generation changes): the member-keyed source relations hash-partitioned
# by member_id into 4 postgres_fdw partitions, remainders 0,2 on shard_a and 1,3 on shard_b, as in the
# test rig (Tests/Support/ShardedSource.swift). Prints, from one run, the binary COPY of the extract's
# transaction columns before the cut-off (a) from the single server, (b) through the coordinator, as a
# plain query would (postgres_fdw defaults) and with the fdw tuned (fetch_size, async_capable), and
# (c) straight from the shard servers, one psql per partition in parallel; with ratios and rows/s per
# server. When the product reads shards (`source.shards` in pipelines/spring-wakeup.toml), also the
# extract stage itself: single server, coordinator with shards = "off", and with shards = "auto".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
dir="$root/.bench/shards"
servers=(coordinator shard_a shard_b)
cluster() { env -u DATABASE_URL REACTIVATE_CLUSTER_DIR="$dir/$1" "$root/scripts/db.sh" "${@:2}"; }
if [ "${1:-}" = "--stop" ]; then
  for server in "${servers[@]}"; do if [ -d "$dir/$server" ]; then cluster "$server" stop; fi; done
  exit 0
fi
bin=$1 as_of=$2
single=$DATABASE_URL
export PGOPTIONS="-c client_min_messages=warning"  # no NOTICEs from the DROP … IF EXISTS of a rebuild
q() { psql "$1" -v ON_ERROR_STOP=1 -Atq "${@:2}"; }
mkdir -p "$dir"
for server in "${servers[@]}"; do cluster "$server" start; done
coordinator=$(cluster coordinator url)
declare -A shard_url=([shard_a]=$(cluster shard_a url) [shard_b]=$(cluster shard_b url))
declare -A holder=([0]=shard_a [1]=shard_b [2]=shard_a [3]=shard_b)
member_keyed=(members member_locations member_channels transactions)
# Column lists come from the single server's table, so the COPYs cannot drift from the contract.
columns() { q "$single" -c "SELECT string_agg(quote_ident(attname), ', ' ORDER BY attnum) FROM pg_attribute WHERE attrelid = 'src.$1'::regclass AND attnum > 0 AND NOT attisdropped"; }

generation=$(q "$single" -c "SELECT members || '/' || stores || '/' || seed || '/' || as_of FROM sim.generation")
loaded=$(q "$coordinator" -c "SELECT generation FROM bench_shards.loaded" 2>/dev/null || true)
if [ "$loaded" != "$generation" ]; then
  echo "bench: loading the sharded source ($generation) into $dir …" >&2
  started=$(date +%s)
  # On the single server, an empty table hash-partitioned like the coordinator's: satisfies_hash_partition
  # against it names each row's bucket with PostgreSQL's own hash, so every shard loads straight from it.
  q "$single" -c "CREATE SCHEMA IF NOT EXISTS bench_shards; CREATE TABLE IF NOT EXISTS bench_shards.buckets (member_id bigint) PARTITION BY HASH (member_id)"
  for shard in shard_a shard_b; do
    {
      echo "DROP SCHEMA IF EXISTS shard_data CASCADE; DROP SCHEMA IF EXISTS src CASCADE;"
      cat "$root/sql/source/src_tables.sql" "$root/sql/source/src_indexes.sql"
      echo "CREATE SCHEMA shard_data;"
      for relation in "${member_keyed[@]}"; do
        for remainder in 0 1 2 3; do
          [ "${holder[$remainder]}" = "$shard" ] || continue
          echo "CREATE TABLE shard_data.${relation}_p$remainder (LIKE src.$relation INCLUDING ALL);"
        done
      done
      echo "DROP SCHEMA src CASCADE;"
    } | q "${shard_url[$shard]}" >/dev/null
  done
  {
    echo "DROP SCHEMA IF EXISTS src CASCADE; DROP SCHEMA IF EXISTS bench_shards CASCADE;"
    echo "CREATE EXTENSION IF NOT EXISTS postgres_fdw;"
    for shard in shard_a shard_b; do
      host=$(sed -E 's|.*host=([^&]*).*|\1|' <<<"${shard_url[$shard]}")
      user=$(sed -E 's|.*user=([^&]*).*|\1|' <<<"${shard_url[$shard]}")
      echo "DROP SERVER IF EXISTS $shard CASCADE;"
      echo "CREATE SERVER $shard FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$host', port '5432', dbname 'reactivate');"
      echo "CREATE USER MAPPING FOR CURRENT_USER SERVER $shard OPTIONS (user '$user');"
    done
    cat "$root/sql/source/src_tables.sql"
    for relation in "${member_keyed[@]}"; do
      echo "ALTER TABLE src.$relation RENAME TO ${relation}_contract;"
      echo "CREATE TABLE src.$relation (LIKE src.${relation}_contract INCLUDING DEFAULTS INCLUDING CONSTRAINTS) PARTITION BY HASH (member_id);"
      echo "DROP TABLE src.${relation}_contract;"
      for remainder in 0 1 2 3; do
        echo "CREATE FOREIGN TABLE src.${relation}_p$remainder PARTITION OF src.$relation FOR VALUES WITH (MODULUS 4, REMAINDER $remainder)"
        echo "  SERVER ${holder[$remainder]} OPTIONS (schema_name 'shard_data', table_name '${relation}_p$remainder');"
      done
    done
    echo "CREATE SCHEMA bench_shards; CREATE TABLE bench_shards.loaded (generation text NOT NULL);"
  } | q "$coordinator" >/dev/null
  "$bin" migrate --database-url "$coordinator" --log-format text --log-level warning >/dev/null
  q "$single" -c "COPY src.stores TO STDOUT (FORMAT binary)" | q "$coordinator" -c "COPY src.stores FROM STDIN (FORMAT binary)"
  # One pipe per partition, straight into its shard; two at a time (the machine has two cores).
  for relation in "${member_keyed[@]}"; do
    list=$(columns "$relation")
    for pair in "0 1" "2 3"; do
      pids=()
      for remainder in $pair; do
        q "$single" -c "COPY (SELECT $list FROM src.$relation WHERE satisfies_hash_partition('bench_shards.buckets'::regclass, 4, $remainder, member_id)) TO STDOUT (FORMAT binary)" |
          q "${shard_url[${holder[$remainder]}]}" -c "COPY shard_data.${relation}_p$remainder ($list) FROM STDIN (FORMAT binary)" &
        pids+=($!)
      done
      for pid in "${pids[@]}"; do wait "$pid"; done  # a failed pipe stops the load
    done
  done
  for shard in shard_a shard_b; do q "${shard_url[$shard]}" -c "VACUUM ANALYZE"; done
  q "$coordinator" -c "ANALYZE src.stores, src.members, src.member_locations, src.member_channels, src.transactions"
  # The coordinator must hold exactly the single server's rows, each in its own bucket.
  for relation in stores "${member_keyed[@]}"; do
    a=$(q "$single" -c "SELECT count(*) FROM src.$relation") b=$(q "$coordinator" -c "SELECT count(*) FROM src.$relation")
    [ "$a" = "$b" ] || { echo "bench: src.$relation has $b rows on the coordinator, $a on the single server" >&2; exit 1; }
  done
  for remainder in 0 1 2 3; do
    # OFFSET 0 keeps the check on the coordinator (pushed down, the shard would look up a local oid).
    strangers=$(q "$coordinator" -c "SELECT count(*) FROM (SELECT member_id FROM src.members_p$remainder OFFSET 0) AS m WHERE NOT satisfies_hash_partition('src.members'::regclass, 4, $remainder, member_id)")
    [ "$strangers" = 0 ] || { echo "bench: partition $remainder holds $strangers members of other buckets" >&2; exit 1; }
  done
  q "$coordinator" -c "INSERT INTO bench_shards.loaded VALUES ('$generation')"
  echo "bench: sharded source loaded in $(( $(date +%s) - started )) s" >&2
fi

# The extract's read: every transaction's (member_id, occurred_at, amount) before the cut-off, as of
# D 00:00 in the business time zone.
zone=$(sed -nE 's/^business_timezone *= *"([^"]+)".*/\1/p' "$root/pipelines/spring-wakeup.toml")
cutoff="timestamptz '$as_of 00:00:00 ${zone:-Asia/Shanghai}'"
copy_sql() { echo "COPY (SELECT member_id, occurred_at, amount FROM $1 WHERE occurred_at < $cutoff) TO STDOUT (FORMAT binary)"; }
now() { date +%s.%N; }
timed() { local t0; t0=$(now); q "$1" -c "$2" >/dev/null; echo "$t0 $(now)"; }
single_rows=$(q "$single" -c "SELECT count(*) FROM src.transactions WHERE occurred_at < $cutoff")
declare -A partition_rows
for remainder in 0 1 2 3; do
  partition_rows[$remainder]=$(q "${shard_url[${holder[$remainder]}]}" -c "SELECT count(*) FROM shard_data.transactions_p$remainder WHERE occurred_at < $cutoff")
done
q "$single" -c "VACUUM ANALYZE src.transactions" >/dev/null
# The shard tables too, as the single server's before every measurement: loaded tables were found with
# no page marked all-visible, so every scan of them checked each row's visibility.
for shard in shard_a shard_b; do q "${shard_url[$shard]}" -c "VACUUM ANALYZE" >/dev/null; done

fdw() { for shard in shard_a shard_b; do q "$coordinator" -c "ALTER SERVER $shard OPTIONS ($1)"; done; }
direct() {  # one psql per partition, all at once; prints "start end" per partition, then the total
  local t0 out pids=(); t0=$(now); out=$(mktemp -d)
  for remainder in 0 1 2 3; do
    timed "${shard_url[${holder[$remainder]}]}" "$(copy_sql "shard_data.transactions_p$remainder")" >"$out/$remainder" &
    pids+=($!)
  done
  for pid in "${pids[@]}"; do wait "$pid"; done
  for remainder in 0 1 2 3; do echo "p$remainder $(cat "$out/$remainder")"; done
  echo "total $t0 $(now)"
  rm -rf "$out"
}
# Warm every server's pages once, then each figure is the faster of two rounds (the machine is shared).
timed "$single" "$(copy_sql src.transactions)" >/dev/null
direct >/dev/null
results=()
for round in 1 2; do
  results+=("single $(timed "$single" "$(copy_sql src.transactions)")")
  results+=("coordinator $(timed "$coordinator" "$(copy_sql src.transactions)")")
  fdw "ADD fetch_size '10000', ADD async_capable 'true'"
  results+=("coordinator_tuned $(timed "$coordinator" "$(copy_sql src.transactions)")")
  fdw "DROP fetch_size, DROP async_capable"
  while read -r what t0 t1; do results+=("direct_$what $t0 $t1"); done < <(direct)
done

# The product's extract stage, once it reads shards: same data, from one server, through the
# coordinator (shards = "off") and shard by shard (shards = "auto"). Hook: skipped until the key exists.
extract_results=()
if grep -qE '^shards *=' "$root/pipelines/spring-wakeup.toml"; then
  # auto1: shard by shard with --jobs 1, to show the process's memory following the shards it holds.
  for mode in single off auto auto1; do
    config="$dir/extract-$mode.toml"
    shards=${mode/single/off}; shards=${shards/auto1/auto}
    jobs=2; [ "$mode" = auto1 ] && jobs=1
    sed -E -e "s|^artifact_dir = \"[^\"]*\"|artifact_dir = \"$dir/artifacts-$mode\"|" \
      -e "s|^shards *= *\"[^\"]*\"|shards = \"$shards\"|" "$root/pipelines/spring-wakeup.toml" >"$config"
    url=$coordinator; [ "$mode" = single ] && url=$single
    for round in 1 2; do
      # Through the coordinator the extract may take very long (issue 13: not done after 9.5 minutes).
      line=$(timeout "${BENCH_SHARDS_TIMEOUT:-600}" "$bin" bench extract "$config" --as-of "$as_of" --database-url "$url" \
        --jobs "$jobs" --log-level warning --log-format text | tail -n 1) || line='{"seconds": null}'
      extract_results+=("$mode $line")
      [ "$line" = '{"seconds": null}' ] && break
    done
  done
fi

python3 - "$single_rows" "${partition_rows[0]}" "${partition_rows[1]}" "${partition_rows[2]}" "${partition_rows[3]}" \
  "${#results[@]}" "${results[@]}" "${extract_results[@]}" <<'PY'
import json, sys
args = sys.argv[1:]
single_rows, parts = int(args[0]), [int(x) for x in args[1:5]]
n = int(args[5]); timings, extracts = args[6:6 + n], args[6 + n:]
best = {}
for line in timings:
    what, t0, t1 = line.split()
    best.setdefault(what, []).append(float(t1) - float(t0))
fast = {k: min(v) for k, v in best.items()}
both = lambda k: "/".join(f"{s:.2f}" for s in best[k])
holder = {0: "shard_a", 1: "shard_b", 2: "shard_a", 3: "shard_b"}
print(f"sharded source: {single_rows:,} transactions before the cut-off, 4 hash partitions on 2 shard servers "
      f"({', '.join(f'p{r} {parts[r]:,}' for r in range(4))})")
print(f"binary COPY of (member_id, occurred_at, amount), the faster of two rounds (both in brackets)")
print(f"{'read':<44} {'seconds':>16} {'rows/s':>12}  ratio to single")
rows = [("single", "(a) one server", single_rows),
        ("coordinator", "(b) through the coordinator (fdw defaults)", single_rows),
        ("coordinator_tuned", "(b') coordinator, fetch_size 10000 + async", single_rows),
        ("direct_total", "(c) shard by shard, 4 psql in parallel", single_rows)]
for key, label, count in rows:
    print(f"{label:<44} {fast[key]:>6.2f} ({both(key):>9}) {count / fast[key]:>12,.0f}  {fast[key] / fast['single']:.2f}×")
print("per server while reading in parallel (rows it holds / until its last partition finished):")
for shard in ("shard_a", "shard_b"):
    mine = [r for r in range(4) if holder[r] == shard]
    # Per round: from the round's start to this server's last partition; the faster round.
    spans = []
    for i in range(len(best["direct_total"])):
        spans.append(max(best[f"direct_p{r}"][i] for r in mine))
    count = sum(parts[r] for r in mine)
    print(f"  {shard:<8} {count:>12,} rows in {min(spans):.2f} s = {count / min(spans):>12,.0f} rows/s")
print(f"  single   {single_rows:>12,} rows in {fast['single']:.2f} s = {single_rows / fast['single']:>12,.0f} rows/s")
direct, coord = fast["direct_total"], fast["coordinator"]
print(f"direct / single = {direct / fast['single']:.2f} (goal ≤ 1.15); coordinator / direct = {coord / direct:.2f} "
      f"(goal ≥ 3), tuned coordinator / direct = {fast['coordinator_tuned'] / direct:.2f}")
if not extracts:
    print("extract stage per source: skipped (hook: runs once pipelines/spring-wakeup.toml has source.shards)")
else:
    runs = {}
    for line in extracts:
        mode, text = line.split(" ", 1)
        runs.setdefault(mode, []).append(json.loads(text))
    print(f"{'extract stage':<44} {'seconds':>16} {'peak MB':>8}  artifact")
    labels = {"single": "one server", "off": "coordinator, shards = \"off\"", "auto": "coordinator, shards = \"auto\" (--jobs 2)",
              "auto1": "coordinator, shards = \"auto\" (--jobs 1)"}
    ok = [r for r in runs.get("single", []) if r.get("seconds") is not None]
    base = min(r["seconds"] for r in ok) if ok else None
    for mode in ("single", "off", "auto", "auto1"):
        done = [r for r in runs.get(mode, []) if r.get("seconds") is not None]
        if not done:
            print(f"{labels[mode]:<44} {'timed out/failed':>16}")
            continue
        f = min(done, key=lambda r: r["seconds"])
        seconds = "/".join(f"{r['seconds']:.2f}" for r in done)
        ratio = f"  {f['seconds'] / base:.2f}× one server" if base else ""
        print(f"{labels[mode]:<44} {f['seconds']:>6.2f} ({seconds:>9}) "
              f"{f['peak_rss_mb']:>8.0f}  {f.get('checksum', '')[:16]}{ratio}")
    fastest = {m: min(r["seconds"] for r in runs[m] if r.get("seconds") is not None)
               for m in runs if any(r.get("seconds") is not None for r in runs[m])}
    if {"single", "auto"} <= fastest.keys():
        off = f"{fastest['off'] / fastest['auto']:.2f}" if "off" in fastest else "more than the timeout allows"
        print(f"auto / one server = {fastest['auto'] / fastest['single']:.2f} (goal ≤ 1.15); off / auto = {off} (goal ≥ 3)")
    digests = {r.get("checksum") for mode in runs for r in runs[mode] if r.get("seconds") is not None}
    print("artifact digests: " + ("identical" if len(digests) == 1 else f"DIFFER ({len(digests)} distinct): the extracts disagree"))
PY
