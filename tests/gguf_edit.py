#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write a changed copy of a GGUF file (no dependencies): the bad inputs of
tests/test_cli_failures.sh are made from the shipped model by these edits.

  gguf_edit.py IN OUT EDIT...
    str KEY TEXT          set a STRING value (TEXT: Python escapes, e.g. 'bitnet\\x00x')
    f32 KEY X             set a FLOAT32 value (replaces the key's type)
    u32 KEY N             set a UINT32 value
    cut-vocab N           keep the first N tokens of tokenizer.ggml.* arrays of the vocabulary
    fill NAME X           set every element of the F32 tensor NAME to X
    dims NAME D0,D1,...   give tensor NAME these dimensions (same element count)
    rename OLD NEW        rename a tensor
    ttype NAME T          set tensor NAME's type number to T (the data is kept)
"""
import struct
import sys

SIZES = {0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8}


class R:
    def __init__(self, b):
        self.b, self.p = b, 0

    def take(self, n):
        v = self.b[self.p:self.p + n]
        self.p += n
        return v

    def u32(self):
        return struct.unpack('<I', self.take(4))[0]

    def u64(self):
        return struct.unpack('<Q', self.take(8))[0]

    def s(self):
        return self.take(self.u64())


def skip_value(r, t):
    """The raw bytes of one value of type t."""
    start = r.p
    if t == 8:
        r.s()
    elif t == 9:
        et, n = r.u32(), r.u64()
        for _ in range(n):
            skip_value(r, et)
    else:
        r.take(SIZES[t])
    return r.b[start:r.p]


def pstr(b):
    return struct.pack('<Q', len(b)) + b


def main():
    src, dst, edits = sys.argv[1], sys.argv[2], sys.argv[3:]
    b = open(src, 'rb').read()
    r = R(b)
    assert r.take(4) == b'GGUF'
    ver, nt, nkv = r.u32(), r.u64(), r.u64()
    kvs = []  # [key, type, raw value]
    for _ in range(nkv):
        k = r.s()
        t = r.u32()
        kvs.append([k, t, skip_value(r, t)])
    tens = []  # [name, dims, type, offset]
    for _ in range(nt):
        name = r.s()
        nd = r.u32()
        dims = [r.u64() for _ in range(nd)]
        tens.append([name, dims, r.u32(), r.u64()])
    align = 32
    for k, t, v in kvs:
        if k == b'general.alignment':
            align = struct.unpack('<I', v)[0]
    start = (r.p + align - 1) // align * align
    data = bytearray(b[start:])

    def kv(key):
        for e in kvs:
            if e[0] == key.encode():
                return e
        e = [key.encode(), 0, b'']
        kvs.append(e)
        return e

    def tensor(name):
        for t in tens:
            if t[0] == name.encode():
                return t
        sys.exit('no tensor ' + name)

    i = 0
    while i < len(edits):
        op = edits[i]
        if op == 'str':
            e = kv(edits[i + 1])
            e[1], e[2] = 8, pstr(edits[i + 2].encode('latin-1').decode('unicode_escape').encode('latin-1'))
            i += 3
        elif op in ('f32', 'u32'):
            e = kv(edits[i + 1])
            e[1], e[2] = (6, struct.pack('<f', float(edits[i + 2]))) if op == 'f32' else (4, struct.pack('<I', int(edits[i + 2])))
            i += 3
        elif op == 'cut-vocab':
            n = int(edits[i + 1])
            for e in kvs:
                if e[1] == 9 and e[0] in (b'tokenizer.ggml.tokens', b'tokenizer.ggml.scores', b'tokenizer.ggml.token_type'):
                    rr = R(e[2])
                    et, cnt = rr.u32(), rr.u64()
                    items = [skip_value(rr, et) for _ in range(cnt)]
                    e[2] = struct.pack('<IQ', et, n) + b''.join(items[:n])
            i += 2
        elif op == 'fill':
            t = tensor(edits[i + 1])
            assert t[2] == 0, 'fill needs an F32 tensor'
            cnt = 1
            for d in t[1]:
                cnt *= d
            data[t[3]:t[3] + 4 * cnt] = struct.pack('<f', float(edits[i + 2])) * cnt
            i += 3
        elif op == 'dims':
            tensor(edits[i + 1])[1] = [int(x) for x in edits[i + 2].split(',')]
            i += 3
        elif op == 'rename':
            tensor(edits[i + 1])[0] = edits[i + 2].encode('latin-1').decode('unicode_escape').encode('latin-1')
            i += 3
        elif op == 'ttype':
            tensor(edits[i + 1])[2] = int(edits[i + 2])
            i += 3
        else:
            sys.exit('unknown edit ' + op)
    out = bytearray(b'GGUF' + struct.pack('<IQQ', ver, len(tens), len(kvs)))
    for k, t, v in kvs:
        out += pstr(k) + struct.pack('<I', t) + v
    for name, dims, t, off in tens:
        out += pstr(name) + struct.pack('<I', len(dims)) + b''.join(struct.pack('<Q', d) for d in dims)
        out += struct.pack('<IQ', t, off)
    out += b'\0' * ((len(out) + align - 1) // align * align - len(out))
    open(dst, 'wb').write(out + data)


if __name__ == '__main__':
    main()
