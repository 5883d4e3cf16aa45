#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The files generated from spec/tern.toml (tools/gen_params.py --list) must match it, and the
# check must notice a stale one (proved on a scratch copy with one value changed per kind).
set -u
cd "$(dirname "$0")/.."
if out=$(python3 tools/gen_params.py --check 2>&1); then
  echo "PASS gen/generated-files-fresh"
else
  echo "FAIL gen/generated-files-fresh: $out"
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
# A scratch copy of every generated file (tools/gen_params.py --list names them).
mapfile -t gens < <(python3 tools/gen_params.py --list)
for f in "${gens[@]}"; do mkdir -p "$tmp/$(dirname "$f")" && cp "$f" "$tmp/$f"; done
if python3 tools/gen_params.py --check --out-dir "$tmp" >/dev/null 2>&1; then
  echo "PASS gen/scratch-copy-fresh: ${#gens[@]} generated files"
else
  echo "FAIL gen/scratch-copy-fresh: the copy of the generated files is not fresh"
fi
# gen_case NAME SETTING WANT: --check of the scratch copy with --set SETTING must fail, naming
# WANT (the stale file that carries the changed value, or why the spec is refused).
gen_case() {
  local out
  if out=$(python3 tools/gen_params.py --check --out-dir "$tmp" --set "$2" 2>&1); then
    echo "FAIL gen/$1: --set $2 went unnoticed"
  elif printf '%s' "$out" | grep -q "$3"; then
    echo "PASS gen/$1"
  else
    echo "FAIL gen/$1: --set $2 failed without naming '$3': $out"
  fi
}
# Each kind of output notices a change that it carries.
gen_case stale-file-detected array.lanes=10 rtl/tern_params.vh
gen_case stale-board-mk boards.icebreaker.clk_hz=48000000 fpga/boards/icebreaker/board.mk
gen_case stale-board-vh boards.ulx3s.lanes=10 rtl/tern_boards.vh
gen_case stale-board-h boards.ulx3s.baud=115200 cmodel/include/tern_boards.h
gen_case stale-board-doc boards.icebreaker.mem_bytes=65536 docs/boards.md
gen_case stale-error-names errors.ACT_OVERFLOW=9 cmodel/include/tern_params.h
gen_case stale-uart-vh uart.sync=0xA6 rtl/tern_uart.vh
gen_case stale-uart-h uart.commands.IRQ=0x07 cmodel/include/tern_uart.h
gen_case stale-uart-crc uart.crc_init=0x1D0F rtl/tern_uart.vh
gen_case stale-uart-doc uart.data_max=2048 docs/uart.md
gen_case stale-workloads-h workloads.2b4t.ffn=6400 cmodel/include/tern_workloads.h
gen_case stale-workloads-mk workloads.2b4t.layers=24 mk/workloads.mk
gen_case stale-profiles-mk profiles.wide.build.act_buf_beats=1024 mk/profiles.mk
# Specs the generator refuses: no T5 beat (rows*lanes=14); a board whose limits are not its
# profile's (the iCEBreaker is "small": T_MAX 1).
gen_case bad-geometry-refused array.lanes=7 "must be a multiple of 5"
gen_case profile-mismatch-refused boards.icebreaker.t_max=2 "small profile needs t_max = 1"
gen_case wide-profile-board-refused 'boards.ulx3s.profile="wide"' "a profile with a weight port"
gen_case wide-beat-refused profiles.wide.build.lanes=30 "must be a power of two"
gen_case pin-not-in-constraints-refused 'boards.ulx3s.pins.rx="ftdi_rx"' "not a pin of ulx3s_v20.lpf"
# The tokenizer's Unicode category table (driver/src/unicode_tables.h) is generated from
# Python's unicodedata by tools/gen_unicode_tables.py.
if out=$(python3 tools/gen_unicode_tables.py --check 2>&1); then
  echo "PASS gen/unicode-tables-fresh"
else
  echo "FAIL gen/unicode-tables-fresh: $out"
fi
