// SPDX-License-Identifier: Apache-2.0
// ulx3s_top: the tern board for the ULX3S v2.0 (Lattice ECP5 LFE5U-85F, CABGA381). The 25 MHz
// oscillator feeds the PLL (the design clock); the FT231X is the host UART (at 3 Mbaud, 33 clocks
// per bit are 1% fast, inside the 8N1 receiver's margin); the weights live in block RAM. Clocks,
// baud rate and sizes: spec/tern.toml [boards.ulx3s].
// Pins: ulx3s_v20.lpf. Sizing arithmetic: docs/boards.md. LEDs: led[0] = out of reset,
// led[1] = the device's interrupt. btn[0] (active low, PWR) resets the board. wifi_gpio0 is
// held high so the ESP32 on the board leaves the FPGA alone.

`default_nettype none

`include "tern_boards.vh"

// Parameters (ROWS, LANES, T_MAX, QUEUE_DEPTH, ACT_BUF_BEATS, RD_FIFO_WORDS, MAX_BURST, MEM_BYTES,
// MEM_REQ_REG, MEM_OUT_REGS, CLK_HZ, BAUD): the device, memory and clocks as sized for this board,
// spec/tern.toml [boards.ulx3s] (the reasons are there; docs/boards.md), whose generated
// rtl/tern_boards.vh writes this top's parameter list.
module ulx3s_top #(`TERN_BOARD_ULX3S_TOP_PARAMS) (
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
    .SMALL         (SMALL),
    .MEM_BYTES     (MEM_BYTES),
    .MEM_OUT_REGS  (MEM_OUT_REGS),
    .MEM_REQ_REG   (MEM_REQ_REG),
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
