#!/usr/bin/env bash
# The test harness must not pass by accident: tests/lib.sh's skip_tool turns a missing tool into
# a FAIL under CI=true (where .ci/run installs every tool) and a SKIP elsewhere, and
# tools/run_tests.sh counts a FAIL line, and a command that exits non-zero without one, as failures.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
check() { # check NAME EXPECTED ACTUAL
  if [ "$2" = "$3" ]; then echo "PASS harness/$1"; else echo "FAIL harness/$1: expected '$2', got '$3'"; fi
}
check skip-dev "SKIP x/y: no tool" "$(CI= skip_tool x/y "no tool")"
check skip-ci "FAIL x/y" "$(CI=true skip_tool x/y "no tool" | cut -d: -f1)"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
out=$(tools/run_tests.sh "$tmp" "a|echo PASS a" "b|echo SKIP b: x" "c|exit 3" "d|echo FAIL d: y" 2>&1)
rc=$?
check runner-summary "1 passed, 2 failed, 1 skipped" "$(printf '%s\n' "$out" | tail -n 1)"
check runner-exit "1" "$([ $rc -ne 0 ] && echo 1 || echo 0)"
