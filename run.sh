#!/usr/bin/env bash
# Serves the API on http://127.0.0.1:${PORT:-7071}. Unless AzureWebJobsStorage is already set, it starts Azurite with
# its data under .azurite/ (AZURITE_LOCATION) and points the app at it; then, unless BOOTSTRAP_ADMIN_* are exported, it
# makes a local tenant admin once (kept in .azurite/admin.env) and prints its key in a banner once the API is ready.
# Ctrl-C stops everything it started.
set -euo pipefail
cd "$(dirname "$0")"

[ "${RUN_SKIP_SETUP:-}" = 1 ] || ./scripts/setup.sh
data=${AZURITE_LOCATION:-.azurite}
port=${PORT:-7071}
base="http://127.0.0.1:$port"

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
  mkdir -p "$data"
  node node_modules/azurite/dist/src/azurite.js --silent --location "$data" \
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
  echo "run.sh: Azurite is serving $data/ on ports $blob (blob), $queue (queue) and $table (table)"

  # A first run that works: a local tenant admin, made once and kept beside the data it belongs to. Only here, where
  # run.sh runs its own Azurite: against any other storage, and in Azure, no credentials are ever invented.
  if [ -z "${BOOTSTRAP_ADMIN_EMAIL:-}" ] && [ -z "${BOOTSTRAP_ADMIN_API_KEY:-}" ]; then
    if [ ! -s "$data/admin.env" ]; then
      (umask 077 && printf 'BOOTSTRAP_ADMIN_EMAIL=admin@example.com\nBOOTSTRAP_ADMIN_API_KEY=%s\n' "$(openssl rand -hex 32)" > "$data/admin.env")
    fi
    BOOTSTRAP_ADMIN_EMAIL=$(sed -n 's/^BOOTSTRAP_ADMIN_EMAIL=//p' "$data/admin.env")
    BOOTSTRAP_ADMIN_API_KEY=$(sed -n 's/^BOOTSTRAP_ADMIN_API_KEY=//p' "$data/admin.env")
    export BOOTSTRAP_ADMIN_EMAIL BOOTSTRAP_ADMIN_API_KEY
    admin_source="kept in $data/admin.env"
  fi
fi
[ -n "${BOOTSTRAP_ADMIN_EMAIL:-}" ] && : "${admin_source:=from BOOTSTRAP_ADMIN_*}"

# Credentials and secrets are encrypted with ENCRYPTION_KEY; locally a key is made once and kept beside the data.
if [ -z "${ENCRYPTION_KEY:-}" ]; then
  mkdir -p "$data"
  [ -s "$data/encryption.key" ] || (umask 077 && openssl rand -base64 32 > "$data/encryption.key")
  export ENCRYPTION_KEY=$(cat "$data/encryption.key")
fi

echo "run.sh: serving on $base"
# From its own folder, as the Functions host runs it (workingDirectory "bin"), so it finds its appsettings.json.
(cd "functions/Serverless.Functions/bin/${CONFIGURATION:-Debug}/net10.0" && exec dotnet Serverless.Functions.dll) &
app=$!
pids+=($app)

# The banner, once start-up work is done (the status page answers only then).
banner() {
  for _ in $(seq 1 600); do
    kill -0 "$app" 2>/dev/null || return 0
    curl -sf -o /dev/null "$base/api/v1/ping" 2>/dev/null && break
    sleep 0.1
  done
  local line="--------------------------------------------------------------------------------"
  echo "$line"
  echo "  The API is ready at  $base/    (Ctrl-C stops it)"
  echo "  API reference        $base/docs"
  echo "  Status page          $base/status"
  if [ -n "${BOOTSTRAP_ADMIN_EMAIL:-}" ]; then
    echo "  Tenant admin         $BOOTSTRAP_ADMIN_EMAIL    ($admin_source)"
    echo "  API key              $BOOTSTRAP_ADMIN_API_KEY"
    echo "  Try                  curl -u '$BOOTSTRAP_ADMIN_EMAIL:$BOOTSTRAP_ADMIN_API_KEY' $base/v2/users/me"
  else
    echo "  No tenant admin: export BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_API_KEY and start again."
  fi
  echo "$line"
}
command -v curl >/dev/null && banner &
wait "$app"
