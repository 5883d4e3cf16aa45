// SPDX-License-Identifier: Apache-2.0
// ulx3s_pll: 25 MHz in, 100 MHz out. VCO = 25 / CLKI_DIV x CLKFB_DIV x CLKOP_DIV = 25 x 4 x 6
// = 600 MHz (inside the ECP5 PLL's 400..800 MHz), CLKOP = VCO / 6 = 100 MHz, fed back from
// CLKOP (values as ecppll -i 25 -o 100 reports them).
// Simulation uses sim/models/EHXPLLL.v (the clock passes through).

`default_nettype none

module ulx3s_pll (
  input  wire clk_25m_i,
  output wire clk_o,
  output wire locked_o
);

  wire intfb_unused;   // internal feedback is not used (FEEDBK_PATH CLKOP)

  (* FREQUENCY_PIN_CLKI="25" *)
  (* FREQUENCY_PIN_CLKOP="100" *)
  (* ICP_CURRENT="12" *) (* LPF_RESISTOR="8" *) (* MFG_ENABLE_FILTEROPAMP="1" *) (* MFG_GMCREF_SEL="2" *)
  EHXPLLL #(
    .PLLRST_ENA      ("DISABLED"),
    .INTFB_WAKE      ("DISABLED"),
    .STDBY_ENABLE    ("DISABLED"),
    .DPHASE_SOURCE   ("DISABLED"),
    .OUTDIVIDER_MUXA ("DIVA"),
    .OUTDIVIDER_MUXB ("DIVB"),
    .OUTDIVIDER_MUXC ("DIVC"),
    .OUTDIVIDER_MUXD ("DIVD"),
    .CLKI_DIV        (1),
    .CLKOP_ENABLE    ("ENABLED"),
    .CLKOP_DIV       (6),
    .CLKOP_CPHASE    (2),
    .CLKOP_FPHASE    (0),
    .FEEDBK_PATH     ("CLKOP"),
    .CLKFB_DIV       (4)
  ) u_pll (
    .RST          (1'b0),
    .STDBY        (1'b0),
    .CLKI         (clk_25m_i),
    .CLKOP        (clk_o),
    .CLKFB        (clk_o),
    .CLKINTFB     (intfb_unused),
    .PHASESEL0    (1'b0),
    .PHASESEL1    (1'b0),
    .PHASEDIR     (1'b1),
    .PHASESTEP    (1'b1),
    .PHASELOADREG (1'b1),
    .PLLWAKESYNC  (1'b0),
    .ENCLKOP      (1'b0),
    .LOCK         (locked_o)
  );

endmodule

`default_nettype wire
