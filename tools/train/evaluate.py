#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Measure the built-in model in Python and check it against tern's C code.

  perplexity   perplexity of a text the way `tern perplexity` computes it (driver/cli/perplexity.c):
               the whole file tokenized without BOS or special-token parsing, cut into chunks
               of ctx-1 tokens (ctx = the model's training context, tern's default when it is
               below 512), each chunk evaluated from an empty context as BOS + its tokens, and
               every token of the chunk scored by the log-softmax (in double) of the logits at
               the position before it. Modes: `frozen` evaluates exactly what the GGUF holds
               (trits, fp16 scales, F16 embedding; tools/train/model.py export_values) of a
               quantisation-aware checkpoint; `fp32` evaluates the fp32 comparison model.
  logits       read a `tern run --dump-logits` file and compare its prompt logits with the
               Python forward ("frozen") of the same checkpoint on the same token ids: the RMS
               and the largest per-position error relative to the RMS of the C logits, and
               whether the argmax agrees; also whether Python encodes --prompt to the same ids.
  tokens       encode a text with the Python tokenizer and with tern's C tokenizer (through
               `tern run -n 0 --dump-logits`, in pieces that end at a chapter break, a
               pre-token boundary) and report the first difference, if any.

Usage:
  tools/train/evaluate.py perplexity --ckpt build/train/tern-kjv.npz --mode frozen --text build/train/kjv-heldout.txt
  tools/train/evaluate.py logits --ckpt build/train/tern-kjv.npz --dump FILE [--prompt TEXT]
  tools/train/evaluate.py tokens --model models/tern-kjv.gguf --text build/train/kjv-heldout.txt
"""
import argparse
import os
import subprocess
import sys
import tempfile

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import bpe  # noqa: E402
import model  # noqa: E402


def load_for_eval(ckpt, mode):
    cfg, params, extra = model.load_checkpoint(ckpt)
    trained = str(extra.get("mode", "qat"))
    if mode == "frozen":
        if trained != "qat":
            sys.exit("evaluate: %s is an %s model; --mode frozen needs a quantisation-aware one" % (ckpt, trained))
        return cfg, model.frozen_params(model.export_values(params, cfg))
    if trained != "fp32":
        sys.exit("evaluate: %s is a %s model; --mode fp32 needs the fp32 comparison model" % (ckpt, trained))
    return cfg, {k: jnp.asarray(v) for k, v in params.items()}


def perplexity_chunks(ids, bos, ctx):
    """tern perplexity's chunks: list of arrays BOS + up to ctx-1 text tokens."""
    per = ctx - 1
    return [np.concatenate([[bos], ids[f:f + per]]).astype(np.int32) for f in range(0, len(ids), per)]


def perplexity(cfg, params, mode, ids, bos, batch=16):
    chunks = perplexity_chunks(ids, bos, cfg.ctx)
    logits_fn = jax.jit(lambda p, x: model.forward(p, x, cfg, mode))
    nll, scored = 0.0, 0
    for b0 in range(0, len(chunks), batch):
        group = chunks[b0:b0 + batch]
        x = np.full((batch, cfg.ctx), bos, np.int32)        # fixed shape: one compilation
        for i, c in enumerate(group):
            x[i, :len(c)] = c
        lg = np.asarray(logits_fn(params, x), dtype=np.float64)
        for i, c in enumerate(group):
            n = len(c) - 1                                 # positions 0..len-2 are scored
            row = lg[i, :n]
            mx = row.max(axis=1, keepdims=True)
            lse = np.log(np.exp(row - mx).sum(axis=1)) + mx[:, 0]
            nll += float(np.sum(lse - row[np.arange(n), c[1:]]))
            scored += n
    return float(np.exp(nll / scored)), scored, len(chunks)


def read_dump(path):
    tokens, logits, generated = None, [], None
    with open(path) as f:
        for line in f:
            parts = line.split()
            if parts[0] == "tokens":
                tokens = [int(t) for t in parts[2:]]
            elif parts[0] == "logits":
                logits.append(np.array(parts[2:], dtype=np.float64))
            elif parts[0] == "generated":
                generated = [int(t) for t in parts[2:]]
    return tokens, np.stack(logits), generated


def c_token_ids(tern, gguf_path, text):
    """tern's C tokenization of text (BOS first) via a logits dump of a 0-token run."""
    with tempfile.TemporaryDirectory() as d:
        dump = os.path.join(d, "dump.txt")
        r = subprocess.run([tern, "run", "-m", gguf_path, "-p", text, "-n", "0", "-q", "--device", "cpu",
                            "--dump-logits", dump], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit("evaluate: tern run failed: %s" % r.stderr.strip())
        with open(dump) as f:
            first = f.readline().split()
    assert first[0] == "tokens"
    return [int(t) for t in first[2:]]


def cmd_perplexity(a):
    cfg, params = load_for_eval(a.ckpt, a.mode)
    tok = bpe.Tokenizer.load(a.tokenizer)
    with open(a.text, encoding="utf-8") as f:
        ids = np.array(tok.encode(f.read()), dtype=np.int32)
    ppl, scored, nchunks = perplexity(cfg, params, a.mode, ids, tok.bos)
    print("perplexity: %.4f over %d tokens (%d chunks of at most %d tokens) [python, %s, %s]"
          % (ppl, scored, nchunks, cfg.ctx, a.mode, os.path.basename(a.ckpt)))


def cmd_logits(a):
    cfg, params = load_for_eval(a.ckpt, "frozen")
    tokens, c_logits, _ = read_dump(a.dump)
    if a.prompt is not None:
        tok = bpe.Tokenizer.load(a.tokenizer)
        same = tok.encode(a.prompt, bos=True) == tokens
        print("tokens: %d prompt ids; Python encoding %s" % (len(tokens), "identical" if same else "DIFFERENT"))
    py = np.asarray(model.forward(params, np.array([tokens], np.int32), cfg, "frozen")[0], dtype=np.float64)
    diff = py - c_logits
    rms_c = np.sqrt(np.mean(c_logits ** 2))
    per_pos = np.sqrt(np.mean(diff ** 2, axis=1)) / np.sqrt(np.mean(c_logits ** 2, axis=1))
    agree = np.mean(np.argmax(py, axis=1) == np.argmax(c_logits, axis=1))
    print("logits: %d positions x %d; rms(C) %.4f; rms(Python - C) %.3g = %.3g of rms(C); "
          "worst position %.3g; max |diff| %.3g; argmax agrees at %.1f%% of positions"
          % (c_logits.shape[0], c_logits.shape[1], rms_c, np.sqrt(np.mean(diff ** 2)),
             np.sqrt(np.mean(diff ** 2)) / rms_c, per_pos.max(), np.abs(diff).max(), 100 * agree))


def cmd_tokens(a):
    tok = bpe.Tokenizer.load(a.tokenizer)
    with open(a.text, encoding="utf-8") as f:
        text = f.read()
    if a.max_bytes:
        text = text[:a.max_bytes]
    # Pieces of whole chapters (a chapter ends with "\n\n" and the next starts with a letter,
    # so every cut is a pre-token boundary and the pieces' ids concatenate to the text's ids).
    chapters = [c + "\n\n" for c in text.split("\n\n") if c]
    if not text.endswith("\n\n"):
        chapters[-1] = chapters[-1][:-2]
    pieces, cur = [], ""
    for c in chapters:
        if cur and len(cur) + len(c) > a.piece_bytes:
            pieces.append(cur)
            cur = ""
        cur += c
    if cur:
        pieces.append(cur)
    c_ids = []
    for p in pieces:
        got = c_token_ids(a.tern, a.model, p)
        if got[:1] != [tok.bos]:
            sys.exit("evaluate: tern did not put BOS first")
        c_ids.extend(got[1:])
    py_ids = tok.encode(text)
    if py_ids == c_ids:
        print("tokens: identical: %d bytes -> %d ids (Python and tern, %d pieces)" % (len(text.encode()), len(py_ids), len(pieces)))
        return 0
    k = next((i for i, (x, y) in enumerate(zip(py_ids, c_ids)) if x != y), min(len(py_ids), len(c_ids)))
    print("tokens: DIFFERENT at id %d (Python %d ids, tern %d): Python %s, tern %s"
          % (k, len(py_ids), len(c_ids), py_ids[k:k + 8], c_ids[k:k + 8]))
    return 1


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("perplexity")
    p.add_argument("--ckpt", required=True)
    p.add_argument("--mode", choices=["frozen", "fp32"], default="frozen")
    p.add_argument("--text", required=True)
    p.add_argument("--tokenizer", default="build/train/tokenizer.json")
    lg = sub.add_parser("logits")
    lg.add_argument("--ckpt", required=True)
    lg.add_argument("--dump", required=True)
    lg.add_argument("--prompt")
    lg.add_argument("--tokenizer", default="build/train/tokenizer.json")
    t = sub.add_parser("tokens")
    t.add_argument("--model", required=True)
    t.add_argument("--text", required=True)
    t.add_argument("--tokenizer", default="build/train/tokenizer.json")
    t.add_argument("--tern", default="build/driver/tern")
    t.add_argument("--piece-bytes", type=int, default=8000)
    t.add_argument("--max-bytes", type=int, default=0, help="only the first N bytes of the text")
    a = ap.parse_args(argv)
    return {"perplexity": cmd_perplexity, "logits": cmd_logits, "tokens": cmd_tokens}[a.cmd](a) or 0


if __name__ == "__main__":
    sys.exit(main())
