#!/usr/bin/env bash
# Sets everything up (the Go releases of the test matrix too), builds, and runs every test
# (uvu), ending with one summary line "N passed, N failed" that CI reads.
set -uo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --tests || exit 1
npx tsc -p . || exit 1
log=$(mktemp)
NO_COLOR=1 npx uvu dist/test '\.test\.js$' 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
total=$(sed -n 's/^ *Total: *\([0-9]*\).*/\1/p' "$log" | tail -1)
passed=$(sed -n 's/^ *Passed: *\([0-9]*\).*/\1/p' "$log" | tail -1)
rm -f "$log"
if [ -z "$total" ] || [ -z "$passed" ]; then
  echo "tests: no summary from uvu (exit status $status)"
  exit $(( status == 0 ? 1 : status ))
fi
echo "tests: $passed passed, $((total - passed)) failed"
exit "$status"
