#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Self-checks of the Python test tools (offline): prints PASS/FAIL/SKIP lines.

- the generator's TQ1_0/TQ2_0 packing decodes, with the gguf package's own dequantizer, to the
  intended trits times the scale (and matches its quantizer byte for byte on non-zero blocks);
- the I2_S layout on a hand-made example (element 32g+j of a 128-block at bits 7-2g..6-2g of
  byte j; code 0/1/2 = -1/0/+1; fp32 scale in the first 4 tail bytes);
- the reference's own decoders agree with the generator on all three formats;
- the three formats, and the separate-scale-tensor variant, give bit-identical reference logits;
- compare_logits accepts identical dumps and rejects a deliberately wrong model (RoPE base).
"""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
    import gguf
    from gguf import quants
except ImportError as e:
    # under CI=true .ci/run installs them: their absence is a broken install step (tests/lib.sh)
    ci = os.environ.get("CI") == "true"
    print("%s ref-selftest: numpy/gguf not importable (%s)" % ("FAIL" if ci else "SKIP", e))
    sys.exit(1 if ci else 0)

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "tools"))
import bitnet_ref as br          # noqa: E402
import gen_test_model as gen     # noqa: E402

fails = 0


def check(name, ok, why=""):
    global fails
    print(("PASS %s" % name) if ok else ("FAIL %s: %s" % (name, why)))
    fails += 0 if ok else 1


rng = np.random.default_rng(42)
t = rng.integers(-1, 2, size=(6, 512), dtype=np.int8)
t[1, :256] = 0
sc = float(np.float16(0.0625 * 1.37))
for fmt, qt, dec in (("tq1_0", gguf.GGMLQuantizationType.TQ1_0, br.decode_tq1_0),
                     ("tq2_0", gguf.GGMLQuantizationType.TQ2_0, br.decode_tq2_0)):
    p = gen.PACK[fmt][0](t, sc)
    deq = quants.dequantize(p.reshape(6, -1), qt)
    check("ref/%s-pack-vs-gguf-dequantize" % fmt, np.array_equal(deq, t.astype(np.float32) * np.float32(sc)))
    q = quants.quantize(t.astype(np.float32) * np.float32(sc), qt).reshape(-1)
    bs = 54 if fmt == "tq1_0" else 66
    a, b = p.reshape(-1, bs), q.reshape(-1, bs)
    nz = np.array([np.any(t.reshape(-1, 256)[i]) for i in range(a.shape[0])])
    check("ref/%s-pack-vs-gguf-quantize" % fmt, np.array_equal(a[nz], b[nz]))
    tr, d = dec(p, 6, 512)
    check("ref/%s-decode" % fmt, np.array_equal(tr, t) and np.all(d == sc))

# I2_S by hand: one 128-block, element 0 = +1, 32 = -1, 96 = +1, the rest 0
e = np.zeros((1, 128), dtype=np.int8)
e[0, 0], e[0, 32], e[0, 96], e[0, 127] = 1, -1, 1, -1
p = gen.pack_i2s(e, 0.5)
want0 = (2 << 6) | (0 << 4) | (1 << 2) | 2          # byte 0: elements 0, 32, 64, 96
want31 = (1 << 6) | (1 << 4) | (1 << 2) | 0          # byte 31: elements 31, 63, 95, 127
ok = p[0] == want0 and p[31] == want31 and all(p[j] == 0x55 for j in range(1, 31)) and \
    p.size == 64 and np.frombuffer(p[32:36].tobytes(), "<f4")[0] == 0.5 and not p[36:].any()
check("ref/i2s-layout-by-hand", ok, "bytes %s" % p[:4])
tr, s = br.decode_i2s(gen.pack_i2s(t, sc), 6, 512)
check("ref/i2s-decode", np.array_equal(tr, t) and s == np.float32(sc))

with tempfile.TemporaryDirectory() as d:
    toks = "320,7,99,300,12,250,1,64"
    dumps = []
    for seed in (1, 2):
        outs = []
        for fmt in ("i2s", "tq1_0", "tq2_0"):
            for extra in ([], ["--scale-tensors"]):
                f = os.path.join(d, "m_%d_%s%s.gguf" % (seed, fmt, "_s" if extra else ""))
                gen.main(["--quiet", "--out", f, "--format", fmt, "--seed", str(seed)] + extra)
                m = br.Model(f)
                outs.append(m.forward([int(x) for x in toks.split(",")]))
        check("ref/formats-identical-logits-seed%d" % seed, all(np.array_equal(outs[0], o) for o in outs[1:]))
        a = os.path.join(d, "a%d.txt" % seed)
        b = os.path.join(d, "b%d.txt" % seed)
        br.main([os.path.join(d, "m_%d_i2s.gguf" % seed), "--tokens", toks, "-n", "3", "--dump-logits", a])
        m = br.Model(os.path.join(d, "m_%d_tq1_0.gguf" % seed))
        m.base = 10000.0   # a deliberate bug: wrong RoPE base
        m.inv_freq = np.power(1e4, -2.0 * np.arange(m.n_rot // 2) / m.n_rot)
        br.write_dump(b, [int(x) for x in toks.split(",")], m.forward([int(x) for x in toks.split(",")]), [])
        dumps.append((a, b))
    cmp = os.path.join(HERE, "compare_logits.py")
    r = subprocess.run([sys.executable, cmp, dumps[0][0], dumps[0][0], "--quiet"], capture_output=True, text=True)
    check("ref/compare-identical", r.returncode == 0, r.stdout)
    r = subprocess.run([sys.executable, cmp, dumps[0][0], dumps[0][1], dumps[1][0], dumps[1][1],
                        "--ignore-generated"], capture_output=True, text=True)
    check("ref/compare-detects-rope-bug", r.returncode == 1, r.stdout)
sys.exit(1 if fails else 0)
