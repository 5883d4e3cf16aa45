// SPDX-License-Identifier: Apache-2.0
// tern_por: a board's reset. Held (rst_no low) while the PLL is unlocked or the reset button
// is down, released 15 cycles after both are fine, synchronous to clk_i. The button passes a
// two-flop synchroniser. Flip-flops start at zero after FPGA configuration (the initial
// values below), so the board comes up in reset.

`default_nettype none

module tern_por (
  input  wire clk_i,
  input  wire locked_i,   // the PLL's lock (asynchronous)
  input  wire btn_ni,     // reset button, active low (asynchronous)
  output wire rst_no      // synchronous, active low
);

  reg [1:0] btn_sync_q = 2'b00;
  reg [3:0] cnt_q      = 4'd0;
  reg       rst_n_q    = 1'b0;

  always @(posedge clk_i) begin
    btn_sync_q <= {btn_sync_q[0], btn_ni};
    if (!locked_i || !btn_sync_q[1]) begin
      cnt_q   <= 4'd0;
      rst_n_q <= 1'b0;
    end else if (cnt_q != 4'hF) begin
      cnt_q   <= cnt_q + 4'd1;
    end else begin
      rst_n_q <= 1'b1;
    end
  end

  assign rst_no = rst_n_q;

endmodule

`default_nettype wire
