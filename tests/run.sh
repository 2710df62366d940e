#!/usr/bin/env bash
# Runs every suite against one throwaway PostgreSQL cluster (started here, stopped on exit):
# C++ unit and repository tests (ctest), the web's unit tests (vitest), the HTTP integration tests
# and the browser end-to-end tests (node's test runner). Each suite runs even if an earlier failed.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

pgdir=$(mktemp -d /tmp/plaza-pg-XXXXXX)
trap 'bash tests/pg/cluster.sh stop "$pgdir"' EXIT
PLAZA_TEST_PG_URL=$(bash tests/pg/cluster.sh start "$pgdir") || { echo "could not start PostgreSQL"; exit 1; }
export PLAZA_TEST_PG_URL
echo "PostgreSQL for the tests: $PLAZA_TEST_PG_URL"

failed=()
run() {
  local name=$1; shift
  echo "=== $name"
  if ! "$@"; then failed+=("$name"); fi
}

run "C++ unit and repository tests" ctest --test-dir build-debug --output-on-failure -j 2
run "web unit tests" bash -c "cd web && npm test --silent"
run "integration, compatibility and end-to-end tests" node --test --test-concurrency=2 tests/fake_upstream/ tests/integration/ tests/compat/ tests/e2e/

if ((${#failed[@]})); then
  echo "FAILED: ${failed[*]}"
  exit 1
fi
echo "all suites passed"
