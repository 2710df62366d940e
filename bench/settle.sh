#!/usr/bin/env bash
# The daily creator-revenue settlement (`plaza settle`) on a generated day of usage events
# (bench/settle_data.sql: 100,000 users, 10,000 apps of 2,000 creators), on SQLite and PostgreSQL,
# for each size in EVENTS: wall time and peak memory of the plaza process. Prints a Markdown table.
# Target (the issue): 10,000,000 events in at most 60 s, time linear in the events, memory flat.
#   EVENTS="20000 50000" BIN=build-debug/plaza bash bench/settle.sh   a quick run
#   BATCH_USERS=N   --settlement-batch-users (default: plaza's, 5000)
#   DAY=YYYY-MM-DD  the generated and settled day (default: yesterday, UTC)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${BIN:-build/plaza}
EVENTS=${EVENTS:-"1000000 10000000"}
# Yesterday rather than a fixed date: `plaza settle` also clears the earnings that are older than
# clearing_days (7), and on an old day that would clear every row just written, inside the timing.
DAY=${DAY:-$(date -u -d yesterday +%F)}
T0=$(date -u -d "$DAY" +%s)
BATCH_USERS=${BATCH_USERS:-}
# GNU time, not the shell keyword: it reports the child's peak resident set size.
if [[ ! -x /usr/bin/time ]]; then
  echo "bench/settle.sh: /usr/bin/time is missing (Debian package \`time\`; bash scripts/bootstrap.sh installs it)" >&2
  exit 1
fi
work=$(mktemp -d /tmp/plaza-bench-settle-XXXXXX)
pg_dir=""
cleanup() {
  [[ -n $pg_dir ]] && bash tests/pg/cluster.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

# The day's events as SQL for one dialect: SQLite gets a recursive CTE (streamed, never held in
# memory) inside one transaction with the journal's syncs off; PostgreSQL gets generate_series over
# bigint (i * 100000 overflows an int at 10,000,000) and then VACUUM ANALYZE, so the visibility map
# is set and the planner has statistics, as on a live site where autovacuum has run: the settlement
# reads through index-only scans of usage_events_earning.
data_sql() {  # data_sql sqlite|postgres EVENTS
  local series
  if [[ $1 == sqlite ]]; then
    series="(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $2) SELECT i FROM s)"
    # synchronous=OFF is this connection's only (the load); plaza opens its own with its settings.
    echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=OFF; PRAGMA cache_size=-1000000; BEGIN;"
  else
    series="generate_series(1::bigint, $2) AS s(i)"
  fi
  # 100,000 users; a quick run with fewer events has as many users as events (1..EVENTS, half of
  # them subscribers), not a sparse sample of the 100,000.
  local users=$(($2 < 100000 ? $2 : 100000))
  sed -E -e "s/@SERIES@/$series/g" -e "s/@EVENTS@/$2/g" -e "s/@USERS@/$users/g" -e "s/@DAY@/$DAY/g" -e "s/@T0@/$T0/g" bench/settle_data.sql
  if [[ $1 == sqlite ]]; then echo "COMMIT;"; else echo "VACUUM ANALYZE usage_events;"; fi
}

sql() {  # sql DATABASE_URL QUERY -> unaligned result
  if [[ $1 == sqlite:* ]]; then sqlite3 "${1#sqlite:}" "$2"; else psql -X -At "$1" -c "$2"; fi
}

# /usr/bin/time -v reports the wall clock as [h:]m:ss.ss.
wall_seconds() { awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, p, ":"); s = 0; for (k = 1; k <= n; k++) s = s * 60 + p[k]; printf "%.1f", s}' "$1"; }
peak_mb() { awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$1"; }

generated=()  # "backend events seconds", printed after the table: loading is not part of the measure

run() {  # run NAME DATABASE_URL EVENTS -> one table row
  local name=$1 db=$2 n=$3 data=$work/data-$RANDOM
  local flags=(--data-dir "$data" --database-url "$db" --timezone UTC)
  [[ -n $BATCH_USERS ]] && flags+=(--settlement-batch-users "$BATCH_USERS")
  $BIN migrate "${flags[@]}" >/dev/null
  local started=$EPOCHREALTIME
  if [[ $db == sqlite:* ]]; then
    data_sql sqlite "$n" | sqlite3 "${db#sqlite:}" >/dev/null
  else
    data_sql postgres "$n" | psql -X -q -v ON_ERROR_STOP=1 "$db" >/dev/null
  fi
  generated+=("$name $n $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.0f", b - a}')")

  # The measure: one settle of the whole day, in a process of its own.
  local out=$data.settle timing=$data.time
  if ! /usr/bin/time -v -o "$timing" "$BIN" settle --day "$DAY" "${flags[@]}" >"$out" 2>&1; then
    cat "$out" "$timing" >&2; return 1
  fi
  local line; line=$(grep -o -m1 -E "settled $DAY: [0-9]+ batch\(es\), [0-9]+ earnings row\(s\), [^ ]+ credits" "$out") ||
    { cat "$out" >&2; return 1; }
  local batches rows credits
  read -r batches rows credits < <(sed -E 's/.*: ([0-9]+) batch.*, ([0-9]+) earnings.*, ([^ ]+) credits/\1 \2 \3/' <<<"$line")
  local secs; secs=$(wall_seconds "$timing")

  # Sanity, not timed: the rows are in the table, and the day is not settled twice.
  local stored; stored=$(sql "$db" "SELECT COUNT(*) FROM earnings WHERE day = '$DAY'")
  [[ $stored == "$rows" ]] || { echo "bench/settle.sh: $name reported $rows earnings rows, the table holds $stored" >&2; return 1; }
  ((rows > 0)) || { echo "bench/settle.sh: $name wrote no earnings rows" >&2; return 1; }
  local again; again=$($BIN settle --day "$DAY" "${flags[@]}" 2>&1)
  grep -q "$DAY was settled before" <<<"$again" ||
    { echo "bench/settle.sh: $name: a second settle of $DAY did not say it was settled before:" >&2; echo "$again" >&2; return 1; }

  printf '| %-10s | %10s | %13s | %7s | %14s | %8s | %11s | %11s |\n' "$name" "$n" "$rows" "$batches" "$credits" "$secs" \
    "$(awk -v n="$n" -v s="$secs" 'BEGIN {if (s > 0) printf "%.0f", n / s; else print "-"}')" "$(peak_mb "$timing")"
}

echo "Creator-revenue settlement, $(date -u +%Y-%m-%d), $(nproc) cores; plaza settle of one day ($DAY):" \
  "100,000 users (as many as the events when fewer), 10,000 apps, batches of ${BATCH_USERS:-5000} users"
echo
echo "| backend    |     events | earnings rows | batches |        credits | settle s |    events/s | peak RSS MB |"
echo "|------------|-----------:|--------------:|--------:|---------------:|---------:|------------:|------------:|"
for n in $EVENTS; do run "SQLite" "sqlite:$work/settle-$n.db" "$n"; done
pg_dir=$(mktemp -u -d /tmp/plaza-bench-pg-XXXXXX)
if pg_url=$(bash tests/pg/cluster.sh start "$pg_dir"); then
  for n in $EVENTS; do
    psql -X "$pg_url" -qc "CREATE DATABASE bench_settle_$n" >/dev/null
    run "PostgreSQL" "${pg_url%/postgres}/bench_settle_$n" "$n"
  done
else
  echo "| PostgreSQL: not run (no cluster) | | | | | | | |"
  pg_dir=""
fi
echo
echo "Peak RSS is the plaza process's; PostgreSQL's server processes (a throwaway cluster with fsync off) are not in it."
echo "Data generation (not part of the measure):"
for g in "${generated[@]}"; do
  read -r b n secs <<<"$g"
  echo "- $b, $n events: $secs s"
done
