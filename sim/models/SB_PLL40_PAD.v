// SPDX-License-Identifier: Apache-2.0
// Simulation-only stand-in for the iCE40 PLL primitive (the board runs in cycles of its PLL
// clock under Verilator, so the clock passes through): PLLOUTGLOBAL/PLLOUTCORE = PACKAGEPIN,
// LOCK high. Never synthesised (the real primitive comes from the Yosys cell library).

`default_nettype none

module SB_PLL40_PAD #(
  parameter        FEEDBACK_PATH = "SIMPLE",
  parameter [3:0]  DIVR          = 4'd0,
  parameter [6:0]  DIVF          = 7'd0,
  parameter [2:0]  DIVQ          = 3'd0,
  parameter [2:0]  FILTER_RANGE  = 3'd0
) (
  input  wire PACKAGEPIN,
  output wire PLLOUTGLOBAL,
  output wire PLLOUTCORE,
  output wire LOCK,
  input  wire RESETB,
  input  wire BYPASS
);

  assign PLLOUTGLOBAL = PACKAGEPIN;
  assign PLLOUTCORE   = PACKAGEPIN;
  assign LOCK         = 1'b1;

  wire unused_ok = &{1'b0, RESETB, BYPASS};

endmodule

`default_nettype wire
