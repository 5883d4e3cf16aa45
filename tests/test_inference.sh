#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Host inference end to end: the `tern` CLI on tiny random BitNet GGUF models written by
# tools/gen_test_model.py.
#   tests/test_inference.sh DIR [SEED]
# DIR holds the CLI (DIR/tern; DIR/tern-rtl.so, the plugin of the rtl device),
# e.g. build/driver-san. Checks: the three weight formats (and separate scale tensors) give
# identical logits; cpu, cmodel and rtl give identical tokens and logits, as do T2/T5, batch
# sizes, thread counts and the portable host code; greedy generation is deterministic and
# seeded sampling reproducible; the logits agree with the NumPy reference
# (tests/reference/bitnet_ref.py via compare_logits.py); malformed files, a wrong architecture,
# TQ blocks with mixed scales, a missing tensor, a bad device or bad token give a clear error
# and a non-zero exit, never a crash. Checks that need numpy/gguf print SKIP without them.
set -u
dir=$(cd "${1:?usage: test_inference.sh DIR [SEED]}" && pwd)
seed=${2:-7}
root=$(cd "$(dirname "$0")/.." && pwd)
. "$root/tests/lib.sh"
tern=$dir/tern
rtl_tern=$dir/tern # the same CLI: --device rtl loads the plugin beside it
rtl_so=$dir/tern-rtl.so
py=${PYTHON:-python3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

pass() { echo "PASS inference/$1${2:+: $2}"; }
failc() { echo "FAIL inference/$1: $2 [seed=$seed]"; }
skip() { skip_tool "inference/$1" "$2"; }

if [ ! -x "$tern" ]; then
  failc cli "no CLI at $tern (make -C driver tests)"
  exit 1
fi

# A crash is an exit status >= 128 (signal) or a sanitizer report.
crashed() { [ "$1" -ge 128 ] || grep -qE 'AddressSanitizer|runtime error:|LeakSanitizer|Segmentation' "$2"; }

# expect_error NAME PATTERN CMD...: CMD must fail cleanly with a message matching PATTERN.
expect_error() {
  local name=$1 pat=$2
  shift 2
  "$@" >"$tmp/err.out" 2>"$tmp/err.txt"
  local rc=$?
  if crashed $rc "$tmp/err.txt"; then
    failc "$name" "crashed (status $rc): $(head -c 300 "$tmp/err.txt")"
  elif [ $rc -eq 0 ]; then
    failc "$name" "exited 0; expected an error matching '$pat'"
  elif ! grep -qE "$pat" "$tmp/err.txt"; then
    failc "$name" "message '$(head -c 300 "$tmp/err.txt")' does not match '$pat'"
  else
    pass "$name" "$(head -n 1 "$tmp/err.txt" | cut -c1-160)"
  fi
}

# ---- without Python ------------------------------------------------------------------------
for c in "" run chat info perplexity; do
  if $tern $c --help >"$tmp/help.txt" 2>&1 && grep -q usage "$tmp/help.txt"; then pass "help${c:+[$c]}"
  else failc "help${c:+[$c]}" "tern $c --help failed"; fi
done
: >"$tmp/empty.gguf"
expect_error "error/empty-file" "cannot read model" $tern run -m "$tmp/empty.gguf" --tokens 1
printf 'GGUX\003\000\000\000' >"$tmp/magic.gguf"
expect_error "error/bad-magic" "magic" $tern run -m "$tmp/magic.gguf" --tokens 1
expect_error "error/no-file" "cannot read model" $tern run -m "$tmp/does-not-exist.gguf" --tokens 1
expect_error "error/usage" "unknown option" $tern run -m x --frobnicate 1
expect_error "error/unknown-command" "unknown command" $tern frobnicate

if ! $py -c 'import numpy, gguf' 2>/dev/null; then
  skip models "numpy/gguf not installed (python3 -m pip install numpy gguf): no test models"
  exit 0
fi

gen() { # gen NAME ARGS...: a model in $tmp/NAME.gguf
  local name=$1
  shift
  $py "$root/tools/gen_test_model.py" --out "$tmp/$name.gguf" --seed "$seed" --quiet "$@" >"$tmp/gen.log" 2>&1 ||
    { failc "gen[$name]" "gen_test_model.py $*: $(tail -n 3 "$tmp/gen.log")"; return 1; }
}
gen i2s --format i2s && gen tq1 --format tq1_0 && gen tq2 --format tq2_0 && gen i2s_sc --format i2s --scale-tensors &&
  gen tq2_sc --format tq2_0 --scale-tensors || exit 1

prompt_ids=1,5,9,200,17,3,44,55,66,77,88,99,100,101,7,250,31
run() { # run OUT MODEL ARGS...: greedy run with a logits dump to $tmp/OUT.txt, tokens to $tmp/OUT.out
  local out=$1 model=$2
  shift 2
  local bin=$tern
  case " $* " in *" --device rtl "*) bin=$rtl_tern ;; esac
  "$bin" run -m "$tmp/$model.gguf" --tokens $prompt_ids -n 10 -q --ignore-eos --dump-logits "$tmp/$out.txt" "$@" \
    >"$tmp/$out.out" 2>"$tmp/$out.err"
  local rc=$?
  if [ $rc -ne 0 ]; then
    failc "run[$out]" "exit $rc: $(head -c 300 "$tmp/$out.err")"
    return 1
  fi
}
same() { # same NAME A B: dumps $tmp/A.txt and $tmp/B.txt identical
  if [ -s "$tmp/$2.txt" ] && cmp -s "$tmp/$2.txt" "$tmp/$3.txt"; then
    pass "$1" "$(grep -c '^logits' "$tmp/$2.txt") positions bit-identical, generated '$(sed -n 's/^generated //p' "$tmp/$2.txt")'"
  else
    failc "$1" "$2 and $3 differ: $(cmp "$tmp/$2.txt" "$tmp/$3.txt" 2>&1 | head -n 1)"
  fi
}

# ---- formats ----
run i2s i2s && run tq1 tq1 && run tq2 tq2 && run i2s_sc i2s_sc && run tq2_sc tq2_sc
same formats[tq1_0] i2s tq1
same formats[tq2_0] i2s tq2
same formats[i2s+scale-tensors] i2s i2s_sc
same formats[tq2_0+scale-tensors] i2s tq2_sc

# ---- devices and host settings ----
run cmodel i2s --device cmodel && same devices[cmodel] i2s cmodel
if [ -f "$rtl_so" ]; then
  run rtl tq1 --device rtl && same devices[rtl] i2s rtl
  run rtl_t2 tq2 --device rtl --fmt t2 --batch 3 && same devices[rtl-t2-batch3] i2s rtl_t2
  # the golden check and the device counters: 17 prompt tokens in 3 chunks of 8, then 9 decode
  # steps (the 10th token is not fed back), 7 BitLinears in each of 2 layers: 168 calls
  if run rtl_check i2s --device rtl --check --stats --clock-mhz 50,fpga=100 && same devices[rtl-check] i2s rtl_check; then
    o=$tmp/rtl_check.out
    if grep -q 'golden check: 168 BitLinear calls compared with the C model, 0 differed' "$o" &&
       grep -q 'prompt and generation together: 168 BitLinear calls' "$o" &&
       grep -Eq 'device cycles [0-9]+ \(the MACs alone need [0-9]+ on [0-9]+ x [0-9]+ lanes: utilisation [0-9.]+%\)' "$o" &&
       grep -Eq 'BitLinear calls 14, ternary MACs 1572864,' "$o" &&
       grep -Eq 'device-bound tokens/s: [0-9.]+ at 50 MHz; [0-9.]+ at fpga \(100 MHz\)' "$o"; then
      pass stats[rtl-check] "$(grep -o 'device cycles [0-9]*' "$o"), $(grep -o 'utilisation [0-9.]*%' "$o")"
    else
      failc stats[rtl-check] "summary not as expected: $(grep -A6 '^-- device' "$o" | tr '\n' '|' | head -c 600)"
    fi
  fi
else
  skip devices[rtl] "no $rtl_so (make -C driver rtl)"
fi
if run cpu_stats i2s --stats --check && same devices[cpu-check] i2s cpu_stats; then
  if grep -q 'device cycles: none counted (device cpu has no clock; rtl has)' "$tmp/cpu_stats.out" &&
     grep -q 'golden check: 168 BitLinear calls compared with the C model, 0 differed' "$tmp/cpu_stats.out"; then
    pass stats[cpu] "no clock, 168 calls checked"
  else
    failc stats[cpu] "summary not as expected: $(grep -A6 '^-- device' "$tmp/cpu_stats.out" | tr '\n' '|' | head -c 600)"
  fi
fi
run t2 i2s --fmt t2 && same fmt[t2] i2s t2
run b1 i2s --batch 1 && same batch[1] i2s b1
run b5 tq2 --batch 5 --device cmodel && same batch[5-cmodel] i2s b5
run th1 i2s --threads 1 && run th3 i2s --threads 3 && same threads[1-vs-3] th1 th3
TERN_HOST_SIMD=0 run nosimd i2s && same host-portable-vs-simd i2s nosimd

# ---- determinism and sampling ----
run again i2s && same greedy-deterministic i2s again
sample() { # sample OUT SEED MODEL [ARGS]
  local out=$1 s=$2 model=$3
  shift 3
  $tern run -m "$tmp/$model.gguf" -p "The capital of France is" -n 24 -q --ignore-eos --temp 1.5 --top-k 0 --top-p 1 \
    --seed "$s" "$@" >"$tmp/$out.out" 2>"$tmp/$out.err" || failc "sample[$out]" "$(head -c 300 "$tmp/$out.err")"
}
sample s1 11 i2s && sample s2 11 tq1 --device cmodel && sample s3 12 i2s
if [ -s "$tmp/s1.out" ] && cmp -s "$tmp/s1.out" "$tmp/s2.out"; then pass sampling-seeded-reproducible
else failc sampling-seeded-reproducible "same seed, different text"; fi
if ! cmp -s "$tmp/s1.out" "$tmp/s3.out"; then pass sampling-seed-matters
else failc sampling-seed-matters "seeds 11 and 12 gave the same 24 tokens at temperature 1.5"; fi
sample k1 5 i2s --top-k 1
$tern run -m "$tmp/i2s.gguf" -p "The capital of France is" -n 24 -q --ignore-eos >"$tmp/g.out" 2>&1
if cmp -s "$tmp/k1.out" "$tmp/g.out"; then pass sampling-top-k-1-is-greedy
else failc sampling-top-k-1-is-greedy "top-k 1 differs from greedy"; fi

# ---- the NumPy reference ----
# Two correct float32 implementations differ by an int8 rounding flip now and then (the order of
# a sum decides it: even the NumPy reference's own BLAS kernel, chosen per CPU, moves it), so
# each pair must be exact or one flip (compare_logits.py: LOOSE), and the pairs together get the
# flip budget compare_logits gives several pairs (half of them), never one pair alone.
ref_pairs=()
ref() { # ref NAME MODEL: C dump vs bitnet_ref.py, one pair
  local name=$1 model=$2
  if ! $py "$root/tests/reference/bitnet_ref.py" "$tmp/$model.gguf" --tokens $prompt_ids -n 10 \
    --dump-logits "$tmp/ref_$name.txt" >"$tmp/ref.log" 2>&1; then
    failc "reference[$name]" "bitnet_ref.py failed: $(tail -n 3 "$tmp/ref.log")"
    return
  fi
  if $py "$root/tests/reference/compare_logits.py" --max-loose 1 "$tmp/ref_$name.txt" "$tmp/$model.txt" \
      >"$tmp/cmp.log" 2>&1; then
    pass "reference[$name]" "$(tail -n 1 "$tmp/cmp.log")"
    ref_pairs+=("$tmp/ref_$name.txt" "$tmp/$model.txt")
  else
    failc "reference[$name]" "$(tail -n 3 "$tmp/cmp.log")"
  fi
}
ref i2s i2s
ref tq1_0 tq1
gen b25 --format tq2_0 --arch bitnet-25 --layers 3 --heads 8 --kv-heads 2 && run b25 b25 && ref bitnet-25-gqa4 b25
gen silu --format i2s --arch bitnet --dim 384 --ff 640 --heads 6 --kv-heads 6 && run silu silu && ref bitnet-silu-mha silu
if [ ${#ref_pairs[@]} -eq 8 ]; then
  if $py "$root/tests/reference/compare_logits.py" --quiet "${ref_pairs[@]}" >"$tmp/cmp.log" 2>&1; then
    pass reference-flip-budget "$(grep -c LOOSE "$tmp/cmp.log") of 4 pairs one rounding flip apart, at most 2 allowed"
  else
    failc reference-flip-budget "$(tail -n 2 "$tmp/cmp.log")"
  fi
fi

# ---- the other commands ----
if $tern info "$tmp/i2s.gguf" >"$tmp/info.txt" 2>&1 && grep -q "blk.1.ffn_down.weight" "$tmp/info.txt" &&
  grep -q "^model: bitnet-b1.58" "$tmp/info.txt"; then pass info
else failc info "$(tail -n 3 "$tmp/info.txt")"; fi
printf 'The ternary accelerator multiplies int8 activations by weights. The host keeps the rest.\n%.0s' $(seq 8) >"$tmp/text.txt"
if $tern perplexity -m "$tmp/tq2.gguf" -f "$tmp/text.txt" --ctx 64 -q >"$tmp/ppl.txt" 2>&1 &&
  grep -qE '^perplexity: [0-9.]+ over [0-9]+ tokens' "$tmp/ppl.txt"; then pass perplexity "$(cat "$tmp/ppl.txt")"
else failc perplexity "$(tail -n 3 "$tmp/ppl.txt")"; fi
$tern perplexity -m "$tmp/i2s.gguf" -f "$tmp/text.txt" --ctx 64 -q --device cmodel --batch 3 >"$tmp/ppl2.txt" 2>&1
if cmp -s "$tmp/ppl.txt" "$tmp/ppl2.txt"; then pass perplexity-formats-devices-identical
else failc perplexity-formats-devices-identical "$(cat "$tmp/ppl.txt") vs $(cat "$tmp/ppl2.txt")"; fi
if printf 'Hello there\nWhat is the capital of France?\n' | $tern chat -m "$tmp/tq1.gguf" -n 8 -q --system "Be brief" \
  >"$tmp/chat.txt" 2>"$tmp/chat.err" && [ "$(wc -l <"$tmp/chat.txt")" -ge 2 ]; then pass chat "two turns"
else failc chat "$(head -c 300 "$tmp/chat.err")"; fi

# ---- malformed and mismatched models ----
size=$(stat -c %s "$tmp/i2s.gguf")
for cut in 4 16 24 200 2000 9000 $((size / 3)) $((size / 2)) $((size - 700)) $((size - 1)); do
  head -c "$cut" "$tmp/i2s.gguf" >"$tmp/cut.gguf"
  expect_error "error/truncated-at-$cut" "cannot read model" $tern run -m "$tmp/cut.gguf" --tokens 1,2 -n 2
done
LC_ALL=C sed 's/bitnet-b1\.58/llama3-b1.58/g' "$tmp/i2s.gguf" >"$tmp/arch.gguf"
expect_error "error/wrong-arch" "unsupported architecture 'llama3-b1.58'" $tern run -m "$tmp/arch.gguf" --tokens 1,2
LC_ALL=C sed 's/blk\.1\.ffn_up\.weight/blk.1.ffn_uq.weight/' "$tmp/i2s.gguf" >"$tmp/missing.gguf"
expect_error "error/missing-tensor" "'blk.1.ffn_up.weight' not found" $tern run -m "$tmp/missing.gguf" --tokens 1,2
$py - "$tmp/tq2.gguf" "$tmp/mixed.gguf" <<'EOF'
import shutil, sys, gguf
shutil.copy(sys.argv[1], sys.argv[2])
t = [t for t in gguf.GGUFReader(sys.argv[2]).tensors if t.name == "blk.0.attn_k.weight"][0]
off = int(t.data_offset) + 66 * 3 + 64          # block 3's fp16 d
with open(sys.argv[2], "r+b") as f:
    f.seek(off); d = bytearray(f.read(2)); d[0] ^= 1; f.seek(off); f.write(d)
EOF
expect_error "error/tq-mixed-scales" "blk.0.attn_k.weight.*different scales" $tern run -m "$tmp/mixed.gguf" --tokens 1,2
expect_error "error/unknown-device" "unknown device 'gpu'" $tern run -m "$tmp/i2s.gguf" --tokens 1,2 --device gpu
expect_error "error/token-out-of-range" "out of range" $tern run -m "$tmp/i2s.gguf" --tokens 1,2,100000
expect_error "error/context-too-small" "do not fit the context" $tern run -m "$tmp/i2s.gguf" --tokens 1,2,3 -n 8 --ctx 4
exit 0
