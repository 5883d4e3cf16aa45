#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The energy study's arithmetic against a hand calculation (docs/energy.md): a tiny synthetic
# model (no Python, no files) runs on the cpu device with --counts; every count of its prompt
# and decode phases must equal the formula written out below from the model's shape alone, and
# `tern energy` with a table of round numbers must give, for a cpu, a DRAM-streaming device and
# an on-chip-weights device, exactly the joules computed here by hand (awk, to 1e-12). Then bad
# tables and counts files must fail with file:line messages, the rtl device must count the same
# events and its toggles, and --plot must write the charts. Prints PASS/FAIL/SKIP lines.
#   tests/test_energy.sh DIR      (DIR/tern; DIR/tern-rtl.so when built)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=${1:?usage: tests/test_energy.sh DIR}
tern=$dir/tern
rtl_tern=$dir/tern # the same CLI: --device rtl loads the plugin beside it
rtl_so=$dir/tern-rtl.so
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS energy/$1${2:+: $2}"; }
fail() { echo "FAIL energy/$1: $2"; }
skip() { skip_tool "energy/$1" "$2"; }

# ---- the model and the run ----------------------------------------------------------------
E=64 L=2 F=128 H=4 HKV=2 V=96 ZERO=0.5
HD=$((E / H)) KVD=$((HKV * E / H)) HALF=$((E / H / 2))
P=3   # prompt tokens 1,2,3 (one chunk of the default batch 8), positions 0..2
NG=4  # -n 4: 4 samples, 3 decode steps at positions 3, 4, 5
S=$((NG - 1))
model="synth:dim=$E,layers=$L,ff=$F,heads=$H,kv=$HKV,vocab=$V,ctx=64,zero=$ZERO,seed=3"
if ! "$tern" run -m "$model" --tokens 1,2,3 -n $NG -q --device cpu --counts "$tmp/c.txt" >"$tmp/run.out" 2>"$tmp/run.err"; then
  fail run "exit $?: $(head -c 300 "$tmp/run.err")"
  exit 0
fi
key() { sed -n "s/^$1 = //p" "$2"; }
# the device geometry the run packed for (spec/tern.toml): rows R, lanes LN
IFS=x read -r R LN <<<"$(key array "$tmp/c.txt")"
TMAX=$(sed -n 's/^#define TERN_T_MAX \([0-9]*\)u$/\1/p' cmodel/include/tern_params.h)

# ---- counts by hand --------------------------------------------------------------------------
# BitLinears of a layer (K N): q, k, v, o, gate, up, down
shapes="$E $E|$E $KVD|$E $KVD|$E $E|$E $F|$E $F|$F $E"
cdiv() { echo $(( ($1 + $2 - 1) / $2 )); }
W=0 SUMK=0 SUMN=0 SLOTS=0 WB=0 CYC=0 AREAD=0
lat=3; l=1; while [ $l -lt $LN ]; do l=$((l * 2)); lat=$((lat + 1)); done  # 3 + ceil(log2 lanes)
IFS='|'
for sh in $shapes; do
  IFS=' ' read -r k n <<<"$sh"
  g=$(cdiv "$n" $R) b=$(cdiv "$k" $LN)
  W=$((W + k * n)) SUMK=$((SUMK + k)) SUMN=$((SUMN + n))
  SLOTS=$((SLOTS + g * R * b * LN))
  WB=$((WB + g * b * R * LN / 5))          # T5: rows x lanes / 5 bytes a beat
  CYC=$((CYC + g * b + lat + 1))           # tern_job_cycles_tokens at T = 1
  AREAD=$((AREAD + g * b * LN))            # activation bank reads: a beat of lanes per group
done
unset IFS
W=$((W * L)) SUMK=$((SUMK * L)) SUMN=$((SUMN * L)) SLOTS=$((SLOTS * L)) WB=$((WB * L)) CYC=$((CYC * L)) AREAD=$((AREAD * L))
NZ=$((W / 2))  # zero=0.5 and every tensor has an even size: exactly half the weights are zero
NPOS_D=$(( (P + 1) + (P + 2) + (P + 3) ))   # attended positions of the 3 decode tokens
NPOS_P=$(( 1 + 2 + 3 ))
declare -A want
want[weights]=$W
want[nonzero_weights]=$NZ
# decode: S tokens, each its own chunk with logits
want[decode.tokens]=$S
want[decode.samples]=$S
want[decode.calls]=$((7 * L * S))
want[decode.macs]=$((W * S))
want[decode.adds]=$((NZ * S))
want[decode.slot_macs]=$((SLOTS * S))
want[decode.weight_bytes]=$((WB * S))
want[decode.act_bytes]=$((SUMK * S))
want[decode.result_bytes]=$((4 * SUMN * S))
want[decode.quant_flops]=$((3 * SUMK * S))
want[decode.epilogue_flops]=$((2 * SUMN * S))
want[decode.logit_tokens]=$S
want[decode.embd_bytes]=$((2 * E * S))
want[decode.lm_head_bytes]=$((2 * V * E * S))
want[decode.norm_bytes]=$(( (L * (3 * E + F) * 4 + 4 * E) * S ))
want[decode.kv_read_bytes]=$((L * NPOS_D * 2 * KVD * 4))
want[decode.kv_write_bytes]=$((L * 2 * KVD * 4 * S))
want[decode.flops_attn]=$((L * NPOS_D * H * (4 * HD + 6)))
want[decode.flops_norm]=$(( (L * 4 * (3 * E + F) + 4 * E) * S ))
want[decode.flops_rope]=$((L * 6 * HALF * (H + HKV) * S))
want[decode.flops_ffn]=$((L * (3 * F + 2 * E) * S))
want[decode.flops_lm_head]=$((2 * V * E * S))
want[decode.flops_sample]=$((V * S))
# prompt: P tokens in one chunk, logits of the last only, one sample of them
want[prompt.tokens]=$P
want[prompt.samples]=1
want[prompt.calls]=$((7 * L))
want[prompt.macs]=$((W * P))
want[prompt.adds]=$((NZ * P))
want[prompt.weight_bytes]=$WB
want[prompt.logit_tokens]=1
want[prompt.lm_head_bytes]=$((2 * V * E))
want[prompt.norm_bytes]=$((L * (3 * E + F) * 4 + 4 * E))
want[prompt.kv_read_bytes]=$((L * NPOS_P * 2 * KVD * 4))
want[prompt.flops_attn]=$((L * NPOS_P * H * (4 * HD + 6)))
want[prompt.flops_norm]=$((L * 4 * (3 * E + F) * P + 4 * E))
bad=""
for k in "${!want[@]}"; do
  got=$(key "$k" "$tmp/c.txt")
  [ "$got" = "${want[$k]}" ] || bad="$bad $k=$got(want ${want[$k]})"
done
if [ -z "$bad" ]; then
  pass counts-by-hand "${#want[@]} counts of the prompt and decode phases equal the formulas from the shape"
else
  fail counts-by-hand "$bad"
fi

# ---- joules by hand ------------------------------------------------------------------------
cat >"$tmp/round.txt" <<'EOF'
# round numbers, so the joules are easy to check by hand
name = round
source = tests/test_energy.sh
add_pj = 1
flop_pj = 2
sram_pj_per_byte = 3     # device buffers
wsram_pj_per_byte = 4    # on-chip weight store
dram_pj_per_byte = 5
EOF
rm -f "$tmp/e.csv"
ok=1
"$tern" energy --counts "$tmp/c.txt" --table "$tmp/round.txt" --name cpu --csv "$tmp/e.csv" -q || ok=0
"$tern" energy --counts "$tmp/c.txt" --table "$tmp/round.txt" --name dram --array ${R}x$LN --clock-mhz 100 \
  --memory-pj 10 --memory-gbps 0.001 --static-w 2 --dynamic-w 1 --csv "$tmp/e.csv" -q || ok=0
"$tern" energy --counts "$tmp/c.txt" --table "$tmp/round.txt" --name onchip --array ${R}x$LN --clock-mhz 100 \
  --memory onchip --static-w 2 --dynamic-w 1 --csv "$tmp/e.csv" -q || ok=0
if [ $ok = 0 ] || [ "$(wc -l <"$tmp/e.csv")" != 4 ]; then
  fail joules-by-hand "tern energy failed: $(cat "$tmp/e.csv" 2>/dev/null | head -c 300)"
else
  # per decode token, in picojoules (pJ) and seconds
  adds=$NZ
  flops=$(( (want[decode.quant_flops] + want[decode.epilogue_flops] + want[decode.flops_attn] + want[decode.flops_norm] +
            want[decode.flops_rope] + want[decode.flops_ffn] + want[decode.flops_lm_head] + want[decode.flops_sample]) ))
  host=$(( (want[decode.embd_bytes] + want[decode.lm_head_bytes] + want[decode.kv_read_bytes] + want[decode.kv_write_bytes] +
           want[decode.norm_bytes]) ))
  io=$(( 2 * (want[decode.act_bytes] + want[decode.result_bytes]) ))
  # expected rows: name adds_j sram_j dram_j host_j static_j fpga_dynamic_j total_j seconds
  awk -v S=$S -v adds=$adds -v flops=$flops -v host=$host -v io=$io -v WB=$WB -v CYC=$CYC -v AREAD=$AREAD \
      -v act=$((want[decode.act_bytes] / S)) -v res=$((want[decode.result_bytes] / S)) 'BEGIN {
    pj = 1e-12
    # cpu: weights and the host bytes from DRAM, no device buffers, no static power
    printf "cpu %.17g %.17g %.17g %.17g %.17g %.17g\n", adds*1*pj, 0, (WB + host/S)*5*pj, flops/S*2*pj, 0, 0
    # device 2x20 at 100 MHz: the weights at 10 pJ/B and 0.001 GB/s (memory-bound), buffers at 3 pJ/B
    t = WB / 1e6; if (CYC / 100e6 > t) t = CYC / 100e6
    sram = 2*WB + act + AREAD + 2*res
    printf "dram %.17g %.17g %.17g %.17g %.17g %.17g\n", adds*pj, sram*3*pj, (WB*10 + (host + io)/S*5)*pj, flops/S*2*pj, 2*t, 1*t
    # on chip: the weights from the 4 pJ/B store, no FIFO; time set by the array (or its port)
    t = CYC; if (WB / 8 > t) t = WB / 8; t = t / 100e6
    printf "onchip %.17g %.17g %.17g %.17g %.17g %.17g\n", adds*pj, ((act + AREAD + 2*res)*3 + WB*4)*pj, (host + io)/S*5*pj, flops/S*2*pj, 2*t, 1*t
  }' >"$tmp/want.txt"
  # the CSV: columns 1 name, 15..20 the components
  awk -F, 'NR > 1 { print $1, $15, $16, $17, $18, $19, $20 }' "$tmp/e.csv" >"$tmp/got.txt"
  diffs=$(awk 'NR == FNR { for (i = 2; i <= 7; i++) w[$1, i] = $i; next }
               { for (i = 2; i <= 7; i++) { d = $i - w[$1, i]; if (d < 0) d = -d; m = w[$1, i]; if (m < 0) m = -m;
                   if (d > 1e-12 * m + 1e-30) printf " %s col %d: got %s want %s;", $1, i, $i, w[$1, i] } }' \
          "$tmp/want.txt" "$tmp/got.txt")
  if [ -z "$diffs" ] && [ "$(wc -l <"$tmp/got.txt")" = 3 ]; then
    pass joules-by-hand "cpu, a DRAM-streaming and an on-chip-weights device: every component equals the hand calculation"
  else
    fail joules-by-hand "${diffs:-wrong number of rows}"
  fi
  # 0.001 GB/s: the weight bytes of a token take WB / 1e6 seconds
  if awk -F, -v wb=$WB 'NR == 3 && $14 == "memory" { d = $13 - wb / 1e6; if (d < 0) d = -d; if (d < 1e-12) ok = 1 } END { exit !ok }' "$tmp/e.csv" &&
     awk -F, 'NR == 4 && $14 == "array" { ok = 1 } END { exit !ok }' "$tmp/e.csv"; then
    pass bound "the 0.001 GB/s memory sets the time of the streaming device, the array that of the on-chip one"
  else
    fail bound "$(cut -d, -f1,13,14 "$tmp/e.csv" | tr '\n' ' ')"
  fi
fi

# ---- bad input: clear errors, never a crash -------------------------------------------------
expect_err() { # expect_err NAME PATTERN ARGS...: tern energy fails (exit 1 or 2) naming PATTERN
  local name=$1 pat=$2
  shift 2
  "$tern" energy "$@" >"$tmp/err.out" 2>"$tmp/err.txt"
  local rc=$?
  if [ $rc -ne 0 ] && [ $rc -lt 128 ] && grep -q -- "$pat" "$tmp/err.txt"; then
    pass "errors[$name]" "$(head -n 1 "$tmp/err.txt" | head -c 160)"
  else
    fail "errors[$name]" "exit $rc, expected '$pat': $(head -c 300 "$tmp/err.txt")"
  fi
}
printf 'add_pj = 1\nflop_pj = two\n' >"$tmp/bad1.txt"
expect_err table-number "bad1.txt:2: flop_pj = 'two'" --counts "$tmp/c.txt" --table "$tmp/bad1.txt"
printf 'base = horowitz45\nadd_pj = 0.5\nwatts = 3\n' >"$tmp/bad2.txt"
expect_err table-key "bad2.txt:3: unknown key 'watts'" --counts "$tmp/c.txt" --table "$tmp/bad2.txt"
printf 'add_pj = 1\nflop_pj = 1\n' >"$tmp/bad3.txt"
expect_err table-missing "missing key 'sram_pj_per_byte'" --counts "$tmp/c.txt" --table "$tmp/bad3.txt"
printf 'add_pj 1\n' >"$tmp/bad4.txt"
expect_err table-syntax "bad4.txt:1: expected 'key = value'" --counts "$tmp/c.txt" --table "$tmp/bad4.txt"
sed 's/^decode.macs = .*/decode.macs = 12/' "$tmp/c.txt" >"$tmp/c-bad1.txt"
expect_err counts-inconsistent "the shapes give" --counts "$tmp/c-bad1.txt"
sed 's/^decode.adds = \(.*\)/decode.adds = x\1/' "$tmp/c.txt" >"$tmp/c-bad2.txt"
line=$(grep -n '^decode.adds' "$tmp/c-bad2.txt" | cut -d: -f1)
expect_err counts-number "c-bad2.txt:$line: decode.adds" --counts "$tmp/c-bad2.txt"
grep -v '^decode.kv_read_bytes' "$tmp/c.txt" >"$tmp/c-bad3.txt"
expect_err counts-missing "missing key 'decode.kv_read_bytes'" --counts "$tmp/c-bad3.txt"
head -c 100 /dev/urandom >"$tmp/c-bad4.txt"
"$tern" energy --counts "$tmp/c-bad4.txt" >/dev/null 2>&1
rc=$?
if [ $rc -eq 1 ]; then pass errors[counts-garbage] "random bytes rejected"; else fail errors[counts-garbage] "exit $rc"; fi
expect_err array "rows x lanes a multiple of 5" --counts "$tmp/c.txt" --array 3x3 --clock-mhz 10
expect_err no-clock "needs a clock" --counts "$tmp/c.txt" --array 2x20
expect_err synth "must divide" -m "synth:dim=64,heads=3"

# ---- the rtl device counts the same events, and its toggles ---------------------------------
# (accumulator bits: per row T_MAX words of the RAM and the one-token register, 24 bits each)
if [ -f "$rtl_so" ]; then
  if "$rtl_tern" run -m "$model" --tokens 1,2,3 -n $NG -q --device "rtl:toggles=$tmp/toggles.csv" --counts "$tmp/r.txt" \
      >"$tmp/rtl.out" 2>"$tmp/rtl.err"; then
    d=$(diff <(grep -Ev '^(device|prompt.seconds|decode.seconds|.*cycles|.*toggle)' "$tmp/c.txt") \
             <(grep -Ev '^(device|prompt.seconds|decode.seconds|.*cycles|.*toggle)' "$tmp/r.txt"))
    if [ -z "$d" ]; then pass rtl-same-counts "every event count equals the cpu run's"; else fail rtl-same-counts "$d"; fi
    tc=$(key decode.toggle_cycles "$tmp/r.txt") tg=$(key decode.toggles "$tmp/r.txt") dc=$(key decode.device_cycles "$tmp/r.txt")
    rows=$(grep -c '^[0-9]' "$tmp/toggles.csv")
    if [ -n "$tc" ] && [ "$tc" = "$dc" ] && [ "$(key toggle_bits "$tmp/r.txt")" = "$((8 * LN)) $((2 * R * LN)) $((24 * (TMAX > 1 ? TMAX + 1 : 1) * R))" ] &&
       awk -v t="$tg" 'BEGIN { split(t, a, " "); exit !(a[1] > 0 && a[2] > 0 && a[3] > 0) }' && [ "$rows" -gt 0 ] &&
       grep -q '^# accumulators:' "$tmp/toggles.csv"; then
      pass rtl-toggles "decode: $tg bit flips over $tc cycles; $rows lines in the toggles file"
    else
      fail rtl-toggles "cycles $tc (device $dc), toggles '$tg', bits '$(key toggle_bits "$tmp/r.txt")', $rows lines"
    fi
  else
    fail rtl-run "exit $?: $(head -c 300 "$tmp/rtl.err")"
  fi
else
  skip rtl "no $rtl_so (make -C driver rtl)"
fi

# ---- charts ----------------------------------------------------------------------------------
if command -v gnuplot >/dev/null 2>&1; then
  if "$tern" energy --counts "$tmp/c.txt" --array 2x20 --clock-mhz 100 --plot "$tmp/plot" --name t -q >"$tmp/plot.out" 2>&1 &&
     [ -s "$tmp/plot/t-components.png" ] && [ -s "$tmp/plot/t-array.svg" ] && [ -s "$tmp/plot/t-bandwidth.png" ]; then
    pass plot "components, array and bandwidth charts in PNG and SVG"
  else
    fail plot "$(head -c 300 "$tmp/plot.out")"
  fi
else
  skip plot "no gnuplot (apt-get install gnuplot-nox)"
fi
