#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The SystemC model of a tern system (driver/transports/systemc/, docs/systemc.md), driven by the driver's
# systemc backend:
#   - its own tests (test_systemc) and the driver suite (test_bitlinear) on --device systemc,
#     whose float outputs must equal the cpu device's bit for bit;
#   - calibration: the same calls (driver/tests/calib_jobs.c: shapes off the array's grid, tokens
#     1 .. 2*T_MAX+1, T2 and T5, batches, the built-in model's layer) on the Verilated RTL and on
#     the model, each call's device cycles within 2% and the total within 2%, with the rtl
#     transport's memory (latency 1 cycle) and with a slow one (40 cycles);
#   - the check can fail: the model with a 5% timing error (skew=0.05) must miss the 2%;
#   - the built-in model (models/tern-kjv.gguf) generating on --device systemc: the same logits
#     and text as --device cpu, and the same device cycles per token as --device rtl within 2%.
# Prints PASS/FAIL/SKIP lines; SKIPs everything when SystemC (libsystemc-dev) is not installed.
#   tests/test_systemc.sh DIR    (DIR = build/driver from make -C driver tests systemc-calib:
#                                 DIR/tern-systemc.so, tern-rtl.so, test_systemc, calib_jobs, tern)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=${1:?usage: tests/test_systemc.sh DIR}
[ -d "$dir" ] && dir=$(cd "$dir" && pwd)
sc=$dir  # the same binaries run both devices
rtl=$dir
limit=2.0  # percent

have_lib=0
for f in /usr/lib/*/libsystemc.so /usr/lib/libsystemc.so /usr/local/lib/libsystemc.so; do
  [ -e "$f" ] && have_lib=1
done
if [ ! -f /usr/include/systemc.h ] || [ "$have_lib" = 0 ]; then
  skip_tool systemc "SystemC is not installed (no /usr/include/systemc.h or libsystemc.so; apt-get install libsystemc-dev)"
  exit 0
fi
pass() { echo "PASS systemc/$1${2:+: $2}"; }
fail() { echo "FAIL systemc/$1: $2"; }
for b in "$dir/test_systemc" "$dir/test_bitlinear" "$dir/calib_jobs" "$dir/tern" "$dir/tern-systemc.so" \
  "$dir/tern-rtl.so"; do
  if [ ! -e "$b" ]; then
    fail build "$b is missing (make -C driver BUILD=... systemc-calib)"
    exit 1
  fi
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
status=0

# ---- the transport's own tests and the driver suite ----
(cd "$tmp" && "$sc/test_systemc") || status=1  # (its stats file goes to $tmp)
TERN_DEVICE=systemc "$sc/test_bitlinear" --dump "$tmp/out-systemc.txt" || status=1
if [ -x "$dir/test_bitlinear" ]; then
  TERN_DEVICE=cpu "$dir/test_bitlinear" --dump "$tmp/out-cpu.txt" >/dev/null
  if [ -s "$tmp/out-cpu.txt" ] && cmp -s "$tmp/out-cpu.txt" "$tmp/out-systemc.txt"; then
    pass identical-to-cpu "$(wc -l <"$tmp/out-cpu.txt") floats bit-identical"
  else
    fail identical-to-cpu "test_bitlinear --dump differs: $(cmp "$tmp/out-cpu.txt" "$tmp/out-systemc.txt" 2>&1 | head -n 1)"
    status=1
  fi
else
  skip_tool systemc/identical-to-cpu "no $dir/test_bitlinear (make -C driver tests)"
fi

# ---- calibration against the RTL ----
# compare RTL_FILE MODEL_FILE: "calls N max E% (call) total T%"; exit 1 if a call or the total
# is off by more than the limit, or the two runs do not list the same calls.
compare() {
  awk -v limit="$limit" '
    FNR == NR && $1 == "job" { want[$2] = $5; label[$2] = $3; n++; next }
    FNR == NR && $1 == "total" { total_want = $2; next }
    $1 == "job" { if (!($2 in want) || label[$2] != $3) { bad = "call " $2 " is not the same"; exit }
                  e = ($5 - want[$2]) / want[$2] * 100; a = e < 0 ? -e : e
                  if (a > worst) { worst = a; which = $3 " (rtl " want[$2] ", model " $5 ")" }; m++ }
    $1 == "total" { total_got = $2 }
    END {
      if (bad == "" && (m != n || n == 0 || total_want == 0)) bad = "the runs list " n " and " m " calls"
      if (bad != "") { print bad; exit 1 }
      t = (total_got - total_want) / total_want * 100; ta = t < 0 ? -t : t
      printf "%d calls, largest error %.2f%% (%s), total %d vs %d cycles (%+.3f%%)\n", n, worst, which, total_want, total_got, t
      exit (worst > limit || ta > limit) ? 1 : 0
    }' "$1" "$2"
}
calibrate() { # calibrate NAME RTL_URI MODEL_URI
  if ! "$rtl/calib_jobs" --device "$2" >"$tmp/rtl.txt" 2>"$tmp/rtl.err"; then
    fail "$1" "the rtl run failed: $(head -c 300 "$tmp/rtl.err")"
    status=1
    return
  fi
  if ! "$sc/calib_jobs" --device "$3" >"$tmp/model.txt" 2>"$tmp/model.err"; then
    fail "$1" "the systemc run failed: $(head -c 300 "$tmp/model.err")"
    status=1
    return
  fi
  local r
  if r=$(compare "$tmp/rtl.txt" "$tmp/model.txt"); then
    pass "$1" "$3 against $2: $r, limit $limit%"
  else
    fail "$1" "$3 against $2: $r, limit $limit%"
    status=1
  fi
}
calibrate calibration rtl systemc
calibrate calibration-slow-memory rtl:latency=40 systemc:latency=400  # 400 ns at 100 MHz: 40 cycles

# the check must be able to fail: a 5% error in the model's timing
if "$sc/calib_jobs" --device systemc:skew=0.05 >"$tmp/skew.txt" 2>/dev/null && [ -s "$tmp/skew.txt" ]; then
  "$rtl/calib_jobs" --device rtl >"$tmp/rtl.txt" 2>/dev/null
  if r=$(compare "$tmp/rtl.txt" "$tmp/skew.txt"); then
    fail calibration-catches-5% "a model 5% off passed: $r"
    status=1
  else
    pass calibration-catches-5% "skew=0.05 fails the check: $r"
  fi
else
  fail calibration-catches-5% "the run with skew=0.05 failed"
  status=1
fi

# ---- the built-in model on the systemc device ----
model=models/tern-kjv.gguf
prompt="And the LORD spake unto Moses, saying"
gen() { # gen NAME BIN DEVICE: 24 greedy tokens, logits in $tmp/NAME.txt, text in $tmp/NAME.out
  "$2" run -m "$model" -p "$prompt" -n 24 --ignore-eos -q --dump-logits "$tmp/$1.txt" --device "$3" --stats \
    >"$tmp/$1.out" 2>"$tmp/$1.err"
}
per_token() { sed -n 's/^ *device cycles \([0-9]*\) .*/\1/p' "$1" | head -n 1; }
if [ ! -f "$model" ]; then
  fail inference "$model is missing"
  status=1
elif ! gen systemc "$sc/tern" "systemc:stats=$tmp/stats.txt"; then
  fail inference "tern run --device systemc failed: $(head -c 300 "$tmp/systemc.err")"
  status=1
elif [ ! -x "$dir/tern" ] || ! gen cpu "$dir/tern" cpu; then
  fail inference "no cpu run to compare with ($dir/tern)"
  status=1
else
  # the text is what precedes the --stats block
  sed '/^-- device/,$d' "$tmp/cpu.out" >"$tmp/cpu.text"
  sed '/^-- device/,$d' "$tmp/systemc.out" >"$tmp/systemc.text"
  if cmp -s "$tmp/cpu.txt" "$tmp/systemc.txt" && cmp -s "$tmp/cpu.text" "$tmp/systemc.text"; then
    pass inference "$(grep -c '^logits' "$tmp/cpu.txt") positions bit-identical to --device cpu, '$(tr '\n' ' ' <"$tmp/systemc.text" | head -c 60)'"
  else
    fail inference "--device systemc and --device cpu differ: $(cmp "$tmp/cpu.txt" "$tmp/systemc.txt" 2>&1 | head -n 1)"
    status=1
  fi
  e=$(awk '$1 == "memory.energy_pj" { print $2 }' "$tmp/stats.txt" 2>/dev/null)
  b=$(awk '$1 == "memory.device_read_bytes" { print $2 }' "$tmp/stats.txt" 2>/dev/null)
  if [ -n "$e" ] && [ -n "$b" ] && [ "$b" -gt 0 ]; then
    pass inference-stats "device read $b bytes of sram, memory energy $e pJ"
  else
    fail inference-stats "no memory figures in the stats file: $(head -c 200 "$tmp/stats.txt" 2>/dev/null)"
    status=1
  fi
  if [ -f "$dir/tern-rtl.so" ] && gen rtl "$rtl/tern" rtl; then
    a=$(per_token "$tmp/rtl.out") m=$(per_token "$tmp/systemc.out")
    if [ -n "$a" ] && [ -n "$m" ] && awk -v a="$a" -v m="$m" -v l="$limit" 'BEGIN { d = (m - a) / a * 100; exit (d > l || d < -l) }'; then
      pass inference-cycles "device cycles per generated token: systemc $m, rtl $a"
    else
      fail inference-cycles "device cycles per generated token: systemc '$m', rtl '$a' (limit $limit%)"
      status=1
    fi
  else
    skip_tool systemc/inference-cycles "no $dir/tern-rtl.so (make -C driver rtl)"
  fi
fi
exit $status
