#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# make dse's two-point version: fpga/scripts/dse.py with --target array (the MAC array in its pin
# wrapper, Debian's Yosys and nextpnr-ice40) at 1 x 5 and 2 x 5 on the UP5K, costed with the
# counts of a small synthetic model. Checks the measured points (the larger array takes more
# LUT4, both route), that tern energy ran each point at its own array and measured clock for
# every memory, the charts and the document; a malformed point must be refused. Also: the
# measured MACs-per-chip block of docs/ternary-vs-int8.md is not stale.
#   tests/test_dse.sh DIR     (DIR/tern)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=${1:?usage: tests/test_dse.sh DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass() { echo "PASS dse/$1${2:+: $2}"; }
fail() { echo "FAIL dse/$1: $2"; }
# the measured MACs-per-chip table in the docs is what its JSON renders to (needs no tools)
if python3 - <<'PY' 2>"$tmp/largest.err"
import os, re, sys
sys.path.insert(0, "fpga/scripts")
import largest_table as t
doc = open("docs/ternary-vs-int8.md").read()
m = re.search(re.escape(t.BEGIN) + r".*?" + re.escape(t.END), doc, re.S)
sys.exit(0 if m and m.group(0) == "\n".join(t.render("docs")) else 1)
PY
then
  pass largest-doc "docs/ternary-vs-int8.md's measured MACs per chip match docs/dse/largest-*.json"
else
  fail largest-doc "docs/ternary-vs-int8.md's measured block is stale or missing (make -C fpga largest CHIP=...): $(head -c 300 "$tmp/largest.err")"
fi

for t in yosys nextpnr-ice40 gnuplot; do
  command -v $t >/dev/null 2>&1 || { skip_tool dse "no $t (apt-get install yosys nextpnr-ice40 gnuplot-nox)"; exit 0; }
done

if ! "$dir/tern" run -m "synth:dim=64,layers=2,ff=128,heads=4,kv=2,vocab=96,ctx=64,zero=0.4,seed=5" \
  --tokens 1,2,3 -n 3 -q --device cpu --counts "$tmp/c.txt" >/dev/null 2>"$tmp/run.err"; then
  fail counts "tern run: $(head -c 300 "$tmp/run.err")"
  exit 0
fi
if ! python3 fpga/scripts/dse.py --target array --points ice40:1x5:t1,ice40:2x5:t1 --seed 1 \
  --out-dir "$tmp/out" --doc "$tmp/dse.md" --work "$tmp/work" --tern "$dir/tern" \
  --counts "small=$tmp/c.txt" >"$tmp/dse.log" 2>&1; then
  fail run "$(tail -n 5 "$tmp/dse.log" | head -c 500)"
  exit 0
fi

# the points: header + 2 rows, both routed, the larger array larger
csv=$tmp/out/dse.csv
field() { awk -F, -v r="$1" -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i } NR == r + 1 { print $h[c] }' "$csv"; }
l1=$(field 1 lut4) l2=$(field 2 lut4) f1=$(field 1 fmax_mhz) f2=$(field 2 fmax_mhz)
if [ "$(wc -l <"$csv")" = 3 ] && [ "${l1:-0}" -gt 100 ] && [ "${l2:-0}" -gt "$l1" ] &&
  awk -v a="$f1" -v b="$f2" 'BEGIN { exit !(a > 10 && b > 10) }'; then
  pass points "1x5: $l1 LUT4, $f1 MHz; 2x5: $l2 LUT4, $f2 MHz"
else
  fail points "$(tr '\n' ' ' <"$csv")"
fi

# the energy rows: each point x ddr4/hbm/onchip, at the point's array and measured clock
e=$tmp/out/dse-energy.csv
bad=$(awk -F, -v f1="$f1" -v f2="$f2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
  { n++; split($h["name"], p, ":"); want = (p[3] == "1x5") ? f1 : f2
    if ($h["array"] != p[3] || $h["clock_mhz"] + 0 != want + 0 || $h["memory"] != p[4] || $h["tokens_per_s"] <= 0 ||
        ($h["tokens_per_s"] * $h["seconds_per_token"] - 1) ^ 2 > 1e-6) print "row " n ": " $0 }
  END { if (n != 6) print n " rows, expected 6" }' "$e")
if [ -z "$bad" ]; then
  pass energy "6 rows (2 points x ddr4/hbm/onchip) at each point's array and measured clock"
else
  fail energy "$bad"
fi

# charts and document
n=0
for f in "$tmp"/out/dse-small-{tps,j}.{png,svg}; do [ -s "$f" ] && n=$((n + 1)); done
if [ $n = 4 ] && grep -q "^| iCE40UP5K | array | 2 x 5 | 10 | 1 | - | $l2 |" "$tmp/dse.md"; then
  pass charts-doc "4 charts, the document lists the points"
else
  fail charts-doc "$n of 4 charts; $(grep -c '^| iCE40' "$tmp/dse.md" 2>/dev/null) point rows in the document"
fi

# a malformed point is refused, naming it
out=$(python3 fpga/scripts/dse.py --target array --points ice40:5 --out-dir "$tmp/x" --work "$tmp/x" --tern "$dir/tern" 2>&1)
rc=$?
if [ $rc -ne 0 ] && printf '%s' "$out" | grep -q "bad point 'ice40:5'"; then
  pass bad-point "$(printf '%s' "$out" | tail -n 1)"
else
  fail bad-point "exit $rc: $out"
fi
