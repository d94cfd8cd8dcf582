#!/usr/bin/env bash
# Installs what run.sh and test.sh need on a fresh machine: the pinned npm packages (Azurite, jsonata, playwright-core),
# Debian's Chromium for the browser tests (with --with-chromium, as test.sh asks), Debian's wrk load generator (with
# --with-wrk, as bench/run.sh asks), and the .NET build. Safe to run repeatedly.
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
# The browser tests drive Debian's Chromium through playwright-core, which cannot download a browser of its own here.
# Only test.sh asks for it (--with-chromium); CHROMIUM_PATH names another one.
apt_install() {
  local sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  retry $sudo apt-get update -qq
  retry $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}
if [ "${1:-}" = "--with-chromium" ] && [ -z "${CHROMIUM_PATH:-}" ] && ! command -v chromium >/dev/null; then
  if command -v apt-get >/dev/null; then
    apt_install chromium
  else
    echo "setup: chromium is missing and there is no apt-get; install it or set CHROMIUM_PATH, or the browser tests fail." >&2
  fi
fi
# The benchmarks' HTTP load generator (bench/run.sh asks for it).
if [ "${1:-}" = "--with-wrk" ] && ! command -v wrk >/dev/null; then
  if command -v apt-get >/dev/null; then
    apt_install wrk
  else
    echo "setup: wrk is missing and there is no apt-get; install wrk, or bench/run.sh cannot measure the API." >&2
    exit 1
  fi
fi
retry dotnet restore Serverless.sln --nologo -v quiet
dotnet build Serverless.sln --no-restore --nologo -v quiet -c "${CONFIGURATION:-Debug}"
