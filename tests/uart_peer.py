#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""A hostile peer for the driver's uart-tcp: transport (docs/uart.md, tests/test_uart_hostile.sh).

Listens on 127.0.0.1 on an ephemeral port, prints "listening on 127.0.0.1:PORT", serves
connections one at a time with the behaviour CASE names and exits by itself after
--max-seconds (default 60) or once a client has come and gone (--once). Standard library only.

  python3 tests/uart_peer.py CASE [--max-seconds S]

Cases (what the peer does with every request):
  silent        reads and never answers            close        accepts and closes at once
  close-mid     half an answer, then closes        half         half of every answer, then silence
  nak           NAK (CRC) forever                  bad-magic    an IDENTIFY answer with another magic
  garbage       random bytes, endlessly            drip         one byte of an answer every 0.5 s
  zeros         zero bytes, endlessly              stale-seq    valid answers with a wrong SEQ, endlessly
  irq-stuck     a fake board: IRQ line always high, JOBS_DONE never moves
  irq-never     a fake board: the doorbell does nothing, the IRQ line stays low
  jobs-jump     a fake board: JOBS_DONE jumps past the jobs queued
  jobs-back     a fake board: JOBS_DONE goes backwards
  short-read    a fake board that completes jobs but answers MEM_READ one byte short
"""
import os
import random
import select
import socket
import struct
import sys
import time
import tomllib

# The protocol, the registers and the fake board (the ULX3S's device: its array, limits, memory
# and clock) from the single source, spec/tern.toml.
with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "spec", "tern.toml"), "rb") as _f:
    _SPEC = tomllib.load(_f)
_U, _B = _SPEC["uart"], _SPEC["boards"]["ulx3s"]
SYNC, ACK, NAK, MAGIC = _U["sync"], _U["ack"], _U["nak"], _U["magic"]
IDENTIFY, REG_READ, REG_WRITE, MEM_WRITE, MEM_READ, IRQ = (_U["commands"][c] for c in (
    "IDENTIFY", "REG_READ", "REG_WRITE", "MEM_WRITE", "MEM_READ", "IRQ"))
CRC_POLY, CRC_INIT = _U["crc_poly"], _U["crc_init"]
ROWS, LANES, T_MAX, DEPTH, ACT_BUF = _B["rows"], _B["lanes"], _B["t_max"], _B["queue_depth"], _B["act_buf_beats"]
MEM_BYTES, CLK_HZ, MAX_DATA = _B["mem_bytes"], _B["clk_hz"], 1024
_REG = {r["name"]: r["offset"] for r in _SPEC["registers"]["reg"]}
R_ID, R_VERSION, R_PARAMS, R_QUEUE = _REG["ID"], _REG["VERSION"], _REG["PARAMS"], _REG["QUEUE"]
R_STATUS, R_IRQ_STATUS, R_JOBS_DONE = _REG["STATUS"], _REG["IRQ_STATUS"], _REG["JOBS_DONE"]
R_DOORBELL, R_ACT_BUF = _REG["DOORBELL"], _REG["ACT_BUF"]

def crc16(data, crc=CRC_INIT):
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial 0xFFFF, not reflected, no final XOR."""
    for b in data:
        crc ^= b << 8
        for _ in range(8):
            crc = ((crc << 1) ^ CRC_POLY) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc


def frame(cmd, seq, payload=b""):
    body = bytes([cmd, seq & 0xFF]) + struct.pack("<H", len(payload)) + payload
    return bytes([SYNC]) + body + struct.pack(">H", crc16(body))


def identity(magic=MAGIC):
    params = ROWS | LANES << 8 | 0x03 << 16 | T_MAX << 24
    return struct.pack("<IBBHIIIII", magic, 1, 0, MAX_DATA, 0x5445524E, 2, params, MEM_BYTES, CLK_HZ)


class Board:
    """Just enough of a tern board behind its bridge for the driver to reach the job stage."""

    def __init__(self, case):
        self.case = case
        self.mem = bytearray(MEM_BYTES)
        self.jobs_done = 5 if case in ("irq-stuck", "irq-never") else 100
        self.pending = 0
        self.irq_status = 0

    def reg_read(self, off):
        fixed = {R_ID: 0x5445524E, R_VERSION: 2, R_PARAMS: ROWS | LANES << 8 | 0x03 << 16 | T_MAX << 24,
                 R_QUEUE: DEPTH, R_ACT_BUF: ACT_BUF, R_STATUS: 0}
        if off in fixed:
            return fixed[off]
        if off == R_IRQ_STATUS:
            return self.irq_status
        if off == R_JOBS_DONE:
            return self.jobs_done & 0xFFFFFFFF
        return 0

    def reg_write(self, off, val):
        if off == R_IRQ_STATUS:
            self.irq_status &= ~val
        elif off == R_DOORBELL and val & 1 and self.case not in ("irq-stuck", "irq-never"):
            # the job is done at once; the jumping board counts seven, the backward one unwinds
            self.jobs_done += {"jobs-jump": 7, "jobs-back": -3}.get(self.case, 1)
            self.irq_status |= 1

    def irq(self):
        return 1 if self.case == "irq-stuck" else int(self.irq_status != 0)

    def answer(self, cmd, seq, p):
        if cmd == IDENTIFY:
            return frame(cmd | ACK, seq, identity())
        if cmd == REG_READ and len(p) == 4:
            return frame(cmd | ACK, seq, struct.pack("<I", self.reg_read(struct.unpack("<I", p)[0])))
        if cmd == REG_WRITE and len(p) == 8:
            self.reg_write(*struct.unpack("<II", p))
            return frame(cmd | ACK, seq)
        if cmd == MEM_WRITE and len(p) > 4:
            a = struct.unpack("<I", p[:4])[0]
            self.mem[a:a + len(p) - 4] = p[4:]
            return frame(cmd | ACK, seq)
        if cmd == MEM_READ and len(p) == 6:
            a, n = struct.unpack("<IH", p)
            if self.case == "short-read":
                n -= 1
            return frame(cmd | ACK, seq, bytes(self.mem[a:a + n]))
        if cmd == IRQ:
            return frame(cmd | ACK, seq, bytes([self.irq()]))
        return frame(NAK, seq, bytes([3, cmd]))


def requests(buf):
    """Complete request frames at the front of buf (CRC not checked): [(cmd, seq, payload)], rest."""
    out = []
    while True:
        i = buf.find(bytes([SYNC]))
        if i < 0:
            return out, bytearray()
        del buf[:i]
        if len(buf) < 5:
            return out, buf
        n = struct.unpack("<H", buf[3:5])[0]
        if len(buf) < 7 + n:
            return out, buf
        out.append((buf[1], buf[2], bytes(buf[5:5 + n])))
        del buf[:7 + n]


def serve(conn, case, end):
    rng = random.Random(1234)
    board = Board(case)
    conn.setblocking(False)
    buf, out = bytearray(), bytearray()
    drip_at = 0.0
    # the streaming cases send one block made up front, again and again, as fast as TCP takes it
    blob = {"garbage": bytes(rng.getrandbits(8) for _ in range(65536)), "zeros": bytes(65536),
            "stale-seq": b"".join(frame(REG_READ | ACK, 0x80 + i % 64, bytes(4)) for i in range(5958))}.get(case)
    while time.monotonic() < end:
        if blob and len(out) < 65536:
            out += blob
        wants = [conn] if out and case != "drip" else []
        r, w, _ = select.select([conn], wants, [], 0.05)
        if r:
            try:
                got = conn.recv(65536)
            except BlockingIOError:
                got = None
            except OSError:
                return
            if got == b"":
                return
            if got:
                buf += got
                reqs, buf = requests(buf)
                for cmd, seq, p in reqs:
                    if case in ("silent", "garbage", "zeros", "stale-seq"):
                        continue
                    if case == "nak":
                        out += frame(NAK, seq, bytes([1, cmd]))
                    elif case == "bad-magic":
                        out += frame(cmd | ACK, seq, identity(0x12345678)) if cmd == IDENTIFY else b""
                    elif case in ("half", "close-mid", "drip"):
                        a = frame(cmd | ACK, seq, identity()) if cmd == IDENTIFY else board.answer(cmd, seq, p)
                        out += a[:len(a) // 2] if case != "drip" else a
                    else:
                        out += board.answer(cmd, seq, p)
        if case == "drip" and out and time.monotonic() >= drip_at:
            try:
                conn.send(out[:1])
            except (BrokenPipeError, ConnectionResetError):
                return
            del out[:1]
            drip_at = time.monotonic() + 0.5
        elif w and out:
            try:
                sent = conn.send(out)
            except BlockingIOError:
                sent = 0
            except (BrokenPipeError, ConnectionResetError):
                return
            del out[:sent]
            if case == "close-mid" and not out:
                return


def main():
    args = sys.argv[1:]
    if not args:
        sys.exit(__doc__)
    case = args[0]
    max_s = float(args[args.index("--max-seconds") + 1]) if "--max-seconds" in args else 60.0
    end = time.monotonic() + max_s
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(4)
    print("listening on 127.0.0.1:%d" % srv.getsockname()[1], flush=True)
    served = 0
    while time.monotonic() < end:
        r, _, _ = select.select([srv], [], [], 0.1)
        if not r:
            continue
        conn, _ = srv.accept()
        served += 1
        try:
            if case != "close":
                serve(conn, case, end)
        finally:
            conn.close()
        if "--once" in args:
            break
    print("peer %s: %d connection(s)" % (case, served), flush=True)


if __name__ == "__main__":
    main()
