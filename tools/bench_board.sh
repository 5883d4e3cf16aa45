#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Tokens/s of a board as its UART allows, measured on the simulated board (docs/boards.md):
# the board top under Verilator (sim/verilator/board_tb.cpp) counts its own clock cycles, so
# two runs of the shipped model that differ only in the number of generated tokens give the
# cycles, UART bytes and BitLinear jobs of one decode step at the board's clock and baud rate.
#   tools/bench_board.sh [BOARD...]      (default: icebreaker ulx3s; needs make sim-board's
#                                         builds: BUILD/sim/board-BOARD/board_tb, BUILD/driver/tern)
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
tern=$BUILD/driver/tern
model=models/tern-kjv.gguf
boards=${*:-icebreaker ulx3s}
n1=2 n2=10
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# a board's value from its generated make fragment (spec/tern.toml [boards.<board>])
param() { sed -n "s/^BOARD_$2 := //p" "fpga/boards/$1/board.mk"; }
one() { # one BOARD N: prints "cycles bytes_in bytes_out"
  "$BUILD/sim/board-$1/board_tb" +tcp=0 >"$tmp/tb" 2>&1 &
  local pid=$! port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/tb")
    [ -n "$port" ] && break
    sleep 0.1
  done
  "$tern" run -m "$model" -p "And God said" -n "$2" --ignore-eos -q --temp 0 --device "uart-tcp:127.0.0.1:$port" \
    >/dev/null 2>"$tmp/err" || { echo "bench_board: $1: $(head -c 300 "$tmp/err")" >&2; kill $pid; return 1; }
  wait $pid
  sed -n 's/^board_tb: \([0-9]*\) bytes in, \([0-9]*\) out, .* \([0-9]*\) cycles,.*/\3 \1 \2/p' "$tmp/tb"
}
printf '| board | clock | UART | array | cycles per token | UART bytes per token (to board + back) | tokens/s (UART-bound, simulated) | tokens/s (array alone, cycle model) |\n'
printf '|---|---|---|---|---|---|---|---|\n'
for b in $boards; do
  hz=$(param "$b" CLK_HZ) baud=$(param "$b" BAUD) rows=$(param "$b" ROWS) lanes=$(param "$b" LANES)
  r1=$(one "$b" $n1) || exit 1
  r2=$(one "$b" $n2) || exit 1
  set -- $r1 $r2
  dc=$(( ($4 - $1) / (n2 - n1) )) din=$(( ($5 - $2) / (n2 - n1) )) dout=$(( ($6 - $3) / (n2 - n1) ))
  # the model's 557,056 ternary MACs per token on ROWS x LANES MACs per cycle
  arr=$(( (557056 + rows * lanes - 1) / (rows * lanes) ))
  awk -v b="$b" -v hz="$hz" -v baud="$baud" -v r="$rows" -v l="$lanes" -v dc="$dc" -v din="$din" -v dout="$dout" \
      -v arr="$arr" 'BEGIN { printf "| %s | %.0f MHz | %.1f Mbaud | %dx%d | %d | %d + %d | %.1f | %.0f |\n",
      b, hz / 1e6, baud / 1e6, r, l, dc, din, dout, hz / dc, hz / arr }'
done
