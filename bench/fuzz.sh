#!/usr/bin/env bash
# The full fuzzing campaign of issue 12 (docs/resilience.md): generated and malformed requests to every route of the three
# OpenAPI documents, against the app on real Kestrel and its own in-memory Azurite (the test fixture's). Prints requests
# sent per surface, answers by status, and the 5xx, broken error bodies and stack traces found, each with its first
# example; a failure also prints the request CsCheck shrank it to and the seed that replays it.
#   bench/fuzz.sh                                  # 10,000 requests, seed 1
#   FUZZ_REQUESTS=50000 FUZZ_SEED=7 bench/fuzz.sh
set -uo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh >/dev/null || exit 1

report=$(mktemp)
trap 'rm -f "$report"' EXIT
FUZZ_REQUESTS=${FUZZ_REQUESTS:-10000} FUZZ_SEED=${FUZZ_SEED:-1} FUZZ_REPORT=$report \
  dotnet test Serverless.sln --no-build --nologo -v quiet \
  --filter "FullyQualifiedName~Resilience.FuzzTests.GeneratedRequestsToEveryRoute" --logger "console;verbosity=minimal" \
  | grep -E '^(Passed!|Failed!)|CsCheckException|^(GET|POST|PUT|PATCH|DELETE) |FuzzFailureException'
status=${PIPESTATUS[0]}
cat "$report"
exit "$status"
