#!/usr/bin/env bash
# Runs the whole test suite. The tests start their own Azurite (from node_modules, in memory, on free ports), so
# nothing needs to be running. The last line is the totals, "N passed, M failed[, K skipped]", for CI.
set -uo pipefail
cd "$(dirname "$0")"

./scripts/setup.sh --with-chromium || { echo "0 passed, 1 failed"; exit 1; }

results=$(mktemp -d)
dotnet test Serverless.sln --no-build --nologo -v quiet --logger "trx;LogFileName=results.trx" --results-directory "$results" "$@"
status=$?

passed=0 failed=0 skipped=0
for trx in "$results"/*.trx; do
  [ -f "$trx" ] || continue
  counters=$(grep -o '<Counters [^>]*>' "$trx")
  attr() { echo "$counters" | grep -o " $1=\"[0-9]*\"" | grep -o '[0-9]*'; }
  passed=$((passed + $(attr passed)))
  failed=$((failed + $(attr failed)))
  skipped=$((skipped + $(attr notExecuted)))
  # Each failure's message (the quiet console names it only), so that a red CI run says why.
  awk '/<UnitTestResult / { failed = /outcome="Failed"/; if (failed && match($0, /testName="[^"]*"/)) print "--- " substr($0, RSTART + 10, RLENGTH - 11) }
       failed && /<Message>/ { shown = 0; inside = 1 }
       inside && shown < 25 { print; shown++ }
       /<\/Message>/ { inside = 0 }' "$trx"
done
rm -rf "$results"
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi  # the run itself failed (build, crash, timeout)

summary="$passed passed, $failed failed"
[ "$skipped" -gt 0 ] && summary="$summary, $skipped skipped"
echo "$summary"
exit "$status"
