// SPDX-License-Identifier: Apache-2.0
// icebreaker_top: the tern board for the iCEBreaker (Lattice iCE40UP5K-SG48). The 12 MHz
// oscillator feeds the PLL (36 MHz); the FTDI's second channel is the host UART at 3 Mbaud
// (12 clocks per bit, exact); the weights live in the four SPRAMs (128 KB).
// Pins: icebreaker.pcf. Sizing arithmetic: docs/boards.md. LEDs: green = out of reset,
// red = the device's interrupt (a job finished or failed and the host has not yet cleared it).
// The button (active low) resets the board.

`default_nettype none

module icebreaker_top #(
  // The device as sized for this board (docs/boards.md): the UP5K's 5280 LUT4s, not the
  // SPRAM bandwidth (8 bytes = 40 T5 weights per cycle), limit the array. T_MAX = 1 and
  // QUEUE_DEPTH = 1 select the small device (tern_device.v SMALL: one job slot, no CSR queue
  // storage, no timing-only skid FIFOs, FIFOs in block RAM); at 1 x 10 it packs into ~5060
  // logic cells, too many to place, so the array is 1 x 5 (~4610 LC).
  parameter integer ROWS          = 1,
  parameter integer LANES         = 5,
  parameter integer T_MAX         = 1,
  parameter integer QUEUE_DEPTH   = 1,
  parameter integer ACT_BUF_BEATS = 256,
  parameter integer RD_FIFO_WORDS = 32,
  parameter integer MAX_BURST     = 16,
  parameter integer MEM_BYTES     = 131072,
  parameter integer MEM_REQ_REG   = 1,        // the SPRAMs sit at the chip's corners: register their pins
  parameter integer CLK_HZ        = 36000000,
  parameter integer BAUD          = 3000000
) (
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
    .MEM_BYTES     (MEM_BYTES),
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
