#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""GGUF compatibility test helper (offline): write test files with the PyPI `gguf` package and
print what its GGUFReader reads as canonical text, to diff with tests/reference/gguf_dump.c
(the C reader, driver/include/tern_gguf.h).

  gguf_canon.py write DIR        write DIR/compat_<n>.gguf (all value types, arrays, F32/F16/BF16,
                                 TQ1_0/TQ2_0 via gguf.quants, I2_S raw, general.alignment 64)
  gguf_canon.py dump FILE        print the canonical text of FILE

Canonical text (one record a line):
  version <v>
  kv_count <n>
  kv <key> <TYPE> <value>      integers decimal, BOOL 0/1, FLOAT32 %.9g, FLOAT64 %.17g,
                               STRING hex of its bytes ("" empty -> "-")
  kv <key> ARRAY <ELEM> <count> <item> ...   items as above; arrays of arrays list no items
  tensor_count <n>
  tensor <name> <TYPE> <n_dims> <ne0> .. <ne_{n-1}> offset <absolute file offset> nbytes <n> fnv <16 hex>
  values <name> <v> ...        F32/F16/BF16 tensors: every element as float32, %.9g
fnv is FNV-1a 64 over the tensor's bytes.
"""
import os
import sys

try:
    import numpy as np
    import gguf
    from gguf import GGUFValueType as VT
except ImportError as e:
    # under CI=true .ci/run installs them: their absence is a broken install step (tests/lib.sh)
    ci = os.environ.get("CI") == "true"
    print("%s gguf-compat: numpy/gguf not importable (%s); python3 -m pip install numpy gguf" % ("FAIL" if ci else "SKIP", e))
    sys.exit(1 if ci else 77)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bitnet_ref import Reader, T_I2_S  # noqa: E402  (GGUFReader + I2_S tensor infos)

TYPE_NAMES = {0: "F32", 1: "F16", 30: "BF16", 34: "TQ1_0", 35: "TQ2_0", 36: "I2_S"}


def fnv(b):
    h = 0xcbf29ce484222325
    a = np.frombuffer(bytes(b), dtype=np.uint8)
    for x in a.tolist():
        h = ((h ^ x) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def fmt_scalar(vt, part):
    if vt == VT.STRING:
        b = bytes(part)
        return b.hex() if b else "-"
    v = part[0] if hasattr(part, "__len__") and not isinstance(part, (bytes, bytearray)) else part
    if vt == VT.FLOAT32:
        return "%.9g" % float(np.float32(v))
    if vt == VT.FLOAT64:
        return "%.17g" % float(v)
    if vt == VT.BOOL:
        return "1" if bool(v) else "0"
    return "%d" % int(v)


def dump(path, out=sys.stdout):
    r = Reader(path)
    w = out.write
    w("version %d\n" % int(r.fields["GGUF.version"].parts[0][0]))
    kvs = [(k, f) for k, f in r.fields.items() if not k.startswith("GGUF.")]
    w("kv_count %d\n" % len(kvs))
    for k, f in kvs:
        vt = f.types[0]
        if vt == VT.ARRAY:
            et = VT(int(f.parts[3][0]))
            cnt = int(f.parts[4][0])
            if et == VT.ARRAY:
                w("kv %s ARRAY ARRAY %d\n" % (k, cnt))
                continue
            items = [fmt_scalar(et, f.parts[i]) for i in f.data]
            w("kv %s ARRAY %s %d%s\n" % (k, et.name, cnt, "".join(" " + s for s in items)))
        else:
            w("kv %s %s %s\n" % (k, vt.name, fmt_scalar(vt, f.parts[f.data[0]])))
    ts = list(r.ref_tensors.values())
    w("tensor_count %d\n" % len(ts))
    data_by_name = {t.name: t for t in r.tensors}
    for name, typ, ne, data in ts:
        raw = np.asarray(data).view(np.uint8).reshape(-1)
        if typ == T_I2_S:
            off = int(np.asarray(data).__array_interface__["data"][0] -
                      r.data.__array_interface__["data"][0])
        else:
            off = data_by_name[name].data_offset
        w("tensor %s %s %d %s offset %d nbytes %d fnv %016x\n"
          % (name, TYPE_NAMES.get(typ, str(typ)), len(ne), " ".join(str(x) for x in ne), off, raw.size, fnv(raw)))
        if typ in (0, 1, 30):
            if typ == 0:
                vals = raw.view("<f4")
            elif typ == 1:
                vals = raw.view("<f2").astype(np.float32)
            else:
                vals = (raw.view("<u2").astype(np.uint32) << 16).view(np.float32)
            w("values %s %s\n" % (name, " ".join("%.9g" % float(v) for v in vals)))


def write(d):
    os.makedirs(d, exist_ok=True)
    rng = np.random.default_rng(1234)
    files = []

    # 1: every scalar type, arrays of every element type, edge values, several tensor types
    p = os.path.join(d, "compat_1.gguf")
    w = gguf.GGUFWriter(p, "bitnet-b1.58")
    w.add_uint8("t.u8", 255)
    w.add_int8("t.i8", -128)
    w.add_uint16("t.u16", 65535)
    w.add_int16("t.i16", -32768)
    w.add_uint32("t.u32", 4294967295)
    w.add_int32("t.i32", -2147483648)
    w.add_float32("t.f32", 3.14159265)
    w.add_float32("t.f32_small", 1e-38)
    w.add_float32("t.f32_neg0", -0.0)
    w.add_float32("t.f32_big", 3.4e38)
    w.add_bool("t.bool_t", True)
    w.add_bool("t.bool_f", False)
    w.add_string("t.str", "hello, GGUF")
    w.add_string("t.str_utf8", "\u00e9\u4e2d\U0001f600 tab\tnl\n")
    w.add_uint64("t.u64", 18446744073709551615)
    w.add_int64("t.i64", -9223372036854775808)
    w.add_float64("t.f64", 2.718281828459045)
    w.add_float64("t.f64_tiny", 5e-324)
    for vt, vals in [(VT.UINT8, [0, 1, 255]), (VT.INT8, [-128, 0, 127]), (VT.UINT16, [0, 65535]),
                     (VT.INT16, [-32768, 32767]), (VT.UINT32, [0, 4294967295, 7]),
                     (VT.INT32, [-5, 0, 2147483647]), (VT.FLOAT32, [0.5, -1.25, 1e-7]),
                     (VT.BOOL, [True, False, True]), (VT.UINT64, [0, 18446744073709551615]),
                     (VT.INT64, [-9223372036854775808, 42]), (VT.FLOAT64, [0.1, -2.5e300])]:
        w.add_key_value("arr." + vt.name.lower(), vals, VT.ARRAY, vt)
    w.add_array("arr.string", ["a", "", "Ġthe", "<|eot_id|>", "x" * 300])
    w.add_key_value("arr.nested", [[1, 2], [3, 4, 5]], VT.ARRAY, VT.ARRAY)
    w.add_uint32("t.after_nested", 99)
    w.add_tensor("f32.vec", rng.standard_normal(7).astype(np.float32))
    w.add_tensor("f32.mat", rng.standard_normal((3, 5)).astype(np.float32))
    w.add_tensor("f16.mat", rng.standard_normal((4, 6)).astype(np.float16))
    bf = (rng.standard_normal((2, 9)).astype(np.float32).view(np.uint32) >> 16).astype(np.uint16)
    w.add_tensor("bf16.mat", bf.view(np.uint8).reshape(2, 18), raw_dtype=gguf.GGMLQuantizationType.BF16)
    w.add_tensor("f32.4d", rng.standard_normal((2, 1, 3, 2)).astype(np.float32))
    tern = rng.integers(-1, 2, size=(3, 512)).astype(np.float32) * np.float32(np.float16(0.75))
    for qt in (gguf.GGMLQuantizationType.TQ1_0, gguf.GGMLQuantizationType.TQ2_0):
        q = gguf.quants.quantize(tern, qt)
        w.add_tensor(qt.name.lower() + ".w", q, raw_dtype=qt)
    codes = rng.integers(0, 3, size=4 * 128 // 4, dtype=np.uint8)
    i2 = np.concatenate([codes, np.frombuffer(np.float32(0.5).tobytes(), np.uint8), np.zeros(28, np.uint8)])
    w.add_tensor_info("i2s.w", (4, 128), np.dtype(np.float32), i2.size, raw_dtype=T_I2_S)
    w.tensors[0]["i2s.w"].tensor = i2
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    files.append(p)

    # 2: custom alignment, no tensors of odd size padding, a tiny file
    p = os.path.join(d, "compat_2.gguf")
    w = gguf.GGUFWriter(p, "bitnet-25")
    w.add_custom_alignment(64)
    w.add_string("general.name", "alignment 64")
    w.add_tensor("a", np.arange(3, dtype=np.float32))
    w.add_tensor("b", np.arange(5, dtype=np.float16))
    w.add_tensor("c", np.arange(1, dtype=np.float32))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    files.append(p)

    # 3: metadata only, no tensors
    p = os.path.join(d, "compat_3.gguf")
    w = gguf.GGUFWriter(p, "bitnet")
    w.add_uint32("bitnet.block_count", 1)
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    files.append(p)
    for f in files:
        print(f)


if __name__ == "__main__":
    if len(sys.argv) != 3 or sys.argv[1] not in ("write", "dump"):
        sys.stderr.write(__doc__)
        sys.exit(2)
    if sys.argv[1] == "write":
        write(sys.argv[2])
    else:
        dump(sys.argv[2])
