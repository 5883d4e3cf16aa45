# The iCE40 synthesis options, shared by the board flow (fpga/common.mk) and the post-synthesis
# simulation (fpga/scripts/postsynth.mk), so the gate-level netlist that is simulated is mapped
# the way the bitstream's is. -abc9 -dff: ABC9's timing-driven mapping with the flip-flops
# visible to it (about 2 MHz more and 100 fewer logic cells on the iCEBreaker top than plain ABC).
ICE40_SYNTH_OPTS := -spram -dsp -abc9 -dff
