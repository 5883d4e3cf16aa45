# SPDX-License-Identifier: Apache-2.0
"""The include graph follows the layers (docs/architecture.md):

    cmodel  <-  driver core  <-  transports  <-  host model + CLI        (product code)
    sim/, tests/, */tests/, driver/bench/                                (tests and benches)

Product code may include only its own layer and the layers below it; nothing in the product
includes from sim/ or tests/. A quoted include is resolved by its name against the tracked
files; names that match no tracked file are generated or external (Vtern_device.h, ...).

    python3 tools/check_layers.py      prints one line per violation, exits 1 if any
"""
import os
import re
import subprocess
import sys

# layer -> the folders its files live in (first match wins: longer prefixes first)
LAYERS = [
    ("cmodel", ("cmodel/src/", "cmodel/include/")),
    ("core", ("driver/src/", "driver/include/")),
    ("transports", ("driver/transports/",)),
    ("cli", ("driver/cli/",)),
]
RANK = {name: i for i, (name, _) in enumerate(LAYERS)}
# The one place a lower layer names a higher one: the driver's table of transports
# (driver/src/transport.c) names each transport's open function, so that one binary opens every device.
SEAMS = {("driver/src/transport.c", "transports")}

INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def layer_of(path):
    for name, dirs in LAYERS:
        if any(path.startswith(d) for d in dirs):
            return name
    return None  # tests, benches, tools: not product code


def main():
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                          check=True).stdout.strip()
    os.chdir(root)
    files = subprocess.run(["git", "ls-files", "*.c", "*.h", "*.cpp", "*.hpp"], capture_output=True,
                           text=True, check=True).stdout.split()
    by_name = {}
    for f in files:
        by_name.setdefault(os.path.basename(f), []).append(f)
    bad = []
    checked = 0
    for f in files:
        mine = layer_of(f)
        if mine is None:
            continue
        with open(f, encoding="utf-8", errors="replace") as fh:
            text = fh.read()
        for inc in INCLUDE.findall(text):
            checked += 1
            here = os.path.normpath(os.path.join(os.path.dirname(f), inc))
            cands = [here] if here in files else by_name.get(os.path.basename(inc), [])
            if not cands:
                continue  # generated or external
            ok = False
            for c in cands:
                lc = layer_of(c)
                if lc is not None and (RANK[lc] <= RANK[mine] or (f, lc) in SEAMS):
                    ok = True
            if not ok:
                where = ", ".join(sorted(cands))
                bad.append(f"{f}: includes \"{inc}\" ({where}): not in its layer ({mine}) or below")
    for b in bad:
        print(b)
    print(f"check_layers: {checked} includes of product code, {len(bad)} against the layers")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
