# SPDX-License-Identifier: Apache-2.0
"""The BitNet b1.58 2B4T architecture at small scale, in JAX, as tern's C forward pass computes it.

Graph (docs/inference.md "The forward pass", driver/src/model.c; facts §1.1):

    h = token_embd[tok]
    per layer:
      x = RMSNorm(h, attn_norm)
      q, k, v = BitLinear_q(x), BitLinear_k(x), BitLinear_v(x)
      NEOX RoPE on q, k: pair (i, i + n_rot/2), angle pos * theta^(-2i/n_rot)
      a = softmax(q.k^T / sqrt(head_dim) + causal) . v      (GQA: q head h uses kv head h // group)
      h = h + BitLinear_o(RMSNorm(a, attn_sub_norm))
      x = RMSNorm(h, ffn_norm)
      h = h + BitLinear_down(RMSNorm(relu(BitLinear_gate(x))^2 * BitLinear_up(x), ffn_sub_norm))
    logits = RMSNorm(h, output_norm) . token_embd^T          (tied lm_head, not ternary)

BitLinear (facts §2, docs/numerics.md):
    weights:     g = max(mean|W|, 1e-5) per tensor; W_t = clamp(round(W / g), -1, 1)
    activations: m = max(max_k |x_k|, 1e-5) per token; x_q = clamp(round(x * 127/m), -128, 127)
    output:      y = (x_q . W_t^T) * (m / 127) * g
with round = round-half-to-even (jnp.round), as torch, bitnet.cpp and tern.

Three modes of `forward`:
  "qat"    training: fp32 master weights quantised on the fly, straight-through estimator
           (x + stop_gradient(quant(x) - x), the same for W), so the gradients reach the fp32
           weights and activations as if there were no rounding;
  "fp32"   the comparison model: the same graph with plain fp32 matmuls (no quantisation);
  "frozen" evaluation of an exported model: BitLinears given as trits and one scale each
           (exactly what the GGUF holds), computed in tern's order: integer accumulate, then
           * (m / 127), then * scale.

Parameters are a flat dict keyed by the GGUF tensor names without ".weight"
(token_embd, output_norm, blk.N.attn_q, ...); matrices are (out_features, in_features), the
numpy shape of the GGUF tensor. In "frozen" mode a BitLinear entry is the trit matrix and
"<name>.scale" its scale.
"""
import dataclasses
import json
import os

import jax
import jax.numpy as jnp
import numpy as np

PROJ = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]
NORMS = ["attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"]


@dataclasses.dataclass(frozen=True)
class Config:
    vocab: int = 512
    dim: int = 256
    layers: int = 1
    heads: int = 4
    kv_heads: int = 1
    ff: int = 512
    ctx: int = 256
    rope_base: float = 10000.0
    eps: float = 1e-5

    @property
    def head_dim(self):
        return self.dim // self.heads

    def proj_shapes(self):
        kv = self.kv_heads * self.head_dim
        return {"attn_q": (self.dim, self.dim), "attn_k": (kv, self.dim), "attn_v": (kv, self.dim),
                "attn_output": (self.dim, self.dim), "ffn_gate": (self.ff, self.dim),
                "ffn_up": (self.ff, self.dim), "ffn_down": (self.dim, self.ff)}

    def norm_sizes(self):
        return {"attn_norm": self.dim, "attn_sub_norm": self.dim, "ffn_norm": self.dim, "ffn_sub_norm": self.ff}

    def ternary_weights(self):
        """Total BitLinear weights (what the device holds)."""
        return self.layers * sum(m * k for m, k in self.proj_shapes().values())

    def check(self):
        if self.dim % self.heads or self.heads % self.kv_heads or self.head_dim % 2:
            raise ValueError("need dim % heads == 0, heads % kv_heads == 0 and an even head_dim")
        if self.dim % 256 or self.ff % 256:
            raise ValueError("dim and ff must be multiples of 256 (TQ2_0 blocks run along K)")

    def to_json(self):
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, s):
        return cls(**json.loads(s))


def init_params(cfg, key):
    """fp32 master weights: N(0, 0.02) matrices (the output projections of each block scaled
    down by sqrt(2 * layers), GPT-2 style, to keep the residual stream from growing with depth),
    norms at 1."""
    params = {}
    keys = iter(jax.random.split(key, 1 + cfg.layers * len(PROJ)))
    params["token_embd"] = 0.02 * jax.random.normal(next(keys), (cfg.vocab, cfg.dim), jnp.float32)
    out_std = 0.02 / np.sqrt(2.0 * cfg.layers)
    for layer in range(cfg.layers):
        p = "blk.%d." % layer
        for name, shape in cfg.proj_shapes().items():
            std = out_std if name in ("attn_output", "ffn_down") else 0.02
            params[p + name] = std * jax.random.normal(next(keys), shape, jnp.float32)
        for name, n in cfg.norm_sizes().items():
            params[p + name] = jnp.ones((n,), jnp.float32)
    params["output_norm"] = jnp.ones((cfg.dim,), jnp.float32)
    return params


# ---- quantisation ---------------------------------------------------------------------------

def weight_trits(w):
    """Absmean ternarisation of one tensor: (trits as float32, scale)."""
    scale = jnp.maximum(jnp.mean(jnp.abs(w)), 1e-5)
    return jnp.clip(jnp.round(w / scale), -1.0, 1.0), scale


def act_quant(x):
    """Per-token absmax int8: (x_q as float32 integers, m) with x ~ x_q * m / 127."""
    m = jnp.maximum(jnp.max(jnp.abs(x), axis=-1, keepdims=True), 1e-5)
    return jnp.clip(jnp.round(x * (127.0 / m)), -128.0, 127.0), m


def bitlinear(x, params, name, mode):
    if mode == "fp32":
        return x @ params[name].T
    xq, m = act_quant(x)
    if mode == "frozen":
        acc = xq @ params[name].T                 # exact: |acc| <= 127 * K < 2^24
        return (acc * (m / 127.0)) * params[name + ".scale"]
    w = params[name]
    wt, scale = weight_trits(w)
    x_ste = x + jax.lax.stop_gradient(xq * (m / 127.0) - x)
    w_ste = w + jax.lax.stop_gradient(wt * scale - w)
    return x_ste @ w_ste.T


# ---- the graph --------------------------------------------------------------------------------

def rmsnorm(x, w, eps):
    return (x * jax.lax.rsqrt(jnp.mean(x * x, axis=-1, keepdims=True) + eps)) * w


def rope_tables(cfg, n_pos):
    """cos, sin (n_pos, head_dim/2) in float32, the angle in double as tern computes it."""
    half = cfg.head_dim // 2
    pos = np.arange(n_pos, dtype=np.float64)[:, None]
    theta = pos * np.power(float(np.float32(cfg.rope_base)), -2.0 * np.arange(half) / cfg.head_dim)
    return np.cos(theta).astype(np.float32), np.sin(theta).astype(np.float32)


def apply_rope(x, cos, sin):
    """NEOX: x (B, T, H, D); element i pairs with i + D/2."""
    half = x.shape[-1] // 2
    x0, x1 = x[..., :half], x[..., half:]
    c, s = cos[None, :, None, :], sin[None, :, None, :]
    return jnp.concatenate([x0 * c - x1 * s, x0 * s + x1 * c], axis=-1)


def forward(params, tokens, cfg, mode):
    """tokens (B, T) int32 -> logits (B, T, vocab). Position t sees tokens 0..t."""
    B, T = tokens.shape
    H, KV, D = cfg.heads, cfg.kv_heads, cfg.head_dim
    cos, sin = rope_tables(cfg, T)
    causal = jnp.tril(jnp.ones((T, T), dtype=bool))
    embd = params["token_embd"]
    h = embd[tokens]
    for layer in range(cfg.layers):
        p = "blk.%d." % layer
        x = rmsnorm(h, params[p + "attn_norm"], cfg.eps)
        q = bitlinear(x, params, p + "attn_q", mode).reshape(B, T, H, D)
        k = bitlinear(x, params, p + "attn_k", mode).reshape(B, T, KV, D)
        v = bitlinear(x, params, p + "attn_v", mode).reshape(B, T, KV, D)
        q, k = apply_rope(q, cos, sin), apply_rope(k, cos, sin)
        q = q.reshape(B, T, KV, H // KV, D)       # q head h = kv head h // group, member h % group
        scores = jnp.einsum("btkgd,bskd->bkgts", q, k) * (1.0 / np.sqrt(np.float32(D)))
        scores = jnp.where(causal, scores, -jnp.inf)
        att = jax.nn.softmax(scores, axis=-1)
        a = jnp.einsum("bkgts,bskd->btkgd", att, v).reshape(B, T, H * D)
        a = rmsnorm(a, params[p + "attn_sub_norm"], cfg.eps)
        h = h + bitlinear(a, params, p + "attn_output", mode)
        x = rmsnorm(h, params[p + "ffn_norm"], cfg.eps)
        g = bitlinear(x, params, p + "ffn_gate", mode)
        u = bitlinear(x, params, p + "ffn_up", mode)
        f = rmsnorm(jnp.square(jax.nn.relu(g)) * u, params[p + "ffn_sub_norm"], cfg.eps)
        h = h + bitlinear(f, params, p + "ffn_down", mode)
    h = rmsnorm(h, params["output_norm"], cfg.eps)
    return h @ embd.T


def token_nll(params, tokens, targets, cfg, mode):
    """Negative log-likelihood of every target (B, T), float32."""
    logits = forward(params, tokens, cfg, mode)
    logp = jax.nn.log_softmax(logits, axis=-1)
    return -jnp.take_along_axis(logp, targets[..., None], axis=-1)[..., 0]


# ---- checkpoints ----------------------------------------------------------------------------

def save_checkpoint(path, cfg, params, extra=None):
    """params (and optional extra arrays, e.g. optimizer state) to one .npz, the config inside."""
    arrays = {"param/" + k: np.asarray(v) for k, v in params.items()}
    for k, v in (extra or {}).items():
        arrays[k] = np.asarray(v)
    arrays["config"] = np.array(cfg.to_json())
    tmp = path + ".tmp.npz"
    np.savez(tmp, **arrays)
    os.replace(tmp, path)


def load_checkpoint(path):
    """-> (cfg, params as numpy float32, extra dict)."""
    z = np.load(path)
    cfg = Config.from_json(str(z["config"]))
    params = {k[6:]: z[k] for k in z.files if k.startswith("param/")}
    extra = {k: z[k] for k in z.files if not k.startswith("param/") and k != "config"}
    return cfg, params, extra


def export_values(params, cfg):
    """The values the GGUF stores, as numpy: embedding rounded to F16 (back to float32), norms
    F32, every BitLinear as int8 trits and one scale rounded to an fp16 value (so that I2_S,
    which keeps an fp32 scale, and TQ2_0, whose blocks keep fp16, hold the same model)."""
    out = {"token_embd": np.asarray(params["token_embd"], np.float32).astype(np.float16).astype(np.float32)}
    for k, v in params.items():
        if k == "token_embd":
            continue
        name = k.split(".")[-1]
        if name in PROJ:
            w = np.asarray(v, np.float32)
            scale = np.float32(max(np.float32(np.mean(np.abs(w), dtype=np.float64)), np.float32(1e-5)))
            trits = np.clip(np.round(w / scale), -1, 1).astype(np.int8)
            out[k] = trits
            out[k + ".scale"] = np.float32(np.float16(scale))
        else:
            out[k] = np.asarray(v, np.float32)
    return out


def frozen_params(values):
    """export_values -> params for forward(mode="frozen") (jnp float32)."""
    return {k: jnp.asarray(v, jnp.float32) for k, v in values.items()}
