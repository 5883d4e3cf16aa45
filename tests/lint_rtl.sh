#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# verilator --lint-only -Wall of rtl/, per top module and at odd geometries; one PASS/FAIL line
# each. Waivers live in rtl/lint/tern.vlt, each with its reason.
set -u
cd "$(dirname "$0")/.."
VERILATOR=${VERILATOR:-verilator}
rc=0
lint() {  # lint TOP [-Gparam=value ...]
  local top=$1
  shift
  local name="lint/verilator-Wall[$top${*:+ $*}]"
  if out=$($VERILATOR --lint-only -Wall -Irtl rtl/lint/tern.vlt rtl/tern_*.v --top-module "$top" "$@" 2>&1); then
    echo "PASS $name"
  else
    echo "FAIL $name: $(printf '%s' "$out" | head -n 5 | tr '\n' ' ')"
    rc=1
  fi
}
lint tern_mac_array
lint tern_mac_array -GROWS=1 -GLANES=5
lint tern_mac_array -GROWS=3 -GLANES=5 -GT_MAX=3
lint tern_mac_array -GROWS=5 -GLANES=1 -GT_MAX=1
lint tern_mac_array -GROWS=4 -GLANES=16
lint tern_mac_array -GT5_ROM=0
lint tern_mac_array -GROWS=3 -GLANES=5 -GT5_ROM=0
lint tern_mac_array -GMAC_KIND=1
lint tern_mac_array -GFREE_RUN=1
lint tern_mac_array -GROWS=16 -GLANES=40 -GFREE_RUN=1 -GT5_ROM=0 -GFORMATS=2
lint tern_mac_array -GFREE_RUN=1 -GFORMATS=2 -GWMEM_WORDS=512
lint tern_mac_array -GROWS=3 -GLANES=5 -GFREE_RUN=1 -GFORMATS=2 -GWMEM_WORDS=64 -GT_MAX=1
lint tern_mac_array -GROWS=16 -GLANES=40 -GFREE_RUN=1 -GFORMATS=2 -GWMEM_WORDS=512
lint tern_mac_array -GROWS=5 -GLANES=10 -GFREE_RUN=1 -GFORMATS=2 -GWMEM_WORDS=256 -GWM_BEAT=1
lint tern_mac_array -GROWS=16 -GLANES=40 -GFREE_RUN=1 -GFORMATS=2 -GWMEM_WORDS=512 -GWM_BEAT=1 -GT5_ROM=0
lint tern_fifo -GWIDTH=70 -GDEPTH=4 -GREGS=4
lint tern_mac_array -GROWS=1 -GLANES=5 -GT_MAX=1 -GMAC_KIND=1
lint tern_csr
lint tern_csr -GQUEUE_DEPTH=1
lint tern_csr -GQUEUE_DEPTH=8
lint tern_device
lint tern_device -GROWS=1 -GLANES=5
lint tern_device -GROWS=3 -GLANES=5 -GT_MAX=3
lint tern_device -GROWS=4 -GLANES=10 -GT_MAX=1 -GACT_BUF_BEATS=100 -GQUEUE_DEPTH=1 -GSMALL=1
# the wide profile (a weight port of one T5 beat): at a small geometry and at the 85F's
lint tern_device -GROWS=2 -GLANES=20 -GWPORT_BYTES=8 -GT5_ROM=0
lint tern_device -GROWS=4 -GLANES=40 -GWPORT_BYTES=32 -GT_MAX=3
lint tern_device -GROWS=16 -GLANES=40 -GWPORT_BYTES=128 -GT5_ROM=0 -GACT_BUF_BEATS=2048 -GRD_FIFO_WORDS=64
# the weights in the array (WMEM_WORDS): a small geometry, one token, and the 85F's
lint tern_device -GROWS=2 -GLANES=20 -GWMEM_WORDS=64 -GT5_ROM=0
lint tern_device -GROWS=4 -GLANES=40 -GWMEM_WORDS=256 -GT_MAX=1 -GQUEUE_DEPTH=1
lint tern_device -GROWS=16 -GLANES=40 -GWMEM_WORDS=512 -GT5_ROM=0 -GACT_BUF_BEATS=2048
# ... with the weight port streaming into it as a ring: a small ring, one slot, and the 85F's
lint tern_device -GROWS=2 -GLANES=20 -GWPORT_BYTES=8 -GWMEM_WORDS=64 -GT5_ROM=0
lint tern_device -GROWS=4 -GLANES=40 -GWPORT_BYTES=32 -GWMEM_WORDS=128 -GT_MAX=1 -GQUEUE_DEPTH=1 -GSMALL=1
lint tern_device -GROWS=16 -GLANES=40 -GWPORT_BYTES=128 -GWMEM_WORDS=512 -GT5_ROM=0 -GACT_BUF_BEATS=2048
lint tern_wmem
lint tern_wmem -GBYTES=8 -GWORDS=64 -GBURSTS=2
lint tern_uart_bridge
lint tern_uart_bridge -GMAX_DATA=256 -GMEM_BYTES=64
lint tern_uart_bridge -GCLKS_PER_BIT=4 -GIDLE_BITS=20 -GMAX_DATA=4096 -GMEM_BYTES=131072
lint tern_uart_bridge -GCSR_AW=16 -GMEM_BYTES=98304
# The board tops (fpga/boards/<board>/*.v) as they go into the bitstreams, with the simulation
# stand-ins of the PLL primitives.
lint_board() {  # lint_board BOARD
  local name="lint/verilator-Wall[${1}_top]"
  if out=$($VERILATOR --lint-only -Wall -Irtl rtl/lint/tern.vlt rtl/tern_*.v fpga/boards/"$1"/*.v sim/models/*.v \
      --top-module "${1}_top" 2>&1); then
    echo "PASS $name"
  else
    echo "FAIL $name: $(printf '%s' "$out" | head -n 5 | tr '\n' ' ')"
    rc=1
  fi
}
lint_board icebreaker
lint_board ulx3s
lint tern_board -GMEM_BYTES=4096 -GROWS=1 -GLANES=5
lint tern_board -GMEM_BYTES=8192 -GMEM_OUT_REGS=3
lint tern_board_memctl -GWORDS=512 -GRD_LATENCY=2
lint tern_board_memctl -GWORDS=512 -GRD_LATENCY=2 -GHOLD=1
lint tern_board -GMEM_BYTES=8192 -GMEM_REQ_REG=1
# the wide profile's place-and-route wrapper (fpga/scripts), at 2 x 20: each weight-port source
# and the 64-bit port with and without its register slices
lint_wide() {
  local name="lint/verilator-Wall[tern_wide_wrap $*]"
  if out=$($VERILATOR --lint-only -Wall -Irtl rtl/lint/tern.vlt rtl/tern_*.v fpga/scripts/tern_wide_wrap.v \
      --top-module tern_wide_wrap -GROWS=2 -GLANES=20 -GWMEM_BYTES=8192 -GMEM_BYTES=8192 "$@" 2>&1); then
    echo "PASS $name"
  else
    echo "FAIL $name: $(printf '%s' "$out" | head -n 5 | tr '\n' ' ')"
    rc=1
  fi
}
lint_wide -GWMEM_WORDS=64
lint_wide -GWMEM_WORDS=64 -GWSRC=1 -GMEM_SLICE=1
lint_wide -GWPORT=0 -GWMEM_WORDS=64 -GMEM_SLICE=1
exit $rc
