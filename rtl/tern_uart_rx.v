// SPDX-License-Identifier: Apache-2.0
// tern_uart_rx: 8N1 UART receiver. rx_i passes a two-flop synchroniser; a falling edge starts
// a byte, the start bit is checked again half a bit later (a shorter low pulse is a glitch and
// ignored) and every later bit is sampled once, in its middle, CLKS_PER_BIT clocks apart,
// least significant bit first. valid_o pulses for one clock at the middle of the stop bit with
// the byte on data_o (held until the next byte); ferr_o, valid with it, says the stop bit was
// low (a framing error: the byte is delivered all the same, and the receiver then waits for
// the line to return high before it looks for another start bit, so a break is one byte, not
// a stream of zeros). CLKS_PER_BIT >= 4 (clock / baud rate, rounded).

`default_nettype none

module tern_uart_rx #(
  parameter integer CLKS_PER_BIT = 16
) (
  input  wire       clk_i,
  input  wire       rst_ni,      // synchronous, active low
  input  wire       rx_i,        // asynchronous serial input (idle high)
  output wire       valid_o,     // one-clock pulse: data_o and ferr_o hold a new byte
  output wire [7:0] data_o,
  output wire       ferr_o       // the byte's stop bit was low
);

  localparam integer CW = (CLKS_PER_BIT > 2) ? $clog2(CLKS_PER_BIT) : 1;
  localparam [31:0]  FULL_M1_U = CLKS_PER_BIT - 1;
  localparam [31:0]  HALF_M1_U = CLKS_PER_BIT / 2 - 1;
  localparam [CW-1:0] FULL_M1 = FULL_M1_U[CW-1:0];
  localparam [CW-1:0] HALF_M1 = HALF_M1_U[CW-1:0];

  localparam [2:0] S_IDLE  = 3'd0;
  localparam [2:0] S_START = 3'd1;
  localparam [2:0] S_DATA  = 3'd2;
  localparam [2:0] S_STOP  = 3'd3;
  localparam [2:0] S_BREAK = 3'd4;   // after a framing error: wait for the line to go high

  reg [1:0]    sync_q;
  reg [2:0]    st_q, st_d;
  reg [CW-1:0] cnt_q, cnt_d;
  reg [2:0]    bit_q, bit_d;
  reg [7:0]    sh_q, sh_d;
  reg          valid_q, valid_d;
  reg          ferr_q, ferr_d;

  wire rx = sync_q[1];

  assign valid_o = valid_q;
  assign data_o  = sh_q;
  assign ferr_o  = ferr_q;

  always @* begin
    st_d    = st_q;
    cnt_d   = cnt_q + 1'b1;
    bit_d   = bit_q;
    sh_d    = sh_q;
    valid_d = 1'b0;
    ferr_d  = ferr_q;
    case (st_q)
      S_IDLE: begin
        cnt_d = {CW{1'b0}};
        if (!rx) st_d = S_START;
      end
      S_START: begin
        if (cnt_q == HALF_M1) begin
          cnt_d = {CW{1'b0}};
          bit_d = 3'd0;
          st_d  = rx ? S_IDLE : S_DATA;
        end
      end
      S_DATA: begin
        if (cnt_q == FULL_M1) begin
          cnt_d = {CW{1'b0}};
          sh_d  = {rx, sh_q[7:1]};
          bit_d = bit_q + 1'b1;
          if (bit_q == 3'd7) st_d = S_STOP;
        end
      end
      S_STOP: begin
        if (cnt_q == FULL_M1) begin
          cnt_d   = {CW{1'b0}};
          valid_d = 1'b1;
          ferr_d  = ~rx;
          st_d    = rx ? S_IDLE : S_BREAK;
        end
      end
      default: begin  // S_BREAK
        cnt_d = {CW{1'b0}};
        if (rx) st_d = S_IDLE;
      end
    endcase
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      sync_q  <= 2'b11;
      st_q    <= S_IDLE;
      cnt_q   <= {CW{1'b0}};
      bit_q   <= 3'd0;
      sh_q    <= 8'h00;
      valid_q <= 1'b0;
      ferr_q  <= 1'b0;
    end else begin
      sync_q  <= {sync_q[0], rx_i};
      st_q    <= st_d;
      cnt_q   <= cnt_d;
      bit_q   <= bit_d;
      sh_q    <= sh_d;
      valid_q <= valid_d;
      ferr_q  <= ferr_d;
    end
  end

endmodule

`default_nettype wire
