#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Train the built-in model: a small BitNet b1.58 (2B4T architecture) on the KJV train text.

Quantisation-aware from scratch (--mode qat, the shipped model): fp32 master weights, every
BitLinear ternarised (absmean) and its input quantised to int8 (per-token absmax) in the
forward pass, straight-through gradients (tools/train/model.py). --mode fp32 trains the
comparison model: the same shape, data, schedule and seed with no quantisation.

Data: the train text encoded once by the project's BPE (tools/train/bpe.py). A training
sequence is a window of ctx consecutive text tokens from a random offset: the model reads
<|begin_of_text|> and the window's first ctx-1 tokens and predicts all ctx of them, the way
`tern perplexity` and `tern run` present text (BOS first, then text from anywhere in a
chapter). Offsets come from numpy's PCG64 seeded by (seed, step), so a run is a function of
--seed (and of the XLA CPU kernels, deterministic on one machine: docs/model.md).

Optimiser: AdamW (beta 0.9/0.95, eps 1e-8, weight decay on the matrices only, global gradient
norm clipped at 1), learning rate linear warm-up then cosine decay to --lr-min.

Writes build/train/<name>.npz (the final checkpoint: config, params, optimizer state and step),
a checkpoint every --ckpt-every steps to the same file (--resume continues from it), and a log
<name>.log with one line per --log-every steps: step, loss, held-out loss, tokens/s, elapsed.

Usage:
  tools/train/train.py --mode qat --seed 1 --name tern-kjv [--steps N --batch B --lr X]
"""
import argparse
import math
import os
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402

import bpe  # noqa: E402
import model  # noqa: E402


def encode_file(tok, tok_path, path, cache):
    """ids of a text file (no BOS), cached as .npy next to the checkpoints (re-encoded when the
    text or the tokenizer file is newer than the cache)."""
    if os.path.exists(cache) and os.path.getmtime(cache) >= max(os.path.getmtime(path), os.path.getmtime(tok_path)):
        return np.load(cache)
    with open(path, encoding="utf-8") as f:
        ids = np.array(tok.encode(f.read()), dtype=np.int32)
    np.save(cache, ids)
    return ids


def batch_at(ids, bos, step, seed, batch, ctx):
    """Inputs (batch, ctx) = BOS + text, targets (batch, ctx) = the next tokens."""
    rng = np.random.default_rng([seed, step])
    starts = rng.integers(0, len(ids) - ctx, size=batch)
    text = np.stack([ids[s:s + ctx] for s in starts])
    inputs = np.concatenate([np.full((batch, 1), bos, np.int32), text[:, :-1]], axis=1)
    return inputs, text


def heldout_batch(ids, bos, ctx, n):
    """n fixed, evenly spaced chunks of the held-out ids in the `tern perplexity` layout."""
    per = ctx - 1
    starts = np.linspace(0, len(ids) - per - 1, n).astype(np.int64)
    text = np.stack([ids[s:s + per] for s in starts])
    inputs = np.concatenate([np.full((n, 1), bos, np.int32), text[:, :-1]], axis=1)
    return inputs, text


def lr_at(step, a):
    if step < a.warmup:
        return a.lr * (step + 1) / a.warmup
    t = (step - a.warmup) / max(1, a.steps - a.warmup)
    return a.lr_min + 0.5 * (a.lr - a.lr_min) * (1.0 + math.cos(math.pi * min(1.0, t)))


def decays(name):
    """Weight decay on the matrices (BitLinears and embedding), not on the norm gains."""
    return name == "token_embd" or name.split(".")[-1] in model.PROJ


def make_step(cfg, mode, wd, b1=0.9, b2=0.95, eps=1e-8, clip=1.0):
    def loss_fn(params, x, y):
        return jnp.mean(model.token_nll(params, x, y, cfg, mode))

    @jax.jit
    def step(params, m, v, count, lr, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        gnorm = jnp.sqrt(sum(jnp.sum(g * g) for g in jax.tree_util.tree_leaves(grads)))
        shrink = jnp.minimum(1.0, clip / (gnorm + 1e-6))
        count = count + 1
        new_p, new_m, new_v = {}, {}, {}
        for k in params:
            g = grads[k] * shrink
            new_m[k] = b1 * m[k] + (1 - b1) * g
            new_v[k] = b2 * v[k] + (1 - b2) * g * g
            mhat = new_m[k] / (1 - b1 ** count)
            vhat = new_v[k] / (1 - b2 ** count)
            upd = mhat / (jnp.sqrt(vhat) + eps)
            if decays(k):
                upd = upd + wd * params[k]
            new_p[k] = params[k] - lr * upd
        return new_p, new_m, new_v, count, loss, gnorm

    @jax.jit
    def eval_loss(params, x, y):
        return jnp.mean(model.token_nll(params, x, y, cfg, mode))

    return step, eval_loss


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--mode", choices=["qat", "fp32"], default="qat")
    ap.add_argument("--name", default=None, help="checkpoint/log name (default tern-kjv or tern-kjv-fp32)")
    ap.add_argument("--dir", default="build/train")
    ap.add_argument("--tokenizer", default="build/train/tokenizer.json")
    ap.add_argument("--train-text", default="build/train/kjv-train.txt")
    ap.add_argument("--heldout-text", default="build/train/kjv-heldout.txt")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--steps", type=int, default=6000)
    ap.add_argument("--batch", type=int, default=16)
    ap.add_argument("--lr", type=float, default=4e-3)
    ap.add_argument("--lr-min", type=float, default=1e-4)
    ap.add_argument("--warmup", type=int, default=300)
    ap.add_argument("--wd", type=float, default=0.05)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--layers", type=int, default=1)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=1)
    ap.add_argument("--ff", type=int, default=512)
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--rope-base", type=float, default=10000.0)
    ap.add_argument("--log-every", type=int, default=50)
    ap.add_argument("--eval-every", type=int, default=500)
    ap.add_argument("--ckpt-every", type=int, default=500)
    ap.add_argument("--resume", action="store_true", help="continue from the checkpoint <dir>/<name>.npz")
    a = ap.parse_args(argv)
    name = a.name or ("tern-kjv" if a.mode == "qat" else "tern-kjv-fp32")
    os.makedirs(a.dir, exist_ok=True)
    ckpt = os.path.join(a.dir, name + ".npz")
    logf = open(os.path.join(a.dir, name + ".log"), "a" if a.resume else "w")

    def log(s):
        sys.stdout.write(s + "\n")
        sys.stdout.flush()
        logf.write(s + "\n")
        logf.flush()

    tok = bpe.Tokenizer.load(a.tokenizer)
    cfg = model.Config(vocab=len(tok.tokens), dim=a.dim, layers=a.layers, heads=a.heads, kv_heads=a.kv_heads,
                       ff=a.ff, ctx=a.ctx, rope_base=a.rope_base)
    cfg.check()
    train_ids = encode_file(tok, a.tokenizer, a.train_text, os.path.join(a.dir, "kjv-train.ids.npy"))
    held_ids = encode_file(tok, a.tokenizer, a.heldout_text, os.path.join(a.dir, "kjv-heldout.ids.npy"))
    hx, hy = heldout_batch(held_ids, tok.bos, cfg.ctx, 32)

    params = model.init_params(cfg, jax.random.PRNGKey(a.seed))
    m = {k: jnp.zeros_like(v) for k, v in params.items()}
    v = {k: jnp.zeros_like(p) for k, p in params.items()}
    start = 0
    if a.resume:
        rcfg, rparams, extra = model.load_checkpoint(ckpt)
        if rcfg != cfg:
            sys.exit("train: %s was trained with another config: %s" % (ckpt, rcfg))
        params = {k: jnp.asarray(x) for k, x in rparams.items()}
        m = {k: jnp.asarray(extra["adam_m/" + k]) for k in params}
        v = {k: jnp.asarray(extra["adam_v/" + k]) for k in params}
        start = int(extra["step"])
    count = jnp.asarray(start, jnp.float32)
    step_fn, eval_fn = make_step(cfg, a.mode, a.wd)

    def save(step):
        extra = {"step": step, "seed": a.seed, "mode": a.mode}
        extra.update({"adam_m/" + k: x for k, x in m.items()})
        extra.update({"adam_v/" + k: x for k, x in v.items()})
        model.save_checkpoint(ckpt, cfg, params, extra)

    log("train: %s mode=%s seed=%d config %s; %d ternary weights; train %d tokens, held-out %d tokens; "
        "%d steps x %d x %d tokens (%.1f epochs); lr %g -> %g, warm-up %d, wd %g; jax %s on %s"
        % (name, a.mode, a.seed, cfg.to_json(), cfg.ternary_weights(), len(train_ids), len(held_ids), a.steps,
           a.batch, cfg.ctx, a.steps * a.batch * cfg.ctx / len(train_ids), a.lr, a.lr_min, a.warmup, a.wd,
           jax.__version__, jax.devices()[0].platform))
    t0 = time.time()
    t_last, tokens_since, loss_acc, n_acc = t0, 0, 0.0, 0
    for step in range(start, a.steps):
        x, y = batch_at(train_ids, tok.bos, step, a.seed, a.batch, cfg.ctx)
        params, m, v, count, loss, gnorm = step_fn(params, m, v, count, jnp.float32(lr_at(step, a)), x, y)
        tokens_since += x.size
        loss_acc += float(loss)
        n_acc += 1
        done = step + 1
        if done % a.log_every == 0 or done == a.steps:
            now = time.time()
            line = "step %d loss %.4f gnorm %.3f lr %.2e tok/s %.0f elapsed %.0fs" % (
                done, loss_acc / n_acc, float(gnorm), lr_at(step, a), tokens_since / (now - t_last), now - t0)
            if done % a.eval_every == 0 or done == a.steps:
                line += " heldout %.4f" % float(eval_fn(params, hx, hy))
            log(line)
            t_last, tokens_since, loss_acc, n_acc = now, 0, 0.0, 0
        if done % a.ckpt_every == 0 or done == a.steps:
            save(done)
    log("train: done, %d steps in %.1f s wall -> %s" % (a.steps - start, time.time() - t0, ckpt))
    return 0


if __name__ == "__main__":
    sys.exit(main())
