#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write docs/synthesis.md from the outputs of `make -C fpga synth`.

Reads the Yosys `stat` of the flattened array, the `stat` of a non-flattened run (for the
per-module breakdown), the nextpnr-ice40 JSON report and log, and rtl/tern_params.vh for the
geometry. Exits 1 if a multiplier or DSP cell is found or a report is missing.
"""
import argparse
import datetime
import json
import re
import subprocess
import sys


def parse_params(path):
    params = {}
    with open(path) as f:
        for line in f:
            m = re.match(r"\s*`define\s+TERN_(\w+)\s+(\d+)\s*$", line)
            if m:
                params[m.group(1)] = int(m.group(2))
    return params


def parse_stat(text):
    """Split Yosys `stat` output into {module: {cell_type: count}} plus the hierarchy lines."""
    modules, hier, cur = {}, [], None
    in_hier = False
    for line in text.splitlines():
        m = re.match(r"^=== (.*) ===$", line)
        if m:
            cur = m.group(1)
            in_hier = cur == "design hierarchy"
            if not in_hier:
                modules[cur] = {}
            continue
        if cur is None:
            continue
        if in_hier:
            m = re.match(r"^( +)(\S+)\s+(\d+)$", line)
            if m:
                hier.append((len(m.group(1)), m.group(2), int(m.group(3))))
            continue
        m = re.match(r"^\s+(\$?[A-Za-z_][\w$]*)\s+(\d+)$", line)
        if m:
            modules[cur][m.group(1)] = int(m.group(2))
    return modules, hier


def short(name):
    return name.split("\\")[-1]


def tool_version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, check=False)
        text = (out.stdout + out.stderr).strip().splitlines()
        return text[0] if text else "unknown"
    except OSError:
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", required=True)
    ap.add_argument("--stat", required=True)
    ap.add_argument("--hier-stat", required=True)
    ap.add_argument("--pnr-report", required=True)
    ap.add_argument("--pnr-log", required=True)
    ap.add_argument("--yosys", default="yosys")
    ap.add_argument("--nextpnr", default="nextpnr-ice40")
    ap.add_argument("--device", default="up5k")
    ap.add_argument("--package", default="sg48")
    ap.add_argument("--freq", default="50")
    ap.add_argument("--seed", default="1")
    ap.add_argument("--cmd-array", required=True)
    ap.add_argument("--cmd-wrap", required=True)
    ap.add_argument("--cmd-pnr", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    p = parse_params(a.params)
    rows, lanes = p["ROWS"], p["LANES"]
    macs = rows * lanes

    mods, _ = parse_stat(open(a.stat).read())
    top = mods.get("tern_mac_array")
    if top is None:
        sys.exit("synth_report: no tern_mac_array in " + a.stat)
    lut = top.get("SB_LUT4", 0)
    carry = top.get("SB_CARRY", 0)
    ffs = sum(v for k, v in top.items() if k.startswith("SB_DFF"))
    ff_kinds = ", ".join(f"{k} {v}" for k, v in sorted(top.items()) if k.startswith("SB_DFF"))
    mults = sum(v for k, v in top.items() if k in ("SB_MAC16", "$mul", "$macc", "$__MUL16X16"))
    brams = top.get("SB_RAM40_4K", 0)
    others = {k: v for k, v in top.items()
              if not (k.startswith("SB_DFF") or k in ("SB_LUT4", "SB_CARRY"))}
    if mults:
        sys.exit(f"synth_report: {mults} multiplier/DSP cells in tern_mac_array")

    # Per-module breakdown from the non-flattened run.
    hmods, hier = parse_stat(open(a.hier_stat).read())
    breakdown, stack = [], []
    for indent, name, count in hier:
        if name not in hmods:   # the totals that follow the tree
            continue
        while stack and stack[-1][0] >= indent:
            stack.pop()
        total = count * (stack[-1][2] if stack else 1)
        stack.append((indent, name, total))
        own = hmods.get(name, {})
        breakdown.append((len(stack) - 1, short(name), total, own.get("SB_LUT4", 0),
                          own.get("SB_CARRY", 0),
                          sum(v for k, v in own.items() if k.startswith("SB_DFF"))))
    hier_lut = sum(n * l for _, _, n, l, _, _ in breakdown)

    rep = json.load(open(a.pnr_report))
    fmax = None
    for clk, v in rep.get("fmax", {}).items():
        fmax = v.get("achieved") if fmax is None else min(fmax, v.get("achieved"))
    if fmax is None:
        sys.exit("synth_report: no fmax in " + a.pnr_report)
    util = rep.get("utilization", {})
    lc = util.get("ICESTORM_LC", {})

    crit = []
    try:
        log = open(a.pnr_log).read().splitlines()
        start = max(i for i, l in enumerate(log) if "Critical path report for clock" in l)
        for l in log[start + 1:]:
            if "Critical path report" in l or "Max frequency" in l:
                break
            m = re.match(r"Info:\s+([\d.]+)\s+([\d.]+)\s+Source (\S+)", l)
            if m:
                crit.append((m.group(2), m.group(3)))
    except (OSError, ValueError):
        pass

    yv = tool_version([a.yosys, "-V"])
    nv = tool_version([a.nextpnr, "--version"])
    today = datetime.date.today().isoformat()

    o = []
    o.append("# Synthesis figures (iCE40)")
    o.append("")
    o.append("<!-- auto-generated by `make -C fpga synth` (fpga/scripts/synth_report.py); "
             "do not edit -->")
    o.append("")
    o.append(f"Generated {today} for the default geometry R = {rows} rows x L = {lanes} lanes "
             f"= {macs} MACs (rtl/tern_params.vh).")
    o.append("")
    o.append("## Array alone (`tern_mac_array`, Yosys `synth_ice40 -dsp`, flattened)")
    o.append("")
    o.append("| figure | value |")
    o.append("|---|---|")
    o.append(f"| LUT4 (SB_LUT4) | {lut} |")
    o.append(f"| LUT4 per MAC | {lut / macs:.1f} |")
    o.append(f"| carry (SB_CARRY) | {carry} |")
    o.append(f"| flip-flops (SB_DFF*) | {ffs} ({ff_kinds}) |")
    o.append(f"| multiplier / DSP cells (SB_MAC16, $mul) | {mults} (the build fails otherwise) |")
    o.append(f"| block RAMs (SB_RAM40_4K) | {brams} |")
    if others:
        o.append("| other cells | " + ", ".join(f"{k} {v}" for k, v in sorted(others.items()))
                 + " |")
    o.append("")
    o.append(f"Where the LUT4s go (non-flattened run, {hier_lut} LUT4 in total; a module's "
             "own cells, times its instances):")
    o.append("")
    o.append("| module | instances | LUT4 each | carry each | FF each | LUT4 total |")
    o.append("|---|---|---|---|---|---|")
    for depth, name, n, l, c, f in breakdown:
        o.append(f"| {'&nbsp;&nbsp;' * depth}{name} | {n} | {l} | {c} | {f} | {n * l} |")
    o.append("")
    o.append(f"## Place and route (UP5K, inside `fpga/scripts/tern_pnr_wrap.v`)")
    o.append("")
    o.append("The wrapper feeds every wide input from one shift-register chain loaded from a pin, "
             "registers the one-bit controls and XOR-reduces the result to one pin, so every "
             "array path starts and ends at a flip-flop. Its own logic is the chain, five "
             "input flip-flops and the XOR.")
    o.append("")
    o.append("| figure | value |")
    o.append("|---|---|")
    o.append(f"| device | iCE40{a.device.upper()}, package {a.package} |")
    o.append(f"| Fmax (nextpnr, seed {a.seed}, --freq {a.freq}) | **{fmax:.1f} MHz** |")
    if lc:
        o.append(f"| logic cells (ICESTORM_LC, wrapper included) | {lc.get('used')} of "
                 f"{lc.get('available')} ({100.0 * lc.get('used') / lc.get('available'):.0f}%) |")
    o.append("")
    if crit:
        o.append("Critical path (cumulative ns at each cell output; runs of carry-chain "
                 "steps folded into one line):")
        o.append("")
        o.append("```")
        i = 0
        while i < len(crit):
            j = i
            while j + 1 < len(crit) and crit[j + 1][1].endswith(".COUT") \
                    and crit[i][1].endswith(".COUT"):
                j += 1
            if j > i:
                o.append(f"{crit[j][0]:>6}  ... {j - i + 1} carry steps up to {crit[j][1]}")
            else:
                o.append(f"{crit[i][0]:>6}  {crit[i][1]}")
            i = j + 1
        o.append("```")
        o.append("")
    o.append("## Commands and tools")
    o.append("")
    o.append(f"- {yv}")
    o.append(f"- {nv}")
    o.append("")
    o.append("```")
    o.append(a.cmd_array)
    o.append(a.cmd_wrap)
    o.append(a.cmd_pnr)
    o.append("```")
    o.append("")
    o.append("Regenerate with `make -C fpga synth` (tools: `YOSYS=...`, `NEXTPNR_ICE40=...`; "
             "target and seed: `FREQ=...`, `SEED=...`). nextpnr timings vary with the seed by a "
             "few MHz.")
    o.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(o))
    print(f"synth: {lut} LUT4 ({lut / macs:.1f} per MAC), {carry} SB_CARRY, {ffs} FF, "
          f"0 multipliers; Fmax {fmax:.1f} MHz on {a.device} -> {a.out}")


if __name__ == "__main__":
    main()
