#!/usr/bin/env bash
# Benchmarks the status page's hottest read and write, and messages through a flow, through the app (Release build, real
# Kestrel, its own in-memory Azurite) side by side with the floor: the same storage calls made directly. Prints Markdown tables.
#   bench/run.sh                      # 300 calls per scenario
#   BENCH_ITERATIONS=1000 BENCH_FLOW_MESSAGES=5000 bench/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CONFIGURATION=Release
./scripts/setup.sh

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT

blob=10200 queue=10201 table=10202
node node_modules/azurite/dist/src/azurite.js --silent --inMemoryPersistence --skipApiVersionCheck --loose \
  --blobHost 127.0.0.1 --blobPort $blob --queueHost 127.0.0.1 --queuePort $queue --tableHost 127.0.0.1 --tablePort $table &
pids+=($!)
key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
export ENCRYPTION_KEY=$(openssl rand -base64 32)
export BOOTSTRAP_ADMIN_EMAIL=bench@example.com BOOTSTRAP_ADMIN_API_KEY=$(openssl rand -hex 32)
export PORT=${BENCH_PORT:-7190} BENCH_BASE_URL="http://127.0.0.1:${BENCH_PORT:-7190}"
export Logging__LogLevel__Default=Warning
# The flow benchmark's sink is on loopback, and it sends far more than a contract's 60 webhooks a minute.
export OUTBOUND_ALLOW_PRIVATE_NETWORKS=true WEBHOOK_REQUESTS_PER_MINUTE=1000000

(cd functions/Serverless.Functions/bin/Release/net10.0 && exec dotnet Serverless.Functions.dll) >/dev/null &
pids+=($!)
for _ in $(seq 1 100); do
  curl -sf "$BENCH_BASE_URL/api/v1/ping" >/dev/null && break
  sleep 0.2
done
dotnet run -c Release --no-build --project bench/Serverless.Bench
