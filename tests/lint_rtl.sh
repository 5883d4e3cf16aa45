#!/usr/bin/env bash
# verilator --lint-only -Wall of rtl/ at the default geometry and at odd ones; one PASS/FAIL
# line per geometry. Waivers live in rtl/lint/tern.vlt, each with its reason.
set -u
cd "$(dirname "$0")/.."
VERILATOR=${VERILATOR:-verilator}
rc=0
for geom in "" "-GROWS=1 -GLANES=5" "-GROWS=3 -GLANES=5" "-GROWS=5 -GLANES=1" "-GROWS=4 -GLANES=16"; do
  name="lint/verilator-Wall[${geom:-default}]"
  if out=$($VERILATOR --lint-only -Wall -Irtl rtl/lint/tern.vlt rtl/tern_*.v --top-module tern_mac_array $geom 2>&1); then
    echo "PASS $name"
  else
    echo "FAIL $name: $(printf '%s' "$out" | head -n 5 | tr '\n' ' ')"
    rc=1
  fi
done
# The CSR block (the device top's register file) at its default and at other queue depths.
for geom in "" "-GQUEUE_DEPTH=1" "-GQUEUE_DEPTH=8"; do
  name="lint/verilator-Wall[tern_csr ${geom:-default}]"
  if out=$($VERILATOR --lint-only -Wall -Irtl rtl/lint/tern.vlt rtl/tern_*.v --top-module tern_csr $geom 2>&1); then
    echo "PASS $name"
  else
    echo "FAIL $name: $(printf '%s' "$out" | head -n 5 | tr '\n' ' ')"
    rc=1
  fi
done
exit $rc
