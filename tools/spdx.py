#!/usr/bin/env python3
"""Every source file of the repository carries `SPDX-License-Identifier: Apache-2.0` (LICENSE).

  tools/spdx.py --check     list the tracked source files without the line; exit 1 if any
  tools/spdx.py --add       add the line where it is missing, in the file's comment syntax

Source files: C, C++, Verilog, Python, shell, make, TOML, Verilator control files, the pin files
and .gitignore (git ls-files). The line goes first, or after a shebang line. Generated files get
it from their generators (tools/gen_params.py, tools/gen_unicode_tables.py).
"""
import os
import subprocess
import sys

TAG = "SPDX-License-Identifier: Apache-2.0"
SLASH = (".c", ".h", ".cpp", ".hpp", ".v", ".vh", ".sv", ".vlt")
HASH = (".py", ".sh", ".mk", ".toml", ".pcf", ".lpf", ".gitignore")
HASH_NAMES = ("Makefile", "run")  # .ci/run


def style(path):
    base = os.path.basename(path)
    if path.endswith((".c", ".h")):
        return "/* %s */" % TAG
    if path.endswith(SLASH):
        return "// %s" % TAG
    if path.endswith(HASH) or base in HASH_NAMES:
        return "# %s" % TAG
    return None


def files():
    out = subprocess.run(["git", "ls-files", "-z"], capture_output=True, check=True).stdout.decode()
    return [f for f in out.split("\0") if f and style(f) and os.path.isfile(f)]


def has_tag(text):
    return TAG in "\n".join(text.split("\n")[:5])


def main(argv):
    if len(argv) != 2 or argv[1] not in ("--check", "--add"):
        sys.stderr.write("usage: tools/spdx.py --check | --add\n")
        return 2
    os.chdir(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    missing = []
    for f in files():
        with open(f, encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
        if has_tag(text):
            continue
        missing.append(f)
        if argv[1] == "--add":
            line = style(f) + "\n"
            if text.startswith("#!"):
                nl = text.index("\n") + 1
                text = text[:nl] + line + text[nl:]
            else:
                text = line + text
            with open(f, "w", encoding="utf-8", errors="surrogateescape") as fh:
                fh.write(text)
    if argv[1] == "--check" and missing:
        for f in missing:
            print("%s: no '%s' line in its first 5 lines (tools/spdx.py --add)" % (f, TAG))
        return 1
    if argv[1] == "--add":
        print("tools/spdx.py: added the line to %d files" % len(missing))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
