#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Yosys must find no multiplier in the MAC array, before and after iCE40 mapping (with DSP
# inference on, so a '*' would become an SB_MAC16), and the array must stay within its LUT4
# budget. Skips when yosys is not installed.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
YOSYS=${YOSYS:-yosys}
if ! command -v "$YOSYS" >/dev/null 2>&1; then
  skip_tool synth/no-multiplier "yosys not installed (apt-get install yosys)"
  exit 0
fi
stat_file=$(mktemp)
trap 'rm -f "$stat_file"' EXIT
script="read_verilog -Irtl $(ls rtl/tern_*.v | tr '\n' ' '); hierarchy -check -top tern_mac_array; proc; flatten; opt -fast;
select -assert-none t:\$mul t:\$macc t:\$div t:\$mod t:\$pow;
synth_ice40 -dsp -top tern_mac_array; select -assert-none t:SB_MAC16 t:\$mul t:\$__MUL16X16;
tee -q -o $stat_file stat"
if out=$("$YOSYS" -q -p "$script" 2>&1); then
  echo "PASS synth/no-multiplier"
  # The density budget of the default array (issue 16: at most 25 LUT4 per MAC on the iCE40;
  # docs/synthesis.md has the measured figure): a change that grows the array past it fails.
  rows=$(sed -n 's/^`define TERN_ROWS \([0-9]*\)$/\1/p' rtl/tern_params.vh)
  lanes=$(sed -n 's/^`define TERN_LANES \([0-9]*\)$/\1/p' rtl/tern_params.vh)
  luts=$(awk '$1 == "SB_LUT4" { print $2 }' "$stat_file" | tail -n 1)
  if [ -n "$luts" ] && [ -n "$rows" ] && [ $((luts)) -le $((25 * rows * lanes)) ]; then
    echo "PASS synth/density-budget: $luts SB_LUT4 for $((rows * lanes)) MACs (<= 25 per MAC)"
  else
    echo "FAIL synth/density-budget: '$luts' SB_LUT4 for ${rows}x${lanes} MACs, budget 25 per MAC"
  fi
else
  echo "FAIL synth/no-multiplier: $(printf '%s' "$out" | grep -i -m3 'error\|assert')"
fi
# The whole device (job planner, masters, gearboxes) computes its sizes and addresses with
# shifts and adds too: no multiplier, divider or modulo anywhere. A small buffer keeps it quick;
# the ULX3S board's (1024 beats: two chunks, a chunk select) and the iCEBreaker board's lean
# configuration (the small profile: SMALL 1, T_MAX 1, queue depth 1) are checked too.
for cfg in "ACT_BUF_BEATS 64" "ACT_BUF_BEATS 1024" "ROWS 1 -set LANES 5 -set T_MAX 1 -set QUEUE_DEPTH 1 -set ACT_BUF_BEATS 256 -set SMALL 1"; do
  script="read_verilog -Irtl $(ls rtl/tern_*.v | tr '\n' ' '); chparam -set $cfg tern_device;
hierarchy -check -top tern_device; proc; flatten; opt -fast;
select -assert-none t:\$mul t:\$macc t:\$div t:\$mod t:\$pow"
  name="synth/no-multiplier-device[${cfg//-set /}]"
  if out=$("$YOSYS" -q -p "$script" 2>&1); then
    echo "PASS $name"
  else
    echo "FAIL $name: $(printf '%s' "$out" | grep -i -m3 'error\|assert')"
  fi
done
