#!/usr/bin/env bash
# The square's read paths on a generated site (bench/apps_data.sql: 100,000 apps, 1,000,000 usage
# events), on SQLite and PostgreSQL: search (Chinese and English), a filter, a sort and the
# leaderboard, through HTTP with a signed-in session. Prints p50/p99 per query as a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/plaza
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-4}
work=$(mktemp -d /tmp/plaza-bench-apps-XXXXXX)
pids=()
pg_dir=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n $pg_dir ]] && bash tests/pg/cluster.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() {
  for _ in $(seq 600); do
    if m=$(grep -o -m1 -E "$2" "$1" 2>/dev/null); then echo "$m"; return 0; fi
    sleep 0.05
  done
  cat "$1" >&2; return 1
}

data_sql() {  # data_sql sqlite|postgres
  if [[ $1 == sqlite ]]; then
    sed -E -e 's/@SERIES\(([0-9]+)\)@/(WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < \1) SELECT i FROM s)/g' \
      -e "s/@DAY\(([^@]*)\)@/date('now', '-' || (\1) || ' days')/g" bench/apps_data.sql
    echo "INSERT INTO apps_search (rowid, search_text) SELECT id, search_text FROM apps WHERE listed = 1;"
    # The square's roll-up of the generated calls: on SQLite the usage writer keeps it, not a trigger.
    echo "INSERT INTO app_user_days (day, app_id, user_id, calls, paying_calls) SELECT day, app_id, user_id, COUNT(*),"
    echo "  SUM(CASE WHEN paid_uc > 0 OR surcharge_paid_uc > 0 OR subscription_id IS NOT NULL THEN 1 ELSE 0 END)"
    echo "  FROM usage_events WHERE app_id IS NOT NULL AND status = 'ok' GROUP BY day, app_id, user_id;"
    echo "INSERT INTO app_users (app_id, user_id, calls) SELECT app_id, user_id, COUNT(*) FROM usage_events"
    echo "  WHERE app_id IS NOT NULL AND status = 'ok' GROUP BY app_id, user_id;"
  else
    sed -E -e 's/@SERIES\(([0-9]+)\)@/generate_series(1, \1) AS s(i)/g' \
      -e "s/@DAY\(([^@]*)\)@/to_char(current_date - (\1)::int, 'YYYY-MM-DD')/g" bench/apps_data.sql
    echo "ANALYZE;"  # statistics for start-up's recount of the generated events (vacuumed after it, below)
  fi
}

run() {  # run NAME DATABASE_URL
  local name=$1 db=$2 data=$work/data-$RANDOM
  $BIN migrate --data-dir "$data" --database-url "$db" >/dev/null
  local started=$SECONDS
  if [[ $db == sqlite:* ]]; then data_sql sqlite | sqlite3 "${db#sqlite:}"; else data_sql postgres | psql -q "$db" >/dev/null; fi
  local generated=$((SECONDS - started))
  local serve_started; serve_started=$(date +%s%N)
  $BIN serve --data-dir "$data" --database-url "$db" --listen 127.0.0.1:0 --access-log false \
    --api-rate-per-minute 10000000 >"$data.log" 2>&1 &
  local pid=$!
  pids+=("$pid")
  local plaza; plaza=$(wait_for "$data.log" 'listening on http://[0-9.:]+' | sed 's/listening on //')
  # Start-up computes the square's numbers (uses, users, trending, leaderboards) before it listens.
  local startup_ms=$(( ($(date +%s%N) - serve_started) / 1000000 ))
  # Vacuumed and analyzed once start-up has recomputed every app's uses from the generated events (a
  # new version of each row), as autovacuum would soon do on a live site: the run measures the
  # steady state, index-only scans included.
  [[ $db == sqlite:* ]] || psql -q "$db" -c 'VACUUM ANALYZE' >/dev/null
  local cookie; cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"username":"reader","password":"bench-password"}' "$plaza/api/auth/register" | grep -o 'plaza_session=[^;]*' | head -1)
  echo "| $name (data generated in ${generated}s; start-up with the square's stats ${startup_ms} ms) | | | |"
  local q
  for q in "search 翻译 (2 CJK chars)|/api/apps?q=%E7%BF%BB%E8%AF%91" "search 代码讲解|/api/apps?q=%E4%BB%A3%E7%A0%81%E8%AE%B2%E8%A7%A3" \
           "search \"plan a trip\"|/api/apps?q=plan%20a%20trip" "filter category + tag|/api/apps?category=cat7&tag=t7" \
           "sort top_rated|/api/apps?sort=top_rated" "sort trending|/api/apps" "leaderboard, month|/api/leaderboard?period=month"; do
    local label=${q%%|*} path=${q#*|}
    local out; out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -H "Cookie: $cookie" "$plaza$path")
    local rps p50 p99
    rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
    p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
    printf '| %-32s | %9s | %8s | %8s |\n' "$label" "$rps" "$p50" "$p99"
  done
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "App square benchmark, $(date -u +%Y-%m-%d), $(nproc) cores; wrk -t1 -c$CONNECTIONS -d$DURATION, 100,000 apps, 1,000,000 usage events"
echo
echo "| query                            |     req/s |      p50 |      p99 |"
echo "|----------------------------------|----------:|---------:|---------:|"
run "SQLite" "sqlite:$work/apps.db"
pg_dir=$(mktemp -u -d /tmp/plaza-bench-pg-XXXXXX)
if pg_url=$(bash tests/pg/cluster.sh start "$pg_dir"); then
  psql "$pg_url" -qc 'CREATE DATABASE bench_apps' >/dev/null
  run "PostgreSQL" "${pg_url%/postgres}/bench_apps"
else
  echo "| PostgreSQL: not run (no cluster) | | | |"
  pg_dir=""
fi
