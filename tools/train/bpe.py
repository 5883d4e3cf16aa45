#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Byte-level BPE tokenizer for the built-in model: trainer, encoder, decoder.

The tokenizer is stored in the GGUF the way LLaMA-3-style models store theirs
(tokenizer.ggml.model = gpt2, tokenizer.ggml.pre = llama-bpe), so the C tokenizer
(driver/src/tokenizer.c) encodes text to the same ids as `encode` below:

  - pre-tokenization: exactly the LLaMA-3 split regex (LLAMA3_SPLIT, needs the `regex`
    package for \\p{L} / \\p{N}). tools/gen_test_model.py's PRETOKEN is an ASCII approximation
    of it (it differs on digits after a space and on punctuation before letters), so it is not
    used here;
  - each pre-token is UTF-8 encoded and every byte mapped to GPT-2's printable character
    (tools/gen_test_model.py bytes_to_unicode, imported);
  - a pre-token that is itself a token is that token (llama.cpp's ignore_merges for
    llama-bpe, which tern follows); otherwise the merge of lowest rank is applied, leftmost
    first, until none applies.

Vocabulary: the 256 byte tokens (ids in bytes_to_unicode order), one token per merge, then
<|begin_of_text|>, <|end_of_text|>, <|eot_id|> (token type 3, control). A merge whose result
already is a token (the same string reached by another split) is skipped, so every merge adds
exactly one token.

Training is the usual greedy BPE over the unique pre-tokens of the text weighted by their
counts, with incremental pair counts: only the words that contain the merged pair are
re-counted, so 253 merges over the 4 MB KJV train text take seconds. Ties between pairs of
equal count go to the larger pair (string order), which makes training deterministic.

Usage:
  tools/train/bpe.py train --text build/train/kjv-train.txt --vocab 512 --out build/train/tokenizer.json
  tools/train/bpe.py encode --tokenizer build/train/tokenizer.json --text FILE --out ids.npy
"""
import argparse
import collections
import json
import os
import sys

import regex

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from gen_test_model import bytes_to_unicode  # noqa: E402  (tools/ on the path first)

LLAMA3_SPLIT = regex.compile(
    r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}"
    r"| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+")
SPECIALS = ["<|begin_of_text|>", "<|end_of_text|>", "<|eot_id|>"]
TYPE_NORMAL, TYPE_CONTROL = 1, 3

BYTE_TO_CHAR = dict(bytes_to_unicode())
CHAR_TO_BYTE = {c: b for b, c in BYTE_TO_CHAR.items()}


def pretokenize(text):
    return LLAMA3_SPLIT.findall(text)


def to_symbols(piece):
    """A pre-token as GPT-2 characters, one per UTF-8 byte."""
    return "".join(BYTE_TO_CHAR[b] for b in piece.encode("utf-8"))


def learn_merges(text, n_merges, log=None):
    """Greedy BPE with incremental pair counts. Returns the merges as (left, right) strings."""
    word_counts = collections.Counter(to_symbols(p) for p in pretokenize(text))
    words = [list(w) for w in word_counts]
    counts = list(word_counts.values())
    pair_count = collections.Counter()
    pair_words = collections.defaultdict(set)
    for i, w in enumerate(words):
        for pair in zip(w, w[1:]):
            pair_count[pair] += counts[i]
            pair_words[pair].add(i)
    vocab = set(BYTE_TO_CHAR.values())
    merges, banned = [], set()
    while len(merges) < n_merges:
        best, best_n = None, 0
        for pair, n in pair_count.items():
            if n > 0 and pair not in banned and (n, pair) > (best_n, best or ("", "")):
                best, best_n = pair, n
        if best is None:
            break
        new = best[0] + best[1]
        if new in vocab:          # same string as an existing token: skip the pair for good
            banned.add(best)
            continue
        vocab.add(new)
        merges.append(best)
        for i in list(pair_words[best]):
            w, c = words[i], counts[i]
            for pair in zip(w, w[1:]):            # remove this word's old pairs
                pair_count[pair] -= c
                pair_words[pair].discard(i)
            out, k = [], 0
            while k < len(w):
                if k + 1 < len(w) and w[k] == best[0] and w[k + 1] == best[1]:
                    out.append(new)
                    k += 2
                else:
                    out.append(w[k])
                    k += 1
            words[i] = out
            for pair in zip(out, out[1:]):        # and add the new ones
                pair_count[pair] += c
                pair_words[pair].add(i)
        del pair_count[best]
        if log and len(merges) % 50 == 0:
            log("bpe: %d merges, last %r (count %d)" % (len(merges), new, best_n))
    return merges


class Tokenizer:
    """tokens (strings, GPT-2 characters), types, merges (left, right), special ids."""

    def __init__(self, tokens, types, merges):
        self.tokens, self.types, self.merges = tokens, types, [tuple(m) for m in merges]
        self.id_of = {t: i for i, t in enumerate(tokens) if types[i] == TYPE_NORMAL}
        self.rank = {m: r for r, m in enumerate(self.merges)}
        self.special = {t: i for i, t in enumerate(tokens) if types[i] == TYPE_CONTROL}
        self.bos = self.special["<|begin_of_text|>"]
        self.eos = self.special["<|end_of_text|>"]
        self.eot = self.special["<|eot_id|>"]
        self._cache = {}

    @classmethod
    def build(cls, merges):
        tokens = [c for _, c in bytes_to_unicode()] + [a + b for a, b in merges] + SPECIALS
        types = [TYPE_NORMAL] * (len(tokens) - len(SPECIALS)) + [TYPE_CONTROL] * len(SPECIALS)
        return cls(tokens, types, merges)

    @classmethod
    def load(cls, path):
        with open(path) as f:
            d = json.load(f)
        return cls(d["tokens"], d["types"], d["merges"])

    def save(self, path):
        with open(path, "w") as f:
            json.dump({"tokens": self.tokens, "types": self.types, "merges": [list(m) for m in self.merges],
                       "bos": self.bos, "eos": self.eos, "eot": self.eot}, f, ensure_ascii=True, indent=0)
            f.write("\n")

    def gguf_merges(self):
        return ["%s %s" % m for m in self.merges]

    def _encode_piece(self, piece):
        sym = to_symbols(piece)
        whole = self.id_of.get(sym)
        if whole is not None:
            return [whole]
        parts = list(sym)
        while len(parts) > 1:
            best, best_rank = None, None
            for k in range(len(parts) - 1):
                r = self.rank.get((parts[k], parts[k + 1]))
                if r is not None and (best_rank is None or r < best_rank):
                    best, best_rank = k, r
            if best is None:
                break
            pair = (parts[best], parts[best + 1])
            out, k = [], 0
            while k < len(parts):   # every occurrence, left to right (= tern's leftmost-first heap)
                if k + 1 < len(parts) and (parts[k], parts[k + 1]) == pair:
                    out.append(pair[0] + pair[1])
                    k += 2
                else:
                    out.append(parts[k])
                    k += 1
            parts = out
        return [self.id_of[p] for p in parts]

    def encode(self, text, bos=False):
        """Text (no special-token parsing, as `tern perplexity`) -> ids."""
        ids = [self.bos] if bos else []
        for piece in pretokenize(text):
            got = self._cache.get(piece)
            if got is None:
                got = self._cache[piece] = self._encode_piece(piece)
            ids.extend(got)
        return ids

    def decode(self, ids):
        out = bytearray()
        for i in ids:
            if self.types[i] == TYPE_NORMAL:
                out.extend(CHAR_TO_BYTE[c] for c in self.tokens[i])
        return out.decode("utf-8", errors="replace")


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    t = sub.add_parser("train", help="learn merges from a text")
    t.add_argument("--text", required=True)
    t.add_argument("--vocab", type=int, default=512, help="total tokens: 256 bytes + merges + 3 specials")
    t.add_argument("--out", required=True)
    e = sub.add_parser("encode", help="encode a text file to a .npy of int32 ids (no BOS)")
    e.add_argument("--tokenizer", required=True)
    e.add_argument("--text", required=True)
    e.add_argument("--out", required=True)
    a = ap.parse_args(argv)
    log = lambda s: sys.stderr.write(s + "\n")  # noqa: E731
    with open(a.text, encoding="utf-8") as f:
        text = f.read()
    if a.cmd == "train":
        n_merges = a.vocab - 256 - len(SPECIALS)
        if n_merges < 0:
            ap.error("--vocab must be at least %d" % (256 + len(SPECIALS)))
        tok = Tokenizer.build(learn_merges(text, n_merges, log))
        tok.save(a.out)
        n = len(tok.encode(text))
        log("bpe: %d tokens (%d merges) -> %s; the text is %d bytes = %d tokens (%.2f bytes/token)"
            % (len(tok.tokens), len(tok.merges), a.out, len(text.encode()), n, len(text.encode()) / n))
    else:
        import numpy as np
        ids = np.array(Tokenizer.load(a.tokenizer).encode(text), dtype=np.int32)
        np.save(a.out, ids)
        log("bpe: %s -> %d tokens -> %s" % (a.text, len(ids), a.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
