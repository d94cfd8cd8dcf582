#!/usr/bin/env bash
# Installs what run.sh and test.sh need on a fresh machine: the pinned npm packages (Azurite, jsonata) and the .NET
# build. Safe to run repeatedly; it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v dotnet >/dev/null || { echo "setup: the .NET SDK (dotnet) is required; see global.json for the version." >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js and npm are required (for Azurite)." >&2; exit 1; }

# npm ci is skipped when node_modules already matches the lock file. The registry can be slow, so it is retried.
if [ ! -f node_modules/.package-lock.json ] || ! cmp -s <(sed -n '/"packages"/,$p' package-lock.json | grep -v '"": {' ) <(sed -n '/"packages"/,$p' node_modules/.package-lock.json | grep -v '"": {') 2>/dev/null; then
  for attempt in 1 2 3; do
    if npm ci --no-audit --no-fund --loglevel=error; then break; fi
    if [ "$attempt" = 3 ]; then echo "setup: npm ci failed three times" >&2; exit 1; fi
    echo "setup: npm ci failed (attempt $attempt); retrying" >&2
    sleep $((attempt * 5))
  done
fi

for attempt in 1 2 3; do
  if dotnet restore Serverless.sln --nologo -v quiet; then break; fi
  if [ "$attempt" = 3 ]; then echo "setup: dotnet restore failed three times" >&2; exit 1; fi
  sleep $((attempt * 5))
done
dotnet build Serverless.sln --no-restore --nologo -v quiet -c "${CONFIGURATION:-Debug}"
