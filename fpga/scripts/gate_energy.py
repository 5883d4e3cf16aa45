#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Switching activity of the MAC array's gate-level netlists: ternary against int8.

For each array (tern_mac_array with MAC_KIND 0, the ternary one, and MAC_KIND 1, its int8 x int8
baseline) Yosys maps the design to generic CMOS gates (synth; abc -g cmos2: NAND, NOR, NOT and
flip-flops), every internal net renamed n<i>_ so that the Verilog netlist and the JSON one name
the same nets. Verilator builds the unchanged array bench (sim/verilator/array_tb.cpp) against
that netlist with a toggle counter on every net bit (--coverage-toggle, --coverage-underscore),
and the bench's workload suite runs jobs through it, each checked against the C golden model:
  capture   a model run's BitLinear calls (tern run --capture), replayed in order
  random    2B4T-shaped jobs, trits at 1/3 zeros, absmax int8 activations of Gaussians
The int8 array runs the same activations with int8 weights: Gaussians quantised per row by
absmax (an int8 model's weights), and, as its lower bound, the very trits as int8 values.

The figure is switched load per useful MAC: every net bit's toggles times its load, summed over
the netlist, over K x N x tokens of the jobs. A net's load is the gate and flip-flop inputs it
drives plus one for the driver's own output (each unit about two transistor gates in cmos2).
The clock adds two toggles a cycle into every flip-flop (computed: Verilator counts none on a
clock). Zero-delay
simulation: no glitches (which add most in deep adder and multiplier logic, so the int8 figure
is low), no wires, no sizing. A relative figure between the two arrays, not joules.

Run from fpga/ (YoWASP's tools read and write below the current directory):
  gate_energy.py --yosys Y --rtl ../rtl/tern_*.v --build build/gates --capture CAP --out J
writes J (JSON) with the figures, and prints them; make -C fpga compare runs it (run_all) into
docs/ternary-vs-int8.md.
"""
import argparse
import json
import os
import re
import subprocess
import sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


def run(cmd, log, cwd=None):
    with open(log, "w") as f:
        return subprocess.run(cmd, stdout=f, stderr=subprocess.STDOUT, cwd=cwd).returncode


def netlist(a, kind):
    """Generic CMOS netlist of the array: (verilog path, json path, stat text, yosys script)."""
    base = f"{a.build}/k{kind}"
    rtl = " ".join(a.rtl)
    # T5_ROM 0: the T5 decode as logic, as a chip would build it (a table becomes gates anyway).
    # rename: every net but the ports gets an enumerated plain name in both outputs.
    script = (f"read_verilog -I../rtl {rtl}; chparam -set MAC_KIND {kind} -set T5_ROM 0 "
              f"tern_mac_array; hierarchy -check -top tern_mac_array; proc; flatten; booth; "
              f"synth -flatten -top tern_mac_array; abc -g cmos2; opt_clean; "
              f"tee -q -o {base}_cmos.txt stat -tech cmos; "
              f"rename -hide w:* i:* %d o:* %d; rename -enumerate -pattern n%_; setundef -zero; "
              f"write_verilog -noattr {base}.v; write_json {base}.json")
    if run([a.yosys, "-q", "-p", script], f"{base}_yosys.log") != 0:
        sys.exit(f"gate_energy: yosys failed, see {base}_yosys.log")
    return f"{base}.v", f"{base}.json", open(f"{base}_cmos.txt").read(), script


def loads(json_path):
    """Net bits by name, the load of each (driven cell inputs + 1, the driver), flip-flops."""
    mod = json.load(open(json_path))["modules"]["tern_mac_array"]
    fan = {}
    for cell in mod["cells"].values():
        dirs = cell.get("port_directions", {})
        for port, bits in cell["connections"].items():
            if dirs.get(port) == "input":
                for b in bits:
                    if isinstance(b, int):
                        fan[b] = fan.get(b, 0) + 1
    for port in mod["ports"].values():
        if port["direction"] == "output":
            for b in port["bits"]:
                if isinstance(b, int):
                    fan[b] = fan.get(b, 0) + 1     # the next stage's input
    names = {}   # Verilog name of a bit -> bit; a one-bit net may be a scalar or [0:0]
    for name, net in mod["netnames"].items():
        off = net.get("offset", 0)
        for i, b in enumerate(net["bits"]):
            if isinstance(b, int):
                names[f"{name}[{i + off}]"] = b
                if len(net["bits"]) == 1:
                    names[name] = b
    ffs = sum(1 for c in mod["cells"].values() if "DFF" in c["type"])
    return names, {b: f + 1 for b, f in fan.items()}, ffs


def build_bench(a, kind, vfile):
    out = f"{a.build}/k{kind}_tb"
    sim = os.path.join(ROOT, "sim", "verilator")
    cflags = (f"-std=gnu++17 -O2 -I{ROOT}/cmodel/include -I{ROOT}/tests/common -I{sim} "
              f"-DTB_INT8={1 if kind else 0}")
    cmd = [a.verilator, "--cc", "--exe", "--build", "-j", "2", "--top-module", "tern_mac_array",
           "--coverage-toggle", "--coverage-underscore", "--coverage-max-width", "100000", "-Wno-fatal", "-Wno-lint", "-Wno-style",
           "--x-assign", "unique", "--x-initial", "unique",
           "-CFLAGS", cflags, "-LDFLAGS", f"{a.cmlib} -lm",
           "-MAKEFLAGS", "OPT_FAST=-O1 OPT_SLOW=-O1 OPT_GLOBAL=-O1",
           "--Mdir", f"{out}.obj", "-o", os.path.abspath(out),
           os.path.abspath(vfile), os.path.join(sim, "array_tb.cpp")]
    if run(cmd, f"{out}_build.log") != 0:
        sys.exit(f"gate_energy: Verilator failed, see {out}_build.log")
    return out


def parse_cov(path):
    """Toggle counts by signal name ('name' or 'name[bit]') from a Verilator coverage file."""
    counts = {}
    with open(path, "rb") as f:
        for line in f:
            if not line.startswith(b"C '"):
                continue
            key, _, n = line.rstrip().rpartition(b"' ")
            kv = dict(p.split(b"\x02", 1) for p in key[3:].split(b"\x01") if b"\x02" in p)
            if not kv.get(b"page", b"").startswith(b"v_toggle"):
                continue
            counts[kv[b"o"].decode()] = counts.get(kv[b"o"].decode(), 0) + int(n)
    return counts


def measure(a, kind, tb, names, load, ffs, workload, wdist):
    tag = f"k{kind}_{workload}" + (f"_{wdist}" if kind else "")
    cov = f"{a.build}/{tag}.cov"
    # the random jobs are alike: 64 of them (2560 x 4R MACs each) settle the figure
    jobs = a.max_jobs if workload == "capture" else min(a.max_jobs, 64)
    args = [tb, "+suite=workload", f"+seed={a.seed}", f"+max_jobs={jobs}", f"+cov={cov}"]
    if workload == "capture":
        args.append(f"+capture={a.capture}")
    if kind:
        args.append(f"+wdist={wdist}")
    log = f"{a.build}/{tag}.log"
    if run(args, log) != 0:
        sys.exit(f"gate_energy: the bench failed, see {log}")
    text = open(log).read()
    m = re.search(r"workload: (\d+) jobs, (\d+) MACs, (\d+) cycles, (\d+) bench cycles", text)
    if not m or "PASS" not in text:
        sys.exit(f"gate_energy: no workload figures in {log}")
    jobs, macs, cycles, bench_cycles = map(int, m.groups())
    counts = parse_cov(cov)
    seen, tog, sw = set(), 0, 0
    for name, c in counts.items():
        bit = names.get(name)
        if bit is None or bit in seen:
            continue          # not a net of the netlist, or an alias already counted
        seen.add(bit)
        tog += c
        sw += c * load.get(bit, 1)
    # Verilator counts no toggles on a clock: two a cycle into every flip-flop and the driver.
    clock_bit = names["clk_i"]
    seen.add(clock_bit)
    clk = 2 * bench_cycles * (ffs + 1)
    missing = len(set(names.values()) - seen)
    if missing > len(seen) // 100:
        sys.exit(f"gate_energy: {missing} of {len(seen) + missing} net bits have no toggle counter ({cov})")
    return dict(workload=workload, wdist=wdist if kind else "trits", jobs=jobs, macs=macs,
                cycles=cycles, bench_cycles=bench_cycles, toggles=tog, switched=sw + clk, clock=clk,
                per_mac=(sw + clk) / macs, data_per_mac=sw / macs, bits=len(seen))


def run_all(a):
    """Both arrays on every workload: the figures as a dict (also what --out writes)."""
    os.makedirs(a.build, exist_ok=True)
    workloads = (["capture"] if a.capture else []) + ["random"]
    res = {"method": __doc__.split("\n\n")[2], "seed": a.seed, "max_jobs": a.max_jobs, "arrays": []}
    for kind in (0, 1):
        vfile, jfile, stat, script = netlist(a, kind)
        names, load, ffs = loads(jfile)
        tr = re.search(r"Estimated number of transistors:\s+(\d+)", stat)
        tb = build_bench(a, kind, vfile)
        runs = [measure(a, kind, tb, names, load, ffs, w, d)
                for w in workloads for d in (("gauss", "trits") if kind else ("trits",))]
        res["arrays"].append(dict(kind=kind, transistors=int(tr.group(1)) if tr else 0, ffs=ffs,
                                  nets=len(set(names.values())), script=script, runs=runs))
        for r in runs:
            print(f"gate_energy: {'int8' if kind else 'ternary'} {r['workload']} weights {r['wdist']}: "
                  f"{r['jobs']} jobs, {r['macs']} MACs, {r['cycles']} cycles; {r['toggles']} toggles, "
                  f"switched load {r['per_mac']:.1f} per MAC ({r['data_per_mac']:.1f} without the clock)")
    return res


def add_args(ap):
    ap.add_argument("--verilator", default="verilator")
    ap.add_argument("--cmlib", default=os.path.join(ROOT, "build", "cmodel", "libterncmodel.a"))
    ap.add_argument("--capture", help="a tern capture file (tern run --capture)")
    ap.add_argument("--max-jobs", type=int, default=400)
    ap.add_argument("--energy-seed", dest="seed", type=int, default=1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--yosys", required=True)
    ap.add_argument("--rtl", nargs="+", required=True)
    ap.add_argument("--build", required=True)
    ap.add_argument("--out", required=True)
    add_args(ap)
    a = ap.parse_args()
    res = run_all(a)
    with open(a.out, "w") as f:
        json.dump(res, f, indent=1)
    print(f"gate_energy: wrote {a.out}")


if __name__ == "__main__":
    main()
