#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The generated headers and docs/registers.md must match spec/tern.toml, and the check must
# notice a stale file (proved on a scratch copy with one parameter changed).
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
if python3 tools/gen_params.py --check --out-dir "$tmp" --set array.lanes=10 >/dev/null 2>&1; then
  echo "FAIL gen/stale-file-detected: a spec change went unnoticed"
else
  echo "PASS gen/stale-file-detected"
fi
# Each kind of output notices a change of the spec that only it carries: the board's clock
# (board.mk, tern_boards.vh/.h, docs/boards.md), an error code (tern_params.h/.vh, registers.md).
check_stale() {  # check_stale NAME FILE SETTING
  local out
  out=$(python3 tools/gen_params.py --check --out-dir "$tmp" --set "$3" 2>&1)
  if [ $? -ne 0 ] && printf '%s' "$out" | grep -q "$2"; then
    echo "PASS gen/stale-$1"
  else
    echo "FAIL gen/stale-$1: --set $3 did not make $2 stale ($out)"
  fi
}
check_stale board-mk fpga/boards/icebreaker/board.mk boards.icebreaker.clk_hz=48000000
check_stale board-vh rtl/tern_boards.vh boards.ulx3s.lanes=10
check_stale board-h cmodel/include/tern_boards.h boards.ulx3s.baud=115200
check_stale board-doc docs/boards.md boards.icebreaker.mem_bytes=65536
check_stale error-names cmodel/include/tern_params.h errors.ACT_OVERFLOW=9
# A board whose limits are not its profile's (the iCEBreaker is "small": T_MAX 1) is refused.
if out=$(python3 tools/gen_params.py --check --out-dir "$tmp" --set boards.icebreaker.t_max=2 2>&1); then
  echo "FAIL gen/profile-mismatch-refused: t_max=2 with the small profile was accepted"
elif printf '%s' "$out" | grep -q "small profile needs t_max = 1"; then
  echo "PASS gen/profile-mismatch-refused"
else
  echo "FAIL gen/profile-mismatch-refused: refused for another reason: $out"
fi
if python3 tools/gen_params.py --check --out-dir "$tmp" --set array.lanes=7 >/dev/null 2>&1; then
  echo "FAIL gen/bad-geometry-refused: rows*lanes=14 (no T5) was accepted"
else
  echo "PASS gen/bad-geometry-refused"
fi
# The tokenizer's Unicode category table (driver/src/unicode_tables.h) is generated from
# Python's unicodedata by tools/gen_unicode_tables.py.
if out=$(python3 tools/gen_unicode_tables.py --check 2>&1); then
  echo "PASS gen/unicode-tables-fresh"
else
  echo "FAIL gen/unicode-tables-fresh: $out"
fi
