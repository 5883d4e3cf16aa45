#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Build the libFuzzer targets tests/fuzz/fuzz_*.c with clang (ASan + UBSan) and run each for
# SECONDS (default 20). The C model (cmodel/src) and the driver library (driver/src and the
# transports libtern.a links in: the GGUF reader, the tokenizer, ...) are compiled here with
# the same instrumentation into $BUILD/fuzz/lib*.a, and every target links both (it pulls only the objects it uses).
# Skips when clang's fuzzer runtime is missing (apt-get install clang libclang-rt-14-dev).
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
secs=${1:-20}
BUILD=${BUILD:-build}
CLANG=${CLANG:-clang}
AR=${AR:-ar}
out="$BUILD/fuzz"
mkdir -p "$out"
flags=(-std=c11 -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all -ffp-contract=off
       -Icmodel/include -Idriver/include -Idriver/src -Idriver/transports/uart)

targets=(tests/fuzz/fuzz_*.c)
probe='int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }'
if ! command -v "$CLANG" >/dev/null 2>&1 ||
   ! printf '%s\n' "$probe" | "$CLANG" -x c -fsanitize=fuzzer,address,undefined - -o "$out/probe" \
       >"$out/probe.log" 2>&1; then
  for target in "${targets[@]}"; do
    skip_tool "fuzz/$(basename "$target" .c)" "clang with libFuzzer not available (apt-get install clang libclang-rt-14-dev)"
  done
  exit 0
fi

# Compile the .c files of directory $2 into the archive $1 (instrumented, not linked). Objects
# are kept and rebuilt when their source, a header or this script is newer. A file whose -O1
# compile takes over 20 s (clang 14 + UBSan can: cpu_kernels_avx512.c took 105 s) is
# compiled at -O0 instead. A file that does not compile with clang is left out and named in
# the log: targets that need it then fail to link, the others still run.
stale() { # obj src...
  local obj=$1 f
  shift
  [ -f "$obj" ] || return 0
  for f in "$@" cmodel/include/*.h driver/include/*.h driver/src/*.h driver/transports/*/*.h "$0"; do
    [ "$f" -nt "$obj" ] && return 0
  done
  return 1
}
compile_obj() { # src obj
  local log="${2%.o}.log"
  stale "$2" "$1" || return 0
  rm -f "$2"
  if ! timeout 20 "$CLANG" "${flags[@]}" -fsanitize=fuzzer-no-link -c "$1" -o "$2" >"$log" 2>&1; then
    if [ ! -s "$log" ]; then # timed out: not an error, just slow
      rm -f "$2"
      "$CLANG" "${flags[@]/-O1/-O0}" -fsanitize=fuzzer-no-link -c "$1" -o "$2" >"$log" 2>&1 || rm -f "$2"
    else
      rm -f "$2"
    fi
  fi
}
build_lib() { # lib dir...
  local lib=$1 objdir="$out/obj-$(basename "$1" .a)" f objs=() srcs=()
  shift
  for f in "$@"; do srcs+=("$f"/*.c); done
  mkdir -p "$objdir"
  for f in "${srcs[@]}"; do compile_obj "$f" "$objdir/$(basename "$f" .c).o" & done
  wait
  for f in "${srcs[@]}"; do
    if [ -f "$objdir/$(basename "$f" .c).o" ]; then
      objs+=("$objdir/$(basename "$f" .c).o")
    else
      echo "note: $f does not compile with $CLANG; left out of $lib:" >&2
      cat "$objdir/$(basename "$f" .c).log" >&2
    fi
  done
  rm -f "$lib"
  if [ ${#objs[@]} -gt 0 ]; then "$AR" rcs "$lib" "${objs[@]}"; fi
}
cmlib="$out/libterncmodel_fuzz.a"
drvlib="$out/libtern_fuzz.a"
build_lib "$cmlib" cmodel/src 2>"$out/libterncmodel_fuzz.build.log"
# the driver library: its core and the transports linked into libtern.a (driver/Makefile)
build_lib "$drvlib" driver/src driver/transports/cmodel driver/transports/uart 2>"$out/libtern_fuzz.build.log"

for target in "${targets[@]}"; do
  name=$(basename "$target" .c)
  libs=()
  [ -f "$drvlib" ] && libs+=("$drvlib")
  [ -f "$cmlib" ] && libs+=("$cmlib")
  if ! "$CLANG" "${flags[@]}" -fsanitize=fuzzer "$target" "${libs[@]}" -o "$out/$name" -lm -pthread -ldl \
       >"$out/$name.build.log" 2>&1; then
    echo "FAIL fuzz/$name: does not build, see $out/$name.build.log (libraries: $out/lib*.build.log)"
    continue
  fi
  mkdir -p "$out/corpus-$name"
  if "$out/$name" -max_total_time="$secs" -timeout=30 -artifact_prefix="$out/$name-" -print_final_stats=1 "$out/corpus-$name" \
       >"$out/$name.log" 2>&1; then
    echo "PASS fuzz/$name: $(grep -m1 -o 'Done [0-9]* runs' "$out/$name.log") in ${secs}s, no finding"
  else
    echo "FAIL fuzz/$name: finding, see $out/$name.log and the $out/$name-crash-* (or -leak-, -timeout-, -oom-) file it names"
  fi
done
