#!/usr/bin/env bash
# Installs what run.sh and test.sh need on a fresh machine: the pinned npm packages (Azurite, jsonata) and the .NET
# build. Safe to run repeatedly; it does nothing that is already done.
set -euo pipefail
cd "$(dirname "$0")/.."

command -v dotnet >/dev/null || { echo "setup: the .NET SDK (dotnet) is required; see global.json for the version." >&2; exit 1; }
command -v npm >/dev/null || { echo "setup: Node.js and npm are required (for Azurite)." >&2; exit 1; }

# npm ci writes node_modules/.package-lock.json, so a tree newer than the lock file is already installed.
# The registry can be slow, so each install is retried.
retry() {
  local attempt
  for attempt in 1 2 3; do
    "$@" && return 0
    echo "setup: '$*' failed (attempt $attempt)" >&2
    sleep $((attempt * 5))
  done
  return 1
}

if [ ! node_modules/.package-lock.json -nt package-lock.json ]; then
  retry npm ci --no-audit --no-fund --loglevel=error
fi
retry dotnet restore Serverless.sln --nologo -v quiet
dotnet build Serverless.sln --no-restore --nologo -v quiet -c "${CONFIGURATION:-Debug}"
