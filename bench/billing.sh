#!/usr/bin/env bash
# Billing's cost on the relay: the same non-streamed request through Plaza with billing off, and
# with billing on against a per-call priced model funded by paid credits (a hold before the relay,
# a posting and the usage event after), on SQLite and on PostgreSQL, from USERS users in turn.
# Prints a Markdown table.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/plaza
FAKE=build/plaza-fake-upstream
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
USERS=${USERS:-16}  # paying users, their keys used in turn
work=$(mktemp -d /tmp/plaza-bench-billing-XXXXXX)
pids=()
pg_dir=""
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [[ -n $pg_dir ]] && bash tests/pg/cluster.sh stop "$pg_dir"
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() {  # wait_for FILE REGEX -> prints the first match
  for _ in $(seq 400); do
    if m=$(grep -o -m1 -E "$2" "$1" 2>/dev/null); then echo "$m"; return 0; fi
    sleep 0.05
  done
  cat "$1" >&2; return 1
}

$FAKE --listen 127.0.0.1:0 --threads 1 --record-cap 0 >"$work/fake.log" 2>&1 & pids+=($!)
fake=$(wait_for "$work/fake.log" 'http://127\.0\.0\.1:[0-9]+')
plain='{"model":"bench","messages":[{"role":"user","content":"hello"}]}'

# run NAME DATABASE_URL BILLING -> one table row
run() {
  local name=$1 db=$2 billing=$3 data=$work/data-$RANDOM
  $BIN serve --data-dir "$data" --database-url "$db" --listen 127.0.0.1:0 --io-threads 1 --access-log false \
    --api-rate-per-minute 10000000 --billing "$billing" >"$data.log" 2>&1 &
  local pid=$!
  local plaza; plaza=$(wait_for "$data.log" 'listening on http://[0-9.:]+' | sed 's/listening on //')
  local user=bench$RANDOM
  $BIN admin create --username "$user" --password bench-password --data-dir "$data" --database-url "$db" >/dev/null
  local cj=$data.cookies
  curl -s -c "$cj" -H 'content-type: application/json' -d "{\"username\":\"$user\",\"password\":\"bench-password\"}" "$plaza/api/auth/login" >/dev/null
  local csrf; csrf=$(awk '$6=="plaza_csrf"{print $7}' "$cj")
  api() { curl -s -b "$cj" -H "x-csrf-token: $csrf" -H 'content-type: application/json' -X "$1" -d "$3" "$plaza$2"; }
  api POST /api/admin/channels "{\"name\":\"fake\",\"base_url\":\"$fake/v1\",\"keys\":[\"sk-upstream\"],\"models\":[\"bench\"]}" >/dev/null
  api PUT /api/admin/prices/bench '{"mode":"per_call","per_call":10}' >/dev/null
  # USERS users, each with paid credits and a key.
  local auths="" i
  for i in $(seq "$USERS"); do
    local ucj=$data.u$i
    curl -s -c "$ucj" -H 'content-type: application/json' -d "{\"username\":\"u$i$RANDOM\",\"password\":\"bench-password\"}" "$plaza/api/auth/register" >/dev/null
    local ucsrf; ucsrf=$(awk '$6=="plaza_csrf"{print $7}' "$ucj")
    local uid; uid=$(curl -s -b "$ucj" "$plaza/api/me" | grep -o '"id":[0-9]*' | head -1 | cut -d: -f2)
    api POST "/api/admin/users/$uid/credits" '{"source":"paid","amount":1000000000000,"reason":"bench"}' >/dev/null
    local key; key=$(curl -s -b "$ucj" -H "x-csrf-token: $ucsrf" -H 'content-type: application/json' -d '{"name":"bench"}' "$plaza/api/keys" |
      grep -o '"secret":"sk-[A-Za-z0-9]*"' | cut -d'"' -f4)
    auths+="${auths:+,}Bearer $key"
  done
  # PERF=DIR records a profile of each run into DIR (perf report -i DIR/<run>.data).
  if [[ -n ${PERF:-} ]]; then
    mkdir -p "$PERF"
    perf record -g -o "$PERF/$(tr -c 'A-Za-z0-9\n' _ <<<"$name").data" -p "$pid" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
  fi
  local out; out=$(BODY=$plain AUTHS=$auths wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/post.lua "$plaza/v1/chat/completions")
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out"); errors=${errors:-0}
  local settled=""
  if [[ $billing == true ]]; then
    settled=$(curl -s -b "$cj" "$plaza/api/admin/revenue" | grep -o '"calls":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
  fi
  printf '| %-30s | %10s | %8s | %8s | %6s | %9s |\n' "$name" "$rps" "$p50" "$p99" "$errors" "${settled:--}"
  kill "$pid"; wait "$pid" 2>/dev/null || true
}

echo "Billing benchmark, $(date -u +%Y-%m-%d), $(nproc) cores; wrk -t1 -c$CONNECTIONS -d$DURATION; plaza --io-threads 1, fake upstream --threads 1"
echo
echo "| run                            |      req/s |      p50 |      p99 | non-2xx | usage rows |"
echo "|--------------------------------|-----------:|---------:|---------:|-------:|----------:|"
run "SQLite, billing off" "sqlite:$work/off.db" false
run "SQLite, billing on (per call)" "sqlite:$work/on.db" true
pg_dir=$(mktemp -u -d /tmp/plaza-bench-pg-XXXXXX)
if pg_url=$(bash tests/pg/cluster.sh start "$pg_dir"); then
  psql "$pg_url" -qc 'CREATE DATABASE bench_off' -c 'CREATE DATABASE bench_on' >/dev/null
  run "PostgreSQL, billing off" "${pg_url%/postgres}/bench_off" false
  run "PostgreSQL, billing on (per call)" "${pg_url%/postgres}/bench_on" true
else
  echo "| PostgreSQL                     | not run (no cluster) | | | | |"
  pg_dir=""
fi
