# SPDX-License-Identifier: Apache-2.0
# The iCE40 synthesis options, shared by the board flow (fpga/common.mk) and the post-synthesis
# simulation (fpga/scripts/postsynth.mk), so the gate-level netlist that is simulated is mapped
# the way the bitstream's is. -abc9 -dff: ABC9's timing-driven mapping with the flip-flops
# visible to it (about 2 MHz more and 100 fewer logic cells on the iCEBreaker top than plain ABC).
# -dffe_min_ce_use 8: a clock enable that would drive fewer than 8 flip-flops goes into their
# LUTs instead. The 8 logic cells of an iCE40 tile share one clock enable and one set/reset
# net, so each small enable group blocks a tile; on the iCEBreaker top (86% of the cells) this
# takes the control sets from 172 to 112, and nextpnr then places every seed tried (it failed
# on most seeds without it) in seconds instead of minutes.
ICE40_SYNTH_OPTS := -spram -dsp -abc9 -dff -dffe_min_ce_use 8
