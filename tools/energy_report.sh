#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make energy-report: docs/energy.md, docs/energy/*.{png,svg} and docs/energy/2b4t.csv from the
# repo alone. It builds the CLI (and the rtl CLI, for the toggle study), counts a BitNet b1.58
# 2B4T-shaped model with random weights (made in memory: -m synth:2b4t) on the cpu device,
# costs the counts with `tern energy` for the configurations of issue 7, counts the shipped
# model's array toggles on the Verilated device, and writes the study. Needs gnuplot for the
# charts (Debian: gnuplot-nox) and Verilator for the toggle section.
#   tools/energy_report.sh        (BUILD=build by default; ENERGY_ZERO, ENERGY_SEED, ENERGY_N)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
ABS=$(cd "$(dirname "$BUILD")" && pwd)/$(basename "$BUILD")
ZERO=${ENERGY_ZERO:-0.3333333333}
SEED=${ENERGY_SEED:-1}
NGEN=${ENERGY_N:-9}   # generated tokens: NGEN - 1 decode steps are counted
W=$ABS/energy
OUT=docs/energy
mkdir -p "$W" "$OUT"
t_start=$(date +%s)
say() { echo "energy-report: $*"; }

command -v gnuplot >/dev/null 2>&1 || {
  echo "energy-report: gnuplot is needed for the charts: apt-get install gnuplot-nox" >&2
  exit 1
}
say "building the CLI ($BUILD/driver/tern)"
make -s -C driver BUILD="$ABS" cli
T=$ABS/driver/tern
have_rtl=0
if command -v "${VERILATOR:-verilator}" >/dev/null 2>&1; then
  say "building the rtl device (tern-rtl.so, Verilated) for the toggle study"
  make -s -C driver BUILD="$ABS" rtl && have_rtl=1
fi

# ---- 1. count the 2B4T shape on the cpu device ------------------------------------------------
model="synth:2b4t,zero=$ZERO,seed=$SEED"
say "counting $model on the cpu device (8 prompt tokens, $((NGEN - 1)) decode steps; the model is made in memory)"
"$T" run -m "$model" --tokens 1,2,3,4,5,6,7,8 -n "$NGEN" --device cpu --counts "$W/2b4t-cpu.txt" -q >/dev/null
C=$W/2b4t-cpu.txt
key() { sed -n "s/^$1 = //p" "$2"; }

# ---- 2. cost it --------------------------------------------------------------------------------
rm -f "$W/2b4t.csv"
board="--board kv260"
# the ULX3S build's array and design clock, from its generated board fragment (spec/tern.toml)
bmk() { sed -n "s/^BOARD_$1 := //p" "fpga/boards/$2/board.mk"; }
ux_arr="$(bmk ROWS ulx3s)x$(bmk LANES ulx3s)" ux_txt="$(bmk ROWS ulx3s) x $(bmk LANES ulx3s)" ux_mhz=$(bmk FREQ ulx3s)
ib_txt="$(bmk ROWS icebreaker) x $(bmk LANES icebreaker)" ib_mhz=$(bmk FREQ icebreaker)
# The largest device of the design-space exploration that routed on the ECP5-85F (make dse:
# docs/dse/dse.csv, a board build at its measured Fmax), for the larger-device configurations.
dse_csv=docs/dse/dse.csv
read -r big_arr big_mhz big_lut big_seed <<<"$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  $h["chip"] == "LFE5U-85F" && $h["fmax_mhz"] != "" && $h["macs"] + 0 > m {
    m = $h["macs"] + 0; a = $h["rows"] "x" $h["lanes"]; f = $h["fmax_mhz"]; l = $h["lut4"]; s = $h["seed"] }
  END { if (m) print a, f, l, s }' "$dse_csv" 2>/dev/null)"
[ -n "${big_arr:-}" ] || { echo "energy-report: no routed ECP5-85F point in $dse_csv (run make dse)" >&2; exit 1; }
big_macs=$(( ${big_arr%x*} * ${big_arr#*x} ))
big_txt="${big_arr%x*} x ${big_arr#*x}"
configs=(
  "cpu|--exec cpu"
  "$ux_arr-ddr4|--array $ux_arr --clock-mhz $ux_mhz --memory ddr4 $board"
  "$ux_arr-hbm|--array $ux_arr --clock-mhz $ux_mhz --memory hbm $board"
  "$big_arr-ddr4|--array $big_arr --clock-mhz $big_mhz --memory ddr4 $board"
  "$big_arr-hbm|--array $big_arr --clock-mhz $big_mhz --memory hbm $board"
  "$big_arr-onchip|--array $big_arr --clock-mhz $big_mhz --memory onchip $board"
)
for table in horowitz45 bitnet7nm; do
  for c in "${configs[@]}"; do
    name=${c%%|*}
    # shellcheck disable=SC2086
    "$T" energy --counts "$C" --table $table --name "$name" --csv "$W/2b4t.csv" -q ${c#*|}
  done
done
cp "$W/2b4t.csv" "$OUT/2b4t.csv"
say "charts"
rm -rf "$W/plot"
# shellcheck disable=SC2086
"$T" energy --counts "$C" --array "$big_arr" --clock-mhz "$big_mhz" --memory ddr4 $board --name 2b4t --plot "$W/plot" -q
for f in array bandwidth; do
  cp "$W/plot/2b4t-$f.png" "$W/plot/2b4t-$f.svg" "$OUT/"
done
# Every figure below is a column of tern energy's CSV (its header names them; the arithmetic is
# the driver's, tern_energy_compute and tern_metrics): col NAME is that column's number.
col() { head -n 1 "$W/2b4t.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
# the configurations side by side (horowitz45): the table energies by component, stacked, and
# the totals with and without board power beside the published figures
awk -F, -v a="$(col adds_j)" -v s="$(col sram_j)" -v w="$(col dram_weights_j)" -v h="$(col dram_host_j)" \
  -v f="$(col host_j)" -v tj="$(col table_j)" -v t="$(col total_j)" 'NR > 1 && $3 == "horowitz45" {
  printf "%s %.9g %.9g %.9g %.9g %.9g %.9g %.9g\n", $1, $a, $s, $w, $h, $f, $tj, $t }' "$W/2b4t.csv" >"$W/stack.dat"
cat >"$W/stack.gp" <<EOF
set encoding utf8
set style fill solid 0.8 border -1
set grid ytics
set key below
set ylabel 'J per decode token'
set xtics rotate by -20
set format y '%g'
EOF
for t in "pngcairo size 1000,520 font 'sans,10'|png" "svg size 1000,520 font 'sans,10' dynamic|svg"; do
  cat >>"$W/stack.gp" <<EOF
set terminal ${t%%|*}
set output '$OUT/2b4t-configs.${t#*|}'
set title "BitNet b1.58 2B4T shape: table energies by component (horowitz45), board power excluded"
set style data histograms
set style histogram rowstacked
set boxwidth 0.6
unset logscale y
set yrange [0:*]
plot '$W/stack.dat' using 2:xtic(1) title 'adds', '' using 3 title 'SRAM (buffers, on-chip weights)', \\
     '' using 4 title 'DRAM/HBM: weights', '' using 5 title 'DRAM: host (lm\\_head, KV, I/O)', '' using 6 title 'host FLOPs'
set output '$OUT/2b4t-totals.${t#*|}'
set title "BitNet b1.58 2B4T shape: J/token with and without board power (KV260 figures), beside published figures"
set style histogram clustered gap 1
set boxwidth 0.9
set logscale y
set yrange [0.001:10]
plot '$W/stack.dat' using 7:xtic(1) title 'table energies only', '' using 8 title 'with board power', \\
     0.028 with lines lw 2 dt 2 title 'BitNet 2B4T report, 0.028 J (estimated, scope not stated)', \\
     0.381 with lines lw 2 dt 3 title 'bitnet-kv260, 0.381 J (measured, whole board)', \\
     0.063 with lines lw 2 dt 4 title 'TerEffic 2.7B on HBM, about 0.063 J'
set output
EOF
done
gnuplot "$W/stack.gp"

# ---- 3. toggles of the array on the shipped model (rtl) ----------------------------------------
if [ $have_rtl = 1 ]; then
  say "counting the array's toggles on the Verilated device (models/tern-kjv.gguf)"
  "$ABS/driver/tern" run -m models/tern-kjv.gguf -p "And God said" -n 17 --ignore-eos --temp 0 \
    --device "rtl:toggles=$W/kjv-toggles.csv" --counts "$W/kjv-rtl.txt" -q >/dev/null
fi

# ---- 4. the document ---------------------------------------------------------------------------
say "writing docs/energy.md"
csv=$W/2b4t.csv
row() { # row TABLE NAME: the table row of one configuration
  awk -F, -v t="$1" -v n="$2" -v op="$(col table_j)" 'NR > 1 && $3 == t && $1 == n {
    tps = ($4 == "cpu") ? sprintf("%.1f (measured)", $12) : sprintf("%.3g (%s)", $12, $14)
    printf "| %s | %s | %s | %.3g | %.3g | %.3g | %.3g | %.3g | %.3g | **%.3g** | %.3g |\n", n, t, tps, $15, $16, $17, $18, $19, $20, $21, $op }' "$csv"
}
get() { awk -F, -v t="$1" -v n="$2" -v c="$(col "$3")" 'NR > 1 && $3 == t && $1 == n { print $c }' "$csv"; }
# per(NAME): a count per decode token, from the cpu row (the counts are the run's, whatever the row)
per() { get horowitz45 cpu "$1" | awk '{ printf "%.0f", $1 }'; }
g3() { get "$1" "$2" "$3" | awk '{ printf "%.3g", $1 }'; }
weights=$(get horowitz45 cpu weights) nonzero=$(get horowitz45 cpu nonzero_weights) S=$(get horowitz45 cpu decode_steps)
fmtb() { awk -v b="$1" 'BEGIN { if (b >= 1e6) printf "%.1f MB", b / 1e6; else if (b >= 1e3) printf "%.1f kB", b / 1e3; else printf "%d B", b }'; }
wb=$(per weight_bytes) lm=$(per lm_head_bytes) kvr=$(per kv_read_bytes) kvw=$(per kv_write_bytes)
emb=$(per embd_bytes) nrm=$(per norm_bytes) actb=$(per act_bytes) resb=$(per result_bytes)
adds=$(per adds) macs=$(per macs) slots=$(per slot_macs)
fl_lm=$(per flops_lm_head) fl_at=$(per flops_attn) fl_q=$(per flops_quant_epilogue)
fl_other=$(per flops_other) fl_all=$(per host_flops)
# the floor at other memories: tern energy's floor_j under a table of that DRAM energy per byte
floor() {
  printf 'base = horowitz45\nname = floor\ndram_pj_per_byte = %s\n' "$1" >"$W/floor-table.txt"
  rm -f "$W/floor.csv"
  "$T" energy --counts "$C" --table "$W/floor-table.txt" --name floor --csv "$W/floor.csv" -q
  awk -F, -v c="$(head -n 1 "$W/floor.csv" | tr ',' '\n' | grep -nx floor_j | cut -d: -f1)" \
    'NR == 2 { printf "%.3g", $c }' "$W/floor.csv"
}
head_j=$(g3 horowitz45 cpu dram_lm_head_j)
cpu_tps=$(get horowitz45 cpu tokens_per_s | awk '{ printf "%.1f", $1 }')
mem_bound_at=$(awk '$NF == "memory" { gsub(/"/, "", $1); printf "%s (%s MACs a cycle)", $1, $2; exit }' "$W/plot/2b4t-array.dat")
mem_bound_tps=$(awk '$NF == "memory" { printf "%.3g", $3; exit }' "$W/plot/2b4t-array.dat")
bw_knee=$(awk '$NF == "array" { printf "%g", $1; exit }' "$W/plot/2b4t-bandwidth.dat")
date_now=$(date -u +%Y-%m-%d)
machine="$(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
zero_pct=$(awk -v w="$weights" -v n="$nonzero" 'BEGIN { printf "%.2f", 100 * (w - n) / w }')
adds_z0=$(awk -v w="$weights" 'BEGIN { printf "%.3g", w * 0.03e-12 }')
adds_z5=$(awk -v w="$weights" 'BEGIN { printf "%.3g", w * 0.5 * 0.03e-12 }')

{
cat <<EOF
# Energy per token (issue 7)

<!-- generated by \`make energy-report\` (tools/energy_report.sh) on $date_now; do not edit by hand -->

What a BitNet b1.58 2B4T token costs in joules when tern runs it, component by component, and
where that sits beside the published figures. Every number below is **counted events** of a real
run (\`tern run --counts\`) times **energies per event** from published tables
(\`tern energy\`), plus board power times the time a token takes. The counts are exact; the
energies are the tables' (45 nm and 7 nm figures, a vendor HBM figure, a measured board), so the
joules are estimates of the kind the BitNet papers make, not measurements.

Reproduce: \`make energy-report\` (under a minute here: the 1.2 GB model is made in memory, loaded,
run for $((S)) decode steps, then costed). Data: [2b4t.csv](energy/2b4t.csv), one row per
configuration and table (picojoule values at full precision, and the per-token counts by kind);
the J/token, floor and per-token tables below are its columns, computed by \`tern energy\` (the report
selects and rounds them), and the toggle table those of the rtl run's counts.

## The 2B4T J/token table

The model: \`-m $model\`, the 2B4T shape (microsoft/bitnet-b1.58-2B-4T's config: dim 2560, 30
layers, ff 6912, 20 query and 5 KV heads, vocabulary 128256, tied F16 embedding/lm_head) with
random ternary weights, $zero_pct% of them zero ($nonzero of $weights nonzero). Energy does not
depend on the weight values beyond that zero fraction (it sets the additions). Counted on the
\`cpu\` device: 8 prompt tokens, then $S decode steps (positions 8..$((8 + S - 1))), averaged per step.

| configuration | table | tokens/s (bound) | adds | SRAM | DRAM | host | static | FPGA dyn. | total J | without board power |
|---|---|---|---|---|---|---|---|---|---|---|
EOF
for table in horowitz45 bitnet7nm; do
  for c in "${configs[@]}"; do row "$table" "${c%%|*}"; done
done
cat <<EOF

Configurations (\`tern energy\` options in [tools/energy_report.sh](../tools/energy_report.sh)):

- **cpu** (a): every BitLinear on this machine's CPU (the \`cpu\` device, T5 kernels); weights,
  the F16 lm_head and the KV cache in host DRAM. tokens/s is measured here ($machine, shared).
- **$ux_arr-*** (b): this project's device, the $ux_txt array the ULX3S build carries, at $ux_mhz MHz
  (docs/boards.md); weights streamed from DDR4-class (25.6 GB/s, the table's DRAM energy) or
  HBM-class memory (256 GB/s, 48 pJ/B).
- **$big_arr-*** (b): the largest device the design-space exploration built and routed on the
  ECP5-85F ([dse.md](dse.md), \`make dse\`): the board build with a $big_txt array ($big_macs MACs a
  cycle), $big_lut LUT4, at its measured Fmax of $big_mhz MHz (nextpnr seed $big_seed); measured
  points, not a hypothetical size. Weights from DDR4- or HBM-class memory as above.
- **$big_arr-onchip** (c): the same device with every ternary weight in on-chip SRAM (417 MB: the
  1 MB SRAM energy per byte; TerEffic-style, which needs several large FPGAs or an ASIC: the
  85F holds 0.47 MB of block RAM, so this memory is hypothetical). The F16 lm_head stays in host DRAM.
- Board power, for every device configuration: the only measured whole-board figures in the
  references, bitnet-kv260's KV260 (idle 3.808 W as static, 6.206 - 3.808 = 2.398 W as FPGA dynamic
  while the device works). The $ux_arr at $ux_mhz MHz takes 0.52 s a token, so board power swamps it.
- Components: **adds** = ternary additions (nonzero weights x tokens) x the 8-bit add; **SRAM** =
  the device's buffers (weight FIFO in and out, activation bank written once and read once per row
  group, results in and out) and the on-chip weight store; **DRAM** = the weights from their memory,
  plus the host's bytes (lm_head, embedding row, KV cache, norms, activations and results to and from
  the device); **host** = host floating-point operations x the FP32 mean of add and multiply;
  **static** = board idle power x the device-bound time of a token; **FPGA dyn.** = the board's
  dynamic power x that time. "Without board power" = adds + SRAM + DRAM + host, the quantity the
  tables alone give.

![J/token by component](energy/2b4t-configs.png)

![J/token with and without board power](energy/2b4t-totals.png)

## Beside the published figures

| figure | J/token | what it counts | source |
|---|---|---|---|
| BitNet b1.58 2B4T technical report, "Energy (estimated)" | 0.028 | not stated (no scope, no token count); a relative figure against the other models of its table | arXiv 2504.12285, its comparison table |
| bitnet-kv260, 2B4T on a Kria KV260 | 0.381 (0.147 over idle) | measured: the whole board at the wall (INA260), at 16.29 tokens/s | GitHub MerlijnW70/bitnet-kv260, docs/measurements.md |
| bitnet.cpp on the KV260's A53 cores | 1.963 | measured the same way | GitHub MerlijnW70/bitnet-kv260, docs/measurements.md |
| TerEffic, 370M model, weights on chip (several FPGAs) | ~0.0022 | 455 tokens/s/W (a 7x smaller model) | arXiv 2502.16473v2 abstract; [C] |
| TerEffic, 2.7B model, HBM | ~0.063 | 727 tokens/s at 46 W | arXiv 2502.16473v2 abstract; [C] |
| this study, cpu, horowitz45 | $(g3 horowitz45 cpu total_j) | counted events x 45 nm energies; no CPU static or core power | above |
| this study, $big_arr-hbm, horowitz45 | $(g3 horowitz45 "$big_arr-hbm" total_j) | the same, plus KV260 board power for $(get horowitz45 "$big_arr-hbm" seconds_per_token | awk '{ printf "%.2g", $1 * 1000 }') ms | above |

Caveats on the comparison:

- The 0.028 J is an estimate whose scope the table does not state. 2.09e9 additions at the 7 nm
  INT8 add (0.007 pJ) are only ~15 µJ; reading 417 MB of weights from DRAM alone is 68-136 mJ at
  Horowitz's DRAM cost (1.3-2.6 nJ per 64-bit access). So 0.028 J cannot include a DRAM read of every
  weight at those energies; treat it as a relative figure, as the report's table presents it.
- bitnet-kv260's 0.381 J is a wall-plug measurement of a whole board (PS, DDR4, regulators,
  fabric). Our device rows charge the same board's power for our time per token, on top of table
  energies for the memory traffic, which the measured board power already contains: they double
  count the memory part and are an upper-side estimate of such a board.
- The host side is not free: the tied F16 lm_head reads $(fmtb "$lm") a token ($head_j J at
  Horowitz DRAM), more than all the ternary weights ($(fmtb "$wb") in T5). Offloading the BitLinears
  leaves it on the host. It is the largest single term of every device row without
  board power.
- The cpu row has no static, core or uncore power: a real CPU spends far more per FLOP and per
  byte than these table entries (instruction overhead, caches), so it is a floor for this machine,
  not an estimate of its wall power.
- HBM's 6.0 pJ/bit comes from a vendor comparison (a secondary source, a lead); Horowitz's DRAM
  figure is the low end of 1.3-2.6 nJ per 64-bit access: the high end doubles every DRAM term.

## The physical floor

Reading the $weights ternary weights once per token at 1.6 bits each (T5, the same base-3 packing
as TerEffic and bitnet-kv260): $(fmtb "$((weights / 5))"), that is

| memory | pJ per byte | floor J/token |
|---|---|---|
| DRAM, Horowitz 1.3 nJ / 64 bit (low end) | 162.5 | $(floor 162.5) |
| DRAM, Horowitz 2.6 nJ / 64 bit (high end) | 325 | $(floor 325) |
| HBM-class, 6.0 pJ/bit (vendor, secondary) | 48 | $(floor 48) |
| on-chip SRAM, Horowitz 1 MB, 100 pJ / 64 bit | 12.5 | $(floor 12.5) |

plus, unless it is quantised or kept on chip, the F16 embedding used as lm_head: $(fmtb "$lm") a
token, $head_j J at 162.5 pJ/B. The additions themselves ($adds a token) cost $(g3 bitnet7nm cpu adds_j) J at 7 nm
and $(g3 horowitz45 cpu adds_j) J at 45 nm: four orders of magnitude below the weight traffic. The zero
fraction moves only them: at 0% zeros $adds_z0 J, at 50% $adds_z5 J (45 nm).

## Against array size and memory bandwidth

Measured design points (board builds on the iCE40UP5K and the ECP5-85F at their measured Fmax,
[dse.md](dse.md)): tokens/s and J/token against LUT4.

![2B4T: tokens/s against LUT4, measured points](dse/dse-2b4t-tps.png)

![2B4T: J/token against LUT4, measured points](dse/dse-2b4t-j.png)

The $big_arr device with DDR4-class memory at $big_mhz MHz, re-costed at other (hypothetical) array sizes (same clock
and memory) and other bandwidths (same array), with the cycle model of cmodel/ (\`tern_job_cycles_tokens\`
per BitLinear job, bounded by the port's one T5 beat a cycle and the memory's bandwidth):

![tokens/s and J/token against the array](energy/2b4t-array.png)

![tokens/s and J/token against the bandwidth](energy/2b4t-bandwidth.png)

Tokens/s grows with the array until the memory binds (from $mem_bound_at on, at
$mem_bound_tps tokens/s); J/token falls with it because the board's power is charged for less time,
down to the memory and host terms, which no array size removes. The bandwidth sweep keeps the DDR4
energy per byte: past $bw_knee GB/s the array, not the memory, sets the time.

## What a token counts (2B4T, one decode step)

| event | per token | definition |
|---|---|---|
| ternary MACs | $macs | K x N of every BitLinear |
| ternary additions | $adds | nonzero weights x tokens (a zero weight adds nothing) |
| array MAC slots (2 x 20) | $slots | ceil(N/R)R x ceil(K/L)L: padding included |
| weight bytes (T5, 2 x 20) | $(fmtb "$wb") | the device stream, one pass per call |
| activations to the device / results back | $(fmtb "$actb") / $(fmtb "$resb") | int8 K per token per call / int32 N |
| lm_head bytes | $(fmtb "$lm") | n_vocab x n_embd x 2 (F16), a whole pass per decode step |
| embedding row | $(fmtb "$emb") | n_embd x 2 |
| KV cache read / written | $(fmtb "$kvr") / $(fmtb "$kvw") | fp32 K and V of every cached position and KV head, once per token and layer / 2 x kv_dim x 4 per layer |
| norm weights | $(fmtb "$nrm") | fp32 vectors, once per chunk and layer |
| host FLOPs | $fl_all | lm_head $fl_lm (2 x n_vocab x n_embd), attention $fl_at ((4 x head_dim + 6) per query head and position), quantisation + epilogue $fl_q (3 per input, 2 per output of each BitLinear), norms, RoPE, activation, residuals and sampling $fl_other |

Definitions in full (the test \`tests/test_energy.sh\` checks each against a hand calculation on a
tiny model):

- BitLinear side (\`tern_device_stats\`, driver/include/tern.h): calls, tokens, MACs, additions
  (nonzero weights x tokens), MAC slots, weight stream bytes, activation bytes (K x tokens),
  result bytes (4 x N x tokens), quantisation FLOPs (3 x K x tokens), epilogue FLOPs
  (2 x N x tokens), device cycles (devices with a clock), toggles (rtl with \`toggles=\`).
- Host side (\`tern_host_counts\`, driver/include/tern_model.h), per token at position p and layer:
  embedding row n_embd x element size; norm weights (3 n_embd + n_ff) x 4 per chunk and layer,
  + n_embd x 4 per chunk with logits; KV read 2 x kv_dim x 4 x (p + 1); KV written 2 x kv_dim x 4;
  attention FLOPs n_head x (p + 1) x (4 head_dim + 6); norm FLOPs 4 per element of every RMSNorm;
  RoPE 6 per rotated pair, n_rot/2 pairs per q and k head; FFN 3 n_ff + 2 n_embd; lm_head
  n_vocab x n_embd x element size bytes and 2 n_vocab n_embd FLOPs per chunk with logits;
  sampling n_vocab FLOPs per sample.

## Toggle activity of the array (rtl)

EOF
if [ $have_rtl = 1 ]; then
  K=$W/kjv-rtl.txt
  tcy=$(key decode.toggle_cycles "$K") ks=$(key decode.tokens "$K")
  # the toggle figures: tern energy's CSV of these counts (bits, flips per token, rate per group)
  rm -f "$W/kjv-rtl.csv"
  "$T" energy --counts "$K" --name kjv --csv "$W/kjv-rtl.csv" -q
  tcol() { awk -F, -v c="$(head -n 1 "$W/kjv-rtl.csv" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1)" \
    -v f="$2" 'NR == 2 { printf f, $c }' "$W/kjv-rtl.csv"; }
  grp=(activations weight_codes accumulators)
  bits() { tcol "toggle_bits_${grp[$1]}" "%s"; }
  pt() { tcol "toggles_${grp[$1]}" "%.0f"; }
  rate() { tcol "toggle_rate_${grp[$1]}" "%s" | awk '{ printf "%.1f%%", 100 * $1 }'; }
  cat <<EOF
\`--device rtl:toggles=FILE\` counts, after every clock edge of the Verilated device, the bits that
changed in three groups of the array's registers (driver/transports/rtl/hal_rtl.cpp; the registers are found
by name in the Verilated model). On the shipped model (\`models/tern-kjv.gguf\`, 2 x 20 array,
"And God said", $ks decode steps, $tcy cycles):

| registers | bits | bit flips per token | toggle rate (flips / bits / cycle) |
|---|---|---|---|
| activations entering the lanes (S1) | $(bits 0) | $(pt 0) | $(rate 0) |
| decoded weight flags {zero, neg} (S1) | $(bits 1) | $(pt 1) | $(rate 1) |
| accumulators (per row: T_MAX RAM words and the one-token register) | $(bits 2) | $(pt 2) | $(rate 2) |

Activations flip on $(rate 0) and weight flags on $(rate 1) of their bits a cycle (random data would
flip 50%): the datapath inputs toggle almost as fast as they can. The accumulators flip
$(rate 2): their upper bits rarely move, and decode (T = 1) uses only the one-token register,
not the RAM. FPGA power estimators take a toggle rate as their main
dynamic-power input; this is the measured one to give them. \`tern energy\` reports the rates from
a counts file that has them; the board rows above do not scale the dynamic power by them.
EOF
else
  echo "Not counted: Verilator was not found, so the rtl CLI could not be built (make -C driver rtl)."
fi
cat <<EOF

## Tables, memories and boards

\`tern energy --table NAME\` (built in) or \`--table FILE\`:

| table | add (pJ) | host FLOP (pJ) | device buffers (pJ/B) | on-chip weight store (pJ/B) | DRAM (pJ/B) | source |
|---|---|---|---|---|---|---|
| horowitz45 | 0.03 (8-bit add) | 2.3 (FP32 add 0.9, mult 3.7) | 1.25 (8 KB SRAM, 10 pJ / 64-bit read) | 12.5 (1 MB SRAM, 100 pJ) | 162.5 (DRAM 1.3 nJ / 64 bit, the low end of 1.3-2.6) | Horowitz, ISSCC 2014, 45 nm (as reproduced in secondary sources) |
| bitnet7nm | 0.007 (INT8 add) | 0.845 (FP32 add 0.38, mult 1.31) | 1.25 | 12.5 | 162.5 | BitNet arXiv 2310.11453, 7 nm column; no memory entries there, so Horowitz's 45 nm memories |

A table file has \`key = value\` lines (\`#\` comments): \`base = horowitz45\` (optional, first)
then any of \`add_pj\`, \`flop_pj\`, \`sram_pj_per_byte\`, \`wsram_pj_per_byte\`,
\`dram_pj_per_byte\` (all required without a base), \`name\`, \`source\`. A bad line is an error
naming the file and line.

| --memory | pJ/B | GB/s | source |
|---|---|---|---|
| ddr4 | the table's DRAM | 25.6 | one 64-bit DDR4-3200 channel [computed] |
| hbm | 48 (6.0 pJ/bit) | 256 | HBM2 stack 1024 bit x 2 Gb/s [secondary]; 6.0 pJ/bit HBM2E vendor figure (kylolab.com) [secondary, a lead] |
| onchip | the table's weight store | port only | weights in on-chip SRAM |

| --board | clock | array | static W | dynamic W | source |
|---|---|---|---|---|---|
| icebreaker | $ib_mhz MHz | $ib_txt | 0.00353 | 0.00705 | UP5K core power of another open design (SymbioticEDA/MARLANN: 3.53 mW idle, 10.58 mW active), a proxy; the design clock of docs/fpga.md |
| ulx3s | $ux_mhz MHz | $ux_txt | - | - | no sourced figure: give --static-w and --dynamic-w |
| kv260 | 250 MHz | - | 3.808 | 2.398 | bitnet-kv260 measured whole board (idle; generating minus idle) |

## Capturing the BitLinear traffic

A gate-level estimate needs the data the array really sees, not random trits.
\`tern run ... --capture FILE\`, or \`tern_device_set_capture(dev, path)\` in C (driver/include/tern.h),
writes every BitLinear call the device runs to a file, one record per matmul (each op of a batch
is one record, in op order). A netlist simulation can then replay the file. The file is
little-endian:

| bytes | what |
|---|---|
| 8 | magic \`TERNCAP1\`; records follow until end of file |
| 16 | record header: uint32 \`k\`, \`n\`, \`tokens\`, then 0 (reserved) |
| n x k | int8 weights \`w[row][col]\`, row-major, each -1, 0 or +1 |
| tokens x k | int8 activations \`x[token][col]\`, the quantised input exactly as the device got it |

The capture needs each tensor's trits, which a tensor keeps only when it is loaded while a capture
is on. So set the capture before loading the weights, as with \`tern_device_set_check\`; the CLI
does this. A call on a tensor loaded earlier fails with \`TERN_ERR_ARG\` before it runs, and the
message names the op and the tensor's shape and format. The file is written as \`FILE.tmp\` and
renamed to \`FILE\` when the capture ends: at \`tern_device_set_capture(dev, NULL)\`, when a new path
is given, or at \`tern_close\`. An old \`FILE\` is removed when the capture starts, so a run that dies
leaves no partial capture under the final name. A failure to create, write or rename fails the
call that hit it: the message names the path and the errno text, the capture ends, and the
\`.tmp\` is removed.

The file grows by every weight of the model for each forward pass. On \`models/tern-kjv.gguf\`
(\`-p "In the beginning" -n 2\`, \`--device cpu\`) it holds 21 records (7 BitLinears x 3
evaluations: the 9-token prompt in chunks of 8 and 1, then one decode step), 1,691,992 bytes. A
2B4T decode step would add about 2.1 GB (its 2.08e9 weights, a byte each).

\`make compare\` captures a greedy run of the shipped model this way and replays it on the
gate-level netlists of the ternary array and of its int8 baseline, counting every net's toggles
(the array bench's \`+suite=workload\`, \`fpga/scripts/gate_energy.py\`): the switching table of
docs/ternary-vs-int8.md.

## Running it yourself

\`\`\`
tern run -m MODEL.gguf -p "..." -n 16 --counts run.txt      # or -m synth:2b4t,zero=0.4 --tokens 1,2,3
tern energy --counts run.txt                                 # cpu, horowitz45
tern energy --counts run.txt --table bitnet7nm --array $big_arr --clock-mhz $big_mhz --memory hbm --board kv260 \\
            --csv all.csv --plot charts/
tern energy -m synth:2b4t --device cpu:threads=2             # run and cost in one go
\`\`\`

\`tern run --stats\` prints the same counts per generated token. \`tern energy --help\` lists the
options. A counts file is \`key = value\` lines: the model's shape and \`shape = K N PER_TOKEN\`
lines (the BitLinears of a token), then \`prompt.*\` and \`decode.*\` totals of every count above;
\`tern energy\` refuses one whose shapes do not explain its MACs or weight bytes.
EOF
} >docs/energy.md.tmp
mv docs/energy.md.tmp docs/energy.md
say "done in $(( $(date +%s) - t_start )) s: docs/energy.md, $OUT/"
