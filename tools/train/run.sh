#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The built-in model in one command: corpus -> tokenizer -> training (ternary and fp32) ->
# export (I2_S and TQ2_0 into models/) -> measurements (build/train/results.txt).
#
#   bash tools/train/run.sh [--seed N] [--eval-only] [--no-fp32] [-- extra train.py options]
#
#   --seed N     training seed (default 1, the shipped model's)
#   --eval-only  keep the checkpoints in build/train/ and only export and measure
#   --no-fp32    skip the fp32 comparison model (its training and perplexity)
#
# Needs the Debian package bible-kjv (installed with apt-get when run as root), python3-venv
# and PyPI for the training venv (tools/deps.sh train build/train/venv), and a C compiler for
# build/driver/tern. Everything but models/*.gguf is written under build/train/. Takes about
# 80 minutes on a 2-core machine (two trainings of about 35-40 minutes each).
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=1
eval_only=0
fp32=1
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seed) seed=$2; shift 2 ;;
    --eval-only) eval_only=1; shift ;;
    --no-fp32) fp32=0; shift ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: bash tools/train/run.sh [--seed N] [--eval-only] [--no-fp32] [-- train.py options]" >&2; exit 2 ;;
  esac
done
out=build/train
venv=$out/venv
py=$venv/bin/python
tern=build/driver/tern
mkdir -p "$out" models

step() { echo "== $*" >&2; }

step "dependencies"
if ! command -v bible >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq bible-kjv; } >/tmp/tern-apt.log 2>&1 \
      || { echo "run.sh: apt-get install bible-kjv failed, see /tmp/tern-apt.log" >&2; exit 1; }
  else
    echo "run.sh: the KJV comes from Debian's bible-kjv: sudo apt-get install bible-kjv" >&2
    exit 1
  fi
fi
tools/deps.sh train "$venv"
[ -x "$tern" ] || make -C driver BUILD="$PWD/build" tests >/dev/null

step "corpus"
python3 tools/train/corpus.py --out "$out"
step "tokenizer"
$py tools/train/bpe.py train --text $out/kjv-train.txt --vocab 512 --out $out/tokenizer.json

if [ $eval_only = 0 ]; then
  step "training the ternary model (seed $seed)"
  $py tools/train/train.py --mode qat --seed "$seed" "${extra[@]}"
  if [ $fp32 = 1 ]; then
    step "training the fp32 comparison model (seed $seed)"
    $py tools/train/train.py --mode fp32 --seed "$seed" "${extra[@]}"
  fi
fi

step "export"
$py tools/train/export.py --ckpt $out/tern-kjv.npz --format i2s --out models/tern-kjv.gguf
$py tools/train/export.py --ckpt $out/tern-kjv.npz --format tq2_0 --out models/tern-kjv-tq2_0.gguf

step "measurements -> $out/results.txt"
held=$out/kjv-heldout.txt
prompt="In the beginning"
{
  echo "# tools/train/run.sh --seed $seed, $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "\$ ls -l models/*.gguf"
  ls -l models/*.gguf | awk '{print $5, $NF}'
  echo "\$ grep 'train: done' $out/tern-kjv.log $out/tern-kjv-fp32.log"
  grep -h 'train: done' $out/tern-kjv.log $out/tern-kjv-fp32.log 2>/dev/null || true
  echo "\$ $py tools/train/evaluate.py tokens --model models/tern-kjv.gguf --text $held"
  $py tools/train/evaluate.py tokens --model models/tern-kjv.gguf --text $held
  echo "\$ $tern perplexity -m models/tern-kjv.gguf -f $held -q"
  $tern perplexity -m models/tern-kjv.gguf -f $held -q
  echo "\$ $tern perplexity -m models/tern-kjv-tq2_0.gguf -f $held -q"
  $tern perplexity -m models/tern-kjv-tq2_0.gguf -f $held -q
  echo "\$ $py tools/train/evaluate.py perplexity --ckpt $out/tern-kjv.npz --mode frozen --text $held"
  $py tools/train/evaluate.py perplexity --ckpt $out/tern-kjv.npz --mode frozen --text $held
  if [ -f $out/tern-kjv-fp32.npz ]; then
    echo "\$ $py tools/train/evaluate.py perplexity --ckpt $out/tern-kjv-fp32.npz --mode fp32 --text $held"
    $py tools/train/evaluate.py perplexity --ckpt $out/tern-kjv-fp32.npz --mode fp32 --text $held
  fi
  # C vs Python logits on a held-out passage (its first 500 bytes, cut at a word)
  passage=$(head -c 500 $held | sed '$ s/ [^ ]*$//')
  echo "\$ $tern run -m models/tern-kjv.gguf -p \"\$(head -c 500 $held | sed '\$ s/ [^ ]*\$//')\" -n 0 -q --dump-logits $out/heldout.logits"
  $tern run -m models/tern-kjv.gguf -p "$passage" -n 0 -q --dump-logits $out/heldout.logits >/dev/null
  echo "\$ $py tools/train/evaluate.py logits --ckpt $out/tern-kjv.npz --dump $out/heldout.logits --prompt \"...\""
  $py tools/train/evaluate.py logits --ckpt $out/tern-kjv.npz --dump $out/heldout.logits --prompt "$passage"
  # the two formats: identical logits and tokens
  for m in models/tern-kjv.gguf models/tern-kjv-tq2_0.gguf; do
    $tern run -m $m -p "$prompt" -n 60 -q --dump-logits $out/fmt-$(basename $m .gguf).logits >/dev/null
  done
  ref=$out/fmt-tern-kjv.logits
  echo "\$ cmp $ref $out/fmt-tern-kjv-tq2_0.logits   (tern run -p \"$prompt\" -n 60 --dump-logits, each format)"
  cmp $ref $out/fmt-tern-kjv-tq2_0.logits && echo "identical logits and generated tokens"
  # the same run on the C model of the device and (when built) on the Verilated RTL
  $tern run -m models/tern-kjv.gguf -p "$prompt" -n 60 -q --device cmodel --dump-logits $out/dev-cmodel.logits >/dev/null
  echo "\$ cmp $ref $out/dev-cmodel.logits   (the same run with --device cmodel)"
  cmp $ref $out/dev-cmodel.logits && echo "identical logits and generated tokens"
  if [ -f build/driver/tern-rtl.so ]; then
    $tern run -m models/tern-kjv.gguf -p "$prompt" -n 60 -q --device rtl --dump-logits $out/dev-rtl.logits >/dev/null
    echo "\$ cmp $ref $out/dev-rtl.logits   (the same run with --device rtl)"
    cmp $ref $out/dev-rtl.logits && echo "identical logits and generated tokens"
  fi
  for args in "" "--temp 0.8 --seed 1" "--temp 0.8 --seed 2"; do
    echo "\$ $tern run -m models/tern-kjv.gguf -p \"$prompt\" -n 60 --device cpu -q $args"
    $tern run -m models/tern-kjv.gguf -p "$prompt" -n 60 --device cpu -q $args
    echo
  done
  p2="And Jesus said unto them"
  echo "\$ $tern run -m models/tern-kjv.gguf -p \"$p2\" -n 60 --device cpu -q --temp 0.8 --seed 3"
  $tern run -m models/tern-kjv.gguf -p "$p2" -n 60 --device cpu -q --temp 0.8 --seed 3
  echo
} 2>&1 | tee $out/results.txt
