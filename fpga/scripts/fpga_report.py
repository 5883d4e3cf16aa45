#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The board flows' timing verdict and docs/fpga.md (offline; Python standard library only).

  fpga_report.py check --board B --report fpga/build/B/report.json --freq MHZ [--allow-fail]
      Exit 1 unless every clock domain of the nextpnr report meets its constraint and the
      design clock is constrained at >= MHZ (a PLL set up for a slower clock would otherwise
      pass). --allow-fail prints the same verdict and exits 0.

  fpga_report.py doc --build fpga/build --out docs/fpga.md BOARD...
      docs/fpga.md from each board's build directory: stat.json (Yosys), report.json
      (nextpnr), build.txt (tools, seed, commands, date; written by fpga/common.mk).
"""
import argparse
import json
import os
import re
import sys

# Cell types per family: (column, Yosys cell types or prefixes ending in '*').
CELLS = {
    "ice40": [
        ("LUT4", ["SB_LUT4"]),
        ("flip-flops", ["SB_DFF*"]),
        ("carry", ["SB_CARRY"]),
        ("block RAM", ["SB_RAM40_4K*"]),
        ("SPRAM", ["SB_SPRAM256KA"]),
        ("DSP", ["SB_MAC16"]),
        ("PLL", ["SB_PLL40*"]),
    ],
    "ecp5": [
        ("LUT4", ["LUT4"]),
        ("flip-flops", ["TRELLIS_FF"]),
        ("carry", ["CCU2C"]),
        ("LUT RAM", ["TRELLIS_DPR16X4"]),
        ("block RAM", ["DP16KD", "PDPW16KD"]),
        ("SPRAM", []),
        ("DSP", ["MULT18X18D", "ALU54B"]),
        ("PLL", ["EHXPLLL"]),
    ],
}
# Multiplier-like cells: the build's select -assert-none already refuses them; counted again.
MUL_CELLS = ["SB_MAC16", "MULT18X18D", "ALU54B", "$mul", "$macc", "$__MUL*"]


def fail(msg):
    print(msg, file=sys.stderr)
    sys.exit(1)


def load_json(path):
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail(f"fpga_report: cannot read {path}: {e}")


def domains(report):
    """{clock net: (achieved MHz, constraint MHz)} from a nextpnr --report JSON."""
    out = {}
    for net, v in (report.get("fmax") or {}).items():
        out[net] = (float(v["achieved"]), float(v["constraint"]))
    return out


def timing_verdict(report, freq):
    """(ok, lines): every domain meets its constraint and one is constrained at >= freq."""
    doms = domains(report)
    lines, ok = [], True
    if not doms:
        return False, ["no clock domain in the nextpnr report (is the design clock driven?)"]
    for net, (ach, con) in sorted(doms.items()):
        good = ach >= con
        ok &= good
        lines.append(f"clock {net}: Fmax {ach:.2f} MHz, constraint {con:.2f} MHz: {'met' if good else 'MISSED'}")
    top = max(con for _, con in doms.values())
    if top < freq * (1 - 1e-3):  # derived PLL constraints are rounded (36.0023 for 36)
        ok = False
        lines.append(f"no clock domain is constrained at the {freq:g} MHz target (highest {top:.2f} MHz)")
    return ok, lines


def cmd_check(a):
    ok, lines = timing_verdict(load_json(a.report), a.freq)
    for line in lines:
        print(f"fpga/{a.board}: {line}")
    if ok:
        print(f"fpga/{a.board}: timing PASS at {a.freq:g} MHz")
        return 0
    if a.allow_fail:
        print(f"fpga/{a.board}: timing FAIL at {a.freq:g} MHz (TIMING_ALLOW_FAIL=1: packing anyway)")
        return 0
    print(f"fpga/{a.board}: timing FAIL at {a.freq:g} MHz: no bitstream (report: {a.report}; "
          f"try another SEED=, or TIMING_ALLOW_FAIL=1 to pack anyway)")
    return 1


def cell_counts(stat):
    """{cell type: count} of the top (flattened) design from Yosys `stat -json`."""
    design = stat.get("design") or {}
    if "num_cells_by_type" in design:
        return dict(design["num_cells_by_type"])
    total = {}
    for mod in (stat.get("modules") or {}).values():
        for t, n in (mod.get("num_cells_by_type") or {}).items():
            total[t] = total.get(t, 0) + n
    return total


def match(counts, patterns):
    n = 0
    for t, c in counts.items():
        for p in patterns:
            if (p.endswith("*") and t.startswith(p[:-1])) or t == p:
                n += c
                break
    return n


def read_info(path):
    info = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.rstrip("\n").partition(": ")
                info[k] = v
    except OSError:
        pass
    return info


def board_data(build, board):
    """A board's figures; None when it has no synthesis yet. Without report.json (place and
    route failed, e.g. the design does not fit) the synthesis figures and nextpnr's error."""
    d = os.path.join(build, board)
    info = read_info(os.path.join(d, "build.txt"))
    stat = os.path.join(d, "stat.json")
    if not os.path.exists(stat):
        return None
    if not info:  # a build from before build.txt existed
        info = {"board": board, "arch": "ice40"}
    data = {"info": info, "counts": cell_counts(load_json(stat)), "report": None, "ok": False,
            "lines": [], "error": None}
    rep = os.path.join(d, "report.json")
    if os.path.exists(rep):
        data["report"] = load_json(rep)
        data["ok"], data["lines"] = timing_verdict(data["report"], float(info.get("freq", "0") or 0))
        data["image"] = os.path.exists(os.path.join(d, board + (".bin" if info.get("arch") == "ice40" else ".bit")))
    else:
        try:
            with open(os.path.join(d, "nextpnr.log")) as f:
                log = f.read().splitlines()
            errs = [l.strip() for l in log if l.startswith("ERROR")]
            data["error"] = errs[-1] if errs else "no report.json"
            # The packer's utilisation lines ("Info:   ICESTORM_LC:  7676/ 5280   145%") stand in
            # for the report's: they show by how much a design does not fit.
            util = {}
            for l in log:
                m = re.match(r"Info:\s+(\w+):\s+(\d+)/\s*(\d+)\s+\d+%", l)
                if m:
                    util[m.group(1)] = {"used": int(m.group(2)), "available": int(m.group(3))}
            data["log_util"] = util
        except OSError:
            data["error"] = "not placed and routed yet"
    return data


def md_escape(s):
    return s.replace("|", "\\|")


def cmd_doc(a):
    boards = {}
    for b in a.boards:
        boards[b] = board_data(a.build, b)
        if boards[b] is None:
            print(f"fpga_report: {b}: not built (no {a.build}/{b}/stat.json)", file=sys.stderr)
    out = []
    w = out.append
    w("# FPGA board builds")
    w("")
    w("<!-- generated by `make -C fpga fpga-report` (fpga/scripts/fpga_report.py); do not edit -->")
    w("")
    w("This file is generated from the board builds' Yosys statistics and nextpnr reports "
      "(`fpga/build/<board>/`); do not edit it. Regenerate it with")
    w("")
    w("```")
    for b in a.boards:
        w(f"make -C fpga fpga BOARD={b}")
    w("make -C fpga fpga-report")
    w("```")
    w("")
    w("Each build is Yosys synthesis of the board top, a check that no multiplier or DSP cell is "
      "left (before and after technology mapping), nextpnr with the design clock's target "
      "(`--freq`) and a fixed seed, and the bitstream packer. The build fails, and packs no "
      "bitstream, when the routed design misses its target clock. Flow: `fpga/common.mk`, "
      "`fpga/boards/<board>/Makefile`; each board's target clock, device options, seed and "
      "device parameters: `spec/tern.toml` `[boards]` (generated into `fpga/boards/<board>/board.mk` "
      "and `rtl/tern_boards.vh`); pins: the board's `.pcf` / `.lpf`.")
    w("")
    names = [b for b in a.boards if boards[b]]
    if names:
        w("| | " + " | ".join(boards[b]["info"].get("desc", b) for b in names) + " |")
        w("|---|" + "---|" * len(names))

        def row(label, fn):
            w(f"| {label} | " + " | ".join(md_escape(str(fn(boards[b]))) for b in names) + " |")

        def cells(label):
            def count(d):
                pats = dict(CELLS[d["info"].get("arch", "ice40")]).get(label)
                return match(d["counts"], pats) if pats else "-"
            return count

        row("top (parameters)", lambda d: f"`{d['info'].get('top', '?')}` ({d['info'].get('top_params', '').strip() or 'its defaults'})")
        row("LUT4", cells("LUT4"))
        row("flip-flops", cells("flip-flops"))
        row("carry cells", cells("carry"))
        row("LUT RAM (16x4)", cells("LUT RAM"))
        row("block RAM", cells("block RAM"))
        row("SPRAM", cells("SPRAM"))
        row("DSP / multiplier cells", lambda d: match(d["counts"], MUL_CELLS))

        def placed(d):
            util = (d["report"] or {}).get("utilization") or d.get("log_util") or {}
            for k in ("ICESTORM_LC", "TRELLIS_COMB"):
                if k in util and util[k].get("available"):
                    u = util[k]
                    return f"{u['used']} / {u['available']} {k} ({100.0 * u['used'] / u['available']:.1f}%)"
            return "-"

        def fmax(d):
            if not d["report"]:
                return "-"
            doms = domains(d["report"])
            return "; ".join(f"{ach:.1f} MHz (`{net}`, target {con:.1f})" for net, (ach, con) in sorted(doms.items())) or "-"

        def verdict(d):
            if not d["report"]:
                return f"**place and route failed**: {d['error']}"
            if d["ok"]:
                return "met"
            return "**MISSED** (bitstream packed anyway: TIMING_ALLOW_FAIL=1)" if d["image"] else "**MISSED** (no bitstream)"

        row("logic cells placed (nextpnr)", placed)
        row("Fmax per clock domain", fmax)
        row("design clock target", lambda d: f"{float(d['info'].get('freq', 0)):g} MHz" if d["info"].get("freq") else "-")
        row("timing", verdict)
        row("nextpnr seed", lambda d: d["info"].get("seed", "?"))
        row("built", lambda d: d["info"].get("date", "?"))
        w("")
    for b in a.boards:
        d = boards[b]
        if d is None:
            w(f"## {b}")
            w("")
            w(f"Not built yet: `make -C fpga fpga BOARD={b}`.")
            w("")
            continue
        info = d["info"]
        w(f"## {info.get('desc', b)}")
        w("")
        w(f"Device options `{info.get('device', '?')}`; design clock target {info.get('freq', '?')} MHz.")
        w("")
        if d["report"]:
            w("Timing (nextpnr, after routing):")
            w("")
            for line in d["lines"]:
                w(f"- {line}")
        else:
            w(f"Place and route failed: `{d['error']}` (fpga/build/{b}/nextpnr.log).")
        w("")
        util = (d["report"] or {}).get("utilization") or d.get("log_util") or {}
        used = [(k, v) for k, v in sorted(util.items()) if v.get("used")]
        if used:
            w("Placed resources (nextpnr)" + ("" if d["report"] else ", as packed before placement failed") + ":")
            w("")
            w("| resource | used | available | % |")
            w("|---|---|---|---|")
            for k, v in used:
                avail = v.get("available") or 0
                pct = f"{100.0 * v['used'] / avail:.1f}" if avail else "-"
                w(f"| {k} | {v['used']} | {avail} | {pct} |")
            w("")
        w("Cells after synthesis (Yosys `stat`):")
        w("")
        w("| cell | count |")
        w("|---|---|")
        for t, n in sorted(d["counts"].items()):
            if not t.startswith("$scopeinfo"):  # debug scopes of newer Yosys, not hardware
                w(f"| `{t}` | {n} |")
        w("")
        w("Tools and commands (run from the repository root):")
        w("")
        w(f"- Yosys: {info.get('yosys_version', '?')}")
        w(f"- nextpnr: {info.get('nextpnr_version', '?')}")
        w(f"- packer: {info.get('pack_version', '?')}")
        w("")
        w("```")
        for k in ("yosys_cmd", "nextpnr_cmd", "pack_cmd"):
            if info.get(k):
                w(info[k])
        w("```")
        w("")
    text = "\n".join(out)
    with open(a.out, "w") as f:
        f.write(text)
    print(f"fpga_report: wrote {a.out}")
    return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    c = sub.add_parser("check")
    c.add_argument("--board", required=True)
    c.add_argument("--report", required=True)
    c.add_argument("--freq", type=float, required=True)
    c.add_argument("--allow-fail", action="store_true")
    d = sub.add_parser("doc")
    d.add_argument("--build", required=True)
    d.add_argument("--out", required=True)
    d.add_argument("boards", nargs="+")
    a = ap.parse_args()
    return cmd_check(a) if a.cmd == "check" else cmd_doc(a)


if __name__ == "__main__":
    sys.exit(main())
