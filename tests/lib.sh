# SPDX-License-Identifier: Apache-2.0
# Shared by the test scripts (source it after cd to the repo root).
#
# skip_tool NAME WHY: NAME cannot run because a tool, a package or a build product it needs is
# missing (WHY says which, and how to get it). On a developer's machine that is a SKIP line. Under
# CI=true it is a FAIL line: .ci/run installs every tool the suite uses and `make test` builds
# every product, so a missing one there is a broken install or build step, which must not pass as
# a skip. (A test that does not apply here for another reason, such as a CPU feature, prints a
# plain SKIP.)
skip_tool() {
  if [ "${CI:-}" = true ]; then
    echo "FAIL $1: $2 (CI=true: .ci/run installs every tool and make test builds every product, so this is a broken step)"
  else
    echo "SKIP $1: $2"
  fi
}
