#!/usr/bin/env bash
# Build the libFuzzer target(s) with clang (ASan + UBSan) and run each for SECONDS (default 20).
# Skips when clang's fuzzer runtime is missing (apt-get install clang libclang-rt-14-dev).
set -u
cd "$(dirname "$0")/.."
secs=${1:-20}
BUILD=${BUILD:-build}
CLANG=${CLANG:-clang}
out="$BUILD/fuzz"
mkdir -p "$out"
for target in tests/fuzz/fuzz_*.c; do
  name=$(basename "$target" .c)
  if ! command -v "$CLANG" >/dev/null 2>&1 ||
     ! "$CLANG" -std=c11 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
        -ffp-contract=off -Icmodel/include cmodel/src/*.c "$target" -o "$out/$name" -lm >"$out/$name.build.log" 2>&1; then
    echo "SKIP fuzz/$name: clang with libFuzzer not available (apt-get install clang libclang-rt-14-dev)"
    continue
  fi
  mkdir -p "$out/corpus-$name"
  if "$out/$name" -max_total_time="$secs" -print_final_stats=1 "$out/corpus-$name" >"$out/$name.log" 2>&1; then
    echo "PASS fuzz/$name: $(grep -m1 -o 'Done [0-9]* runs' "$out/$name.log") in ${secs}s, no finding"
  else
    echo "FAIL fuzz/$name: finding, see $out/$name.log and the crash-* file it names"
  fi
done
