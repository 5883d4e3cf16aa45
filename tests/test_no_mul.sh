#!/usr/bin/env bash
# Yosys must find no multiplier in the MAC array, before and after iCE40 mapping (with DSP
# inference on, so a '*' would become an SB_MAC16). Skips when yosys is not installed.
set -u
cd "$(dirname "$0")/.."
YOSYS=${YOSYS:-yosys}
if ! command -v "$YOSYS" >/dev/null 2>&1; then
  echo "SKIP synth/no-multiplier: yosys not installed (apt-get install yosys)"
  exit 0
fi
script="read_verilog -Irtl $(ls rtl/tern_*.v | tr '\n' ' '); hierarchy -check -top tern_mac_array; proc; flatten; opt -fast;
select -assert-none t:\$mul t:\$macc t:\$div t:\$mod t:\$pow;
synth_ice40 -dsp -top tern_mac_array; select -assert-none t:SB_MAC16 t:\$mul t:\$__MUL16X16"
if out=$("$YOSYS" -q -p "$script" 2>&1); then
  echo "PASS synth/no-multiplier"
else
  echo "FAIL synth/no-multiplier: $(printf '%s' "$out" | grep -i -m3 'error\|assert')"
fi
# The whole device (job planner, masters, gearboxes) computes its sizes and addresses with
# shifts and adds too: no multiplier, divider or modulo anywhere (a small buffer keeps it quick).
script="read_verilog -Irtl $(ls rtl/tern_*.v | tr '\n' ' '); chparam -set ACT_BUF_BEATS 64 tern_device;
hierarchy -check -top tern_device; proc; flatten; opt -fast;
select -assert-none t:\$mul t:\$macc t:\$div t:\$mod t:\$pow"
if out=$("$YOSYS" -q -p "$script" 2>&1); then
  echo "PASS synth/no-multiplier-device"
else
  echo "FAIL synth/no-multiplier-device: $(printf '%s' "$out" | grep -i -m3 'error\|assert')"
fi
