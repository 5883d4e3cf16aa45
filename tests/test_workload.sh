#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The switching study's traffic path end to end (docs/ternary-vs-int8.md): `tern run --capture`
# on a small synthetic model (cpu device), whose capture file must have exactly the records and
# bytes its shape gives by hand; then the array bench replays it (+suite=workload +capture), the
# ternary array and the int8 baseline with both weight kinds, every job checked against the C
# golden model, one job per record; then 2B4T-shaped random jobs; then a truncated capture and a
# file that is not one must FAIL naming the reason. Prints PASS/FAIL lines.
#   tests/test_workload.sh DIR SIMDIR [SEED]  (DIR/tern; SIMDIR/default|int8/array_tb)
set -u
cd "$(dirname "$0")/.."
dir=${1:?usage: tests/test_workload.sh DIR SIMDIR [SEED]}
sim=${2:?usage: tests/test_workload.sh DIR SIMDIR [SEED]}
seed=${3:-$((RANDOM * 32768 + RANDOM))}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS workload/$1${2:+: $2}"; }
fail() { echo "FAIL workload/$1: $2"; }
tern_tb=$sim/default/array_tb
int8_tb=$sim/int8/array_tb

# ---- capture: records and bytes by hand -----------------------------------------------------
E=64 L=2 F=128 H=4 HKV=2
KVD=$((HKV * E / H))
P=3 NG=3   # prompt of 3 tokens (one evaluation), then NG - 1 decode steps of one token
model="synth:dim=$E,layers=$L,ff=$F,heads=$H,kv=$HKV,vocab=96,ctx=64,zero=0.4,seed=5"
cap=$tmp/run.cap
if ! "$dir/tern" run -m "$model" --tokens 1,2,3 -n $NG -q --device cpu --temp 0 --capture "$cap" \
  >"$tmp/run.out" 2>"$tmp/run.err"; then
  fail capture "tern run exit $?: $(head -c 300 "$tmp/run.err")"
  exit 0
fi
evals=$((1 + NG - 1))
records=$((7 * L * evals))
# per layer and evaluation of T tokens: q, o (E x E), k, v (KVD x E), gate, up (F x E), down (E x F)
weights=$((2 * E * E + 2 * KVD * E + 3 * F * E))
acts() { echo $(($1 * (6 * E + F))); }
want=$((8 + 16 * records + L * (evals * weights + $(acts $P) + (NG - 1) * $(acts 1))))
got=$(stat -c %s "$cap")
if [ "$got" = "$want" ] && [ "$(head -c 8 "$cap")" = TERNCAP1 ] && [ ! -e "$cap.tmp" ]; then
  pass capture "$records records, $got bytes"
else
  fail capture "$got bytes (expected $want for $records records), magic '$(head -c 8 "$cap" | od -An -c | tr -s ' ')'"
fi

# ---- replay on the array benches ----------------------------------------------------------
replay() { # NAME BENCH ARGS...: PASS line and one job per record
  local name=$1 tb=$2
  shift 2
  "$tb" +suite=workload +seed="$seed" "$@" >"$tmp/$name.log" 2>&1
  local rc=$? jobs
  jobs=$(sed -n 's/^workload: \([0-9]*\) jobs.*/\1/p' "$tmp/$name.log")
  if [ $rc -eq 0 ] && grep -q '^PASS rtl/workload' "$tmp/$name.log" && [ "$jobs" = "$records" ]; then
    pass "$name" "$(grep '^workload:' "$tmp/$name.log")"
  else
    fail "$name" "exit $rc, $jobs jobs (expected $records) [seed=$seed]: $(grep -m1 FAIL "$tmp/$name.log" | head -c 300)"
  fi
}
replay ternary "$tern_tb" +capture="$cap"
replay int8-weights "$int8_tb" +capture="$cap" +wdist=gauss
replay int8-trits "$int8_tb" +capture="$cap" +wdist=trits
records=6
replay random-ternary "$tern_tb" +max_jobs=6
replay random-int8 "$int8_tb" +max_jobs=6

# ---- bad captures are refused with the reason -----------------------------------------------
head -c $((8 + 16 + 100)) "$cap" >"$tmp/short.cap"
printf 'GGUF\003\000\000\000' >"$tmp/foreign.cap"
for c in "short:truncated" "foreign:not a tern capture"; do
  f=${c%%:*} why=${c#*:}
  out=$("$tern_tb" +suite=workload +capture="$tmp/$f.cap" 2>&1)
  rc=$?
  if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "^FAIL rtl/workload.*$why"; then
    pass "refuse-$f" "$(printf '%s' "$out" | grep -m1 FAIL | head -c 200)"
  else
    fail "refuse-$f" "exit $rc, expected a FAIL naming '$why': $(printf '%s' "$out" | tail -n 2 | head -c 300)"
  fi
done
