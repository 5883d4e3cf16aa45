#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The test harness must not pass by accident: tests/lib.sh's skip_tool turns a missing tool into
# a FAIL under CI=true (where .ci/run installs every tool) and a SKIP elsewhere, and
# tools/run_tests.sh counts a FAIL line, and a command that exits non-zero without one, as failures;
# it runs only the asked tier of the suite file, lists the suites it runs, and refuses a malformed
# suite file or an unknown tier before running anything.
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
suites=$tmp/suites.txt
cat >"$suites" <<'SUITES'
# a comment, then a blank line

a  check,full  echo PASS a
b  check       echo SKIP b: x
c  check       exit 3
d  check       echo FAIL d: y
e  full        echo PASS e
f  check       echo "PASS f $X|$Y"
SUITES
out=$(tools/run_tests.sh "$tmp/logs" --suites "$suites" --tier check --var X=1 --var 'Y=two words' 2>&1)
rc=$?
check runner-summary "2 passed, 2 failed, 1 skipped" "$(printf '%s\n' "$out" | tail -n 1)"
check runner-exit "1" "$([ $rc -ne 0 ] && echo 1 || echo 0)"
check runner-lists-suites "tier check: 5 suites from $suites: a b c d f" "$(printf '%s\n' "$out" | head -n 1)"
check runner-var "  [f] PASS f 1|two words" "$(printf '%s\n' "$out" | grep '^  \[f\] PASS')"
out=$(tools/run_tests.sh "$tmp/logs" --suites "$suites" --tier full --only e 2>&1)
check runner-tier-and-only "1 passed, 0 failed, 0 skipped" "$(printf '%s\n' "$out" | tail -n 1)"
# an unset variable fails its suite (bash -u) instead of expanding to nothing
printf 'g check echo PASS $NOT_GIVEN\n' >"$tmp/unset.txt"
out=$(tools/run_tests.sh "$tmp/logs" --suites "$tmp/unset.txt" --tier check 2>&1)
check runner-unset-var "0 passed, 1 failed, 0 skipped" "$(printf '%s\n' "$out" | tail -n 1)"

refused() { # refused NAME EXPECTED-MESSAGE FILE-CONTENT RUNNER-ARGS...: exit 2, the message, no suite run
  local name=$1 want=$2 content=$3 out rc
  shift 3
  printf '%s\n' "$content" >"$tmp/bad.txt"
  out=$(tools/run_tests.sh "$tmp/badlogs" --suites "$tmp/bad.txt" "$@" 2>&1)
  rc=$?
  if [ "$rc" = 2 ] && [[ $out == *"$want"* ]] && [[ $out != *PASS* ]]; then
    echo "PASS harness/$name"
  else
    echo "FAIL harness/$name: expected exit 2 and '$want' before any suite, got exit $rc: $(printf '%s' "$out" | head -c 300)"
  fi
}
refused refuse-no-command "$tmp/bad.txt:2: expected 'NAME TIERS COMMAND'" $'a check echo PASS a\nb check' --tier check
refused refuse-unknown-tier-in-file "$tmp/bad.txt:3: suite 'c': unknown tier 'quick'" \
  $'# c\na check echo PASS a\nc check,quick echo PASS c' --tier check
refused refuse-empty-tier "$tmp/bad.txt:1: suite 'a': unknown tier ''" 'a check,,full echo PASS a' --tier check
refused refuse-bad-name "$tmp/bad.txt:1: bad suite name 'a/b'" 'a/b check echo PASS a' --tier check
refused refuse-duplicate "$tmp/bad.txt:2: suite 'a' is listed twice" $'a check echo PASS a\na full echo PASS a' --tier full
refused refuse-unknown-tier "unknown tier 'quick' (known: check full)" 'a check echo PASS a' --tier quick
refused refuse-empty-tier-selection "no suite in tier 'full'" 'a check echo PASS a' --tier full
refused refuse-unknown-only "--only: no suite 'z' in tier 'check'" 'a check echo PASS a' --tier check --only a,z
refused refuse-bad-var "--var 'X': expected NAME=VALUE" 'a check echo PASS a' --tier check --var X
refused refuse-missing-file "$tmp/none.txt: no such suite file" '' --tier check --suites "$tmp/none.txt"
