#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Repository style that a tool can check: every tracked source file carries the SPDX line of
# LICENSE (tools/spdx.py), and every C and C++ file is laid out as .clang-format says
# (clang-format --dry-run --Werror; apt-get install clang-format). One PASS/FAIL/SKIP line each.
set -u
cd "$(dirname "$0")/.."
. tests/lib.sh
if out=$(python3 tools/spdx.py --check 2>&1); then
  echo "PASS style/spdx: every source file has its SPDX-License-Identifier line"
else
  echo "FAIL style/spdx: $(printf '%s\n' "$out" | head -n 5 | tr '\n' ' ')($(printf '%s\n' "$out" | wc -l) files)"
fi
# the include graph follows the layers (tools/check_layers.py); and the check sees a violation
if out=$(python3 tools/check_layers.py 2>&1); then
  echo "PASS style/layers: $(printf '%s\n' "$out" | tail -n 1 | sed 's/^check_layers: //')"
else
  echo "FAIL style/layers: $(printf '%s\n' "$out" | head -n 3 | tr '\n' ' ')"
fi
neg=$(mktemp -d)
mkdir -p "$neg/driver/src" "$neg/tests/common" "$neg/cmodel/src" "$neg/driver/cli"
echo '#include "tern_test.h"' >"$neg/driver/src/a.c"
echo '#include "cli.h"' >"$neg/cmodel/src/b.c"
touch "$neg/tests/common/tern_test.h" "$neg/driver/cli/cli.h"
out=$(cd "$neg" && git init -q && git add . && python3 "$OLDPWD/tools/check_layers.py" 2>&1)
rc=$?
rm -rf "$neg"
if [ $rc -eq 1 ] && printf '%s\n' "$out" | grep -q '^driver/src/a.c: includes "tern_test.h"' &&
  printf '%s\n' "$out" | grep -q '^cmodel/src/b.c: includes "cli.h"'; then
  echo "PASS style/layers-sees-violations: a core file including tests/ and a C model file including the CLI are both reported"
else
  echo "FAIL style/layers-sees-violations: rc $rc: $(printf '%s' "$out" | head -c 300)"
fi
CLANG_FORMAT=${CLANG_FORMAT:-clang-format}
if ! command -v "$CLANG_FORMAT" >/dev/null 2>&1; then
  skip_tool style/clang-format "clang-format not installed (apt-get install clang-format)"
  exit 0
fi
# generated files ("do not edit" in their first lines) are laid out by their generators
mapfile -t files < <(git ls-files '*.c' '*.h' '*.cpp' '*.hpp' | while read -r f; do
  head -n 3 "$f" | grep -q 'do not edit' || echo "$f"; done)
if out=$("$CLANG_FORMAT" --dry-run --Werror "${files[@]}" 2>&1); then
  echo "PASS style/clang-format: ${#files[@]} C and C++ files as .clang-format lays them out ($("$CLANG_FORMAT" --version | sed 's/.*version //'))"
else
  bad=$(printf '%s\n' "$out" | grep -o '^[^:]*:[0-9]*:[0-9]*: error' | cut -d: -f1 | sort -u)
  echo "FAIL style/clang-format: $(printf '%s\n' "$bad" | wc -l) files differ from .clang-format (clang-format -i FILE): $(printf '%s ' $bad | head -c 300)"
fi
