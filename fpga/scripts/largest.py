#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make -C fpga largest CHIP=up5k|85f: MACs per chip, measured.

For each array of docs/ternary-vs-int8.md (ternary, int8 with LUT multipliers, int8 with DSP
blocks) finds the largest size that nextpnr places and routes on the chip: a bisection over one
dimension of the geometry (rows at the default lanes, or lanes of one row where even one row of
the default lanes does not fit), each point synthesised and placed by compare.py's flow (the
array inside fpga/scripts/tern_pnr_wrap.v) at one seed. A point fits when nextpnr finishes
(timing is reported, not required); the size one step larger failed, and the table says so.
Writes the chip's results to docs/dse/largest-<chip>.json and its rows in the measured table of
docs/ternary-vs-int8.md (between the largest markers; compare.py renders the same table from the
JSON files when it regenerates that page). Run from fpga/.
"""
import argparse
import datetime
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import compare  # noqa: E402
from largest_table import BEGIN, END, render  # noqa: E402
from synth_report import parse_params, tool_version  # noqa: E402

CHIPS = {"up5k": ("ice40", "iCE40UP5K"), "85f": ("ecp5", "LFE5U-85F")}


def geometry(dim, size, lanes):
    """(rows, lanes) of a point: size rows of the default lanes, or one row of size lanes."""
    return (size, lanes) if dim == "rows" else (1, size)


def save_cache(a, cache, key, r):
    """Point key's result into the cache file, after every point: an interrupted search resumes there."""
    cache[key] = r
    with open(a.cache, "w") as f:
        json.dump(cache, f, indent=1)


def try_point(a, arch, kind, dsp, geom, seed, cache):
    key = f"{arch}_{kind}{'d' if dsp else ''}_{geom[0]}x{geom[1]}"
    if key in cache and not (a.retry_failed and cache[key].get("synth_failed")):
        return cache[key]
    tag = f"l_{key}"
    try:
        cells, js, _ = compare.synth(a, arch, kind, dsp, geom, tag)
    except SystemExit as e:   # a Yosys crash (seen in ABC9 at one geometry): not a fit, said so
        print(f"largest: {key}: {e}", flush=True)
        # cached like any point (Yosys' failures here are deterministic: YoWASP's wasm stack
        # at 64x20 took about as long as a place and route to fail again); --retry-failed
        # tries such points again
        r = dict(rows=geom[0], lanes=geom[1], macs=geom[0] * geom[1], lut=0, ff=0, bram=0,
                 dsp=0, fits=False, fmax=None, util={}, synth_failed=True)
        # the array alone is synthesised first: its counts, when this run wrote them, still
        # say which of the chip's resources the point exceeds
        stat, ys = f"{a.build}/{tag}_stat.txt", f"{a.build}/{tag}.ys"
        if os.path.exists(stat) and os.path.getmtime(stat) >= os.path.getmtime(ys):
            mods, _ = compare.parse_stat(open(stat).read())
            if "tern_mac_array" in mods:
                r["lut"], r["ff"], _, r["bram"], r["dsp"] = compare.figures(arch, mods["tern_mac_array"])
        save_cache(a, cache, key, r)
        return r
    lut, ff, _, bram, dspn = compare.figures(arch, cells)
    fmax, util = compare.pnr(a, arch, js, seed, tag)
    r = dict(rows=geom[0], lanes=geom[1], macs=geom[0] * geom[1], lut=lut, ff=ff, bram=bram,
             dsp=dspn, fits=fmax is not None, fmax=fmax, util=util or {})
    print(f"largest: {arch} {geom[0]}x{geom[1]} kind {kind}{' dsp' if dsp else ''}: {lut} LUT4, "
          f"{bram} BRAM, {dspn} DSP: " + (f"routed, {fmax:.1f} MHz" if r["fits"] else "does not fit"),
          flush=True)
    save_cache(a, cache, key, r)
    return r


def search(a, arch, kind, dsp, rows, lanes, seed, cache, limit):
    """The largest fitting point (bisection: fits(lo), not fits(hi)) and the failing one above it,
    from the default geometry (rows x lanes) up or, where that does not fit, one row down."""
    dim = "rows"
    first = try_point(a, arch, kind, dsp, geometry(dim, rows, lanes), seed, cache)
    if not first["fits"] and rows > 1:
        first = try_point(a, arch, kind, dsp, geometry(dim, 1, lanes), seed, cache)
        lo, hi = 1, rows
    else:
        lo, hi = rows, 2 * rows
    if not first["fits"]:
        dim = "lanes"
        lo, hi = 1, lanes
        if not try_point(a, arch, kind, dsp, geometry(dim, 1, lanes), seed, cache)["fits"]:
            return None, None, dim
    else:
        while try_point(a, arch, kind, dsp, geometry(dim, hi, lanes), seed, cache)["fits"]:
            lo, hi = hi, hi * 2
            if hi > limit:
                sys.exit(f"largest: {arch} kind {kind} still fits at {lo} rows (raise --limit)")
    if dim == "rows" and lo == 1:
        # one row fits and two do not: the lanes of one row, from the default up
        dim, lo, hi = "lanes", lanes, 2 * lanes
        while try_point(a, arch, kind, dsp, geometry(dim, hi, lanes), seed, cache)["fits"]:
            lo, hi = hi, hi * 2
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if try_point(a, arch, kind, dsp, geometry(dim, mid, lanes), seed, cache)["fits"]:
            lo = mid
        else:
            hi = mid
    return (try_point(a, arch, kind, dsp, geometry(dim, lo, lanes), seed, cache),
            try_point(a, arch, kind, dsp, geometry(dim, hi, lanes), seed, cache), dim)


def strip(p):
    return None if p is None else {k: v for k, v in p.items() if k != "util"}


def pnr_error(a, arch, kind, dsp, n):
    """The first ERROR line of the failing point's nextpnr log, made printable, or ''."""
    log = compare.pnr_log(a, f"l_{arch}_{kind}{'d' if dsp else ''}_{n['rows']}x{n['lanes']}", a.seed)
    if not os.path.exists(log):
        return ""
    for line in open(log, errors="replace"):
        if line.startswith("ERROR:"):
            text = line[len("ERROR:"):].strip()[:120]
            return "".join(c if c.isprintable() else "?" for c in text).replace("|", "/")
    return ""


def limit_of(arch, n, util, err=""):
    """Which resource of the chip the failing point runs out of (Yosys' counts against the
    chip's, else nextpnr's error)."""
    names = {"ice40": (("ICESTORM_LC", "LUT4 cells"), ("ICESTORM_RAM", "block RAM"),
                       ("ICESTORM_DSP", "DSP blocks")),
             "ecp5": (("TRELLIS_COMB", "LUT4 cells"), ("DP16KD", "block RAM"),
                      ("MULT18X18D", "DSP blocks"))}[arch]
    for cell, what in names:
        avail = util.get(cell, {}).get("available", 0)
        need = {"LUT4 cells": n["lut"], "block RAM": n["bram"], "DSP blocks": n["dsp"]}[what]
        if avail and need > avail:
            return f"{what} ({need} > {avail})" + ("; Yosys failed on its wrapper" if n.get("synth_failed") else "")
    if n.get("synth_failed"):
        return "Yosys failed at this size (see its log)"
    return f"nextpnr: {err}" if err else "placement or routing (see its nextpnr log)"


def patch_doc(path, lines):
    text = open(path).read()
    block = "\n".join(lines)
    if BEGIN in text and END in text:
        text = re.sub(re.escape(BEGIN) + r".*?" + re.escape(END), lambda _: block, text, flags=re.S)
    else:
        text = text.replace("\n## A custom-silicon view", "\n" + block + "\n\n## A custom-silicon view", 1)
    with open(path, "w") as f:
        f.write(text)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--chip", required=True, choices=sorted(CHIPS))
    ap.add_argument("--params", required=True)
    ap.add_argument("--rtl", nargs="+", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--seed", default="1")
    ap.add_argument("--yosys", required=True)
    ap.add_argument("--nextpnr-ice40", default="nextpnr-ice40")
    ap.add_argument("--nextpnr-ecp5", required=True)
    ap.add_argument("--docs", required=True, help="the docs/ directory")
    ap.add_argument("--limit", type=int, default=256, help="rows searched at most")
    ap.add_argument("--retry-failed", action="store_true",
                    help="synthesise again the cached points whose synthesis failed")
    a = ap.parse_args()
    # absolute: YoWASP's Yosys run from fpga/ cannot write a relative path (tee -o, write_json)
    a.build = os.path.abspath(a.build)
    os.makedirs(a.build, exist_ok=True)
    arch, chip = CHIPS[a.chip]
    prm = parse_params(a.params)
    rows, lanes = prm["ROWS"], prm["LANES"]
    a.cache = os.path.join(a.build, "points.json")
    cache = json.load(open(a.cache)) if os.path.exists(a.cache) else {}
    out = []
    for name, varch, kind, dsp in compare.VARIANTS:
        if varch != arch:
            continue
        best, nxt, _ = search(a, arch, kind, dsp, rows, lanes, a.seed, cache, a.limit)
        util = next((p["util"] for p in cache.values() if p["util"]), {})
        out.append(dict(name=name, largest=strip(best), next=strip(nxt),
                        limit=limit_of(arch, nxt, util, pnr_error(a, arch, kind, dsp, nxt))
                        if nxt else ""))
    nxp = a.nextpnr_ice40 if arch == "ice40" else a.nextpnr_ecp5
    res = dict(chip=chip, date=datetime.date.today().isoformat(), seed=a.seed,
               yosys=tool_version([a.yosys, "-V"]), nextpnr=tool_version([nxp, "--version"]),
               variants=out)
    os.makedirs(os.path.join(a.docs, "dse"), exist_ok=True)
    with open(os.path.join(a.docs, "dse", f"largest-{a.chip}.json"), "w") as f:
        json.dump(res, f, indent=1)
    patch_doc(os.path.join(a.docs, "ternary-vs-int8.md"), render(a.docs))
    print(f"largest: wrote docs/dse/largest-{a.chip}.json and its table in docs/ternary-vs-int8.md")


if __name__ == "__main__":
    main()
