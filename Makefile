# SPDX-License-Identifier: Apache-2.0
# tern: ternary (BitNet b1.58) MAC array, its bit-exact C golden model and Verilator benches.
# `make help` lists the targets. Tools are overridable: make VERILATOR=/opt/v/bin/verilator ...
VERILATOR ?= verilator
YOSYS     ?= yosys
PYTHON    ?= python3
CC        ?= cc
BUILD     ?= build
JOBS      ?= 5000
SEED      ?=

export VERILATOR YOSYS
ABS_BUILD := $(abspath $(BUILD))
SIM_TB    := $(ABS_BUILD)/sim/default/array_tb
SEED_ARG  := $(if $(SEED),+seed=$(SEED))
# Test-only Python packages (numpy, gguf) live in a venv under build/ (tools/deps.sh py).
PYVENV    := $(ABS_BUILD)/pyenv/bin/python
# The suites `make check` and `make test` run, their tiers and commands (tools/run_tests.sh).
SUITES    := tests/suites.txt
# Other geometries the RTL and bench are built and tested at (rows x lanes): those of the
# suite file's rtl-RxL suites, so that adding one there builds it here.
ALT_GEOMS := $(shell sed -n 's/^rtl-\([0-9]*x[0-9]*\)[[:space:]].*/\1/p' $(SUITES))
# tools/run_tests.sh's suite file and the variables its commands use (shell variables, not
# exported: the tests' environment stays what make gives it).
SUITE_ARGS = --suites $(SUITES) --var ABS_BUILD=$(ABS_BUILD) --var BUILD=$(BUILD) \
  --var SEED=$(SEED) --var SEED_ARG=$(SEED_ARG) --var JOBS=$(JOBS) --var PYVENV=$(PYVENV) --var SIM_TB=$(SIM_TB) \
  $(if $(ONLY),--only $(ONLY))

.PHONY: help deps gen check-gen lint cmodel sim device tern check test fuzz demo demo-layer bench bench-model coverage synth compare dse wide clean \
        sim-board bench-board fpga fpga-report postsynth energy-report

help: ## this list
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/' | expand -t 14

deps: ## check (as root: install) the packages the build and tests need
	@tools/deps.sh core

gen: ## regenerate the files made from spec/tern.toml (tools/gen_params.py --list; docs/registers.md)
	$(PYTHON) tools/gen_params.py

check-gen: ## fail if a generated file is stale
	$(PYTHON) tools/gen_params.py --check

lint: deps check-gen ## verilator --lint-only -Wall of rtl/ (several geometries), C built with -Werror, SPDX lines, clang-format
	@bash tests/lint_rtl.sh
	@out=$$(bash tests/test_style.sh); echo "$$out"; ! printf '%s\n' "$$out" | grep -q '^FAIL'
	@$(MAKE) -s -C cmodel BUILD=$(ABS_BUILD) CC=$(CC) lib
	@echo "lint: clean"

cmodel: ## the C golden model library
	@$(MAKE) -s -C cmodel BUILD=$(ABS_BUILD) CC=$(CC) lib

sim: cmodel ## the Verilator bench of the array at the default geometry
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array

sim-%: cmodel
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array device CFG=r$(firstword $(subst x, ,$*))l$(lastword $(subst x, ,$*)) \
	  ROWS=$(firstword $(subst x, ,$*)) LANES=$(lastword $(subst x, ,$*)) TRACE=0

device: cmodel ## the Verilator bench of the device top (CSRs, job engine, AXI4 master, array)
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device

# The one CLI for every device, and the plugins of the simulated devices whose tools are here.
tern: deps cmodel ## build/driver/tern and the devices it loads: tern-rtl.so (Verilator), tern-systemc.so (SystemC)
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) cli plugins
	@echo "tern: built $(BUILD)/driver/tern: run it with --device cpu, cmodel, rtl, systemc, uart:TTY or uart-tcp:HOST:PORT"

# The quick tier of tests/suites.txt: builds only what its suites use (the default-geometry
# benches, the C model tests, the sanitized driver and its rtl link, the systemc library).
check: deps ## quick tests of every layer (C model, driver on each device, lint, short RTL runs, the model): ~20 s once built, <2 min cold
	@echo "tern: building (C model tests, Verilator benches at the default geometry, driver +ASan/UBSan)"
	@$(MAKE) -s sim device
	@$(MAKE) -s -j2 -C cmodel BUILD=$(ABS_BUILD) CC=$(CC) tests
	@$(MAKE) -s -j2 -C driver BUILD=$(ABS_BUILD) CC=$(CC) SAN=1 tests
	@$(MAKE) -s -j2 -C driver BUILD=$(ABS_BUILD) CC=$(CC) SAN=1 rtl
	@if bash tools/deps.sh systemc; then $(MAKE) -s -j2 -C driver BUILD=$(ABS_BUILD) CC=$(CC) systemc \
	  $(ABS_BUILD)/driver/test_bitlinear; \
	  else echo "tern: no SystemC (apt-get install libsystemc-dev): driver-systemc will SKIP"; fi
	@tools/run_tests.sh $(BUILD)/check-logs --tier check $(SUITE_ARGS)

test: deps ## everything: generated files, lint, C model and driver (+ASan/UBSan), RTL vs C model, mutants
	@echo "tern: building (C model, Verilator benches at $(words 1 $(ALT_GEOMS)) geometries)"
	@$(MAKE) -s sim device $(addprefix sim-,$(ALT_GEOMS))
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device-board BOARD=icebreaker TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device-board BOARD=ulx3s TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device-wide TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device CFG=w2x20 ROWS=2 LANES=20 WPORT=8 T5_ROM=0 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device CFG=wm2x20 ROWS=2 LANES=20 WMEM_WORDS=8192 T5_ROM=0 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device CFG=ring2x20 ROWS=2 LANES=20 WPORT=8 WMEM_WORDS=64 T5_ROM=0 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device CFG=ring1x40 ROWS=1 LANES=40 WPORT=8 WMEM_WORDS=64 T5_ROM=0 ACT_BUF=1024 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array CFG=t5logic T5_ROM=0 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array CFG=int8 MAC_KIND=1 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array CFG=free FREE_RUN=1 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array CFG=wtile FREE_RUN=1 WMEM_WORDS=8192 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array CFG=wtbeat ROWS=5 LANES=10 FREE_RUN=1 WMEM_WORDS=8192 WM_BEAT=1 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) csr memctl
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) csr CFG=ardec AR_DECODE_REG=1
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) memctl CFG=piped OUT_REGS=2
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) memctl CFG=req REQ_REG=1
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) wmem TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) wmem CFG=w8 BYTES=8 WORDS=16 TRACE=0
	@$(MAKE) -s -C cmodel BUILD=$(ABS_BUILD) CC=$(CC) tests
	@$(MAKE) -s -C cmodel BUILD=$(ABS_BUILD) CC=$(CC) SAN=1 tests
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) tests
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) SAN=1 tests
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) SAN=1 rtl
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) rtl
	@if bash tools/deps.sh systemc; then $(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) systemc-calib; \
	  else echo "tern: no SystemC (apt-get install libsystemc-dev): the systemc tests will SKIP"; fi
	@bash tools/deps.sh energy >/dev/null || echo "tern: no gnuplot (apt-get install gnuplot-nox): the energy chart check will SKIP"
	@bash tools/deps.sh py $(BUILD)/pyenv || echo "tern: the tests that need numpy/gguf will SKIP"
	@tools/run_tests.sh $(BUILD)/test-logs --tier full $(SUITE_ARGS)

fuzz: ## libFuzzer on the format decoders, the GGUF reader, the tokenizer and the UART protocol (FUZZ_SECONDS each, default 600)
	@BUILD=$(BUILD) bash tests/test_fuzz.sh $(or $(FUZZ_SECONDS),600)

# The built-in model (models/, docs/model.md) generating text with every BitLinear on the
# Verilated device RTL, each checked against the C golden model as it runs. The simulated device
# is the default array of spec/tern.toml, which the ULX3S board carries: its device-bound tokens/s
# are given at that board's clock (both from fpga/boards/ulx3s/board.mk; the boards: docs/boards.md).
DEMO_MODEL  ?= models/tern-kjv.gguf
DEMO_PROMPT ?= And God said
DEMO_N      ?= 48
DEMO_SAMPLE ?= --temp 0.7 --top-k 40 --seed 2
include fpga/boards/ulx3s/board.mk mk/workloads.mk
DEMO_CLOCKS ?= ulx3s=$(BOARD_FREQ)
demo: deps cmodel ## the built-in BitNet model generating text on the simulated accelerator, checked against the C model
	@test -f $(DEMO_MODEL) || { echo "tern: $(DEMO_MODEL) is missing (it is committed; see docs/model.md)"; exit 1; }
	@echo "tern: building the CLI and the Verilated device (build/driver/tern, tern-rtl.so)"
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) cli rtl
	@echo "tern: $(DEMO_MODEL) on --device rtl, every BitLinear checked against the C model (--check)"
	@printf '%s' "$(DEMO_PROMPT)"
	@$(ABS_BUILD)/driver/tern run -m $(DEMO_MODEL) -p "$(DEMO_PROMPT)" -n $(DEMO_N) $(DEMO_SAMPLE) --device rtl \
	  --check --stats --clock-mhz $(DEMO_CLOCKS)

demo-layer: deps sim ## one 2B4T-shaped BitLinear (hidden -> FFN, spec/tern.toml [workloads]) on the RTL array and the C model
	@$(SIM_TB) +suite=demo +k=$(W_2B4T_HIDDEN) +n=$(W_2B4T_FFN)

BENCH_MODEL := $(BUILD)/bench/2b4t-random.gguf
bench: deps sim device ## array/device throughput at 2B4T shapes; cpu kernels vs memory bandwidth; 2B4T-shaped model tok/s
	@$(SIM_TB) +suite=bench
	@$(ABS_BUILD)/sim/device/device_tb +suite=bench
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device-wide TRACE=0
	@$(ABS_BUILD)/sim/wide-device/device_tb +suite=bench
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) bench
	@$(ABS_BUILD)/driver/bench_stream
	@$(ABS_BUILD)/driver/bench_ternary
	@$(MAKE) -s bench-model

# The 2B4T-shaped model with random ternary weights (1.2 GB, ~20 s) is made on first use and
# kept in build/bench/; never in CI.
$(BENCH_MODEL):
	@bash tools/deps.sh py $(BUILD)/pyenv || { echo "tern: bench-model needs numpy (tools/deps.sh py)"; exit 1; }
	@echo "tern: generating $@ (2B4T shapes, random I2_S weights; once)"
	@mkdir -p $(dir $@)
	@$(PYVENV) tools/gen_test_model.py --2b4t-shape --quiet --out $@.tmp && mv $@.tmp $@

bench-model: $(BENCH_MODEL) ## decode and prefill tok/s of the 2B4T-shaped random model on the cpu backend
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) bench
	@$(ABS_BUILD)/driver/bench_model -m $(BENCH_MODEL)

coverage: deps cmodel ## Verilator line and toggle coverage of rtl/ over the test suites
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) array CFG=cov COVERAGE=1 TRACE=0
	@rm -rf $(BUILD)/cov && mkdir -p $(BUILD)/cov
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) csr CFG=cov COVERAGE=1 TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) device CFG=cov COVERAGE=1 TRACE=0
	@$(ABS_BUILD)/sim/cov/array_tb +jobs=2000 +seed=1 +coverage=$(ABS_BUILD)/cov/run | grep -E '^(PASS|FAIL)'
	@$(ABS_BUILD)/sim/cov-csr/csr_tb +seed=1 +coverage=$(ABS_BUILD)/cov/run | grep -E '^(PASS|FAIL)'
	@$(ABS_BUILD)/sim/cov-device/device_tb +jobs=600 +seed=1 +coverage=$(ABS_BUILD)/cov/run | grep -E '^(PASS|FAIL)'
	@verilator_coverage --write $(BUILD)/cov/merged.dat $(BUILD)/cov/run.*.dat
	@verilator_coverage --annotate $(BUILD)/cov/annotated --annotate-min 1 $(BUILD)/cov/merged.dat >/dev/null
	@$(PYTHON) tools/coverage_report.py $(BUILD)/cov/merged.dat --min-line 95 --markdown $(BUILD)/cov/report.md
	@echo "coverage: report in $(BUILD)/cov/report.md, annotated sources in $(BUILD)/cov/annotated/"

# Board bitstreams (fpga/common.mk, fpga/boards/<board>/): make fpga BOARD=icebreaker|ulx3s, or
# both boards then docs/fpga.md. The build fails (no bitstream) when a board misses its clock.
fpga: ## bitstream(s) of the board tops (BOARD=icebreaker|ulx3s; none: both, then fpga-report)
	@$(MAKE) --no-print-directory -C fpga fpga

energy-report: deps ## docs/energy.md and its charts (docs/energy/): the 2B4T shape counted and costed (cpu, tern devices, on-chip weights)
	@tools/deps.sh energy
	@BUILD=$(BUILD) bash tools/energy_report.sh

# make dse: the points (chip:RxL:tT_MAX[:PARAM=VALUE]) built as board builds at one nextpnr seed;
# the counts costed at each are the energy report's (a 2B4T-shaped model made in memory, the
# shipped model). From 8 x 40 on the ULX3S board's 256 KB RAM and T5 tables no longer fit the
# 85F's 208 block RAMs beside the array's buffers: those points take a 64 KB board RAM.
DSE_POINTS ?= ice40:1x5:t1,ice40:1x10:t1,ecp5:2x20:t8,ecp5:4x20:t8,ecp5:4x40:t8,ecp5:8x40:t8:MEM_BYTES=65536
DSE_SEED   ?= 1
DSE_WORK   := $(ABS_BUILD)/dse
dse: deps cmodel ## design-space exploration: the device built on the boards' chips at several array sizes (LUT, FF, BRAM, Fmax measured), then tokens/s and J/token of each: docs/dse.md, docs/dse/
	@tools/deps.sh synth
	@tools/deps.sh fpga-ecp5 $(ABS_BUILD)/fpga-venv
	@tools/deps.sh energy
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) cli
	@mkdir -p $(DSE_WORK)
	$(ABS_BUILD)/driver/tern run -m synth:2b4t,zero=0.3333333333,seed=1 --tokens 1,2,3,4,5,6,7,8 -n 9 \
	  --device cpu --counts $(DSE_WORK)/2b4t.txt -q >/dev/null
	$(ABS_BUILD)/driver/tern run -m $(DEMO_MODEL) -p "And God said" -n 17 --ignore-eos --temp 0 \
	  --device cpu --counts $(DSE_WORK)/kjv.txt -q >/dev/null
	python3 fpga/scripts/dse.py --points $(DSE_POINTS) --seed $(DSE_SEED) --out-dir docs/dse \
	  --doc docs/dse.md --work $(DSE_WORK) --tern $(ABS_BUILD)/driver/tern \
	  --counts 2b4t=$(DSE_WORK)/2b4t.txt --counts kjv=$(DSE_WORK)/kjv.txt --fpga-venv $(ABS_BUILD)/fpga-venv

fpga-report: ## docs/fpga.md (LUTs, FFs, RAMs, Fmax per board) from the board builds in fpga/build/
	@$(MAKE) --no-print-directory -C fpga fpga-report

postsynth: deps cmodel ## gate-level simulation of the iCE40 netlist of the MAC array against the C model
	@bash tests/test_postsynth.sh $(SEED)

wide: ## the wide profile (640 MACs, a 128-byte weight port) built out of context on the ECP5-85F at seeds 1-3: its section of docs/fpga.md
	@tools/deps.sh fpga-ecp5 $(ABS_BUILD)/fpga-venv
	@$(MAKE) -C fpga wide FPGA_VENV=$(ABS_BUILD)/fpga-venv

synth: ## Yosys + nextpnr figures of the array (iCE40 UP5K and ECP5-85F) into docs/synthesis.md
	@tools/deps.sh synth
	@tools/deps.sh fpga-ecp5 $(ABS_BUILD)/fpga-venv
	@$(MAKE) -C fpga synth FPGA_VENV=$(ABS_BUILD)/fpga-venv

# The switching study replays the built-in model's BitLinear calls: one greedy run captured.
COMPARE_CAPTURE := $(ABS_BUILD)/capture/kjv-compare.cap
compare: deps cmodel ## the ternary array against its int8 x int8 baseline (area, Fmax, gate-level switching) into docs/ternary-vs-int8.md
	@tools/deps.sh synth
	@tools/deps.sh fpga-ecp5 $(ABS_BUILD)/fpga-venv
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) cli
	@mkdir -p $(dir $(COMPARE_CAPTURE))
	$(ABS_BUILD)/driver/tern run -m $(DEMO_MODEL) --device cpu --temp 0 -n 4 -q \
	  -p "In the beginning God created the heaven and the earth." --capture $(COMPARE_CAPTURE) >/dev/null
	@$(MAKE) -C fpga compare FPGA_VENV=$(ABS_BUILD)/fpga-venv CAPTURE=$(COMPARE_CAPTURE) \
	  CMLIB=$(ABS_BUILD)/cmodel/libterncmodel.a

# A board top (fpga/boards/$(BOARD)/) under Verilator, its UART on a TCP port: the same driver
# reaches it as it reaches a board (docs/boards.md). One client; the bench exits when it leaves.
BOARD ?= icebreaker
PORT  ?= 0
sim-board: deps cmodel ## the board top (BOARD=icebreaker|ulx3s) under Verilator, its UART on TCP (PORT=0: any)
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) board BOARD=$(BOARD) TRACE=0
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) cli
	@echo "tern: connect with: $(BUILD)/driver/tern run -m models/tern-kjv.gguf -p 'And God said' --device uart-tcp:127.0.0.1:PORT"
	@$(ABS_BUILD)/sim/board-$(BOARD)/board_tb +tcp=$(PORT)

bench-board: deps cmodel ## tokens/s each board's UART allows (simulated boards, the shipped model)
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) board BOARD=icebreaker TRACE=0
	@$(MAKE) -s -C sim BUILD=$(ABS_BUILD) board BOARD=ulx3s TRACE=0
	@$(MAKE) -s -C driver BUILD=$(ABS_BUILD) CC=$(CC) cli
	@BUILD=$(BUILD) tools/bench_board.sh

clean: ## remove build outputs
	rm -rf $(BUILD) fpga/build
