#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The UART bridge (docs/uart.md): Verilate rtl/tern_uart_bridge.v with its bench
# (sim/verilator/uart_bridge_tb.cpp) into BUILD_DIR and run it; then build the C protocol and
# HAL tests (driver/tests/test_uart_proto.c with driver/src/uart_proto.c and transports/uart/hal_uart.c) and run
# them, the end-to-end case against the same Verilated bridge served on a loopback TCP port.
# One PASS/FAIL/SKIP line per case.
#   bash tests/test_uart_bridge.sh [BUILD_DIR (default build/uart)] [SEED]
# Environment: VERILATOR, CC (default cc), SEED (as the second argument).
set -u
cd "$(dirname "$0")/.."
root=$PWD
out=${1:-build/uart}
seed=${2:-${SEED:-}}
case "$out" in /*) ;; *) out=$root/$out ;; esac
VERILATOR=${VERILATOR:-verilator}
CC=${CC:-cc}
mkdir -p "$out"

# Bridge parameters of the bench build (the bench gets the same values as -D).
CPB=8 IDLE_BITS=24 MAX_DATA=256 MEM_BYTES=8192 CLK_HZ=12000000
rtl=(rtl/tern_uart_bridge.v rtl/tern_uart_rx.v rtl/tern_uart_tx.v rtl/tern_crc16.v)
bench=$out/uart_bridge_tb
stale=0
[ -x "$bench" ] || stale=1
for f in "${rtl[@]}" rtl/tern_uart.vh cmodel/include/tern_uart.h sim/verilator/uart_bridge_tb.cpp \
         sim/verilator/uart_model.h sim/verilator/tb.h driver/transports/rtl/vdevice/vtb.h \
         cmodel/include/tern_rng.h tests/common/tern_test.h "$0"; do
  [ "$f" -nt "$bench" ] && stale=1
done
rc=0
if [ $stale = 1 ]; then
  rm -f "$bench"
  if ! "$VERILATOR" --cc --exe --build -j 2 -Irtl --x-assign unique --x-initial unique --trace \
       -GCLKS_PER_BIT=$CPB -GIDLE_BITS=$IDLE_BITS -GMAX_DATA=$MAX_DATA -GMEM_BYTES=$MEM_BYTES -GCLK_HZ=$CLK_HZ \
       --top-module tern_uart_bridge --Mdir "$out/obj" -o "$bench" "${rtl[@]}" "$root/sim/verilator/uart_bridge_tb.cpp" \
       -CFLAGS "-std=gnu++17 -O2 -I$root/cmodel/include -I$root/tests/common -I$root/sim/verilator -DTB_CPB=$CPB \
-DTB_IDLE_BITS=$IDLE_BITS -DTB_MAX_DATA=$MAX_DATA -DTB_MEM_BYTES=$MEM_BYTES -DTB_CLK_HZ=$CLK_HZ" \
       -MAKEFLAGS "OPT_FAST=-O2 OPT_SLOW=-O1 OPT_GLOBAL=-O2" >"$out/build.log" 2>&1; then
    echo "FAIL uart/build: the bench does not build, see $out/build.log: $(grep -m3 -i 'error' "$out/build.log" | tr '\n' ' ')"
    exit 1
  fi
fi
"$bench" ${seed:++seed=$seed} >"$out/bench.log" 2>&1 || rc=1
grep -E '^(PASS|FAIL|SKIP) ' "$out/bench.log"
grep -q '^FAIL ' "$out/bench.log" && rc=1
[ $rc = 1 ] && ! grep -q '^FAIL ' "$out/bench.log" && echo "FAIL uart/bench: exited non-zero, see $out/bench.log"

# The C side: protocol unit tests, the HAL against an in-test emulation (TCP and a pty), and
# the HAL against the Verilated bridge above.
test=$out/test_uart_proto
if ! "$CC" -std=c11 -O2 -g -Wall -Wextra -Werror -Icmodel/include -Idriver/include -Idriver/src \
     -Idriver/transports/uart -Itests/common driver/tests/test_uart_proto.c driver/src/uart_proto.c \
     driver/transports/uart/hal_uart.c driver/src/errmsg.c cmodel/src/status.c -o "$test" -lpthread \
     >"$out/test_uart_proto.build.log" 2>&1; then
  echo "FAIL uart/c-build: driver/tests/test_uart_proto.c does not build, see $out/test_uart_proto.build.log"
  exit 1
fi
"$test" --rtl-bench "$bench" ${seed:+--seed $seed} || rc=1
exit $rc
