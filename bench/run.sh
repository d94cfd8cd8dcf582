#!/usr/bin/env bash
# Every benchmark of issue 13 (and the measurements of issue 12 parts 5 and 6) in one run, each beside its floor: the
# same storage calls made directly with the same SDK. Builds Release, starts its own in-memory Azurite and the app
# standalone, checks the work was really done, and writes one table into bench/README.md (between the bench:results
# markers). Everything it starts is stopped when it exits, also on failure or Ctrl-C.
#   bench/run.sh                                  # the whole suite, about 8 minutes on 2 cores
#   BENCH_RUNS=5 BENCH_SECONDS=5 bench/run.sh     # more and longer runs (medians of BENCH_RUNS)
#   bench/run.sh api operations                   # some scenarios only: api operations flow mapper startup spike limits
#   BENCH_WRITE_README=0 bench/run.sh             # print the table only
#   bench/run.sh hold                             # start and seed, then wait for Ctrl-C (to attach dotnet-trace)
# BENCH_OUT (bench/.out), BENCH_AZURITE_PORT (10200, and the next two) and BENCH_APP_PORT (7190, and the next three)
# move its files and ports; BENCH_SKIP_SETUP=1 with BENCH_CONFIGURATION=Debug uses a build that is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export CONFIGURATION=${BENCH_CONFIGURATION:-Release}
[ "${BENCH_SKIP_SETUP:-}" = 1 ] || ./scripts/setup.sh --with-wrk
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

runs=${BENCH_RUNS:-3} seconds=${BENCH_SECONDS:-2}
out=${BENCH_OUT:-bench/.out}
rm -rf "$out" && mkdir -p "$out"
results=$out/results.jsonl
: >"$results"
bin=functions/Serverless.Functions/bin/$CONFIGURATION/net10.0
bench() { dotnet "bench/Serverless.Bench/bin/$CONFIGURATION/net10.0/Serverless.Bench.dll" "$@"; }

# --- processes: every one started here is remembered and stopped on exit --------------------------------------------
pids=()
cleanup() {
  local pid alive
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT
trap 'exit 130' INT TERM

blob=${BENCH_AZURITE_PORT:-10200} queue=$((blob + 1)) table=$((blob + 2))
port=${BENCH_APP_PORT:-7190}
node node_modules/azurite/dist/src/azurite.js --silent --inMemoryPersistence --skipApiVersionCheck --loose \
  --blobHost 127.0.0.1 --blobPort $blob --queueHost 127.0.0.1 --queuePort $queue --tableHost 127.0.0.1 --tablePort $table >"$out/azurite.log" 2>&1 &
pids+=($!)
echo "$!" >"$out/azurite.pid"
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
ENCRYPTION_KEY=$(openssl rand -base64 32)
BOOTSTRAP_ADMIN_EMAIL=bench@example.com BOOTSTRAP_ADMIN_API_KEY=$(openssl rand -hex 32)
export ENCRYPTION_KEY BOOTSTRAP_ADMIN_EMAIL BOOTSTRAP_ADMIN_API_KEY
export Logging__LogLevel__Default=Warning
# Local upstreams (the flow's sink, the operations' slow server) are on loopback; the benchmarks send far more than a
# user's allowance, so the limits are lifted except on the app that measures them (limits_scenario).
export OUTBOUND_ALLOW_PRIVATE_NETWORKS=true WEBHOOK_REQUESTS_PER_MINUTE=100000000
unlimited=(RATE_LIMIT_PER_KEY=100000000 RATE_LIMIT_ANONYMOUS_READS=100000000 RATE_LIMIT_ANONYMOUS_WRITES=100000000 RATE_LIMIT_FAILED_AUTH=100000000)
for _ in $(seq 1 100); do
  (exec 3<>"/dev/tcp/127.0.0.1/$table") 2>/dev/null && break
  sleep 0.1
done

# start_app NAME PORT COMMAND [VAR=value...]: the app standalone on PORT with extra settings; waits for its first 200
# on /. Its pid is in $out/NAME.pid, the milliseconds from its start to that 200 in $out/NAME.ready-ms.
start_app() {
  local name=$1 port=$2 command=$3
  shift 3
  date +%s%N >"$out/$name.started-ns"
  env PORT="$port" "$@" $command >"$out/$name.log" 2>&1 &
  pids+=($!)
  echo "$!" >"$out/$name.pid"
  until_200 "$name" "http://127.0.0.1:$port/" >"$out/$name.ready-ms"
}
# until_200 NAME URL [curl options]: polls URL every 10 ms until it answers 200; prints the ms since NAME started.
until_200() {
  local name=$1 url=$2
  shift 2
  for _ in $(seq 1 3000); do
    if [ "$(curl -s -o /dev/null -w '%{http_code}' "$@" "$url")" = 200 ]; then
      echo $(( ($(date +%s%N) - $(cat "$out/$name.started-ns")) / 1000000 ))
      return 0
    fi
    kill -0 "$(cat "$out/$name.pid")" 2>/dev/null || { echo "bench: $name exited; see $out/$name.log" >&2; exit 1; }
    sleep 0.01
  done
  echo "bench: $name did not answer $url" >&2
  exit 1
}
stop_app() {
  local pid
  pid=$(cat "$out/$1.pid")
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
rss_mb() { awk '/VmRSS/ { printf "%d", $2 / 1024 }' "/proc/$(cat "$out/$1.pid")/status"; }
record() { echo "$1" >>"$results"; }

# wrk_json SCRIPT CONNECTIONS URL: one wrk run; prints the JSON line bench/wrk/report.lua writes.
wrk_json() {
  wrk -t "$(( $2 < 2 ? 1 : 2 ))" -c "$2" -d "${seconds}s" --timeout 10s -s "bench/wrk/$1.lua" "$3" | grep '^{'
}

app_url=http://127.0.0.1:$port
start_app app "$port" "dotnet $bin/Serverless.Functions.dll" "${unlimited[@]}"
bench seed "$app_url" >"$out/seed.env"
set -a; . "$out/seed.env"; set +a
record "{\"scenario\":\"rss\",\"state\":\"idle, after start-up and seeding\",\"mb\":$(rss_mb app)}"

# --- 1. API throughput and latency beside the floor ---------------------------------------------------------------
api_scenario() {
  local shape connections run line
  bench calls "$(cat "$out/app.pid")" "$app_url" >>"$results"
  for shape in flows-list flows-create users-me components-guest warroom-note access-token; do
    for run in $(seq 1 "$runs"); do
      for connections in 1 16 64; do
        record "{\"scenario\":\"api\",\"shape\":\"$shape\",\"side\":\"app\",\"connections\":$connections,\"run\":$run,\"result\":$(wrk_json "$shape" "$connections" "$app_url")}"
      done
      bench floor "$results" "$shape" "$seconds" 1 16 64 | while read -r line; do
        connections=$(echo "$line" | sed 's/.*"connections":\([0-9]*\).*/\1/')
        record "{\"scenario\":\"api\",\"shape\":\"$shape\",\"side\":\"floor\",\"connections\":$connections,\"run\":$run,\"result\":$line}"
      done
    done
  done
  record "{\"scenario\":\"rss\",\"state\":\"after the API load\",\"mb\":$(rss_mb app)}"
  bench verify "$app_url" >>"$results"
}

# --- 2. Operations: verify-credential to the poll's 303 -------------------------------------------------------------
operations_scenario() {
  bench operations "$app_url" >>"$results"
}

# --- 3. Flow throughput -------------------------------------------------------------------------------------------
flow_scenario() {
  BENCH_FLOW_MESSAGES=${BENCH_FLOW_MESSAGES:-1000} bench flow "$app_url" "$(cat "$out/app.pid")" >>"$results"
}

# --- 4. Mapper cost: the app's engine and the reference jsonata under Node, the same expressions ------------------
mapper_scenario() {
  export BENCH_MAPPER_ITERATIONS=${BENCH_MAPPER_ITERATIONS:-5000}
  dotnet "bench/Serverless.Bench.Scripting/bin/$CONFIGURATION/net10.0/Serverless.Bench.Scripting.dll" mapper >>"$results"
  node bench/mapper.mjs >>"$results"
}

# --- 5. Start-up and memory ---------------------------------------------------------------------------------------
startup_scenario() {
  local build run first
  [ out/app/bin/Serverless.Functions -nt "$bin/Serverless.Functions.dll" ] || ./scripts/publish.sh >/dev/null
  for build in release publish; do
    for run in $(seq 1 "$runs"); do
      if [ "$build" = release ]; then
        start_app startup $((port + 1)) "dotnet $bin/Serverless.Functions.dll" "${unlimited[@]}"
      else
        start_app startup $((port + 1)) out/app/bin/Serverless.Functions "${unlimited[@]}"
      fi
      first=$(until_200 startup "http://127.0.0.1:$((port + 1))/v2/users/me" -H "Authorization: $BENCH_ADMIN_BASIC")
      record "{\"scenario\":\"startup\",\"build\":\"$build\",\"run\":$run,\"root_ms\":$(cat "$out/startup.ready-ms"),\"authenticated_ms\":$first}"
      stop_app startup
    done
  done
}

# --- 6. Issue 12 part 5: the status page's guest reads, cached and uncached side by side at 64 connections ----------
spike_scenario() {
  local shape run
  start_app uncached $((port + 2)) "dotnet $bin/Serverless.Functions.dll" "${unlimited[@]}" STATUS_PAGE_CACHE=false
  for shape in status-html components-guest summary-json; do
    for run in $(seq 1 "$runs"); do
      record "{\"scenario\":\"spike\",\"shape\":\"$shape\",\"side\":\"cached\",\"run\":$run,\"result\":$(wrk_json "$shape" 64 "$app_url")}"
      record "{\"scenario\":\"spike\",\"shape\":\"$shape\",\"side\":\"uncached\",\"run\":$run,\"result\":$(wrk_json "$shape" 64 "http://127.0.0.1:$((port + 2))")}"
    done
  done
  stop_app uncached
}

# --- 7. Issue 12 part 6: a flood from one key and from one address; another tenant's p99 before and during --------
# Its own app with the default limits (600 requests a minute per key and per address for guest reads). The other
# tenant reads at a steady 2 × 4 a second, within its allowance; each flooder (64 connections, as fast as wrk goes)
# runs through all of its runs, spends its allowance early and is answered 429 for the rest of the minute.
limits_scenario() {
  local flood run flooder limit_seconds=$((seconds * 2))
  start_app limits $((port + 3)) "dotnet $bin/Serverless.Functions.dll"
  for run in $(seq 1 "$runs"); do
    record "{\"scenario\":\"limits\",\"flood\":\"none\",\"run\":$run,\"result\":$(seconds=$limit_seconds wrk_json other-tenant 2 "http://127.0.0.1:$((port + 3))")}"
  done
  for flood in flood-key flood-address; do
    wrk -t 2 -c 64 -d "$((runs * (limit_seconds + 1) + 2))s" --timeout 10s -s "bench/wrk/$flood.lua" "http://127.0.0.1:$((port + 3))" | grep '^{' >"$out/flood.json" &
    flooder=$!
    sleep 1
    for run in $(seq 1 "$runs"); do
      record "{\"scenario\":\"limits\",\"flood\":\"$flood\",\"run\":$run,\"result\":$(seconds=$limit_seconds wrk_json other-tenant 2 "http://127.0.0.1:$((port + 3))")}"
    done
    record "{\"scenario\":\"limits\",\"flood\":\"$flood\",\"retry_after\":\"$(retry_after "$flood" "http://127.0.0.1:$((port + 3))")\"}"
    wait "$flooder"
    record "{\"scenario\":\"limits\",\"flood\":\"$flood\",\"flooder\":$(cat "$out/flood.json")}"
  done
  stop_app limits
}
# retry_after FLOOD BASE: what the flooder is answered now: the status and its Retry-After header ("429 57").
retry_after() {
  local url=$2/api/v1/components headers=()
  if [ "$1" = flood-key ]; then
    url=$2/v2/users/me headers=(-H "Authorization: $BENCH_FLOOD_BASIC")
  fi
  curl -s -o /dev/null -D - "${headers[@]}" "$url" | tr -d '\r' | awk 'NR == 1 { status = $2 } tolower($1) == "retry-after:" { after = $2 } END { print status " " after }'
}

# --- hold: nothing measured; the app and Azurite stay up until Ctrl-C ---------------------------------------------
hold_scenario() {
  echo "bench: holding; app $app_url (pid $(cat "$out/app.pid")), seed in $out/seed.env; Ctrl-C stops everything" >&2
  sleep infinity &
  pids+=($!)
  wait $!
}

scenarios=("$@")
[ ${#scenarios[@]} -gt 0 ] || scenarios=(api operations flow mapper startup spike limits)
for scenario in "${scenarios[@]}"; do
  echo "bench: $scenario ($(date -u +%H:%M:%S), load average $(cut -d' ' -f1 /proc/loadavg))" >&2
  record "{\"scenario\":\"load\",\"name\":\"$scenario\",\"loadavg\":$(cut -d' ' -f1 /proc/loadavg)}"
  "${scenario}_scenario"
done
bench report "$results" "${BENCH_WRITE_README:-1}" "$runs" "$seconds"
