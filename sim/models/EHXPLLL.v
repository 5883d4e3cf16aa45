// SPDX-License-Identifier: Apache-2.0
// Simulation-only stand-in for the ECP5 PLL primitive (the board runs in cycles of its PLL
// clock under Verilator, so the clock passes through): CLKOP = CLKI, LOCK high. Never
// synthesised (the real primitive comes from the Yosys cell library).

`default_nettype none

module EHXPLLL #(
  parameter PLLRST_ENA      = "DISABLED",
  parameter INTFB_WAKE      = "DISABLED",
  parameter STDBY_ENABLE    = "DISABLED",
  parameter DPHASE_SOURCE   = "DISABLED",
  parameter OUTDIVIDER_MUXA = "DIVA",
  parameter OUTDIVIDER_MUXB = "DIVB",
  parameter OUTDIVIDER_MUXC = "DIVC",
  parameter OUTDIVIDER_MUXD = "DIVD",
  parameter integer CLKI_DIV     = 1,
  parameter CLKOP_ENABLE         = "ENABLED",
  parameter integer CLKOP_DIV    = 8,
  parameter integer CLKOP_CPHASE = 0,
  parameter integer CLKOP_FPHASE = 0,
  parameter FEEDBK_PATH          = "CLKOP",
  parameter integer CLKFB_DIV    = 1
) (
  input  wire RST,
  input  wire STDBY,
  input  wire CLKI,
  output wire CLKOP,
  input  wire CLKFB,
  output wire CLKINTFB,
  input  wire PHASESEL0,
  input  wire PHASESEL1,
  input  wire PHASEDIR,
  input  wire PHASESTEP,
  input  wire PHASELOADREG,
  input  wire PLLWAKESYNC,
  input  wire ENCLKOP,
  output wire LOCK
);

  assign CLKOP    = CLKI;
  assign CLKINTFB = CLKI;
  assign LOCK     = 1'b1;

  wire unused_ok = &{1'b0, RST, STDBY, CLKFB, PHASESEL0, PHASESEL1, PHASEDIR, PHASESTEP,
                     PHASELOADREG, PLLWAKESYNC, ENCLKOP};

endmodule

`default_nettype wire
