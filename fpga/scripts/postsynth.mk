# SPDX-License-Identifier: Apache-2.0
# fpga/scripts/postsynth.mk: post-synthesis (gate-level) simulation of the MAC array.
#
#   make -C fpga postsynth      (= make -f scripts/postsynth.mk from fpga/)
#
# Yosys synthesises rtl/tern_mac_array.v as the iCEBreaker build does (synth_ice40 with the
# options of fpga/ice40_synth.mk, the board's ROWS/LANES given with hierarchy -chparam, no
# multiplier or DSP cell allowed) and
# writes the gate-level netlist (SB_LUT4 / SB_CARRY / SB_DFF* / SB_RAM40_4K instances,
# write_verilog -noattr; the RAMs' unused initial bits, x in Yosys, are written as 0, which
# Verilator 5.006 needs).
# Verilator builds the unchanged array bench, sim/verilator/array_tb.cpp, against that netlist
# and Yosys' simulation models of the iCE40 cells, then runs random jobs and the directed
# suites against the C golden model: PASS/FAIL lines, non-zero exit on a failure.
#
# Overridable: ROWS, LANES (default: the iCEBreaker build's, fpga/boards/icebreaker/Makefile),
# T_MAX (default: the array's), JOBS (random jobs, 200), SEED (1), SUITES (random directed),
# YOSYS, VERILATOR, YOSYS_DATDIR (where ice40/cells_sim.v is).
# MUTATE=N simulates a copy of the netlist whose N-th SB_LUT4 has its truth table inverted (in
# fpga/build/postsynth/<cfg>-mutN/): the bench must then FAIL, which shows that it really runs
# the gate-level netlist (tests/test_postsynth.sh checks this).

ROOT   := $(abspath $(dir $(lastword $(MAKEFILE_LIST)))/../..)
include $(ROOT)/fpga/ice40_synth.mk
YOSYS     ?= yosys
VERILATOR ?= verilator
JOBS      ?= 200
SEED      ?= 1
SUITES    ?= random directed

# The geometry of the board build, asked of its Makefile once (not on every reference).
board_var = $(shell $(MAKE) -s --no-print-directory -C $(ROOT)/fpga/boards/icebreaker print-var VAR=$(1) 2>/dev/null)
ifeq ($(origin ROWS),undefined)
  ROWS := $(call board_var,ROWS)
endif
ifeq ($(origin LANES),undefined)
  LANES := $(call board_var,LANES)
endif
ifeq ($(origin T_MAX),undefined)
  T_MAX := $(call board_var,T_MAX)
endif
ifeq ($(ROWS)$(LANES),)
  $(error postsynth: no ROWS/LANES (fpga/boards/icebreaker/Makefile print-var failed); give ROWS= LANES=)
endif

# Yosys' data directory: yosys-config (Debian: yosys-dev) or beside the binary (/usr/share/yosys).
YOSYS_DATDIR ?= $(shell yosys-config --datdir 2>/dev/null || \
  d=$$(dirname "$$(readlink -f "$$(command -v $(YOSYS))")")/../share/yosys; [ -d "$$d" ] && cd "$$d" && pwd)
CELLS_SIM := $(YOSYS_DATDIR)/ice40/cells_sim.v

MUTATE  ?=
CFG     := r$(ROWS)l$(LANES)$(if $(T_MAX),t$(T_MAX))
SYN     := $(ROOT)/fpga/build/postsynth/$(CFG)
OUT     := $(SYN)$(if $(MUTATE),-mut$(MUTATE))
GATES   := $(SYN)/tern_mac_array_gates.v
NETLIST := $(OUT)/tern_mac_array_gates.v
RTL     := $(sort $(wildcard $(ROOT)/rtl/tern_*.v))
CMLIB   := $(ROOT)/build/cmodel/libterncmodel.a
SIMDIR  := $(ROOT)/sim/verilator

PARAMS  := ROWS=$(ROWS) LANES=$(LANES) $(if $(T_MAX),T_MAX=$(T_MAX))
CHPARAM := $(foreach p,$(PARAMS),-chparam $(word 1,$(subst =, ,$(p))) $(word 2,$(subst =, ,$(p))))
# The bench's geometry must match the netlist's: the same -D switches sim/Makefile passes.
GEOM_C  := -DTB_ROWS=$(ROWS) -DTB_LANES=$(LANES) $(if $(T_MAX),-DTB_T_MAX=$(T_MAX))

YOSYS_SCRIPT := read_verilog -I$(ROOT)/rtl $(RTL); \
  hierarchy -check -top tern_mac_array $(CHPARAM); proc; flatten; opt -fast; \
  select -assert-none t:$$mul t:$$macc t:$$div t:$$mod t:$$divfloor t:$$modfloor t:$$pow; \
  synth_ice40 $(ICE40_SYNTH_OPTS) -top tern_mac_array; \
  select -assert-none t:SB_MAC16 t:$$mul t:$$macc t:$$__MUL*; \
  tee -q -o $(SYN)/stat.txt stat; setundef -zero -params; write_verilog -noattr $(GATES)

# As sim/Makefile builds the RTL bench, plus: --no-timing (the cell models' delays and
# specify blocks), NO_ICE40_DEFAULT_ASSIGNMENTS (Verilator 5.006 cannot parse the models'
# default values of input ports; the netlist connects every input it uses), the waivers of postsynth.vlt for the cell library and the generated netlist
# (warnings there are not the design's), and a plain -O1 for the large flat netlist.
VFLAGS := --cc --exe --build -j 2 --top-module tern_mac_array --no-timing -DNO_ICE40_DEFAULT_ASSIGNMENTS \
  --x-assign unique --x-initial unique --trace \
  -CFLAGS "-std=gnu++17 -O2 -I$(ROOT)/cmodel/include -I$(ROOT)/tests/common -I$(SIMDIR) $(GEOM_C)" \
  -LDFLAGS "$(CMLIB) -lm" -MAKEFLAGS "OPT_FAST=-O1 OPT_SLOW=-O1 OPT_GLOBAL=-O1"

.PHONY: postsynth netlist bench
postsynth: $(OUT)/array_tb
	@echo "postsynth: gate-level tern_mac_array $(ROWS)x$(LANES)$(if $(T_MAX), T_MAX=$(T_MAX)) ($(NETLIST))"
	@rc=0; for s in $(SUITES); do \
	  $(OUT)/array_tb +suite=$$s +jobs=$(JOBS) +seed=$(SEED) 2>&1 | sed 's/^\(PASS\|FAIL\) rtl\//\1 postsynth\//'; \
	  [ $${PIPESTATUS[0]} -eq 0 ] || rc=1; done; exit $$rc
netlist: $(NETLIST)
bench: $(OUT)/array_tb

# `bash` for PIPESTATUS above.
SHELL := /bin/bash

$(SYN)/cfg.txt: FORCE
	@mkdir -p $(SYN)
	@echo '$(YOSYS_SCRIPT)' >$@.tmp; if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv $@.tmp $@; fi
.PHONY: FORCE

$(GATES): $(RTL) $(ROOT)/rtl/tern_params.vh $(SYN)/cfg.txt
	@command -v $(YOSYS) >/dev/null 2>&1 || { echo "postsynth: '$(YOSYS)' not found; install it: sudo apt-get install yosys (or tools/deps.sh synth as root)"; exit 1; }
	$(YOSYS) -q -l $(SYN)/yosys.log -p '$(YOSYS_SCRIPT)' \
	  || { echo "postsynth: Yosys failed, see $(SYN)/yosys.log"; rm -f $@; exit 1; }

ifneq ($(MUTATE),)
# The N-th LUT_INIT(16'hXXXX) of the netlist, inverted.
$(NETLIST): $(GATES)
	@mkdir -p $(OUT)
	awk -v n=$(MUTATE) 'match($$0, /LUT_INIT\(16.h[0-9a-fA-F]+\)/) && ++k == n { \
	    h = "0123456789abcdef"; v = tolower(substr($$0, RSTART + 13, RLENGTH - 14)); x = ""; \
	    for (i = 1; i <= length(v); i++) x = x substr(h, 16 - index(h, substr(v, i, 1)) + 1, 1); \
	    $$0 = substr($$0, 1, RSTART + 12) x substr($$0, RSTART + RLENGTH - 1); done = 1 } { print } \
	  END { if (!done) { print "postsynth: the netlist has no LUT number " n > "/dev/stderr"; exit 1 } }' $< >$@.tmp
	mv $@.tmp $@
	@diff $< $@ | sed -n 's/^> */postsynth: mutated: /p'
endif

$(OUT)/array_tb: $(NETLIST) $(SIMDIR)/array_tb.cpp $(SIMDIR)/tb.h $(ROOT)/fpga/scripts/postsynth.vlt $(CMLIB)
	@[ -f "$(CELLS_SIM)" ] || { echo "postsynth: the iCE40 cell models ($(CELLS_SIM)) are missing: Yosys' data directory not found (give YOSYS_DATDIR=)"; exit 1; }
	@command -v $(VERILATOR) >/dev/null 2>&1 || { echo "postsynth: '$(VERILATOR)' not found; run tools/deps.sh core"; exit 1; }
	$(VERILATOR) $(VFLAGS) --Mdir $(OUT)/obj -o $(OUT)/array_tb \
	  $(ROOT)/fpga/scripts/postsynth.vlt $(CELLS_SIM) $(NETLIST) $(SIMDIR)/array_tb.cpp >$(OUT)/build.log 2>&1 \
	  || { tail -n 30 $(OUT)/build.log; echo "postsynth: Verilator failed, see $(OUT)/build.log"; exit 1; }

$(CMLIB):
	$(MAKE) -C $(ROOT)/cmodel BUILD=$(ROOT)/build lib
