// SPDX-License-Identifier: Apache-2.0
// icebreaker_top: the tern board for the iCEBreaker (Lattice iCE40UP5K-SG48). The 12 MHz
// oscillator feeds the PLL (the design clock); the FTDI's second channel is the host UART; the
// weights live in the four SPRAMs. Clocks, baud rate and sizes: spec/tern.toml [boards.icebreaker].
// Pins: icebreaker.pcf. Sizing arithmetic: docs/boards.md. LEDs: green = out of reset,
// red = the device's interrupt (a job finished or failed and the host has not yet cleared it).
// The button (active low) resets the board.

`default_nettype none

`include "tern_boards.vh"

// Parameters (ROWS, LANES, T_MAX, QUEUE_DEPTH, ACT_BUF_BEATS, RD_FIFO_WORDS, MAX_BURST, MEM_BYTES,
// MEM_REQ_REG, MEM_OUT_REGS, CLK_HZ, BAUD): the device, memory and clocks as sized for this board,
// spec/tern.toml [boards.icebreaker] (the reasons are there; docs/boards.md), whose generated
// rtl/tern_boards.vh writes this top's parameter list.
module icebreaker_top #(`TERN_BOARD_ICEBREAKER_TOP_PARAMS) (
  input  wire CLK,      // 12 MHz
  input  wire RX,       // from the host (FTDI TXD)
  output wire TX,       // to the host (FTDI RXD)
  output wire LEDR_N,
  output wire LEDG_N,
  input  wire BTN_N
);

  wire clk, locked;

  icebreaker_pll u_pll (
    .clk_12m_i (CLK),
    .clk_o     (clk),
    .locked_o  (locked)
  );

  wire rst_n;

  tern_por u_por (
    .clk_i    (clk),
    .locked_i (locked),
    .btn_ni   (BTN_N),
    .rst_no   (rst_n)
  );

  wire irq;

  tern_board #(
    .ROWS          (ROWS),
    .LANES         (LANES),
    .T_MAX         (T_MAX),
    .QUEUE_DEPTH   (QUEUE_DEPTH),
    .ACT_BUF_BEATS (ACT_BUF_BEATS),
    .RD_FIFO_WORDS (RD_FIFO_WORDS),
    .MAX_BURST     (MAX_BURST),
    .SMALL         (SMALL),
    .MEM_BYTES     (MEM_BYTES),
    .MEM_OUT_REGS  (MEM_OUT_REGS),
    .MEM_REQ_REG   (MEM_REQ_REG),
    .CLKS_PER_BIT  (CLK_HZ / BAUD),
    .CLK_HZ        (CLK_HZ)
  ) u_board (
    .clk_i     (clk),
    .rst_ni    (rst_n),
    .uart_rx_i (RX),
    .uart_tx_o (TX),
    .irq_o     (irq)
  );

  assign LEDG_N = ~rst_n;
  assign LEDR_N = ~irq;

endmodule

`default_nettype wire
