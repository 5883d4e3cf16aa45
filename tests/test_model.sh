#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The shipped model (models/, docs/model.md) on every device: a short greedy run on cpu, cmodel
# and rtl must give identical tokens and bit-identical logits (I2_S and TQ2_0 files alike), the
# rtl run with every BitLinear checked against the C golden model, and the text must be the
# model's own vocabulary (no byte-fallback garbage). Prints PASS/FAIL/SKIP lines.
#   tests/test_model.sh DIR      (DIR/tern, the CLI; DIR/tern-rtl.so for the rtl device)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=${1:?usage: tests/test_model.sh DIR}
tern=$dir/tern
rtl_tern=$dir/tern # the same CLI: --device rtl loads the plugin beside it
rtl_so=$dir/tern-rtl.so
model=models/tern-kjv.gguf
model_tq=models/tern-kjv-tq2_0.gguf
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS model/$1${2:+: $2}"; }
fail() { echo "FAIL model/$1: $2"; }
for f in "$model" "$model_tq"; do
  [ -f "$f" ] || { fail files "$f is missing"; exit 0; }
done
prompt="And the LORD spake unto Moses, saying"
run() { # run NAME BIN MODEL ARGS...: 16 greedy tokens, logits dump in $tmp/NAME.txt
  local name=$1 bin=$2 m=$3
  shift 3
  if ! "$bin" run -m "$m" -p "$prompt" -n 24 --ignore-eos -q --dump-logits "$tmp/$name.txt" "$@" \
      >"$tmp/$name.out" 2>"$tmp/$name.err"; then
    fail "run[$name]" "exit $?: $(head -c 300 "$tmp/$name.err")"
    return 1
  fi
}
same() { # same NAME A B
  if [ -s "$tmp/$2.txt" ] && cmp -s "$tmp/$2.txt" "$tmp/$3.txt"; then
    pass "$1" "$(grep -c '^logits' "$tmp/$2.txt") positions bit-identical, generated '$(sed -n 's/^generated //p' "$tmp/$2.txt")'"
  else
    fail "$1" "$2 and $3 differ: $(cmp "$tmp/$2.txt" "$tmp/$3.txt" 2>&1 | head -n 1)"
  fi
}
run cpu "$tern" "$model" --device cpu || exit 0
text=$(cat "$tmp/cpu.out")
# the generated text is English as the corpus writes it: printable ASCII and newlines only (a
# broken model or tokenizer gives replacement characters and control bytes), mostly letters
total=$(printf '%s' "$text" | wc -c)
plain=$(printf '%s' "$text" | tr -cd ' -~\n' | wc -c)
letters=$(printf '%s' "$text" | tr -cd 'A-Za-z' | wc -c)
if [ "$total" -gt 20 ] && [ "$plain" -eq "$total" ] && [ $((letters * 100)) -ge $((total * 60)) ]; then
  pass text "'$(printf '%s' "$text" | tr '\n' ' ' | head -c 120)'"
else
  fail text "generated text is not plain English ($plain printable, $letters letters of $total bytes): '$(printf '%s' "$text" | head -c 120)'"
fi
run tq2 "$tern" "$model_tq" --device cpu && same formats[tq2_0] cpu tq2
run cmodel "$tern" "$model" --device cmodel && same devices[cmodel] cpu cmodel
if [ -f "$rtl_so" ]; then
  if run rtl "$rtl_tern" "$model" --device rtl --check --stats; then
    same devices[rtl] cpu rtl
    if grep -Eq 'golden check: [1-9][0-9]* BitLinear calls compared with the C model, 0 differed' "$tmp/rtl.out"; then
      pass golden-check[rtl] "$(grep -o 'golden check: [0-9]* BitLinear calls' "$tmp/rtl.out" | sed 's/golden check: //') compared, 0 differed"
    else
      fail golden-check[rtl] "no clean golden-check line: $(grep -A6 '^-- device' "$tmp/rtl.out" | tr '\n' '|' | head -c 400)"
    fi
  fi
else
  skip_tool "model/devices[rtl]" "no $rtl_so (make -C driver rtl)"
fi
