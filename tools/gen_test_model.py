#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write a small BitNet b1.58 GGUF file with random ternary weights (offline test tool).

The file looks like a converted BitNet b1.58 2B4T model (bitnet.cpp's converter): arch
`bitnet-b1.58` (or `bitnet-25` / `bitnet`), the `<arch>.*` hyper-parameter keys, an F16
`token_embd.weight` that doubles as the lm_head (no `output.weight`), F32 norms, and the seven
BitLinear projections per layer in one of three ternary formats:

  i2s    bitnet.cpp I2_S (type 36): M*K/4 bytes of 2-bit codes (0=-1, 1=0, 2=+1) in 128-element
         blocks of 32 bytes, element 32*g+j of a block at bits 7-2g..6-2g of byte j; then a
         32-byte tail whose first 4 bytes are the fp32 per-tensor scale.
  tq1_0  ggml TQ1_0 (type 34): 256-element blocks, 5 trits per byte base 3, fp16 d.
  tq2_0  ggml TQ2_0 (type 35): 256-element blocks, 2 bits per element LSB-first, fp16 d.

Every block of a TQ tensor carries the same d, so each tensor is exactly one ternary matrix
times one scale. Scales are drawn as fp16 values (and stored as fp32 in I2_S) so the same seed
gives the same trits and the same scales in all three formats: the three files are the same
model. Weights are drawn from an RNG seeded by (seed, tensor name), so they do not depend on
the format, the tensor order or the other tensors.

--scale-tensors moves every scale into a separate F32 tensor `blk.N.<name>.scale` of shape {1}
(llama.cpp's convention) and stores 1.0 in the weight itself (I2_S tail / TQ block d): the
effective weight scale is the product of the two, so the model is unchanged.

The tokenizer is a byte-level BPE (tokenizer.ggml.model = gpt2, pre = llama-bpe): the 256 byte
tokens in GPT-2 byte-to-unicode form (ids in that table's order, so id != byte value), merges
learned from a small built-in text, then <|begin_of_text|>, <|end_of_text|> and <|eot_id|>
(token type 3, control).

Usage:
  tools/gen_test_model.py --out model.gguf [--format i2s|tq1_0|tq2_0] [--seed N]
      [--layers 2] [--dim 256] [--ff 768] [--heads 4] [--kv-heads 2] [--vocab-extra 64]
      [--ctx 256] [--arch bitnet-b1.58] [--scale-tensors] [--2b4t-shape]

--2b4t-shape writes the real 2B4T dimensions (30 layers, 2560/6912, 20/5 heads, vocab 128256;
about 1.2 GB with I2_S) for benchmarks; tensors are generated and written one at a time, so
peak memory is about one embedding (656 MB F16), never the whole model.

The PyPI `gguf` package writes the file (GGUFWriter). It does not know I2_S (type 36): the
tensor info is added with the plain integer 36 as raw_dtype and the exact byte count, which
the writer stores verbatim (it only needs the id to pack it as uint32).
"""
import argparse
import os
import re
import sys
import tomllib
import zlib

try:
    import numpy as np
    import gguf
except ImportError as e:  # pragma: no cover
    sys.stderr.write("gen_test_model: needs numpy and gguf (python3 -m pip install numpy gguf): %s\n" % e)
    sys.exit(2)

TYPE_TQ1_0 = 34
TYPE_TQ2_0 = 35
TYPE_I2_S = 36
FTYPE = {"i2s": 40, "tq1_0": 36, "tq2_0": 37}   # llama_ftype values (I2_S: bitnet.cpp's 40)
QK_K = 256
QK_I2S = 128

PROJ = ["attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down"]

# Small built-in training text for the BPE merges (written for this tool).
TRAIN_TEXT = """\
The ternary accelerator multiplies int8 activations by weights that are minus one, zero or
plus one, so every product is an addition, a subtraction or nothing at all. The host keeps
the rest of the transformer: the norms, the rotary position embedding, the attention and the
sampling. A small model with random weights is enough to test that the host and the reference
agree on every logit, and that the three weight formats give the same answer.
User: What is the capital of France?
Assistant: The capital of France is Paris. It is a large city on the river Seine.
Numbers such as 12, 345 and 6789 are split in groups of at most three digits.
The the the and and and to to of of in in is is it it that that this this with with.
"""

PRETOKEN = re.compile(r"'(?:s|t|re|ve|m|ll|d)| ?[A-Za-z]+| ?[0-9]{1,3}| ?[^\sA-Za-z0-9]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")


def bytes_to_unicode():
    """GPT-2's reversible byte -> printable unicode character table, in its canonical order."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + \
        list(range(ord("\u00ae"), ord("\u00ff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return [(b, chr(c)) for b, c in zip(bs, cs)]


def learn_bpe(text, n_merges):
    """Plain BPE training on pre-tokenized words; returns (merges, new_tokens)."""
    table = dict(bytes_to_unicode())
    words = {}
    for w in PRETOKEN.findall(text):
        key = tuple(table[b] for b in w.encode("utf-8"))
        words[key] = words.get(key, 0) + 1
    vocab = set(table.values())
    merges, new_tokens, banned = [], [], set()
    while len(merges) < n_merges:
        counts = {}
        for w, c in words.items():
            for a, b in zip(w, w[1:]):
                if (a, b) not in banned:
                    counts[(a, b)] = counts.get((a, b), 0) + c
        if not counts:
            break
        best = max(counts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        tok = best[0] + best[1]
        if tok in vocab:          # would duplicate a token string: skip this pair
            banned.add(best)
            continue
        vocab.add(tok)
        merges.append(best[0] + " " + best[1])
        new_tokens.append(tok)
        nw = {}
        for w, c in words.items():
            out, i = [], 0
            while i < len(w):
                if i + 1 < len(w) and (w[i], w[i + 1]) == best:
                    out.append(tok)
                    i += 2
                else:
                    out.append(w[i])
                    i += 1
            nw[tuple(out)] = nw.get(tuple(out), 0) + c
        words = nw
    return merges, new_tokens


def build_vocab(n_merges):
    byte_tokens = [c for _, c in bytes_to_unicode()]
    merges, new_tokens = learn_bpe(TRAIN_TEXT, n_merges)
    tokens = byte_tokens + new_tokens
    types = [1] * len(tokens)
    specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
    ids = {}
    for s in specials:
        ids[s] = len(tokens)
        tokens.append(s)
        types.append(3)
    return tokens, types, merges, ids


# ---------------------------------------------------------------------------------------------
# Packers. trits: int8 array (M, K) with values -1/0/+1, row-major, K = in_features (ne0).

def pack_i2s(trits, scale):
    codes = (trits.reshape(-1, 4, 32).astype(np.uint8) + 1)          # (blocks, group, 32)
    packed = (codes[:, 0] << 6) | (codes[:, 1] << 4) | (codes[:, 2] << 2) | codes[:, 3]
    tail = np.zeros(32, dtype=np.uint8)
    tail[:4] = np.frombuffer(np.float32(scale).tobytes(), dtype=np.uint8)
    return np.concatenate([packed.reshape(-1), tail])


def pack_tq2_0(trits, scale):
    codes = (trits.reshape(-1, 2, 4, 32).astype(np.uint8) + 1)       # (blocks, chunk, n, m)
    qs = codes[:, :, 0] | (codes[:, :, 1] << 2) | (codes[:, :, 2] << 4) | (codes[:, :, 3] << 6)
    nb = qs.shape[0]
    d = np.full((nb, 1), np.float16(scale), dtype=np.float16).view(np.uint8)
    return np.concatenate([qs.reshape(nb, 64), d], axis=1).reshape(-1)


def _tq1_byte(q):
    """q: base-3 value with the first trit most significant -> stored byte ceil(q*256/243)."""
    return ((q.astype(np.uint16) * 256 + 242) // 243).astype(np.uint8)


def pack_tq1_0(trits, scale):
    c = (trits.reshape(-1, QK_K).astype(np.uint16) + 1)
    nb = c.shape[0]
    a = c[:, :160].reshape(nb, 5, 32)        # element n*32+m
    b = c[:, 160:240].reshape(nb, 5, 16)     # element 160+n*16+m
    h = c[:, 240:].reshape(nb, 4, 4)         # element 240+n*4+j: byte qh[j], trit n
    pw5 = np.array([81, 27, 9, 3, 1], dtype=np.uint16)
    qa = (a * pw5[None, :, None]).sum(axis=1)
    qb = (b * pw5[None, :, None]).sum(axis=1)
    qh = (h * np.array([27, 9, 3, 1], dtype=np.uint16)[None, :, None]).sum(axis=1) * 3
    d = np.full((nb, 1), np.float16(scale), dtype=np.float16).view(np.uint8)
    return np.concatenate([_tq1_byte(qa), _tq1_byte(qb), _tq1_byte(qh), d], axis=1).reshape(-1)


def packed_nbytes(fmt, m, k):
    if fmt == "i2s":
        return m * k // 4 + 32
    if fmt == "tq1_0":
        return m * k // QK_K * 54
    return m * k // QK_K * 66


PACK = {"i2s": (pack_i2s, TYPE_I2_S), "tq1_0": (pack_tq1_0, TYPE_TQ1_0), "tq2_0": (pack_tq2_0, TYPE_TQ2_0)}


# ---------------------------------------------------------------------------------------------

def rng_for(seed, name):
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def gen_trits(seed, name, m, k):
    r = rng_for(seed, name + "#trits")
    out = np.empty((m, k), dtype=np.int8)
    step = max(1, (1 << 22) // k)
    for r0 in range(0, m, step):
        out[r0:r0 + step] = r.integers(-1, 2, size=(min(step, m - r0), k), dtype=np.int8)
    return out


def gen_scale(seed, name, k):
    """Per-tensor weight scale, an fp16 value near 1/sqrt(K) (keeps the residual stream O(1))."""
    u = rng_for(seed, name + "#scale").uniform(0.5, 2.0)
    return float(np.float16(u / np.sqrt(k)))


def gen_norm(seed, name, n):
    return rng_for(seed, name).uniform(0.5, 1.5, size=n).astype(np.float32)


def gen_embd(seed, n_vocab, dim):
    r = rng_for(seed, "token_embd.weight")
    out = np.empty((n_vocab, dim), dtype=np.float16)
    step = max(1, (1 << 22) // dim)
    for r0 in range(0, n_vocab, step):
        n = min(step, n_vocab - r0)
        out[r0:r0 + n] = (r.standard_normal(size=(n, dim), dtype=np.float32) * 0.25).astype(np.float16)
    return out


def add_hparams(w, arch, *, vocab, ctx, dim, layers, ff, heads, kv_heads, eps, head_dim, rope_base):
    """The {arch}.* hyper-parameter keys tern reads (docs/inference.md), in one fixed order."""
    w.add_uint32(arch + ".vocab_size", vocab)
    w.add_uint32(arch + ".context_length", ctx)
    w.add_uint32(arch + ".embedding_length", dim)
    w.add_uint32(arch + ".block_count", layers)
    w.add_uint32(arch + ".feed_forward_length", ff)
    w.add_uint32(arch + ".attention.head_count", heads)
    w.add_uint32(arch + ".attention.head_count_kv", kv_heads)
    w.add_float32(arch + ".attention.layer_norm_rms_epsilon", eps)
    w.add_uint32(arch + ".rope.dimension_count", head_dim)
    w.add_float32(arch + ".rope.freq_base", rope_base)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True)
    ap.add_argument("--format", choices=["i2s", "tq1_0", "tq2_0"], default="i2s")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--dim", type=int, default=256)
    ap.add_argument("--ff", type=int, default=768)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--vocab-extra", type=int, default=64, help="number of BPE merges (tokens beyond the 256 bytes)")
    ap.add_argument("--ctx", type=int, default=256)
    ap.add_argument("--rope-base", type=float, default=500000.0)
    ap.add_argument("--arch", choices=["bitnet-b1.58", "bitnet-25", "bitnet"], default="bitnet-b1.58")
    ap.add_argument("--scale-tensors", action="store_true", help="weight scales in separate blk.N.<name>.scale tensors")
    ap.add_argument("--2b4t-shape", dest="shape_2b4t", action="store_true", help="real 2B4T dimensions (benchmarks only: ~1.2 GB)")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)

    if a.shape_2b4t:
        # the 2B4T dimensions: spec/tern.toml [workloads.2b4t]
        with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spec", "tern.toml"), "rb") as f:
            w = tomllib.load(f)["workloads"]["2b4t"]
        a.layers, a.dim, a.ff, a.heads, a.kv_heads, a.ctx = (w["layers"], w["hidden"], w["ffn"], w["heads"],
                                                            w["kv_heads"], w["ctx"])
    if a.heads <= 0 or a.kv_heads <= 0 or a.heads % a.kv_heads or a.dim % a.heads:
        ap.error("need heads %% kv-heads == 0 and dim %% heads == 0")
    head_dim = a.dim // a.heads
    if head_dim % 2:
        ap.error("head_dim = dim/heads must be even (NEOX RoPE pairs i with i+head_dim/2)")
    blk = QK_K if a.format != "i2s" else QK_I2S
    for nm, v in (("dim", a.dim), ("ff", a.ff)):
        if v <= 0 or v % blk:
            ap.error("--%s %d: must be a positive multiple of %d for %s (blocks run along K)" % (nm, v, blk, a.format))
    if a.layers < 1:
        ap.error("--layers must be >= 1")

    tokens, types, merges, ids = build_vocab(a.vocab_extra)
    if a.shape_2b4t:   # pad to the real vocabulary size with filler tokens (normal type)
        n_real = w["vocab"]
        specials = tokens[-3:]
        tokens = tokens[:-3]
        types = types[:-3]
        k = 0
        while len(tokens) < n_real - 3:
            tokens.append("<filler_%d>" % k)
            types.append(1)
            k += 1
        ids = {}
        for s in specials:
            ids[s] = len(tokens)
            tokens.append(s)
            types.append(3)
    n_vocab = len(tokens)
    kv_dim = a.kv_heads * head_dim
    arch = a.arch

    w = gguf.GGUFWriter(a.out, arch)
    w.add_string("general.name", "tern random BitNet b1.58 test model (seed %d)" % a.seed)
    w.add_uint32("general.file_type", FTYPE[a.format])
    w.add_uint32("general.quantization_version", 2)
    add_hparams(w, arch, vocab=n_vocab, ctx=a.ctx, dim=a.dim, layers=a.layers, ff=a.ff, heads=a.heads,
                kv_heads=a.kv_heads, eps=1e-5, head_dim=head_dim, rope_base=a.rope_base)
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", "llama-bpe")
    w.add_array("tokenizer.ggml.tokens", tokens)
    w.add_key_value("tokenizer.ggml.token_type", types, gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.INT32)
    w.add_array("tokenizer.ggml.merges", merges)
    w.add_uint32("tokenizer.ggml.bos_token_id", ids["<|begin_of_text|>"])
    w.add_uint32("tokenizer.ggml.eos_token_id", ids["<|end_of_text|>"])
    w.add_uint32("tokenizer.ggml.eot_token_id", ids["<|eot_id|>"])
    w.add_bool("tokenizer.ggml.add_bos_token", True)

    # Tensor plan: (name, numpy shape (ne1, ne0) or (ne0,), kind, extra)
    plan = [("token_embd.weight", (n_vocab, a.dim), "embd", None)]
    shapes = {"attn_q": (a.dim, a.dim), "attn_k": (kv_dim, a.dim), "attn_v": (kv_dim, a.dim),
              "attn_output": (a.dim, a.dim), "ffn_gate": (a.ff, a.dim), "ffn_up": (a.ff, a.dim),
              "ffn_down": (a.dim, a.ff)}
    for L in range(a.layers):
        p = "blk.%d." % L
        plan.append((p + "attn_norm.weight", (a.dim,), "norm", None))
        for nm in ["attn_q", "attn_k", "attn_v", "attn_output"]:
            plan.append((p + nm + ".weight", shapes[nm], "tern", None))
            if a.scale_tensors:
                plan.append((p + nm + ".scale", (1,), "scale", p + nm + ".weight"))
        plan.append((p + "attn_sub_norm.weight", (a.dim,), "norm", None))
        plan.append((p + "ffn_norm.weight", (a.dim,), "norm", None))
        for nm in ["ffn_gate", "ffn_up", "ffn_down"]:
            plan.append((p + nm + ".weight", shapes[nm], "tern", None))
            if a.scale_tensors:
                plan.append((p + nm + ".scale", (1,), "scale", p + nm + ".weight"))
        plan.append((p + "ffn_sub_norm.weight", (a.ff,), "norm", None))
    plan.append(("output_norm.weight", (a.dim,), "norm", None))

    pack, type_id = PACK[a.format]
    for name, shape, kind, _ in plan:
        if kind == "embd":
            w.add_tensor_info(name, shape, np.dtype(np.float16), shape[0] * shape[1] * 2)
        elif kind in ("norm", "scale"):
            w.add_tensor_info(name, shape, np.dtype(np.float32), shape[0] * 4)
        else:
            # Logical (M, K) shape with a non-uint8 dtype: the writer then keeps the shape as given
            # and writes raw_dtype verbatim (a plain int for I2_S, unknown to the package).
            w.add_tensor_info(name, shape, np.dtype(np.float32), packed_nbytes(a.format, *shape), raw_dtype=type_id)

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    total = len(plan)
    for i, (name, shape, kind, ref) in enumerate(plan):
        if kind == "embd":
            data = gen_embd(a.seed, n_vocab, a.dim)
        elif kind == "norm":
            data = gen_norm(a.seed, name, shape[0])
        elif kind == "scale":
            data = np.array([gen_scale(a.seed, ref, shapes[ref.split(".")[2]][1])], dtype=np.float32)
        else:
            m, k = shape
            trits = gen_trits(a.seed, name, m, k)
            sc = 1.0 if a.scale_tensors else gen_scale(a.seed, name, k)
            data = pack(trits, sc)
            del trits
        w.write_tensor_data(data)
        del data
        if not a.quiet and a.shape_2b4t:
            sys.stderr.write("\rgen_test_model: %d/%d tensors" % (i + 1, total))
    w.close()
    if not a.quiet:
        if a.shape_2b4t:
            sys.stderr.write("\n")
        sys.stderr.write("gen_test_model: wrote %s (%s, %s, %d layers, dim %d, ff %d, heads %d/%d, vocab %d)\n"
                         % (a.out, arch, a.format, a.layers, a.dim, a.ff, a.heads, a.kv_heads, n_vocab))
    return 0


if __name__ == "__main__":
    sys.exit(main())
