// SPDX-License-Identifier: Apache-2.0
// icebreaker_pll: 12 MHz in (the oscillator on pin 35, a PLL-capable pad), 36 MHz out.
// fout = fin x (DIVF + 1) / ((DIVR + 1) x 2^DIVQ) = 12 x 48 / 16 = 36 MHz; VCO 576 MHz and
// PFD 12 MHz are inside the iCE40 PLL's ranges (533..1066 and 10..133 MHz); FILTER_RANGE 1
// suits a 12 MHz PFD (values as icepll -i 12 -o 36 reports them).
// Simulation uses sim/models/SB_PLL40_PAD.v (the clock passes through).

`default_nettype none

module icebreaker_pll (
  input  wire clk_12m_i,
  output wire clk_o,
  output wire locked_o
);

  wire core_unused;   // the fabric-routed copy of the clock; the global one is used

  SB_PLL40_PAD #(
    .FEEDBACK_PATH ("SIMPLE"),
    .DIVR          (4'b0000),
    .DIVF          (7'b0101111),
    .DIVQ          (3'b100),
    .FILTER_RANGE  (3'b001)
  ) u_pll (
    .PACKAGEPIN   (clk_12m_i),
    .PLLOUTGLOBAL (clk_o),
    .PLLOUTCORE   (core_unused),
    .LOCK         (locked_o),
    .RESETB       (1'b1),
    .BYPASS       (1'b0)
  );

endmodule

`default_nettype wire
