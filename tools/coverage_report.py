#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Summarise a Verilator coverage file: line (incl. branch) and toggle coverage per rtl/ file,
and list every uncovered line point with its source text.

Usage: tools/coverage_report.py MERGED.dat [--min-line PCT] [--markdown FILE]
Exits 1 if line coverage is below --min-line. Offline tool (standard library only).
"""
import argparse
import collections
import os
import sys


def parse(path):
    points = []
    with open(path, encoding="utf-8", errors="replace") as f:
        for raw in f:
            if not raw.startswith("C '"):
                continue
            key, _, count = raw.rstrip("\n").rpartition("' ")
            fields = {}
            for item in key[3:].split("\x01"):
                if "\x02" in item:
                    k, v = item.split("\x02", 1)
                    fields[k] = v
            points.append((fields, int(count)))
    return points


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("dat")
    ap.add_argument("--min-line", type=float, default=0.0)
    ap.add_argument("--markdown")
    args = ap.parse_args()
    pts = parse(args.dat)
    # Points from several instances of one module (rows) count once: key by file, line, column, kind.
    merged = collections.OrderedDict()
    for fl, cnt in pts:
        page = fl.get("page", "")
        kind = "toggle" if "toggle" in page else "line"
        key = (fl.get("f", "?"), int(fl.get("l", 0)), fl.get("n", ""), kind, fl.get("o", ""))
        merged[key] = merged.get(key, 0) + cnt
    per_file = collections.defaultdict(lambda: {"line": [0, 0], "toggle": [0, 0]})
    uncovered = []
    for (f, line, col, kind, comment), cnt in merged.items():
        name = os.path.relpath(f)
        per_file[name][kind][1] += 1
        if cnt > 0:
            per_file[name][kind][0] += 1
        elif kind == "line":
            uncovered.append((name, line, comment))
    tot = {"line": [0, 0], "toggle": [0, 0]}
    rows = []
    for name in sorted(per_file):
        d = per_file[name]
        for k in tot:
            tot[k][0] += d[k][0]
            tot[k][1] += d[k][1]
        rows.append((name, d))

    def pct(c):
        return 100.0 * c[0] / c[1] if c[1] else 100.0

    lines = ["| file | line + branch points | toggle points |", "|---|---|---|"]
    for name, d in rows:
        lines.append("| `%s` | %d/%d (%.1f%%) | %d/%d (%.1f%%) |" % (
            name, d["line"][0], d["line"][1], pct(d["line"]), d["toggle"][0], d["toggle"][1], pct(d["toggle"])))
    lines.append("| **total** | %d/%d (**%.1f%%**) | %d/%d (**%.1f%%**) |" % (
        tot["line"][0], tot["line"][1], pct(tot["line"]), tot["toggle"][0], tot["toggle"][1], pct(tot["toggle"])))
    lines.append("")
    if uncovered:
        lines.append("Uncovered line points:")
        lines.append("")
        for name, line, comment in sorted(set(uncovered)):
            try:
                src = open(name).read().splitlines()[line - 1].strip()
            except (OSError, IndexError):
                src = "?"
            lines.append("- `%s:%d` (%s): `%s`" % (name, line, comment, src))
    else:
        lines.append("No uncovered line or branch points.")
    text = "\n".join(lines) + "\n"
    sys.stdout.write(text)
    if args.markdown:
        with open(args.markdown, "w") as f:
            f.write(text)
    if pct(tot["line"]) < args.min_line:
        sys.stderr.write("line coverage %.1f%% is below %.1f%%\n" % (pct(tot["line"]), args.min_line))
        sys.exit(1)


if __name__ == "__main__":
    main()
