#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Independent NumPy reference of the BitNet b1.58 2B4T forward pass (offline test tool).

Shares no code with the C path (driver/): it reads the GGUF with the PyPI `gguf` package's
GGUFReader, decodes I2_S / TQ1_0 / TQ2_0 itself, and follows the published formulas:

  h = embd[tok]                                   (F16 token_embd, also the lm_head)
  per layer:
    x = rmsnorm(h, attn_norm)
    q, k, v = bitlinear(x)                        (one int8 quantisation of x shared by q/k/v)
    NEOX RoPE on q, k (pair i with i + n_rot/2, theta_i = pos * base^(-2i/n_rot))
    a = softmax(q k^T / sqrt(head_dim) + causal) v, q-head h reads kv-head h / (heads/kv_heads)
    h += bitlinear_o(rmsnorm(a, attn_sub_norm))
    x = rmsnorm(h, ffn_norm)
    h += bitlinear_down(rmsnorm(relu(gate(x))^2 * up(x), ffn_sub_norm))
  logits = rmsnorm(h, output_norm) @ embd^T

  rmsnorm(x, w) = x / sqrt(mean(x^2) + eps) * w
  bitlinear(x): m = max(max_i |x_i|, 1e-5); sx = 127 / m (per token);
                xq = clamp(round_half_even(x * sx), -128, 127) (int8);
                acc = sum_k W[j,k] * xq[k] (exact integers); y = acc / sx * w_scale.

The weight scale of a projection is its I2_S tail float or its TQ block d (per block: a TQ
tensor whose blocks have different d is computed exactly, block by block), multiplied by the
F32 `blk.N.<name>.scale` tensor when the file has one (llama.cpp's convention).

--precision f32 (default) does every float step in float32, like a C implementation would;
f64 does them in float64 (used to measure how much harmless rounding differences move the
logits: see tests/reference/README.md).

Usage:
  bitnet_ref.py MODEL.gguf --tokens 1,2,3 [-n 8] [--dump-logits out.txt] [--precision f32|f64]

Dump format (same as `tern run --dump-logits`):
  tokens <n> <id> ...                   prompt token ids
  logits <pos> <v0> <v1> ... <vV-1>      one line per prompt position, %.9g floats
  generated <n> <id> ...                 greedily generated ids (n may be 0)
"""
import argparse
import sys

try:
    import numpy as np
    import gguf
except ImportError as e:  # pragma: no cover
    sys.stderr.write("bitnet_ref: needs numpy and gguf (python3 -m pip install numpy gguf): %s\n" % e)
    sys.exit(2)

T_F32, T_F16, T_BF16, T_TQ1_0, T_TQ2_0, T_I2_S = 0, 1, 30, 34, 35, 36
QK_K = 256


class Reader(gguf.GGUFReader):
    """GGUFReader that also accepts bitnet.cpp's I2_S (type 36), which the package's type enum
    lacks. Everything else is the package's own parsing; I2_S tensors get a flat uint8 view of
    M*K/4 + 32 bytes. Each tensor is returned as (name, type id, ne list, uint8/typed data)."""

    def _build_tensors(self, start_offs, fields):
        own, rest, order = {}, [], []
        for field in fields:
            _nl, name_data, _nd, dims, raw_dtype, offset_tensor = field.parts
            name = str(bytes(name_data), encoding="utf-8")
            order.append(name)
            if int(raw_dtype[0]) == T_I2_S:
                ne = [int(d) for d in dims]
                n = int(np.prod(ne))
                if len(ne) != 2 or n % 128:
                    raise ValueError("tensor %s: I2_S needs 2 dims and a multiple of 128 elements" % name)
                off = int(start_offs + offset_tensor[0])
                nbytes = n // 4 + 32
                if off + nbytes > len(self.data):
                    raise ValueError("tensor %s: data out of range" % name)
                own[name] = (name, T_I2_S, ne, self.data[off:off + nbytes])
            else:
                rest.append(field)
        super()._build_tensors(start_offs, rest)
        for t in self.tensors:
            own[t.name] = (t.name, int(t.tensor_type), [int(d) for d in t.shape], t.data)
        self.ref_tensors = {n: own[n] for n in order}


# ---------------------------------------------------------------------------------------------
# Decoders: return (trits int8 (M, K), scales float64 (M, K/bs) or scalar)

def decode_i2s(raw, m, k):
    raw = np.asarray(raw, dtype=np.uint8).reshape(-1)
    codes_b = raw[:m * k // 4].reshape(-1, 32)
    shifts = np.array([6, 4, 2, 0], dtype=np.uint8)
    codes = (codes_b[:, None, :] >> shifts[None, :, None]) & 3     # (blocks, group, 32)
    if (codes == 3).any():
        raise ValueError("I2_S code 3 (unused) found")
    trits = codes.astype(np.int8).reshape(m, k) - 1
    scale = float(np.frombuffer(raw[m * k // 4:m * k // 4 + 4].tobytes(), dtype="<f4")[0])
    return trits, scale


def decode_tq2_0(raw, m, k):
    b = np.asarray(raw, dtype=np.uint8).reshape(m * k // QK_K, 66)
    qs = b[:, :64].reshape(-1, 2, 1, 32)
    shifts = np.array([0, 2, 4, 6], dtype=np.uint8).reshape(1, 1, 4, 1)
    codes = (qs >> shifts) & 3                                     # (blocks, chunk, n, m)
    if (codes == 3).any():
        raise ValueError("TQ2_0 code 3 found")
    trits = codes.astype(np.int8).reshape(m, k) - 1
    d = b[:, 64:66].copy().view("<f2").astype(np.float64).reshape(m, k // QK_K)
    return trits, d


def _tq1_trits(bytes_, n):
    """Trit n (0 = most significant) of each stored base-3 byte."""
    q = (bytes_.astype(np.uint16) * (3 ** n)) & 0xFF
    return ((q * 3) >> 8).astype(np.int8)


def decode_tq1_0(raw, m, k):
    b = np.asarray(raw, dtype=np.uint8).reshape(m * k // QK_K, 54)
    nb = b.shape[0]
    out = np.empty((nb, QK_K), dtype=np.int8)
    for n in range(5):
        out[:, n * 32:(n + 1) * 32] = _tq1_trits(b[:, 0:32], n)
        out[:, 160 + n * 16:160 + (n + 1) * 16] = _tq1_trits(b[:, 32:48], n)
    for n in range(4):
        out[:, 240 + n * 4:240 + (n + 1) * 4] = _tq1_trits(b[:, 48:52], n)
    if (out > 2).any():
        raise ValueError("TQ1_0 trit out of range")
    trits = out.reshape(m, k) - 1
    d = b[:, 52:54].copy().view("<f2").astype(np.float64).reshape(m, k // QK_K)
    return trits, d


def as_float(t):
    name, typ, ne, data = t
    if typ == T_F32:
        return np.asarray(data, dtype=np.float32).reshape(-1)
    if typ == T_F16:
        return np.asarray(data, dtype=np.float16).reshape(-1).astype(np.float32)
    if typ == T_BF16:
        u = np.asarray(data, dtype=np.uint8).reshape(-1).copy().view("<u2").astype(np.uint32) << 16
        return u.view(np.float32)
    raise ValueError("tensor %s: type %d is not a float type" % (name, typ))


class BitLinear:
    def __init__(self, t, scale_t, ft):
        name, typ, ne, data = t
        if len(ne) != 2:
            raise ValueError("tensor %s: expected 2 dims" % name)
        k, m = ne
        self.m, self.k, self.name = m, k, name
        if typ == T_I2_S:
            trits, s = decode_i2s(data, m, k)
            block = None
        elif typ in (T_TQ1_0, T_TQ2_0):
            if k % QK_K:
                raise ValueError("tensor %s: K=%d not a multiple of 256" % (name, k))
            trits, d = (decode_tq1_0 if typ == T_TQ1_0 else decode_tq2_0)(data, m, k)
            if np.all(d == d.flat[0]):
                s, block = float(d.flat[0]), None
            else:
                s, block = 1.0, d
        else:
            raise ValueError("tensor %s: type %d is not ternary" % (name, typ))
        if scale_t is not None:
            s *= float(as_float(scale_t)[0])
        if 127 * k >= (1 << 24):
            raise ValueError("tensor %s: K too large for exact float32 accumulation" % name)
        self.ft = ft
        self.scale = ft(s)
        self.block = block
        # exact integer matmul through float32 BLAS: |partial sums| <= 127*K < 2^24
        self.wt = trits.astype(np.float32).T.copy()          # (K, M)

    def matmul_q(self, xq, sx):
        """xq: float32 (T, K) integer-valued, sx: (T, 1) per-token scale in ft."""
        if self.block is None:
            acc = (xq @ self.wt).astype(self.ft)              # exact integers
            return acc / sx * self.scale
        y = np.zeros((xq.shape[0], self.m), dtype=np.float64)
        for b in range(self.k // QK_K):
            sl = slice(b * QK_K, (b + 1) * QK_K)
            y += (xq[:, sl] @ self.wt[sl]).astype(np.float64) * self.block[:, b][None, :]
        return (y / sx.astype(np.float64) * self.scale).astype(self.ft)


def act_quant(x, ft):
    m = np.maximum(np.max(np.abs(x), axis=1, keepdims=True), ft(1e-5)).astype(ft)
    sx = (ft(127) / m).astype(ft)
    xq = np.clip(np.rint((x * sx).astype(ft)), -128, 127).astype(np.float32)   # rint: ties to even
    return xq, sx


class Model:
    def __init__(self, path, precision="f32", jitter=0.0, jitter_seed=0):
        self.ft = np.float32 if precision == "f32" else np.float64
        self.jitter = jitter
        self.jrng = np.random.default_rng(jitter_seed)
        ft = self.ft
        r = Reader(path)
        f = r.fields

        def val(key, default=None):
            fl = f.get(key)
            if fl is None:
                if default is None:
                    raise ValueError("missing metadata key %s" % key)
                return default
            return fl.contents()

        arch = val("general.architecture")
        if arch not in ("bitnet-b1.58", "bitnet-25", "bitnet"):
            raise ValueError("architecture %r is not a BitNet b1.58 arch" % arch)
        self.arch = arch
        self.n_layer = int(val(arch + ".block_count"))
        self.dim = int(val(arch + ".embedding_length"))
        self.ff = int(val(arch + ".feed_forward_length"))
        self.n_head = int(val(arch + ".attention.head_count"))
        self.n_kv = int(val(arch + ".attention.head_count_kv", self.n_head))
        self.eps = float(np.float32(val(arch + ".attention.layer_norm_rms_epsilon", 1e-5)))
        self.hd = self.dim // self.n_head
        self.n_rot = int(val(arch + ".rope.dimension_count", self.hd))
        self.base = float(np.float32(val(arch + ".rope.freq_base", 10000.0)))
        if arch == "bitnet":
            act = None
            for key in (arch + ".hidden_act", arch + ".activation", "general.hidden_act"):
                if key in f:
                    act = str(f[key].contents())
            self.relu2 = act in ("relu2", "relu_sqr", "relu_squared")
        else:
            self.relu2 = True
        T = r.ref_tensors

        def get(name, required=True):
            if name not in T:
                if required:
                    raise ValueError("missing tensor %s" % name)
                return None
            return T[name]

        emb = get("token_embd.weight")
        self.n_vocab = emb[2][1]
        self.embd = as_float(emb).reshape(self.n_vocab, self.dim).astype(ft)
        out = get("output.weight", False)
        self.lm = self.embd if out is None else as_float(out).reshape(-1, self.dim).astype(ft)
        self.out_norm = as_float(get("output_norm.weight")).astype(ft)
        self.layers = []
        for L in range(self.n_layer):
            p = "blk.%d." % L
            ly = {}
            for nm in ("attn_norm", "attn_sub_norm", "ffn_norm", "ffn_sub_norm"):
                ly[nm] = as_float(get(p + nm + ".weight")).astype(ft)
            for nm in ("attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"):
                ly[nm] = BitLinear(get(p + nm + ".weight"), get(p + nm + ".scale", False), ft)
            self.layers.append(ly)
        half = self.n_rot // 2
        self.inv_freq = np.power(np.float64(self.base), -2.0 * np.arange(half, dtype=np.float64) / self.n_rot)
        self.reset()

    def reset(self):
        self.kc = [np.zeros((0, self.n_kv, self.hd), dtype=self.ft) for _ in range(self.n_layer)]
        self.vc = [np.zeros((0, self.n_kv, self.hd), dtype=self.ft) for _ in range(self.n_layer)]
        self.pos = 0

    def quant(self, x):
        """act_quant, after an optional relative jitter of the input (rounding-noise ensemble)."""
        if self.jitter:
            x = (x * (1.0 + self.jitter * self.jrng.uniform(-1.0, 1.0, size=x.shape))).astype(self.ft)
        return act_quant(x, self.ft)

    def rmsnorm(self, x, w):
        ft = self.ft
        ms = np.mean(x * x, axis=1, keepdims=True, dtype=ft)
        return (x * (ft(1) / np.sqrt(ms + ft(self.eps)))).astype(ft) * w

    def rope(self, x, pos):
        """x: (T, H, hd); NEOX rotation of the first n_rot dims."""
        ft = self.ft
        half = self.n_rot // 2
        ang = pos[:, None].astype(np.float64) * self.inv_freq[None, :]
        c = np.cos(ang).astype(ft)[:, None, :]
        s = np.sin(ang).astype(ft)[:, None, :]
        x0 = x[..., :half]
        x1 = x[..., half:self.n_rot]
        out = x.copy()
        out[..., :half] = x0 * c - x1 * s
        out[..., half:self.n_rot] = x0 * s + x1 * c
        return out

    def forward(self, toks):
        """Run the tokens (T,) at positions self.pos.. ; returns logits (T, V)."""
        ft = self.ft
        toks = np.asarray(toks, dtype=np.int64)
        if toks.min() < 0 or toks.max() >= self.n_vocab:
            raise ValueError("token id out of range [0, %d)" % self.n_vocab)
        T = len(toks)
        pos = np.arange(self.pos, self.pos + T)
        h = self.embd[toks].astype(ft)
        g = self.n_head // self.n_kv
        kq = ft(1.0 / np.sqrt(self.hd))
        for L, ly in enumerate(self.layers):
            x = self.rmsnorm(h, ly["attn_norm"])
            xq, sx = self.quant(x)
            q = ly["attn_q"].matmul_q(xq, sx).reshape(T, self.n_head, self.hd)
            k = ly["attn_k"].matmul_q(xq, sx).reshape(T, self.n_kv, self.hd)
            v = ly["attn_v"].matmul_q(xq, sx).reshape(T, self.n_kv, self.hd)
            q = self.rope(q, pos)
            k = self.rope(k, pos)
            self.kc[L] = np.concatenate([self.kc[L], k.astype(ft)])
            self.vc[L] = np.concatenate([self.vc[L], v.astype(ft)])
            K, V = self.kc[L], self.vc[L]
            S = K.shape[0]
            att = np.empty((T, self.n_head, self.hd), dtype=ft)
            mask = np.arange(S)[None, :] > pos[:, None]               # (T, S): future keys
            for hh in range(self.n_head):
                kv = hh // g
                sc = (q[:, hh, :] @ K[:, kv, :].T).astype(ft) * kq
                sc = np.where(mask, -np.inf, sc)
                sc = sc - sc.max(axis=1, keepdims=True)
                e = np.exp(sc).astype(ft)
                p = e / e.sum(axis=1, keepdims=True, dtype=ft)
                att[:, hh, :] = p @ V[:, kv, :]
            a = self.rmsnorm(att.reshape(T, self.dim), ly["attn_sub_norm"])
            aq, asx = self.quant(a)
            h = (h + ly["attn_output"].matmul_q(aq, asx)).astype(ft)
            x = self.rmsnorm(h, ly["ffn_norm"])
            xq, sx = self.quant(x)
            gt = ly["ffn_gate"].matmul_q(xq, sx)
            up = ly["ffn_up"].matmul_q(xq, sx)
            if self.relu2:
                r = np.maximum(gt, ft(0))
                act = r * r
            else:
                act = gt / (ft(1) + np.exp(-gt))
            fx = self.rmsnorm((act * up).astype(ft), ly["ffn_sub_norm"])
            fq, fsx = self.quant(fx)
            h = (h + ly["ffn_down"].matmul_q(fq, fsx)).astype(ft)
        self.pos += T
        hn = self.rmsnorm(h, self.out_norm)
        return (hn @ self.lm.T).astype(ft)


def write_dump(path, prompt, logits, generated):
    with open(path, "w") as fo:
        fo.write("tokens %d%s\n" % (len(prompt), "".join(" %d" % t for t in prompt)))
        for i, row in enumerate(logits):
            fo.write("logits %d %s\n" % (i, " ".join("%.9g" % float(v) for v in row)))
        fo.write("generated %d%s\n" % (len(generated), "".join(" %d" % t for t in generated)))


def main(argv=None):
    ap = argparse.ArgumentParser(description="NumPy reference forward pass for BitNet b1.58 GGUF files")
    ap.add_argument("model")
    ap.add_argument("--tokens", required=True, help="comma-separated prompt token ids")
    ap.add_argument("-n", "--n-predict", type=int, default=0, help="greedy tokens to generate")
    ap.add_argument("--dump-logits", help="write the plain-text logits dump here")
    ap.add_argument("--precision", choices=["f32", "f64"], default="f32")
    ap.add_argument("--jitter", type=float, default=0.0,
                    help="multiply every activation by (1 + J*u), u~U(-1,1), before int8 quantisation "
                         "(rounding-noise ensemble member; 0 = off)")
    ap.add_argument("--jitter-seed", type=int, default=0)
    a = ap.parse_args(argv)
    try:
        prompt = [int(t) for t in a.tokens.split(",") if t.strip() != ""]
    except ValueError:
        ap.error("--tokens: expected comma-separated integers")
    if not prompt:
        ap.error("--tokens: empty prompt")
    try:
        m = Model(a.model, a.precision, a.jitter, a.jitter_seed)
        logits = m.forward(prompt)
        gen = []
        last = logits[-1]
        for _ in range(a.n_predict):
            t = int(np.argmax(last))
            gen.append(t)
            last = m.forward([t])[-1]
    except (ValueError, OSError) as e:
        sys.stderr.write("bitnet_ref: %s: %s\n" % (a.model, e))
        return 1
    if a.dump_logits:
        write_dump(a.dump_logits, prompt, logits, gen)
    else:
        print("tokens", " ".join(map(str, prompt)))
        print("argmax", " ".join(str(int(np.argmax(r))) for r in logits))
        print("generated", " ".join(map(str, gen)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
