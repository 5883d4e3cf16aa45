#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Export a trained checkpoint (tools/train/train.py) to a BitNet b1.58 GGUF that tern runs.

The file has the layout of a converted 2B4T model (the same keys as tools/gen_test_model.py):
architecture `bitnet-b1.58`, the `bitnet-b1.58.*` hyper-parameters, the tokenizer
(tokenizer.ggml.model = gpt2, pre = llama-bpe, tokens, token_type, merges, bos/eos/eot ids,
add_bos_token), `token_embd.weight` in F16 (tied lm_head, no output.weight), F32 norms, and the
seven BitLinears per layer as

  i2s    bitnet.cpp I2_S (type 36, the official 2B4T format): M*K/4 bytes of 2-bit codes, then a
         32-byte tail whose first 4 bytes are the fp32 scale;
  tq2_0  ggml TQ2_0 (type 35): 66-byte blocks of 256 weights with an fp16 scale each.

The trits are the absmean ternarisation of the fp32 master weights (tools/train/model.py
export_values); the scale is mean|W| rounded to an fp16 value, so both formats hold exactly the
same model (I2_S stores that value in fp32) and give bit-identical logits. The packers are
tools/gen_test_model.py's pack_i2s / pack_tq2_0.

Usage:
  tools/train/export.py --ckpt build/train/tern-kjv.npz --tokenizer build/train/tokenizer.json \\
      --format i2s --out models/tern-kjv.gguf
"""
import argparse
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, ".."))
import gguf  # noqa: E402
from gen_test_model import FTYPE, PACK, add_hparams, packed_nbytes  # noqa: E402

import bpe  # noqa: E402
import model  # noqa: E402

ARCH = "bitnet-b1.58"


def tensor_plan(cfg):
    """(GGUF name, values key, kind) in the order 2B4T files use."""
    plan = [("token_embd.weight", "token_embd", "embd")]
    for layer in range(cfg.layers):
        p = "blk.%d." % layer
        plan.append((p + "attn_norm.weight", p + "attn_norm", "norm"))
        for nm in ["attn_q", "attn_k", "attn_v", "attn_output"]:
            plan.append((p + nm + ".weight", p + nm, "tern"))
        plan.append((p + "attn_sub_norm.weight", p + "attn_sub_norm", "norm"))
        plan.append((p + "ffn_norm.weight", p + "ffn_norm", "norm"))
        for nm in ["ffn_gate", "ffn_up", "ffn_down"]:
            plan.append((p + nm + ".weight", p + nm, "tern"))
        plan.append((p + "ffn_sub_norm.weight", p + "ffn_sub_norm", "norm"))
    plan.append(("output_norm.weight", "output_norm", "norm"))
    return plan


def write_gguf(path, cfg, values, tok, fmt, name, description):
    pack, type_id = PACK[fmt]
    w = gguf.GGUFWriter(path, ARCH)
    w.add_string("general.name", name)
    w.add_string("general.description", description)
    w.add_uint32("general.file_type", FTYPE[fmt])
    w.add_uint32("general.quantization_version", 2)
    add_hparams(w, ARCH, vocab=cfg.vocab, ctx=cfg.ctx, dim=cfg.dim, layers=cfg.layers, ff=cfg.ff, heads=cfg.heads,
                kv_heads=cfg.kv_heads, eps=cfg.eps, head_dim=cfg.head_dim, rope_base=cfg.rope_base)
    w.add_string("tokenizer.ggml.model", "gpt2")
    w.add_string("tokenizer.ggml.pre", "llama-bpe")
    w.add_array("tokenizer.ggml.tokens", tok.tokens)
    w.add_key_value("tokenizer.ggml.token_type", tok.types, gguf.GGUFValueType.ARRAY, gguf.GGUFValueType.INT32)
    w.add_array("tokenizer.ggml.merges", tok.gguf_merges())
    w.add_uint32("tokenizer.ggml.bos_token_id", tok.bos)
    w.add_uint32("tokenizer.ggml.eos_token_id", tok.eos)
    w.add_uint32("tokenizer.ggml.eot_token_id", tok.eot)
    w.add_bool("tokenizer.ggml.add_bos_token", True)

    plan = tensor_plan(cfg)
    for gname, key, kind in plan:
        arr = values[key]
        if kind == "embd":
            w.add_tensor_info(gname, arr.shape, np.dtype(np.float16), arr.size * 2)
        elif kind == "norm":
            w.add_tensor_info(gname, arr.shape, np.dtype(np.float32), arr.size * 4)
        else:
            # As gen_test_model: the logical (M, K) shape with raw_dtype, which the writer keeps.
            w.add_tensor_info(gname, arr.shape, np.dtype(np.float32), packed_nbytes(fmt, *arr.shape), raw_dtype=type_id)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_ti_data_to_file()
    for gname, key, kind in plan:
        arr = values[key]
        if kind == "embd":
            data = arr.astype(np.float16)
        elif kind == "norm":
            data = arr.astype(np.float32)
        else:
            data = pack(arr, float(values[key + ".scale"]))
        w.write_tensor_data(data)
    w.close()


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--ckpt", default="build/train/tern-kjv.npz")
    ap.add_argument("--tokenizer", default="build/train/tokenizer.json")
    ap.add_argument("--format", choices=["i2s", "tq2_0"], default="i2s")
    ap.add_argument("--out", required=True)
    ap.add_argument("--name", default="tern-kjv")
    a = ap.parse_args(argv)
    cfg, params, extra = model.load_checkpoint(a.ckpt)
    tok = bpe.Tokenizer.load(a.tokenizer)
    if len(tok.tokens) != cfg.vocab:
        sys.exit("export: the tokenizer has %d tokens, the checkpoint %d" % (len(tok.tokens), cfg.vocab))
    if str(extra.get("mode", "qat")) != "qat":
        sys.exit("export: %s is a %s model; only quantisation-aware checkpoints are exported" % (a.ckpt, extra["mode"]))
    values = model.export_values(params, cfg)
    desc = ("BitNet b1.58 (2B4T architecture) trained by tern's tools/train on the King James Bible "
            "(Debian bible-kjv); %d steps, seed %d; see docs/model.md" % (int(extra["step"]), int(extra["seed"])))
    out_dir = os.path.dirname(os.path.abspath(a.out))
    os.makedirs(out_dir, exist_ok=True)
    write_gguf(a.out, cfg, values, tok, a.format, a.name, desc)
    sys.stderr.write("export: %s -> %s (%s, %d bytes; %d ternary weights)\n"
                     % (a.ckpt, a.out, a.format, os.path.getsize(a.out), cfg.ternary_weights()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
