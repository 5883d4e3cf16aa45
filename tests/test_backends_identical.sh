#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The driver suite's --dump outputs (float bit patterns of a fixed workload) must be identical
# on every backend, and the documented example must print the same line on each.
#   tests/test_backends_identical.sh DIR BACKEND...        e.g. DIR cpu cmodel rtl
# DIR holds out-<backend>.txt for each backend and example_bitlinear, the one binary for every
# backend (rtl and systemc: their plugin beside it).
set -u
dir=$1
shift
first=$1
want=$("$dir/example_bitlinear" "$first" | sed 's/^[^:]*://')
for b in "$@"; do
  if [ ! -s "$dir/out-$b.txt" ]; then
    echo "FAIL driver/identical[$b]: no output $dir/out-$b.txt"
  elif cmp -s "$dir/out-$first.txt" "$dir/out-$b.txt"; then
    echo "PASS driver/identical[$b]: $(wc -l <"$dir/out-$b.txt") floats bit-identical to $first"
  else
    echo "FAIL driver/identical[$b]: differs from $first at line $(cmp "$dir/out-$first.txt" "$dir/out-$b.txt" | awk '{print $NF}')"
  fi
  got=$("$dir/example_bitlinear" "$b" | sed 's/^[^:]*://')
  if [ -n "$got" ] && [ "$got" = "$want" ]; then
    echo "PASS driver/example[$b]"
  else
    echo "FAIL driver/example[$b]: printed '$got', $first printed '$want'"
  fi
done
