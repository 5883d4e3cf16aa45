#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make -C fpga compare: the ternary MAC array against its int8 x int8 baseline, measured.

Synthesises rtl/tern_mac_array.v at the default geometry as the ternary array (MAC_KIND 0) and as
the int8 baseline of the same dataflow, interfaces and timing (MAC_KIND 1), with multipliers in
LUTs (Yosys' radix-4 Booth pass first) and in the chip's DSP blocks, on the iCE40 UP5K and the
ECP5-85F, all with one Yosys (YoWASP's, the newest here, which has the Booth pass), placed and
routed by nextpnr-ice40 (Debian) and nextpnr-ecp5 (YoWASP); places and routes each inside
fpga/scripts/tern_pnr_wrap.v at seeds SEEDS; counts the transistors of a generic CMOS mapping
of both; writes docs/ternary-vs-int8.md. Run from fpga/.
"""
import argparse
import datetime
import json
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from synth_report import parse_params, parse_stat, tool_version  # noqa: E402
import gate_energy  # noqa: E402
import largest_table  # noqa: E402

# (name, arch, MAC_KIND, DSP blocks allowed); each at the default geometry, and the iCE40 ones
# also at the iCEBreaker's 1 x 5, where every variant fits the UP5K
VARIANTS = [
    ("ternary", "ice40", 0, False),
    ("int8, LUT multipliers", "ice40", 1, False),
    ("int8, SB_MAC16", "ice40", 1, True),
    ("ternary", "ecp5", 0, False),
    ("int8, LUT multipliers", "ecp5", 1, False),
    ("int8, MULT18X18D", "ecp5", 1, True),
]
SMALL = {"ice40": (1, 5)}


def run(cmd, log):
    with open(log, "w") as f:
        r = subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT)
    return r.returncode


def synth(a, arch, kind, dsp, geom, tag):
    rtl = " ".join(a.rtl)
    stat = f"{a.build}/{tag}_stat.txt"
    js = f"{a.build}/{tag}_wrap.json"
    # The array alone as make synth maps it (docs/synthesis.md); -dsp only lets SB_MAC16 in.
    # Without DSP blocks the products go through Yosys' Booth multiplier (smaller than its
    # default array multiplier: 966 against 1226 LUT4 for a 1 x 5 int8 array on the iCE40).
    pre = "proc; flatten; opt -fast; " + ("" if dsp else "booth; ")
    if arch == "ice40":
        flow = "synth_ice40" + (" -dsp" if dsp or kind == 0 else "")
    else:
        flow = "synth_ecp5" + ("" if dsp or kind == 0 else " -nodsp")
    yosys = a.yosys
    ch = f"-set ROWS {geom[0]} -set LANES {geom[1]} -set MAC_KIND {kind}"
    script = (f"read_verilog -I../rtl {rtl}; chparam {ch} tern_mac_array; "
              f"hierarchy -check -top tern_mac_array; {pre}{flow} -top tern_mac_array; "
              f"tee -q -o {stat} stat; design -reset; "
              f"read_verilog -I../rtl {rtl} scripts/tern_pnr_wrap.v; "
              f"chparam {ch} tern_pnr_wrap; hierarchy -check -top tern_pnr_wrap; "
              f"{pre}{flow} -top tern_pnr_wrap; "
              # Debian's nextpnr-ice40 0.4 predates Yosys' $scopeinfo (hierarchy notes) cells
              f"delete t:$scopeinfo; write_json {js}")
    # from a file: on the command line, the two RTL lists outgrew what YoWASP's Yosys accepts
    # (it exits with status 1 and no message)
    ys = f"{a.build}/{tag}.ys"
    with open(ys, "w") as f:
        f.write(script.replace("; ", "\n") + "\n")
    if run([yosys, "-q", "-s", os.path.abspath(ys)], f"{a.build}/{tag}_yosys.log") != 0:
        sys.exit(f"compare: yosys failed, see {a.build}/{tag}_yosys.log")
    mods, _ = parse_stat(open(stat).read())
    return mods["tern_mac_array"], js, script


def pnr_log(a, tag, seed):
    """Where pnr() writes nextpnr's log for this point and seed."""
    return f"{a.build}/{tag}_s{seed}.log"


def pnr(a, arch, js, seed, tag):
    rep = f"{a.build}/{tag}_s{seed}.json"
    if arch == "ice40":
        cmd = [a.nextpnr_ice40, "--up5k", "--package", "sg48", "--json", js, "--freq", "50",
               "--timing-allow-fail", "--seed", str(seed), "--report", rep, "-q"]
    else:
        cmd = [a.nextpnr_ecp5, "--85k", "--package", "CABGA381", "--speed", "6", "--json", js,
               "--freq", "125", "--timing-allow-fail", "--seed", str(seed), "--report", rep, "-q"]
    rc = run(cmd, pnr_log(a, tag, seed))
    if rc != 0 or not os.path.exists(rep):
        return None, None
    r = json.load(open(rep))
    fmax = min(v["achieved"] for v in r.get("fmax", {}).values())
    return fmax, r.get("utilization", {})


def cmos(a, kind, tag):
    """Transistors of the combinational gates and flip-flop count of a generic CMOS mapping."""
    rtl = " ".join(a.rtl)
    stat = f"{a.build}/{tag}_cmos.txt"
    # T5_ROM 0: the T5 decode as logic (a generic mapping would turn the tables into gates)
    script = (f"read_verilog -I../rtl {rtl}; chparam -set MAC_KIND {kind} -set T5_ROM 0 "
              f"tern_mac_array; hierarchy -check -top tern_mac_array; proc; flatten; booth; "
              f"synth -flatten -top tern_mac_array; abc -g cmos2; tee -q -o {stat} stat -tech cmos")
    if run([a.yosys, "-q", "-p", script], f"{a.build}/{tag}_cmos.log") != 0:
        sys.exit(f"compare: yosys failed, see {a.build}/{tag}_cmos.log")
    text = open(stat).read()
    m = re.search(r"Estimated number of transistors:\s+(\d+)", text)
    cells, _ = parse_stat(text)
    top = cells["tern_mac_array"]
    ffs = sum(v for k, v in top.items() if "DFF" in k)
    gates = sum(v for k, v in top.items() if "DFF" not in k)
    return int(m.group(1)) if m else 0, gates, ffs, script


def figures(arch, cells):
    """LUT4 (equivalents on the ECP5), flip-flops, carry cells, block RAMs, DSP cells."""
    if arch == "ice40":
        lut = cells.get("SB_LUT4", 0)
        ff = sum(v for k, v in cells.items() if k.startswith("SB_DFF"))
        return lut, ff, cells.get("SB_CARRY", 0), cells.get("SB_RAM40_4K", 0), cells.get("SB_MAC16", 0)
    lut = cells.get("LUT4", 0) + 2 * cells.get("CCU2C", 0) + 4 * cells.get("TRELLIS_DPR16X4", 0)
    dsp = cells.get("MULT18X18D", 0) + cells.get("ALU54B", 0)
    return lut, cells.get("TRELLIS_FF", 0), cells.get("CCU2C", 0), cells.get("DP16KD", 0), dsp


def energy_section(e, macs):
    """The gate-level switching study (fpga/scripts/gate_energy.py) as a doc section."""
    names = {"capture": "the shipped model's BitLinear calls", "random": "2B4T-shaped random"}
    wts = {(0, "trits"): "ternary", (1, "gauss"): "int8, int8 weights", (1, "trits"): "int8, the trits as int8"}
    o = ["", "## Switching activity of the gate-level netlists", "",
         "Both arrays mapped to generic CMOS gates as above, simulated gate by gate under "
         "Verilator with a toggle counter on every net bit, running the same jobs, each checked "
         "against the C golden model (`array_tb +suite=workload`). " + " ".join(e["method"].split()),
         "",
         "Workloads: **the shipped model's BitLinear calls** (`tern run --capture`: its int8 "
         "activations and trits, replayed in order; prefill chunks of up to T_MAX tokens and "
         "decode steps), and **2B4T-shaped random** jobs (K = 2560, trits at 1/3 zeros, "
         "activations quantised per token by absmax from Gaussians). The int8 array runs the "
         "same activations with int8 weights: Gaussians quantised per row by absmax (what an "
         "int8 model's weights look like; labelled int8 weights), and, as a lower bound for it, "
         f"the same trits as int8 values. Bench seed {e['seed']}.", "",
         "| workload | array, weights | jobs | MACs | cycles | toggles per MAC | switched load "
         "per MAC: logic | clock | total | vs ternary |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    base = {}
    for arr in e["arrays"]:
        for r in arr["runs"]:
            if arr["kind"] == 0:
                base[r["workload"]] = r["per_mac"]
            clk = r["clock"] / r["macs"]
            o.append(f"| {names[r['workload']]} | {wts[(arr['kind'], r['wdist'])]} | {r['jobs']} | "
                     f"{r['macs']} | {r['cycles']} | {r['toggles'] / r['macs']:.1f} | "
                     f"{r['data_per_mac']:.1f} | {clk:.1f} | {r['per_mac']:.1f} | "
                     f"{r['per_mac'] / base[r['workload']]:.2f} x |")
    o += ["", "Netlists: " + "; ".join(
        f"{'ternary' if arr['kind'] == 0 else 'int8'} {arr['nets']} net bits, {arr['ffs']} flip-flops, "
        f"{arr['transistors']} transistors in gates" for arr in e["arrays"]) + "."]
    return o


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--params", required=True)
    ap.add_argument("--rtl", nargs="+", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--seeds", default="1 2 3")
    ap.add_argument("--yosys", required=True, help="one Yosys for every synthesis (YoWASP's)")
    ap.add_argument("--nextpnr-ice40", default="nextpnr-ice40")
    ap.add_argument("--nextpnr-ecp5", required=True)
    ap.add_argument("--out", required=True)
    gate_energy.add_args(ap)
    a = ap.parse_args()
    # absolute: YoWASP's Yosys run from fpga/ cannot write a relative path (tee -o, write_json)
    a.build = os.path.abspath(a.build)
    os.makedirs(a.build, exist_ok=True)
    p = parse_params(a.params)
    rows, lanes = p["ROWS"], p["LANES"]
    macs = rows * lanes
    seeds = a.seeds.split()

    res = []
    jobs = [(v, (rows, lanes)) for v in VARIANTS]
    jobs += [(v, SMALL[v[1]]) for v in VARIANTS if v[1] in SMALL]
    for i, ((name, arch, kind, dsp), geom) in enumerate(jobs):
        tag = f"v{i}_{arch}_{kind}{'d' if dsp else ''}_{geom[0]}x{geom[1]}"
        cells, js, script = synth(a, arch, kind, dsp, geom, tag)
        lut, ff, carry, bram, dspn = figures(arch, cells)
        runs = [(s,) + pnr(a, arch, js, s, tag) for s in seeds]
        gm = geom[0] * geom[1]
        res.append(dict(name=name, arch=arch, kind=kind, dsp=dsp, geom=geom, macs=gm, lut=lut,
                        ff=ff, carry=carry, bram=bram, dspn=dspn, runs=runs, script=script))
        fm = ", ".join("none" if f is None else f"{f:.1f}" for _, f, _ in runs)
        print(f"compare: {arch} {geom[0]}x{geom[1]} {name}: {lut} LUT4 ({lut / gm:.1f} per MAC), "
              f"{ff} FF, {dspn} DSP; Fmax {fm} MHz (seeds {' '.join(seeds)})")

    silicon = [(k,) + cmos(a, k, f"cmos{k}") for k in (0, 1)]
    energy = gate_energy.run_all(argparse.Namespace(**{**vars(a), "build": f"{a.build}/gates"}))

    chips = {"ice40": ("iCE40UP5K", "ICESTORM_LC", "ICESTORM_DSP"),
             "ecp5": ("LFE5U-85F", "TRELLIS_COMB", "MULT18X18D")}
    o = ["# Ternary versus int8: the same array, measured", "",
         "<!-- generated by `make -C fpga compare` (fpga/scripts/compare.py); do not edit -->", "",
         f"Generated {datetime.date.today().isoformat()}. `rtl/tern_mac_array.v` at the default "
         f"geometry, {rows} rows x {lanes} lanes = {macs} MACs per cycle, T_MAX "
         f"{p['T_MAX']}, synthesised as the ternary array (`MAC_KIND = 0`) and as its int8 x "
         "int8 baseline (`MAC_KIND = 1`): the same job control, streams, pipeline and cycle "
         "counts, one signed weight byte per slot instead of two bits, a 16-bit product per lane "
         "instead of the +x / ~x / 0 select, 31-bit accumulators instead of 24. The baseline "
         "passes the same bench against its C reference (`cmodel/include/tern_int8.h`, suite "
         "`rtl-int8`). Multipliers are Yosys' mapping of `w * x`: its radix-4 Booth multiplier "
         "in LUT logic, or the chip's DSP blocks. One Yosys synthesises every variant, so the "
         "ternary figures here differ from docs/synthesis.md's (Debian's Yosys) by a few LUT4.",
         "",
         "LUT4 counts the iCE40's SB_LUT4 and, on the ECP5, LUT4 equivalents (LUT4 + 2 x CCU2C + "
         "4 x TRELLIS_DPR16X4: adders and LUT RAM are made of LUT4s there), of the array alone. "
         "Fmax is nextpnr's after routing inside the pin wrapper (docs/synthesis.md), at each seed.",
         "",
         "| chip | R x L | array | LUT4 | LUT4 per MAC | vs ternary | FF | block RAM | DSP | "
         "Fmax (MHz) |",
         "|---|---|---|---|---|---|---|---|---|---|"]
    base = {}
    for r in res:
        key = (r["arch"], r["geom"])
        if r["kind"] == 0:
            base[key] = r["lut"]
        fm = ", ".join("-" if f is None else f"{f:.1f}" for _, f, _ in r["runs"])
        if all(f is None for _, f, _ in r["runs"]):
            fm = "does not fit the chip"
        o.append(f"| {chips[r['arch']][0]} | {r['geom'][0]} x {r['geom'][1]} | {r['name']} | "
                 f"{r['lut']} | {r['lut'] / r['macs']:.1f} | {r['lut'] / base[key]:.2f} x | "
                 f"{r['ff']} | {r['bram']} | {r['dspn']} | {fm} |")
    o += ["", "MACs per chip, an **estimate** from these per-MAC figures (the table after it gives "
          "the sizes actually routed where `make -C fpga largest` has run): the chip's LUT4 "
          "sites (nextpnr's count) "
          "over the array's LUT4 per MAC, and for the DSP variants at most one MAC per DSP block "
          "(Yosys maps each 8 x 8 product to one).", "",
          "| chip | array | LUT4 sites | DSP blocks | MACs per chip (estimate) |", "|---|---|---|---|---|"]
    for r in res:
        if r["geom"] != (rows, lanes):
            continue
        util = next((u for _, f, u in r["runs"] if u), None)
        if not util:
            # a design that does not place still reports the chip's capacity via another run
            util = next((u for x in res if x["arch"] == r["arch"] for _, f, u in x["runs"] if u), {})
        _, site, dspname = chips[r["arch"]]
        sites = util.get(site, {}).get("available", 0)
        dsps = util.get(dspname, {}).get("available", 0)
        est = int(sites / (r["lut"] / macs)) if r["lut"] else 0
        if r["dsp"]:
            est = min(est, dsps)
        o.append(f"| {chips[r['arch']][0]} | {r['name']} | {sites} | {dsps} | {est} |")
    o += [""] + largest_table.render(os.path.dirname(os.path.abspath(a.out)))
    o += ["", "## A custom-silicon view: generic CMOS gates", "",
          "Yosys' generic synthesis of the same two arrays, mapped by ABC to NAND, NOR and "
          "inverter gates (`abc -g cmos2`), and `stat -tech cmos`'s transistor count: 4 per "
          "2-input NAND or NOR, 2 per inverter. It counts the combinational gates only; the "
          "flip-flops (the accumulator RAMs become flip-flops here) are listed apart. The T5 "
          "decode is the adder version (`T5_ROM = 0`). No placement, wiring or sizing: a "
          "relative figure for the arithmetic, not a chip.", "",
          "| array | gates | transistors (gates) | per MAC | vs ternary | flip-flops |",
          "|---|---|---|---|---|---|"]
    t0 = silicon[0][1]
    for kind, tr, gates, ffs, _ in silicon:
        o.append(f"| {'ternary' if kind == 0 else 'int8'} | {gates} | {tr} | {tr / macs:.0f} | "
                 f"{tr / t0:.2f} x | {ffs} |")
    o += energy_section(energy, macs)
    o += ["", "## Commands and tools", "",
          f"- {tool_version([a.yosys, '-V'])} (every synthesis)",
          f"- {tool_version([a.nextpnr_ice40, '--version'])}",
          f"- {tool_version([a.nextpnr_ecp5, '--version'])}", "",
          "Yosys scripts (per variant: the array alone, then the wrapper for place and route):", "",
          "```"]
    rtl_list = " ".join(a.rtl)  # shown as the glob it came from
    for r in res:
        o.append(f"# {r['arch']}, {r['geom'][0]} x {r['geom'][1]}, {r['name']}")
        o.append(r["script"].replace(rtl_list, "../rtl/tern_*.v"))
    for kind, _, _, _, script in silicon:
        o.append(f"# generic CMOS, MAC_KIND {kind}")
        o.append(script.replace(rtl_list, "../rtl/tern_*.v"))
    for arr in energy["arrays"]:
        o.append(f"# gate-level netlist for the switching study, MAC_KIND {arr['kind']}")
        o.append(arr["script"].replace(rtl_list, "../rtl/tern_*.v"))
    o += ["```", "",
          "nextpnr: `--up5k --package sg48 --freq 50` and `--85k --package CABGA381 --speed 6 "
          f"--freq 125`, `--timing-allow-fail`, seeds {' '.join(seeds)}. Regenerate with "
          "`make -C fpga compare` (SEEDS=...).", ""]
    with open(a.out, "w") as f:
        f.write("\n".join(o))
    print(f"compare: wrote {a.out}")


if __name__ == "__main__":
    main()
