#!/usr/bin/env bash
# The bench must be able to fail: build copies of rtl/ with one deliberate bug each and check
# that the random bit-exact suite catches every one.
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
root=$PWD
mut() {  # mut NAME FILE SED-EXPRESSION
  local name=$1 file=$2 expr=$3 dir="$root/$BUILD/mutants/$1"
  rm -rf "$dir"; mkdir -p "$dir/rtl"
  cp rtl/*.v rtl/*.vh "$dir/rtl/"
  sed -i "$expr" "$dir/rtl/$file"
  if cmp -s "rtl/$file" "$dir/rtl/$file"; then
    echo "FAIL mutation/$name: the mutation did not apply to rtl/$file (update tests/test_mutation.sh)"
    return
  fi
  if ! make -s -C sim array BUILD="$root/$BUILD" CFG="mutant-$name" TRACE=0 RTL_DIR="$dir/rtl" >/dev/null 2>&1; then
    echo "PASS mutation/$name (the mutant does not even build)"
    return
  fi
  if "$root/$BUILD/sim/mutant-$name/array_tb" +suite=random +jobs=300 +seed=1 | grep -q '^FAIL'; then
    echo "PASS mutation/$name: caught"
  else
    echo "FAIL mutation/$name: the random suite did not notice the bug"
  fi
}
# T2 code 3 decoded as -1 instead of 0
mut t2-code3 tern_mac_row.v 's/neg  = (code == 2.d0);/neg  = (code[0] == code[1]);/'
# the -1 lanes lose their +1 carry
mut lost-carry tern_mac_row.v 's/assign leaf_c\[l\]      = neg;/assign leaf_c[l]      = 1'"'"'b0;/'
# every token accumulates into one accumulator (the prefill ring ignores TOKENS)
mut shared-acc tern_mac_row.v 's/wire tail = (tok_last_i == T_U\[TIX_BITS-1:0\]);/wire tail = (T_U == 32'"'"'d0);/'
