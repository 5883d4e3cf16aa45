#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Issue 14 ("never hang, never lie"): each bad input or failed output gives a clear message and
# the documented exit code (tern --help, docs/inference.md), never a signal death, a silent exit 0
# or raw control bytes from the file on the terminal. The bad models are made here from the
# shipped one by tests/gguf_edit.py (no dependencies). Prints one PASS/FAIL/SKIP line per case.
#   tests/test_cli_failures.sh DIR      (DIR/tern, and DIR/tern-rtl.so for the rtl cases)
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
dir=${1:?usage: tests/test_cli_failures.sh DIR}
tern=$dir/tern
rtl_tern=$dir/tern # the same CLI: --device rtl loads the plugin beside it
rtl_so=$dir/tern-rtl.so
model=models/tern-kjv.gguf
edit="python3 tests/gguf_edit.py"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$tern" ] || { echo "FAIL cli-failures/setup: no $tern"; exit 0; }
command -v python3 >/dev/null || { skip_tool cli-failures "no python3"; exit 0; }

# check NAME RC WORDS...: the last command's exit code ($rc) is RC, its stderr+stdout
# ($tmp/out, $tmp/err) hold every WORDS (fixed strings), and no raw ESC/BEL byte
check() {
  local name=$1 want=$2 w
  shift 2
  cat "$tmp/err" "$tmp/out" >"$tmp/all" 2>/dev/null
  if [ "$rc" -ge 128 ]; then
    echo "FAIL cli-failures/$name: killed by signal $((rc - 128)): $(head -c 300 "$tmp/all")"; return
  fi
  if [ "$rc" != "$want" ]; then
    echo "FAIL cli-failures/$name: exit $rc, expected $want: $(head -c 300 "$tmp/all")"; return
  fi
  for w in "$@"; do
    if ! grep -qaF -- "$w" "$tmp/all"; then
      echo "FAIL cli-failures/$name: no '$w' in: $(head -c 400 "$tmp/all")"; return
    fi
  done
  if LC_ALL=C grep -qa $'[\x1b\x07]' "$tmp/all"; then
    echo "FAIL cli-failures/$name: raw control bytes in the output"; return
  fi
  echo "PASS cli-failures/$name: exit $rc, $(tr '\n' ' ' <"$tmp/err" | head -c 200)"
}
run() { "$@" >"$tmp/out" 2>"$tmp/err"; rc=$?; }
P=(-p "And the LORD" -q)

# ---- item 5: output that cannot be written -------------------------------------------------
"$tern" run -m "$model" "${P[@]}" -n 8 >/dev/full 2>"$tmp/err"; rc=$?; : >"$tmp/out"
check stdout-full 3 "cannot write to stdout: No space left on device"
"$tern" run -m "$model" "${P[@]}" -n 8 >&- 2>"$tmp/err"; rc=$?
check stdout-closed 3 "cannot write to stdout: Bad file descriptor"
"$tern" run -m "$model" "${P[@]}" -n 400 --ctx 512 --ignore-eos 2>"$tmp/err" | head -c 1 >/dev/null
rc=${PIPESTATUS[0]}
check stdout-broken-pipe 3 "cannot write to stdout: Broken pipe"
"$tern" --help >/dev/full 2>"$tmp/err"; rc=$?
check help-full 3 "cannot write to stdout"
run "$tern" run -m "$model" "${P[@]}" -n 2 --dump-logits /dev/full
check dump-logits-full 3 "cannot write '/dev/full': No space left on device"
run "$tern" run -m "$model" "${P[@]}" -n 2 --counts /dev/full
check counts-full 3 "cannot write '/dev/full'"
run env TERN_THREADS=abc "$tern" run -m "$model" "${P[@]}" -n 2
check threads-env 2 "TERN_THREADS 'abc'" "expected an integer 1..1024"

# ---- item 5: non-finite values, a tokenizer shorter than the embedding ----------------------
$edit "$model" "$tmp/nan.gguf" fill output_norm.weight 3e38
run "$tern" run -m "$tmp/nan.gguf" "${P[@]}" -n 4
check non-finite 4 "non-finite value at position" "the output of layer 0 (blk.0) is finite" "output norm"
$edit "$model" "$tmp/short.gguf" cut-vocab 509 u32 tokenizer.ggml.bos_token_id 506 \
  u32 tokenizer.ggml.eos_token_id 507 u32 tokenizer.ggml.eot_token_id 508
run "$tern" run -m "$tmp/short.gguf" "${P[@]}" -n 4
check tokenizer-short 1 "509 tokens" "512 rows"
run "$tern" info "$tmp/short.gguf"
check tokenizer-short-info 0 "tern cannot run this file: the tokenizer has 509 tokens but the embedding has 512 rows"

# ---- item 3: the model file shrinks while a chat runs ---------------------------------------
# chat reads turns from a FIFO; the copy of the model is truncated between the two turns
chat_truncate() { # NAME ARGS...: rc in $rc
  local name=$1
  shift
  cp "$model" "$tmp/$name.gguf"
  rm -f "$tmp/fifo" "$tmp/out" && mkfifo "$tmp/fifo" # no stale out: the wait below reads it
  "$tern" chat -m "$tmp/$name.gguf" -n 4 -q "$@" <"$tmp/fifo" >"$tmp/out" 2>"$tmp/err" &
  local pid=$!
  exec 3<>"$tmp/fifo" # read-write: never blocks, even if tern is already gone
  echo "In the beginning" >&3
  # the first reply is out (the model is loaded and mapped): only then truncate. A sanitizer build
  # on a loaded machine can take many seconds to get there; truncating earlier would test the
  # loader on an empty file instead.
  for _ in $(seq 600); do [ -s "$tmp/out" ] && break; sleep 0.2; done
  if [ ! -s "$tmp/out" ]; then
    kill "$pid" 2>/dev/null
    exec 3>&-
    wait "$pid"
    echo "test: no first reply within 120 s, so the truncation was not tried" >"$tmp/err"
    rc=99
    return
  fi
  truncate -s 0 "$tmp/$name.gguf"
  echo "And God said" >&3
  exec 3>&-
  wait "$pid"
  rc=$?
}
chat_truncate mmap
check truncated-mmap 5 "the model file" "changed while it was mapped" "--no-mmap"
chat_truncate nommap --no-mmap
check truncated-no-mmap 0
run "$tern" run -m "$model" "${P[@]}" -n 6 --no-mmap --dump-logits "$tmp/a.txt"
"$tern" run -m "$model" "${P[@]}" -n 6 --dump-logits "$tmp/b.txt" >/dev/null 2>&1
if [ "$rc" = 0 ] && cmp -s "$tmp/a.txt" "$tmp/b.txt"; then
  echo "PASS cli-failures/no-mmap-identical: --no-mmap gives the same logits dump"
else
  echo "FAIL cli-failures/no-mmap-identical: exit $rc or the dumps differ"
fi

# ---- item 6: messages ---------------------------------------------------------------------
$edit "$model" "$tmp/arch.gguf" str general.architecture '\x1b[31mbitnet\x00evil'
run "$tern" run -m "$tmp/arch.gguf" "${P[@]}"
check arch-escaped 1 "unsupported architecture '\\x1b[31mbitnet\\x00evil'"
run "$tern" info "$tmp/arch.gguf"
check arch-escaped-info 0 "\\x1b[31mbitnet"
$edit "$model" "$tmp/pre.gguf" str tokenizer.ggml.pre '\x1b]0;pwned\x07'
run "$tern" run -m "$tmp/pre.gguf" "${P[@]}"
check pre-tokenizer-escaped 1 "tokenizer.ggml.pre '\\x1b]0;pwned\\x07' not supported"
$edit "$model" "$tmp/name.gguf" rename blk.0.ffn_sub_norm.weight '\x1b[2Jblk.0.ffn_sub_norm.weight'
run "$tern" info "$tmp/name.gguf"
check tensor-name-escaped 0 "\\x1b[2Jblk.0.ffn_sub_norm.weight"
$edit "$model" "$tmp/3d.gguf" dims blk.0.attn_k.weight 256,64,1
run "$tern" run -m "$tmp/3d.gguf" "${P[@]}"
check shape-3d 1 "has shape [256, 64, 1], expected [256, 64]"
$edit "$model" "$tmp/float.gguf" f32 bitnet-b1.58.block_count 1.5
run "$tern" run -m "$tmp/float.gguf" "${P[@]}"
check hparam-type 1 "key 'bitnet-b1.58.block_count' has type FLOAT32, expected an unsigned 32-bit integer"
if grep -qaF "reserved weight code" "$tmp/err"; then echo "FAIL cli-failures/hparam-type-text: still says 'reserved weight code'"; fi

# a file with types tern cannot run is described, with the tensors that stop it
$edit "$model" "$tmp/types.gguf" ttype blk.0.attn_norm.weight 24 ttype blk.0.attn_q.weight 2 dims blk.0.attn_q.weight 256,16
run "$tern" info "$tmp/types.gguf"
check info-unusable-types 0 "'blk.0.attn_q.weight' (layer 0, BitLinear attn_q: type Q4_0, tern needs I2_S, TQ1_0 or TQ2_0)" \
  "'blk.0.attn_norm.weight' (layer 0, norm attn_norm: type I8" "tern cannot run this file: 2 tensors"
run "$tern" run -m "$tmp/types.gguf" "${P[@]}"
check run-unusable-types 1 "blk.0.attn_norm.weight' has type I8"

# ---- the rtl device ------------------------------------------------------------------------
if [ -f "$rtl_so" ]; then
  run "$rtl_tern" run -m "$model" "${P[@]}" -n 2 --device rtl:vcd=/nonexistent/x.vcd
  check rtl-vcd 1 "vcd=/nonexistent/x.vcd: cannot write: No such file or directory"
  run "$rtl_tern" run -m "$model" "${P[@]}" -n 2 --device rtl:mem=64K
  check rtl-memory-full 1 "device memory full" "already loaded: 5 BitLinear tensors, 59904 bytes"
else
  skip_tool cli-failures/rtl "no $rtl_so (make -C driver rtl)"
fi

# ---- a device whose plugin is missing or is not the right one (the CLI alone in $tmp/bin, so
# the directory of the executable holds no plugin either) ------------------------------------
mkdir -p "$tmp/bin" "$tmp/empty" "$tmp/junk"
cp "$tern" "$tmp/bin/tern"
TERN_PLUGIN_DIR=$tmp/empty run "$tmp/bin/tern" run -m "$model" "${P[@]}" -n 2 --device rtl:latency=3
check plugin-missing 1 "cannot open device 'rtl:latency=3': rtl: this device is not built: no tern-rtl.so in \
\$TERN_PLUGIN_DIR ($tmp/empty) or $tmp/bin; build it with \`make -C driver rtl\` (needs Verilator)"
run "$tmp/bin/tern" run -m "$model" "${P[@]}" -n 2 --device systemc
check plugin-missing-no-env 1 "this device is not built: no tern-systemc.so in $tmp/bin; build it with \
\`make -C driver systemc\` (needs libsystemc-dev)"
echo "not a shared object" >"$tmp/junk/tern-rtl.so"
TERN_PLUGIN_DIR=$tmp/junk run "$tmp/bin/tern" run -m "$model" "${P[@]}" -n 2 --device rtl
check plugin-not-elf 1 "cannot load $tmp/junk/tern-rtl.so: "
if [ -f "$dir/test-plugins/tern-rtl.so" ]; then
  TERN_PLUGIN_DIR=$dir/test-plugins run "$tmp/bin/tern" run -m "$model" "${P[@]}" -n 2 --device rtl
  check plugin-wrong-abi 1 "$dir/test-plugins/tern-rtl.so was built for HAL ABI" "rebuild it with \`make -C driver rtl\`"
else
  echo "FAIL cli-failures/plugin-wrong-abi: no $dir/test-plugins/tern-rtl.so (make -C driver tests)"
fi
