#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Run one tier of the suites in a suite file, count their PASS/FAIL/SKIP lines and end with
# "N passed, N failed, N skipped" (exit 0 only when nothing failed).
#   tools/run_tests.sh LOGDIR --suites FILE --tier TIER [--only NAME,...] [--var NAME=VALUE ...]
# FILE (tests/suites.txt) has one suite a line, `NAME TIERS COMMAND`: TIERS is a comma-separated
# subset of the known tiers below, COMMAND the rest of the line, run by `bash -u -c` from the
# current directory. Lines starting with # are comments. Each --var NAME=VALUE is a shell
# variable (not exported: the suites' children see the environment this script was given) that
# commands use as $NAME; -u makes a misspelt or missing one fail its suite instead of expanding
# to nothing. --only runs the named suites of the tier alone.
# Each command's full output goes to LOGDIR/<name>.log; its PASS/FAIL/SKIP lines are echoed.
# A command that exits non-zero without printing a FAIL line counts as one failure of its own.
# A malformed suite file or bad arguments stop the run before any suite, with exit status 2.
set -u
known_tiers="check full"
die() { echo "run_tests.sh: $*" >&2; exit 2; }
usage="usage: tools/run_tests.sh LOGDIR --suites FILE --tier TIER [--only NAME,...] [--var NAME=VALUE ...]"

[ $# -ge 1 ] || die "$usage"
logdir=$1
shift
suites_file="" tier="" only="" prelude=""
while [ $# -gt 0 ]; do
  [ $# -ge 2 ] || die "$1 needs a value; $usage"
  case $1 in
    --suites) suites_file=$2 ;;
    --tier) tier=$2 ;;
    --only) only=$2 ;;
    --var)
      [[ $2 =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "--var '$2': expected NAME=VALUE"
      prelude+=$(printf '%s=%q; ' "${2%%=*}" "${2#*=}") ;;
    *) die "unknown argument '$1'; $usage" ;;
  esac
  shift 2
done
[ -n "$suites_file" ] && [ -n "$tier" ] || die "$usage"
[ -f "$suites_file" ] || die "$suites_file: no such suite file"
[[ " $known_tiers " == *" $tier "* ]] || die "unknown tier '$tier' (known: $known_tiers)"

# Parse and check the whole file first: a typo anywhere fails the run, not just its own tier.
names=() cmds=() seen=" " lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  [[ $line =~ ^[[:space:]]*(#|$) ]] && continue
  where="$suites_file:$lineno"
  read -r name tiers cmd <<<"$line"
  [ -n "$cmd" ] || die "$where: expected 'NAME TIERS COMMAND', got '$line'"
  # the name is also the log's file name
  [[ $name =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "$where: bad suite name '$name' (letters, digits, . _ -)"
  [[ $seen == *" $name "* ]] && die "$where: suite '$name' is listed twice"
  seen+="$name "
  in_tier=0
  IFS=, read -r -a tier_list <<<"$tiers"
  [ ${#tier_list[@]} -gt 0 ] || die "$where: suite '$name' has no tier"
  for t in "${tier_list[@]}"; do
    [[ " $known_tiers " == *" $t "* ]] || die "$where: suite '$name': unknown tier '$t' (known: $known_tiers)"
    [ "$t" = "$tier" ] && in_tier=1
  done
  if [ "$in_tier" = 1 ] && { [ -z "$only" ] || [[ ",$only," == *",$name,"* ]]; }; then
    names+=("$name") cmds+=("$cmd")
  fi
done <"$suites_file"
if [ -n "$only" ]; then
  IFS=, read -r -a wanted <<<"$only"
  for w in "${wanted[@]}"; do
    [[ " ${names[*]} " == *" $w "* ]] || die "--only: no suite '$w' in tier '$tier' of $suites_file"
  done
fi
[ ${#names[@]} -gt 0 ] || die "$suites_file: no suite in tier '$tier'"

mkdir -p "$logdir"
echo "tier $tier: ${#names[@]} suites from $suites_file: ${names[*]}"
pass=0 fail=0 skip=0
failures=()
for i in "${!names[@]}"; do
  name=${names[$i]}
  cmd=${cmds[$i]}
  log="$logdir/$name.log"
  start=$(date +%s)
  bash -u -c "$prelude$cmd" >"$log" 2>&1
  rc=$?
  secs=$(( $(date +%s) - start ))
  p=$(grep -c '^PASS ' "$log")
  f=$(grep -c '^FAIL ' "$log")
  s=$(grep -c '^SKIP ' "$log")
  grep -E '^(PASS|FAIL|SKIP) ' "$log" | sed "s/^/  [$name] /"
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
    echo "  [$name] FAIL $name: exited with status $rc; last lines of $log:"
    tail -n 15 "$log" | sed 's/^/      /'
    f=1
  fi
  while IFS= read -r line; do failures+=("[$name] $line (log: $log)"); done < <(grep -E '^FAIL ' "$log")
  [ "$rc" -ne 0 ] && [ "$(grep -c '^FAIL ' "$log")" -eq 0 ] && failures+=("[$name] exited with status $rc (log: $log)")
  echo "  -- $name: $p passed, $f failed, $s skipped (${secs}s)"
  pass=$((pass + p)) fail=$((fail + f)) skip=$((skip + s))
done
# CI shows only the tail of the output: repeat every failure just above the summary line
if [ "${#failures[@]}" -gt 0 ]; then
  echo "FAILURES:"
  printf '  %s\n' "${failures[@]}"
fi
echo "$pass passed, $fail failed, $skip skipped"
[ "$fail" -eq 0 ]
