#!/usr/bin/env bash
# Benchmarks the script engines in process (Release): JSONata paths, conditions and mappers, and a code step.
#   bench/run-scripting.sh
#   BENCH_ITERATIONS=50000 bench/run-scripting.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CONFIGURATION=Release
./scripts/setup.sh
dotnet run -c Release --project bench/Serverless.Bench.Scripting
