// SPDX-License-Identifier: Apache-2.0
// ulx3s_top: the tern board for the ULX3S v2.0 (Lattice ECP5 LFE5U-85F, CABGA381). The 25 MHz
// oscillator feeds the PLL (100 MHz); the FT231X is the host UART at 3 Mbaud (33 clocks per
// bit: 3.03 Mbaud, 1% fast, inside the 8N1 receiver's margin); the weights live in block RAM.
// Pins: ulx3s_v20.lpf. Sizing arithmetic: docs/boards.md. LEDs: led[0] = out of reset,
// led[1] = the device's interrupt. btn[0] (active low, PWR) resets the board. wifi_gpio0 is
// held high so the ESP32 on the board leaves the FPGA alone.

`default_nettype none

module ulx3s_top #(
  // The device as sized for this board (docs/boards.md): the array matches the device's 64-bit
  // memory port (8 bytes = 40 T5 weights per cycle); block RAM holds the weights.
  parameter integer ROWS          = 2,
  parameter integer LANES         = 20,
  parameter integer T_MAX         = 8,
  parameter integer QUEUE_DEPTH   = 4,
  parameter integer ACT_BUF_BEATS = 1024,
  parameter integer RD_FIFO_WORDS = 128,
  parameter integer MAX_BURST     = 16,
  parameter integer MEM_BYTES     = 262144,
  parameter integer MEM_OUT_REGS  = 4,         // the block-RAM array spans the chip: pipeline its requests and reads
  parameter integer CLK_HZ        = 100000000,
  parameter integer BAUD          = 3000000
) (
  input  wire       clk_25mhz,
  input  wire       ftdi_txd,     // from the host
  output wire       ftdi_rxd,     // to the host
  output wire [7:0] led,
  input  wire [6:0] btn,
  output wire       wifi_gpio0
);

  wire clk, locked;

  ulx3s_pll u_pll (
    .clk_25m_i (clk_25mhz),
    .clk_o     (clk),
    .locked_o  (locked)
  );

  wire rst_n;

  tern_por u_por (
    .clk_i    (clk),
    .locked_i (locked),
    .btn_ni   (btn[0]),
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
    .MEM_OUT_REGS  (MEM_OUT_REGS),
    .CLKS_PER_BIT  (CLK_HZ / BAUD),
    .CLK_HZ        (CLK_HZ)
  ) u_board (
    .clk_i     (clk),
    .rst_ni    (rst_n),
    .uart_rx_i (ftdi_txd),
    .uart_tx_o (ftdi_rxd),
    .irq_o     (irq)
  );

  assign led        = {6'b000000, irq, rst_n};
  assign wifi_gpio0 = 1'b1;

  // only btn[0] is used
  wire unused_ok = &{1'b0, btn[6:1]};

endmodule

`default_nettype wire
