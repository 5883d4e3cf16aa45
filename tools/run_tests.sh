#!/usr/bin/env bash
# Run test commands, count their PASS/FAIL/SKIP lines and end with "N passed, N failed, N skipped".
#   tools/run_tests.sh LOGDIR 'name|command' ...
# Each command's full output goes to LOGDIR/<name>.log; its PASS/FAIL/SKIP lines are echoed.
# A command that exits non-zero without printing a FAIL line counts as one failure of its own.
set -u
logdir=$1
shift
mkdir -p "$logdir"
pass=0 fail=0 skip=0
failures=()
for spec in "$@"; do
  name=${spec%%|*}
  cmd=${spec#*|}
  log="$logdir/$name.log"
  start=$(date +%s)
  bash -c "$cmd" >"$log" 2>&1
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
