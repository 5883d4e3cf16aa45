#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Post-synthesis simulation: the iCE40 gate-level netlist of the MAC array (Yosys synth_ice40,
# the iCEBreaker build's geometry) under the array bench against the C golden model
# (make -C fpga postsynth, fpga/scripts/postsynth.mk). Then a mutant, the same netlist with one
# LUT's truth table inverted, must fail the bench: the bench really runs the netlist.
#   tests/test_postsynth.sh [SEED]     (default seed 1; JOBS= random jobs, default 1000)
# Prints PASS/FAIL/SKIP lines; exits non-zero on a failure. Skips when yosys is not installed.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
seed=${1:-1}
[ -n "$seed" ] || seed=1
jobs=${JOBS:-1000}
YOSYS=${YOSYS:-yosys}
if ! command -v "$YOSYS" >/dev/null 2>&1; then
  skip_tool postsynth "yosys not installed (tools/deps.sh synth as root, or apt-get install yosys)"
  exit 0
fi
if ! command -v "${VERILATOR:-verilator}" >/dev/null 2>&1; then
  skip_tool postsynth "verilator not installed (tools/deps.sh core)"
  exit 0
fi
rc=0
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# The bench's PASS/FAIL lines pass through; a build failure has none, so say it here.
make -s --no-print-directory -C fpga postsynth YOSYS="$YOSYS" SEED="$seed" JOBS="$jobs" >"$log" 2>&1
st=$?
cat "$log"
if [ $st -ne 0 ]; then
  rc=1
  grep -q '^FAIL ' "$log" || echo "FAIL postsynth: make -C fpga postsynth exited with status $st (see above)"
fi
# Mutant: LUT number 1 inverted. Its FAIL lines are expected, so they are not passed on.
make -s --no-print-directory -C fpga postsynth YOSYS="$YOSYS" MUTATE=1 SUITES=random JOBS=50 SEED="$seed" >"$log" 2>&1
st=$?
if [ $st -ne 0 ] && grep -q '^FAIL postsynth/random' "$log"; then
  echo "PASS postsynth/mutant-detected (netlist with LUT 1 inverted: $(grep -m1 -o 'cycle [0-9]*: .*\[' "$log" | sed 's/ \[$//'))"
elif [ $st -ne 0 ]; then
  rc=1
  echo "FAIL postsynth/mutant-detected: the mutant build failed before the bench ran:"
  tail -n 15 "$log"
else
  rc=1
  echo "FAIL postsynth/mutant-detected: the netlist with LUT 1 inverted passed the bench"
fi
exit $rc
