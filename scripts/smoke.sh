#!/usr/bin/env bash
# Checks a running deployment from outside, as a user would: the index, the API docs, users/me with a key, a status-page
# read, and an operation walked 202 -> 303 (a contract made, suspended, polled, unsuspended and deleted again).
# Usage: scripts/smoke.sh BASE_URL, with BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_API_KEY (or SMOKE_EMAIL and
# SMOKE_API_KEY) set. The first request waits up to SMOKE_WAIT seconds (default 300) for a cold or new app.
set -euo pipefail
base=${1:?usage: scripts/smoke.sh BASE_URL}
base=${base%/}
email=${SMOKE_EMAIL:-${BOOTSTRAP_ADMIN_EMAIL:-}}
key=${SMOKE_API_KEY:-${BOOTSTRAP_ADMIN_API_KEY:-}}
[ -n "$email" ] && [ -n "$key" ] || { echo "smoke: set BOOTSTRAP_ADMIN_EMAIL and BOOTSTRAP_ADMIN_API_KEY (or SMOKE_EMAIL and SMOKE_API_KEY)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# request METHOD PATH-OR-URL [curl args...]: sets $status, the body in $tmp/body and the headers in $tmp/headers.
request() {
  local method=$1 target=$2
  shift 2
  case "$target" in http*) ;; *) target="$base$target" ;; esac
  status=$(curl -s -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$method" --max-time 30 "$@" "$target" || true)
}
expect() { # NAME STATUS...
  local name=$1
  shift
  for wanted in "$@"; do
    if [ "$status" = "$wanted" ]; then echo "smoke: ok   $name ($status)"; return 0; fi
  done
  echo "smoke: FAIL $name: expected $*, got $status" >&2
  head -c 600 "$tmp/body" >&2 || true
  echo >&2
  exit 1
}
header() { sed -n "s/^$1: *//Ip" "$tmp/headers" | tr -d '\r' | tail -1; }
auth=(-u "$email:$key")
json=(-H 'Content-Type: application/json')

deadline=$((SECONDS + ${SMOKE_WAIT:-300}))
until request GET /; [ "$status" = 200 ] || [ $SECONDS -ge $deadline ]; do sleep 5; done
expect "GET / (the index)" 200
grep -q '"surfaces"' "$tmp/body" || { echo "smoke: FAIL the index lists no surfaces" >&2; exit 1; }

request GET /docs/
expect "GET /docs/ (the API reference)" 200
request GET /openapi/integration-platform.json
expect "GET /openapi/integration-platform.json" 200

request GET /v2/users/me "${auth[@]}"
expect "GET /v2/users/me with the key" 200
request GET /v2/users/me -u "$email:not-the-key-not-the-key-not-the-key"
expect "GET /v2/users/me with a wrong key" 401

request GET /api/v1/components
expect "GET /api/v1/components (status page, public)" 200

request POST /v2/contracts "${auth[@]}" "${json[@]}" -d "{\"data\":{\"type\":\"contract\",\"attributes\":{\"name\":\"smoke $(date -u +%Y%m%dT%H%M%S)\"}}}"
expect "POST /v2/contracts" 201
contract=$(sed -n 's/^{"data":{"id":"\([0-9a-f]*\)".*/\1/p' "$tmp/body")
[ -n "$contract" ] || { echo "smoke: FAIL no contract id in the answer" >&2; exit 1; }

request POST "/v2/contracts/$contract/suspend" "${auth[@]}"
expect "POST /v2/contracts/{id}/suspend" 202
poll=$(header Location)
[ -n "$poll" ] || { echo "smoke: FAIL the 202 has no Location" >&2; exit 1; }
deadline=$((SECONDS + 120))
while :; do
  request GET "$poll" "${auth[@]}"
  [ "$status" = 200 ] && [ $SECONDS -lt $deadline ] || break
  sleep 1
done
expect "GET the operation's Location until it is done" 303
[ -n "$(header Location)" ] || { echo "smoke: FAIL the 303 has no Location" >&2; exit 1; }

request POST "/v2/contracts/$contract/unsuspend" "${auth[@]}"
expect "POST /v2/contracts/{id}/unsuspend" 204
request DELETE "/v2/contracts/$contract" "${auth[@]}"
expect "DELETE /v2/contracts/{id} (clean-up)" 202 204
echo "smoke: all checks passed against $base"
