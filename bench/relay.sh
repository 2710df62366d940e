#!/usr/bin/env bash
# The relay benchmark: the same fake upstream measured directly, through Plaza and through the
# Portkey gateway, in one run. Prints a Markdown table for bench/RESULTS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=build/plaza
FAKE=build/plaza-fake-upstream
DURATION=${DURATION:-8s}
WARMUP=${WARMUP:-2s}  # unreported load before each measured run: pools filled, heaps grown
ROUNDS=${ROUNDS:-3}   # direct and through Plaza measured in turns, medians reported (runs spread ±10% here)
FIXED_ROUNDS=${FIXED_ROUNDS:-5}  # the fixed-rate runs, in turns too: one run's p99 is often one stall of the machine
CONNECTIONS=${CONNECTIONS:-32}
HELD=${HELD:-10000}
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
work=$(mktemp -d /tmp/plaza-bench-relay-XXXXXX)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

wait_for() {  # wait_for FILE REGEX [TRIES of 50 ms] -> prints the first match
  for _ in $(seq "${3:-400}"); do
    if m=$(grep -o -m1 -E "$2" "$1" 2>/dev/null); then echo "$m"; return 0; fi
    sleep 0.05
  done
  cat "$1" >&2; return 1
}

$FAKE --listen 127.0.0.1:0 --threads 1 --record-cap 0 >"$work/fake.log" 2>&1 & pids+=($!)
fake_pid=$!
fake=$(wait_for "$work/fake.log" 'http://127\.0\.0\.1:[0-9]+')
$BIN serve --data-dir "$work/data" --listen 127.0.0.1:0 --io-threads 1 --access-log false \
  --api-rate-per-minute 10000000 >"$work/plaza.log" 2>&1 & pids+=($!)
plaza_pid=$!
plaza=$(wait_for "$work/plaza.log" 'listening on http://[0-9.:]+' | sed 's/listening on //')

$BIN admin create --username bench --password bench-password --data-dir "$work/data" >/dev/null
cj=$work/cookies
curl -s -c "$cj" -H 'content-type: application/json' -d '{"username":"bench","password":"bench-password"}' "$plaza/api/auth/login" >/dev/null
csrf=$(awk '$6=="plaza_csrf"{print $7}' "$cj")
curl -s -b "$cj" -H "x-csrf-token: $csrf" -H 'content-type: application/json' \
  -d "{\"name\":\"fake\",\"base_url\":\"$fake/v1\",\"keys\":[\"sk-upstream\"],\"models\":[\"bench\"]}" "$plaza/api/admin/channels" >/dev/null
key=$(curl -s -b "$cj" -H "x-csrf-token: $csrf" -H 'content-type: application/json' -d '{"name":"bench"}' "$plaza/api/keys" |
  grep -o '"secret":"sk-[A-Za-z0-9]*"' | cut -d'"' -f4)

portkey=""
if [[ -f bench/node_modules/@portkey-ai/gateway/build/start-server.js ]]; then
  node bench/node_modules/@portkey-ai/gateway/build/start-server.js --headless >"$work/portkey.log" 2>&1 & pids+=($!)
  portkey_pid=$!
  for _ in $(seq 200); do curl -s -o /dev/null http://127.0.0.1:8787/ && break; sleep 0.1; done
  portkey=http://127.0.0.1:8787
fi

plain='{"model":"bench","messages":[{"role":"user","content":"hello"}]}'
streamed='{"model":"bench","stream":true,"messages":[{"role":"user","content":"hello"}]}'

run_wrk() {  # run_wrk URL BODY AUTH [PORTKEY_HOST] -> wrk's report; a warm-up run first
  local env=(BODY="$2" AUTH="$3" PORTKEY_PROVIDER="${4:+openai}" PORTKEY_HOST="${4:-}")
  env "${env[@]}" wrk -t1 -c"$CONNECTIONS" -d"$WARMUP" -s bench/post.lua "$1/v1/chat/completions" >/dev/null
  env "${env[@]}" wrk -t1 -c"$CONNECTIONS" -d"$DURATION" --latency -s bench/post.lua "$1/v1/chat/completions"
}

row() {  # row NAME WRK_REPORT [ROUNDS_NOTE]
  local rps p50 p99 errors
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$2")
  p50=$(awk '$1=="50%" {print $2}' <<<"$2"); p99=$(awk '$1=="99%" {print $2}' <<<"$2")
  errors=$(awk '/Non-2xx/ {print $NF}' <<<"$2"); errors=${errors:-0}
  printf '| %-34s | %10s | %8s | %8s | %6s |\n' "$1" "$rps" "$p50" "$p99" "$errors"
}

measure() {  # measure NAME URL BODY AUTH [PORTKEY_HOST]
  row "$1" "$(run_wrk "$2" "$3" "$4" "${5:-}")"
}

median_report() {  # median_report REPORT... -> the report with the median req/s
  local i best=""
  for i in "$@"; do echo "$(awk '/Requests\/sec/ {print $2}' <<<"$i")"; done | sort -n | sed -n "$(( ($# + 1) / 2 ))p" |
    { read -r m; for i in "$@"; do if [[ $(awk '/Requests\/sec/ {print $2}' <<<"$i") == "$m" ]]; then echo "$i"; break; fi; done; }
}

rss_kb() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }

echo "Relay benchmark, $(date -u +%Y-%m-%d), $(nproc) cores; wrk -t1 -c$CONNECTIONS -d$DURATION after $WARMUP of warm-up; plaza --io-threads 1, fake upstream --threads 1"
echo
echo "| path                               |      req/s |      p50 |      p99 | non-2xx |"
echo "|------------------------------------|-----------:|---------:|---------:|-------:|"
direct_runs=(); plaza_runs=(); portkey_runs=()
for _ in $(seq "$ROUNDS"); do  # the three in turns, each ratio between medians taken alike
  direct_runs+=("$(run_wrk "$fake" "$plain" "")")
  plaza_runs+=("$(run_wrk "$plaza" "$plain" "Bearer $key")")
  if [[ -n $portkey ]]; then portkey_runs+=("$(run_wrk "$portkey" "$plain" "Bearer sk-upstream" "$fake/v1")"); fi
done
rps_list() { for r in "$@"; do awk '/Requests\/sec/ {printf "%d ", $2}' <<<"$r"; done; }
row "non-streamed, direct to upstream" "$(median_report "${direct_runs[@]}")"
plaza_row=$(row "non-streamed, through Plaza" "$(median_report "${plaza_runs[@]}")")
echo "$plaza_row"
runs_note="non-streamed runs (req/s, in turns): direct $(rps_list "${direct_runs[@]}")· through Plaza $(rps_list "${plaza_runs[@]}")"
plaza_max=$(awk -F'|' '{gsub(/ /, "", $3); print int($3)}' <<<"$plaza_row")
if [[ -n $portkey ]]; then
  row "non-streamed, through Portkey" "$(median_report "${portkey_runs[@]}")"
  runs_note+=" · through Portkey $(rps_list "${portkey_runs[@]}")"
  echo "| Portkey RSS after its run          | $(( $(rss_kb "$portkey_pid") / 1024 )) MB | | | |"
fi
measure "streamed (21 events), direct" "$fake" "$streamed" ""
measure "streamed (21 events), through Plaza" "$plaza" "$streamed" "Bearer $key"
if [[ -n $portkey ]]; then
  measure "streamed, through Portkey" "$portkey" "$streamed" "Bearer sk-upstream" "$fake/v1"
  kill "$portkey_pid" 2>/dev/null || true  # done with it: nothing else shares the cores from here on
fi
echo
echo "Medians of $ROUNDS; $runs_note"

# Added latency at a fixed rate, half of Plaza's maximum above: an open loop (plaza-loadgen), so a
# queue in Plaza shows in its percentiles; the same rate straight to the upstream is the baseline.
# Measured twice. First with every process free to run on any core, as above. Then with the test
# harness (the load generator and the fake upstream, which stand for clients and an upstream on other
# machines) on the last core and Plaza on the others: the loop and the fake wake each other through
# loopback, so the kernel stacks them on one core, and the harness's own stalls land in Plaza's tail.
LOADGEN=build/plaza-loadgen
if [[ -x $LOADGEN && ${plaza_max:-0} -gt 0 ]]; then
  rate=$((plaza_max / 2))
  all_cpus=0-$(($(nproc) - 1)); harness_cpu=$(($(nproc) - 1)); plaza_cpus=0-$(($(nproc) - 2))
  plaza_cores="cores $plaza_cpus"; (( $(nproc) == 2 )) && plaza_cores="core 0"
  place() {  # place PLAZA_CPUS HARNESS_CPUS: every thread of Plaza and the fake; the load generator per run
    taskset -a -p -c "$1" "$plaza_pid" >/dev/null; taskset -a -p -c "$2" "$fake_pid" >/dev/null
    harness_cpus=$2
  }
  # fixed URL AUTH -> the load generator's line, then "cpu N": the CPU it used, in clock ticks (its
  # shell's count of waited-for children)
  fixed() {
    taskset -c "$harness_cpus" bash -c '"$@"; s=$?; awk "{print \"cpu \" \$16 + \$17}" /proc/$$/stat; exit $s' _ \
      $LOADGEN --url "$1/v1/chat/completions" --rate "$rate" --seconds "${DURATION%s}" --warmup 2 --body "$plain" \
      ${2:+--header "Authorization: $2"}
  }
  ticks() { awk '{print $14 + $15}' "$1"; }  # ticks /proc/.../stat: user + system clock ticks
  pct() { grep -o "$1_ms=[0-9.]*" <<<"$2" | cut -d= -f2; }  # pct p50|p99 LINE
  median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{v[NR]=$1} END {if (NR) print v[int((NR+1)/2)]}'; }
  fixed_rate_runs() {  # fixed_rate_runs LABEL: FIXED_ROUNDS runs direct and through Plaza in turns, one summary
    local cpu_plaza=0 cpu_loop=0 cpu_fake=0 cpu_gen=0 direct_p99="" plaza_p99="" direct_p50="" plaza_p50="" failed=""
    local direct_line plaza_line p0 l0 f0 gen dp99 pp99
    for _ in $(seq "$FIXED_ROUNDS"); do
      direct_line=$(fixed "$fake" "") || true
      p0=$(ticks /proc/$plaza_pid/stat); l0=$(ticks /proc/$plaza_pid/task/$plaza_pid/stat); f0=$(ticks /proc/$fake_pid/stat)
      plaza_line=$(fixed "$plaza" "Bearer $key") || true
      cpu_plaza=$((cpu_plaza + $(ticks /proc/$plaza_pid/stat) - p0))
      cpu_loop=$((cpu_loop + $(ticks /proc/$plaza_pid/task/$plaza_pid/stat) - l0))
      cpu_fake=$((cpu_fake + $(ticks /proc/$fake_pid/stat) - f0))
      gen=$(grep -o 'cpu [0-9]*' <<<"$plaza_line" | cut -d' ' -f2)
      cpu_gen=$((cpu_gen + ${gen:-0}))
      [[ -z $(pct p99 "$direct_line") || -z $(pct p99 "$plaza_line") ]] && failed="direct '$direct_line', through Plaza '$plaza_line'"
      direct_p99+=" $(pct p99 "$direct_line")"; plaza_p99+=" $(pct p99 "$plaza_line")"
      direct_p50+=" $(pct p50 "$direct_line")"; plaza_p50+=" $(pct p50 "$plaza_line")"
    done
    echo
    echo "Fixed rate $rate req/s (half of Plaza's maximum), $1; latency from each request's due time, median of $FIXED_ROUNDS runs in turns:"
    if [[ -n $failed ]]; then
      echo "a fixed-rate run failed: $failed"
      return
    fi
    dp99=$(median <<<"$direct_p99"); pp99=$(median <<<"$plaza_p99")
    echo "direct p50 $(median <<<"$direct_p50") ms, p99 $dp99 ms; through Plaza p50 $(median <<<"$plaza_p50") ms, p99 $pp99 ms;" \
      "added p99 $(awk -v a="$pp99" -v b="$dp99" 'BEGIN {printf "%.2f", a - b}') ms (p99 per run: direct$direct_p99; Plaza$plaza_p99)"
    awk -v p="$cpu_plaza" -v l="$cpu_loop" -v f="$cpu_fake" -v g="$cpu_gen" -v hz="$(getconf CLK_TCK)" \
      -v secs="$(( FIXED_ROUNDS * (${DURATION%s} + 2) ))" -v cores="$(nproc)" 'BEGIN {
        c = hz * secs
        printf "CPU during the runs through Plaza, in cores of %d: Plaza %.2f (its event loop %.2f), fake upstream %.2f, load generator %.2f\n",
          cores, p / c, l / c, f / c, g / c }'
  }
  place "$all_cpus" "$all_cpus"
  fixed_rate_runs "every process on any core"
  if (( $(nproc) >= 2 )); then
    place "$plaza_cpus" "$harness_cpu"
    fixed_rate_runs "the load generator and the fake upstream on core $harness_cpu, Plaza on $plaza_cores"
    place "$all_cpus" "$all_cpus"
  fi
fi

# Held streams: the upstream stalls after the first event; memory per open stream in Plaza.
before=$(rss_kb "$plaza_pid")
exec 3> >(node bench/held_streams.mjs "$plaza" "$key" "$HELD" > "$work/held.log" 2>&1)
wait_for "$work/held.log" 'open [0-9]+' 2400 >/dev/null || true  # 10,000 streams take a while here
after=$(rss_kb "$plaza_pid")
opened=$(grep -o 'open [0-9]*' "$work/held.log" | awk '{print $2}' || true)
echo
if [[ -n $opened ]]; then
  echo "Held streams: $opened open through Plaza; RSS $((before / 1024)) MB → $((after / 1024)) MB: $(( (after - before) * 1024 / opened )) bytes per stream"
else
  echo "Held streams: did not open ($(tail -2 "$work/held.log"))"
fi
echo x >&3
exec 3>&-
