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
mkdir -p "$tmp/rtl" "$tmp/cmodel/include" "$tmp/docs"
cp rtl/tern_params.vh "$tmp/rtl/"; cp cmodel/include/tern_params.h "$tmp/cmodel/include/"; cp docs/registers.md "$tmp/docs/"
if python3 tools/gen_params.py --check --out-dir "$tmp" --set array.lanes=10 >/dev/null 2>&1; then
  echo "FAIL gen/stale-file-detected: a spec change went unnoticed"
else
  echo "PASS gen/stale-file-detected"
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
