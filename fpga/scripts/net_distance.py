#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Where a placement puts the ends of each net: for a design placed by nextpnr (its --write
JSON, after --no-route or routing), the Manhattan distance in tiles from each net's driver to
its farthest sink, as a histogram and grouped by driver and first sink names (bit indices and
tool suffixes folded). nextpnr-ecp5 estimates about 0.12 ns a tile at speed 6 (after a steeper
first 5 tiles), so on the ECP5-85F a register-to-register hop of ~70 tiles, or a hop of ~40 with
logic or a block RAM's clock-to-output in it, already fills a 10 ns period.

  net_distance.py PLACED.json [--max-fanout N] [--min-tiles T] [--top K]
"""
import argparse
import collections
import json
import re
import sys


def fold(name):
    """A netlist name with its indices and the cell suffixes Yosys and nextpnr add folded away,
    so that the bits and copies of one register group together (also wide.py's long nets):
    fold("u_row[3].acc_q_TRELLIS_FF_Q_2") == "u_row[*].acc_q"."""
    name = re.sub(r"\[\d+\]", "[*]", name)
    return re.sub(r"\$abc\$\d+\$|\$auto\$\S*|_(?:TRELLIS|LUT4|CCU2C|DPR16X4)\w*|\$\w+|_\d+$", "", name)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("placed")
    ap.add_argument("--max-fanout", type=int, default=100000)
    ap.add_argument("--min-tiles", type=int, default=50)
    ap.add_argument("--top", type=int, default=30)
    a = ap.parse_args()
    d = json.load(open(a.placed))
    mods = [m for m in d.get("modules", {}).values() if m.get("cells")]
    if not mods:
        sys.exit(f"net_distance: {a.placed}: no cells")
    cells = max(mods, key=lambda m: len(m["cells"]))["cells"]
    pos, drv, sinks = {}, {}, collections.defaultdict(list)
    for name, c in cells.items():
        m = re.match(r"X(\d+)/Y(\d+)/", c.get("attributes", {}).get("NEXTPNR_BEL", ""))
        if not m:
            continue
        pos[name] = (int(m.group(1)), int(m.group(2)))
        dirs = c.get("port_directions", {})
        for port, bits in c.get("connections", {}).items():
            for b in bits:
                if isinstance(b, int):
                    (drv.__setitem__(b, name) if dirs.get(port) == "output" else sinks[b].append(name))
    if not pos:
        sys.exit(f"net_distance: {a.placed}: no placed cells (write it with nextpnr --write after placement)")
    hist, groups = collections.Counter(), collections.defaultdict(lambda: [0, 0, 0])
    for b, dn in drv.items():
        ss = [s for s in sinks.get(b, []) if s in pos]
        if not ss or len(ss) > a.max_fanout or dn not in pos:
            continue
        x0, y0 = pos[dn]
        far = max(ss, key=lambda s: abs(pos[s][0] - x0) + abs(pos[s][1] - y0))
        dist = abs(pos[far][0] - x0) + abs(pos[far][1] - y0)
        hist[dist // 10 * 10] += 1
        if dist >= a.min_tiles:
            g = groups[fold(dn)[:90] + " -> " + fold(far)[:90]]
            g[0] += 1
            g[1] = max(g[1], dist)
            g[2] += dist
    print(f"nets (fanout <= {a.max_fanout}) by driver-to-farthest-sink tiles, in buckets of 10: "
          + ", ".join(f"{k}: {v}" for k, v in sorted(hist.items())))
    print(f"nets of >= {a.min_tiles} tiles by driver -> farthest sink: count, most tiles, mean")
    for k, (n, w, s) in sorted(groups.items(), key=lambda kv: -kv[1][0])[:a.top]:
        print(f"{n:6d} {w:4d} {s / n:6.1f}  {k}")


if __name__ == "__main__":
    main()
