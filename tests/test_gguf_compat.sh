#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The C GGUF reader (driver/include/tern_gguf.h) must read exactly what the PyPI `gguf` package
# writes and reads: tests/reference/gguf_canon.py writes files covering every metadata value
# type (scalars, arrays of each type incl. strings, bool, u64/i64/f64, an array of arrays),
# F32/F16/BF16/TQ1_0/TQ2_0/I2_S tensors and general.alignment 64, plus generated BitNet test
# models; GGUFReader's view and tests/reference/gguf_dump.c's view (same canonical text) must
# be identical. Also runs the Python tools' self-checks (tests/reference/selftest.py).
#   BUILD=build [PYTHON=build/pyenv/bin/python] bash tests/test_gguf_compat.sh
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
py=${PYTHON:-python3}
if ! err=$("$py" -c "import numpy, gguf" 2>&1); then
  skip_tool gguf-compat "numpy/gguf not importable ($(echo "$err" | tail -n 1)); tools/deps.sh py build/pyenv makes a venv with them"
  exit 0
fi
BUILD=${BUILD:-build}
mkdir -p "$BUILD"
ABS_BUILD=$(cd "$BUILD" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
if ! make -s -C driver BUILD="$ABS_BUILD" lib >"$tmp/make.log" 2>&1 ||
   ! make -s -C cmodel BUILD="$ABS_BUILD" lib >>"$tmp/make.log" 2>&1; then
  echo "FAIL gguf-compat/build-libtern: $(tail -n 5 "$tmp/make.log")"
  exit 1
fi
if ! ${CC:-cc} -std=c11 -O2 -Wall -Wextra -Werror -I driver/include -I cmodel/include \
     tests/reference/gguf_dump.c "$ABS_BUILD/driver/libtern.a" "$ABS_BUILD/cmodel/libterncmodel.a" \
     -lm -pthread -ldl -o "$tmp/gguf_dump" 2>"$tmp/cc.log"; then
  echo "FAIL gguf-compat/build-gguf_dump: $(head -n 5 "$tmp/cc.log")"
  exit 1
fi
"$py" tests/reference/gguf_canon.py write "$tmp/files" >/dev/null || { echo "FAIL gguf-compat/write"; exit 1; }
"$py" tools/gen_test_model.py --quiet --out "$tmp/files/model_i2s.gguf" --format i2s --seed 5
"$py" tools/gen_test_model.py --quiet --out "$tmp/files/model_tq1_0.gguf" --format tq1_0 --seed 5 --arch bitnet-25
"$py" tools/gen_test_model.py --quiet --out "$tmp/files/model_tq2_0_scales.gguf" --format tq2_0 --seed 5 --scale-tensors
for f in "$tmp"/files/*.gguf; do
  name=$(basename "$f" .gguf)
  if ! "$py" tests/reference/gguf_canon.py dump "$f" >"$tmp/py.txt" 2>"$tmp/py.err"; then
    echo "FAIL gguf-compat/$name: GGUFReader: $(tail -n 1 "$tmp/py.err")"
    continue
  fi
  if ! "$tmp/gguf_dump" "$f" >"$tmp/c.txt" 2>"$tmp/c.err"; then
    echo "FAIL gguf-compat/$name: C reader: $(cat "$tmp/c.err")"
    continue
  fi
  if d=$(diff "$tmp/py.txt" "$tmp/c.txt"); then
    echo "PASS gguf-compat/$name ($(grep -c '^kv ' "$tmp/py.txt") keys, $(grep -c '^tensor ' "$tmp/py.txt") tensors)"
  else
    echo "FAIL gguf-compat/$name: GGUFReader (<) and the C reader (>) differ:"
    echo "$d" | head -n 10 | cut -c1-200
  fi
done
"$py" tests/reference/selftest.py
