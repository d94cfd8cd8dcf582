#!/usr/bin/env bash
# Serves the API on http://127.0.0.1:${PORT:-7071}. Unless AzureWebJobsStorage is already set, it starts Azurite with
# its data under .azurite/ and points the app at it. Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  # Azurite closes its services on SIGTERM but may leave its process behind; give everything 5 s, then make sure.
  for _ in $(seq 1 50); do
    alive=0
    for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && break
    sleep 0.1
  done
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if [ -z "${AzureWebJobsStorage:-}" ] && [ -z "${AzureWebJobsStorage__accountName:-}" ]; then
  blob=${AZURITE_BLOB_PORT:-10000} queue=${AZURITE_QUEUE_PORT:-10001} table=${AZURITE_TABLE_PORT:-10002}
  mkdir -p .azurite
  node node_modules/azurite/dist/src/azurite.js --silent --location .azurite \
    --skipApiVersionCheck --loose \
    --blobHost 127.0.0.1 --blobPort "$blob" --queueHost 127.0.0.1 --queuePort "$queue" --tableHost 127.0.0.1 --tablePort "$table" &
  pids+=($!)
  for _ in $(seq 1 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$table") 2>/dev/null && break
    kill -0 "${pids[0]}" 2>/dev/null || { echo "run.sh: Azurite did not start (are ports $blob-$table free?)" >&2; exit 1; }
    sleep 0.1
  done
  key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  export AzureWebJobsStorage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$blob/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$queue/devstoreaccount1;TableEndpoint=http://127.0.0.1:$table/devstoreaccount1;"
  echo "run.sh: Azurite is serving .azurite/ on ports $blob (blob), $queue (queue) and $table (table)"
fi

# Credentials and secrets are encrypted with ENCRYPTION_KEY; locally a key is made once and kept beside the data.
if [ -z "${ENCRYPTION_KEY:-}" ]; then
  mkdir -p .azurite
  [ -s .azurite/encryption.key ] || (umask 077 && openssl rand -base64 32 > .azurite/encryption.key)
  export ENCRYPTION_KEY=$(cat .azurite/encryption.key)
fi

echo "run.sh: serving on http://127.0.0.1:${PORT:-7071}"
# From its own folder, as the Functions host runs it (workingDirectory "bin"), so it finds its appsettings.json.
(cd "functions/Serverless.Functions/bin/${CONFIGURATION:-Debug}/net10.0" && exec dotnet Serverless.Functions.dll) &
pids+=($!)
wait "${pids[-1]}"
