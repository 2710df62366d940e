#!/usr/bin/env bash
# make bench: wrk against the release build on loopback. Results go to stdout; copy the table into
# bench/RESULTS.md with the date and the machine. wrk and plaza share the machine's cores, so
# compare numbers from one run, not across machines.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/plaza
DURATION=${DURATION:-8s}
CONNECTIONS=${CONNECTIONS:-64}
data=$(mktemp -d /tmp/plaza-bench-XXXXXX)
log=$data/plaza.log
$BIN serve --data-dir "$data" --listen 127.0.0.1:0 --api-rate-per-minute 10000000 >"$log" 2>&1 &
pid=$!
trap 'kill $pid 2>/dev/null; wait $pid 2>/dev/null; rm -rf "$data"' EXIT
for _ in $(seq 200); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$log" | sed 's/listening on //' || true)
  [[ -n $url ]] && break
  sleep 0.05
done
[[ -n $url ]] || { cat "$log"; exit 1; }

cookie=$(curl -s -D - -o /dev/null -H 'content-type: application/json' \
  -d '{"username":"bench","password":"bench-password"}' "$url/api/auth/register" |
  grep -o 'plaza_session=[^;]*' | head -1)

run() {
  local name=$1; shift
  local cmd="wrk -t1 -c$CONNECTIONS -d$DURATION --latency $*"
  local out; out=$(wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency "$@")
  local rps; rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  local p50 p99; p50=$(awk '$1=="50%" {print $2}' <<<"$out"); p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  printf '| %-28s | %10s | %8s | %8s | `%s` |\n' "$name" "$rps" "$p50" "$p99" "${cmd//$url/URL}"
}

echo "plaza $($BIN --version | awk '{print $2}') on $(nproc) cores, $(date -u +%Y-%m-%d)"
echo
echo "| endpoint                     |      req/s |      p50 |      p99 | command |"
echo "|------------------------------|-----------:|---------:|---------:|---------|"
run "GET /healthz" "$url/healthz"
run "GET /api/me (session)" -H "Cookie: $cookie" "$url/api/me"
echo
bash bench/relay.sh
bash bench/billing.sh
bash bench/apps.sh
bash bench/settle.sh
