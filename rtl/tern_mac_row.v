// SPDX-License-Identifier: Apache-2.0
// tern_mac_row: one row of the MAC array: leaf select, adder tree, accumulator, result data.
//
// Each lane becomes an 8-bit leaf with no multiplier: code 2 (+1) -> x, code 0 (-1) -> ~x with
// a carry bit 1 (-x = ~x + 1), codes 1 and 3 -> 0. The carries enter the tree adders and, for
// the last one, the accumulator adder. Masked lanes arrive with x = 0, which gives 0 for every
// code (~0 + 1 = 0). The leaf select is combinational from the S1 registers (codes and
// activations) and feeds the first tree level, whose register holds the pair sums. The
// accumulator is cleared by reset and after the last beat of every group, so each group
// starts from 0; the result register takes the group's sum, or 0 for a row beyond N.

`default_nettype none

`include "tern_params.vh"

module tern_mac_row #(
  parameter integer LANES    = `TERN_LANES,
  parameter integer ACC_BITS = `TERN_ACC_BITS,
  parameter integer T_MAX    = `TERN_T_MAX,
  parameter integer TIX_BITS = (T_MAX > 1) ? $clog2(T_MAX) : 1
) (
  input  wire                  clk_i,
  input  wire                  rst_ni,      // synchronous, active low
  input  wire                  en_i,        // global pipeline enable: hold when 0
  // S1 registers: codes of this row (T2 encoding) and the activations of all lanes.
  input  wire [2*LANES-1:0]    codes_i,
  input  wire [8*LANES-1:0]    x_i,
  // Accumulate stage: a beat leaves the tree this cycle (valid), is the last of its group
  // (last), and this row is < N (row_valid).
  input  wire                  acc_valid_i,
  input  wire                  acc_last_i,
  input  wire [TIX_BITS-1:0]   tok_last_i,  // TOKENS - 1 of the running job (constant during it)
  input  wire                  row_valid_i,
  output wire [ACC_BITS-1:0]   res_o
);

  localparam integer LEVELS   = $clog2(LANES);
  localparam integer SUM_BITS = 8 + LEVELS;

  // ---- leaf select (combinational; the first tree level registers the sums) ----
  wire [8*LANES-1:0] leaf;
  wire [LANES-1:0]   leaf_c;

  genvar l;
  generate
    for (l = 0; l < LANES; l = l + 1) begin : g_leaf
      wire [1:0] code = codes_i[2*l +: 2];
      wire [7:0] x    = x_i[8*l +: 8];
      wire       pos  = (code == 2'd2);
      wire       neg  = (code == 2'd0);
      assign leaf[8*l +: 8] = ({8{pos}} & x) | ({8{neg}} & ~x);
      assign leaf_c[l]      = neg;
    end
  endgenerate

  // ---- adder tree, one register per level ----
  wire [SUM_BITS-1:0] sum;
  wire                sum_c;

  tern_adder_tree #(
    .LANES     (LANES),
    .LEAF_BITS (8)
  ) u_tree (
    .clk_i   (clk_i),
    .en_i    (en_i),
    .leaf_i  (leaf),
    .carry_i (leaf_c),
    .sum_o   (sum),
    .carry_o (sum_c)
  );

  // ---- accumulate + result ----
  // One accumulator per token (prefill weight reuse). Beats reach this stage in token order
  // 0 .. TOKENS-1, again and again, so the accumulators form a ring of TOKENS registers that
  // rotates once per beat: the head acc_q[0] belongs to the beat now here, and its new value
  // enters at position TOKENS-1. The adder thus reads a register directly (no token mux in
  // front of the carry chain); the TOKENS-dependent choice is only where the new value goes.
  // A group's last beat writes 0 (the next group starts from zero); reset clears all, and
  // positions past the ring never load, so every job finds its ring at zero.
  reg  [ACC_BITS-1:0] acc_q [0:T_MAX-1];
  reg  [ACC_BITS-1:0] res_q;
  wire [ACC_BITS-1:0] acc_cur = acc_q[0];
  wire [ACC_BITS-1:0] sum_x = {{(ACC_BITS-SUM_BITS){sum[SUM_BITS-1]}}, sum};
  wire [ACC_BITS-1:0] acc_d = $signed(acc_cur) + $signed(sum_x)
                              + $signed({{(ACC_BITS-1){1'b0}}, sum_c});

  wire acc_take = en_i & acc_valid_i;

  genvar t;
  generate
    for (t = 0; t < T_MAX; t = t + 1) begin : g_acc
      localparam [31:0] T_U = t;
      wire tail = (tok_last_i == T_U[TIX_BITS-1:0]);
      // Positions past the ring (t > TOKENS-1) stay as reset left them: 0.
      wire in_ring;
      if (t == 0) begin : g_head
        assign in_ring = 1'b1;
      end else begin : g_rest
        assign in_ring = ({{(32-TIX_BITS){1'b0}}, tok_last_i} >= T_U);
      end
      wire [ACC_BITS-1:0] next;
      if (t + 1 < T_MAX) begin : g_shift
        assign next = tail ? acc_d : acc_q[t + 1];
      end else begin : g_end
        assign next = acc_d;
      end
      always @(posedge clk_i) begin
        if (~rst_ni | (acc_take & acc_last_i & tail)) begin
          acc_q[t] <= {ACC_BITS{1'b0}};
        end else if (acc_take & in_ring) begin
          acc_q[t] <= next;
        end
      end
    end
  endgenerate

  always @(posedge clk_i) begin
    if (acc_take && acc_last_i) begin
      res_q <= row_valid_i ? acc_d : {ACC_BITS{1'b0}};
    end
  end

  assign res_o = res_q;

endmodule

`default_nettype wire
