#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Memcheck on the product as users run it (the builds without sanitizers): a short run of the
# shipped model on the cpu, cmodel and rtl devices must show no memory error and no leak
# (definite, indirect or possible), and exit 0. A program that leaks on purpose must be reported
# with the same options, so the check can fail.
#   tests/test_valgrind.sh DIR     (DIR/tern and DIR/tern-rtl.so: the CLI built without sanitizers)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=${1:?usage: tests/test_valgrind.sh DIR}
if ! command -v valgrind >/dev/null 2>&1; then
  skip_tool valgrind "valgrind not installed (apt-get install valgrind)"
  exit 0
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
vg=(valgrind -q --leak-check=full --show-leak-kinds=definite,indirect,possible
    --errors-for-leak-kinds=definite,indirect,possible --error-exitcode=99)

printf '#include <stdlib.h>\nint main(void) { volatile char *p = malloc(64); p[0] = 1; p = 0; return 0; }\n' >"$tmp/leak.c"
if ${CC:-cc} -O0 -g "$tmp/leak.c" -o "$tmp/leak" 2>"$tmp/cc.err"; then
  "${vg[@]}" "$tmp/leak" 2>"$tmp/leak.err"
  rc=$?
  if [ $rc -eq 99 ] && grep -q 'definitely lost' "$tmp/leak.err"; then
    echo "PASS valgrind/catches-a-leak: 64 bytes definitely lost, exit 99"
  else
    echo "FAIL valgrind/catches-a-leak: a leaking program passed (exit $rc): $(head -c 300 "$tmp/leak.err")"
  fi
else
  echo "FAIL valgrind/catches-a-leak: cannot build the leaking program: $(head -c 200 "$tmp/cc.err")"
fi

for dev in cpu cmodel rtl; do
  tern=$dir/tern
  need=$tern
  [ "$dev" = rtl ] && need=$dir/tern-rtl.so
  if [ ! -e "$need" ]; then
    skip_tool "valgrind/$dev" "no $need (make -C driver tests rtl)"
    continue
  fi
  start=$(date +%s%N)
  "${vg[@]}" "$tern" run -m models/tern-kjv.gguf -p "In the beginning" -n 2 -q --threads 2 --device "$dev" \
    >"$tmp/$dev.out" 2>"$tmp/$dev.err"
  rc=$?
  ms=$(( ($(date +%s%N) - start) / 1000000 ))
  if [ $rc -eq 0 ] && [ -s "$tmp/$dev.out" ] && ! grep -q '^==[0-9]*==' "$tmp/$dev.err"; then
    echo "PASS valgrind/$dev: 2 tokens of the shipped model, no memory error, no leak ($((ms / 1000)).$((ms % 1000 / 100)) s under valgrind)"
  else
    echo "FAIL valgrind/$dev: exit $rc: $(grep -m 8 '' "$tmp/$dev.err" | tr '\n' ' ' | head -c 600)"
  fi
done
