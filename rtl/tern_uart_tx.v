// SPDX-License-Identifier: Apache-2.0
// tern_uart_tx: 8N1 UART transmitter. A byte offered with valid_i while ready_o is high is
// sent as a start bit (low), eight data bits least significant first and a stop bit (high),
// each CLKS_PER_BIT clocks long; ready_o returns high as the stop bit ends, so bytes offered
// back to back leave no gap. tx_o is driven from a flip-flop (idle high). CLKS_PER_BIT >= 2.

`default_nettype none

module tern_uart_tx #(
  parameter integer CLKS_PER_BIT = 16
) (
  input  wire       clk_i,
  input  wire       rst_ni,     // synchronous, active low
  input  wire       valid_i,
  output wire       ready_o,
  input  wire [7:0] data_i,
  output wire       tx_o
);

  localparam integer CW = (CLKS_PER_BIT > 2) ? $clog2(CLKS_PER_BIT) : 1;
  localparam [31:0]  FULL_M1_U = CLKS_PER_BIT - 1;
  localparam [CW-1:0] FULL_M1 = FULL_M1_U[CW-1:0];

  reg          busy_q;
  reg [CW-1:0] cnt_q;
  reg [3:0]    left_q;   // bits still to send after the current one
  reg [8:0]    sh_q;     // data bits, then the stop bit
  reg          tx_q;

  assign ready_o = ~busy_q;
  assign tx_o    = tx_q;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      cnt_q  <= {CW{1'b0}};
      left_q <= 4'd0;
      sh_q   <= 9'h1ff;
      tx_q   <= 1'b1;
    end else if (!busy_q) begin
      cnt_q <= {CW{1'b0}};
      if (valid_i) begin
        busy_q <= 1'b1;
        sh_q   <= {1'b1, data_i};
        left_q <= 4'd9;
        tx_q   <= 1'b0;           // start bit
      end
    end else if (cnt_q != FULL_M1) begin
      cnt_q <= cnt_q + 1'b1;
    end else begin
      cnt_q <= {CW{1'b0}};
      if (left_q == 4'd0) begin
        busy_q <= 1'b0;           // the stop bit has lasted its full length
      end else begin
        tx_q   <= sh_q[0];
        sh_q   <= {1'b1, sh_q[8:1]};
        left_q <= left_q - 1'b1;
      end
    end
  end

endmodule

`default_nettype wire
