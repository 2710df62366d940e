#!/usr/bin/env bash
# Billing's cost on the relay: the same non-streamed request through Plaza with billing off, and
# with billing on against a per-call priced model funded by paid credits (set aside from the
# instance's lease on the user's credits, the posting and the usage event written after the
# answer), on SQLite and on PostgreSQL, from USERS users in turn. The off and on servers run side
# by side and are measured in turns, ROUNDS times each; the table has the medians. Prints Markdown.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/plaza
FAKE=build/plaza-fake-upstream
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-32}
USERS=${USERS:-16}  # paying users, their keys used in turn
ROUNDS=${ROUNDS:-3}  # alternating off/on runs: the machine's speed drifts, so they are interleaved
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

# start NAME DATABASE_URL BILLING: a Plaza with USERS paying users; sets the globals URL_<NAME>,
# AUTHS_<NAME>, COOKIES_<NAME>, PID_<NAME> (NAME: off | on).
start() {
  local name=$1 db=$2 billing=$3 data=$work/data-$RANDOM
  $BIN serve --data-dir "$data" --database-url "$db" --listen 127.0.0.1:0 --io-threads 1 --access-log false \
    --api-rate-per-minute 10000000 --billing "$billing" >"$data.log" 2>&1 &
  local pid=$!
  pids+=($pid)
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
  printf -v "URL_$name" '%s' "$plaza"
  printf -v "AUTHS_$name" '%s' "$auths"
  printf -v "COOKIES_$name" '%s' "$cj"
  printf -v "PID_$name" '%s' "$pid"
}

# measure NAME LABEL: one wrk run against that Plaza; appends "rps p50 p99 errors requests" to $work/NAME.runs.
measure() {
  local name=$1 url_var=URL_$1 auths_var=AUTHS_$1 pid_var=PID_$1
  # PERF=DIR records a profile of each run into DIR (perf report -i DIR/<label>-<n>.data).
  if [[ -n ${PERF:-} ]]; then
    mkdir -p "$PERF"
    perf record -g -o "$PERF/$2-$RANDOM.data" -p "${!pid_var}" -- sleep "${DURATION%s}" >/dev/null 2>&1 &
  fi
  local out; out=$(BODY=$plain AUTHS=${!auths_var} wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/post.lua "${!url_var}/v1/chat/completions")
  local errors; errors=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  echo "$(awk '/Requests\/sec/ {print $2}' <<<"$out") $(awk '$1=="50%" {print $2}' <<<"$out") $(awk '$1=="99%" {print $2}' <<<"$out") ${errors:-0} $(awk '/requests in/ {print $1}' <<<"$out")" >>"$work/$name.runs"
}

# settled NAME: the calls the revenue report counts, once the settlements the answers did not wait
# for have landed (read until the count stands).
settled() {
  local url_var=URL_$1 cj_var=COOKIES_$1 n last=-1
  for _ in $(seq 50); do
    n=$(curl -s -b "${!cj_var}" "${!url_var}/api/admin/revenue" | grep -o '"calls":[0-9]*' | cut -d: -f2 | paste -sd+ | bc)
    [[ $n == "$last" ]] && break
    last=$n; sleep 0.2
  done
  echo "$n"
}

# row LABEL NAME: the median run (by req/s) of NAME as a table row, with every run's req/s.
row() {
  local label=$1 name=$2 runs=$work/$2.runs
  local median; median=$(sort -n "$runs" | awk '{a[NR]=$0} END {print a[int((NR+1)/2)]}')
  local all; all=$(awk '{printf "%s%s", (NR>1?", ":""), int($1)}' "$runs")
  local total; total=$(awk '{s+=$5} END {print s}' "$runs")
  local settled_calls="-"
  [[ $name == *on ]] && settled_calls="$(settled "$name") of $total"
  read -r rps p50 p99 errors _ <<<"$median"
  printf '| %-34s | %10s | %8s | %8s | %6s | %-24s | %s |\n' "$label" "$rps" "$p50" "$p99" "$errors" "$all" "$settled_calls"
}

# compare PREFIX LABEL: ROUNDS alternating runs of billing off and on, then their two rows and the
# added cost per request (median against median).
compare() {
  local off=${1}off on=${1}on
  for _ in $(seq "$ROUNDS"); do measure "$off" "$2-off"; measure "$on" "$2-on"; done
  row "$2, billing off" "$off"
  row "$2, billing on (per call)" "$on"
  local a b
  a=$(sort -n "$work/$off.runs" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  b=$(sort -n "$work/$on.runs" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  echo "| $2: billing adds $(awk -v a="$a" -v b="$b" 'BEGIN {printf "%.1f", (a / b - 1) * 100}')% to the cost of a request | | | | | | |"
}

echo "Billing benchmark, $(date -u +%Y-%m-%d), $(nproc) cores; wrk -t1 -c$CONNECTIONS -d$DURATION, $ROUNDS alternating runs each; plaza --io-threads 1, fake upstream --threads 1"
echo
echo "| run (median of $ROUNDS)                 |      req/s |      p50 |      p99 | non-2xx | every run's req/s        | settled of answered |"
echo "|------------------------------------|-----------:|---------:|---------:|-------:|--------------------------|---------------------|"
start sqlite_off "sqlite:$work/off.db" false
start sqlite_on "sqlite:$work/on.db" true
compare sqlite_ SQLite
kill "$PID_sqlite_off" "$PID_sqlite_on"
pg_dir=$(mktemp -u -d /tmp/plaza-bench-pg-XXXXXX)
if pg_url=$(bash tests/pg/cluster.sh start "$pg_dir"); then
  psql "$pg_url" -qc 'CREATE DATABASE bench_off' -c 'CREATE DATABASE bench_on' >/dev/null
  start pg_off "${pg_url%/postgres}/bench_off" false
  start pg_on "${pg_url%/postgres}/bench_on" true
  compare pg_ PostgreSQL
else
  echo "| PostgreSQL                     | not run (no cluster) | | | | | |"
  pg_dir=""
fi
