// SPDX-License-Identifier: Apache-2.0
// tern_mac_row: one row of the MAC array: leaf select, adder tree, accumulators and result.
//
// Each lane becomes an 8-bit leaf with no multiplier, from its weight's {zero, neg} flags:
// +1 -> x, -1 -> ~x with a carry bit 1 (-x = ~x + 1), 0 -> 0. The carries (neg itself) enter
// the tree adders and, for the last one, the accumulator adder. Masked lanes arrive with
// x = 0, which gives 0 for every weight (~0 + 1 = 0). The leaf select is combinational from the S1 registers (codes and
// activations) and feeds the first tree level, whose register holds the pair sums.
//
// Accumulators are ACC_W bits wide, enough for any sum of K_MAX products of magnitude <= 128
// (24 bits for K_MAX = 65535), and the result is sign-extended to ACC_BITS: the same integers
// as a 32-bit accumulator, with a quarter fewer adder bits. One accumulator per token (prefill
// weight reuse) lives in a small RAM (block RAM on the FPGAs), written at the token of the beat
// here (wr_tok_i) and read one cycle ahead at the token of the next beat (rd_tok_i), which is
// known because tokens come in order. With one token a job has no next-beat slack (the read
// would meet the same cycle's write), so a register serves it instead (t1_i); it is cleared
// after each group. A RAM accumulator is never cleared: the first beat of a group adds to 0
// (first_i), so the RAM needs neither reset nor initial contents.
// The result register takes the group's sum at its last beat, or 0 for a row beyond N.
//
// MAC_KIND = 1 (the int8 baseline of tern_mac_array): codes_i holds one signed weight byte per
// lane and each leaf is the 16-bit product w * x, with no carry; the rest is the same.

`default_nettype none

`include "tern_params.vh"

module tern_mac_row #(
  parameter integer LANES    = `TERN_LANES,
  parameter integer ACC_BITS = `TERN_ACC_BITS,
  parameter integer ACC_W    = ACC_BITS,      // accumulator bits actually kept (<= ACC_BITS)
  parameter integer T_MAX    = `TERN_T_MAX,
  parameter integer MAC_KIND = 0,             // 0 = ternary, 1 = int8 x int8
  // 1 (the wide profile): the one-token register is never cleared either (no reset net or clear
  // reaches its flip-flops): like the RAM it is read as 0 at a group's first beat
  parameter integer NO_CLEAR = 0,
  parameter integer WB       = (MAC_KIND == 1) ? 8 : 2,   // weight bits per lane
  parameter integer TIX_BITS = (T_MAX > 1) ? $clog2(T_MAX) : 1
) (
  input  wire                  clk_i,
  input  wire                  rst_ni,      // synchronous, active low
  input  wire                  en_i,        // global pipeline enable: hold when 0
  // S1 registers: the weights of this row as {zero, neg} pairs, and the activations.
  input  wire [WB*LANES-1:0]   codes_i,
  input  wire [8*LANES-1:0]    x_i,
  // Accumulate stage: a beat leaves the tree this cycle (valid), is the first / last of its
  // group, and this row is < N (row_valid). The token controls are shared by all rows.
  input  wire                  acc_valid_i,
  input  wire                  acc_first_i,
  input  wire                  acc_last_i,
  input  wire                  t1_i,        // the job has one token
  input  wire [TIX_BITS-1:0]   wr_tok_i,    // token of the beat here
  input  wire [TIX_BITS-1:0]   rd_tok_i,    // token of the beat here next cycle
  input  wire                  row_valid_i,
  output wire [ACC_BITS-1:0]   res_o
);

  localparam integer LEVELS   = $clog2(LANES);
  localparam integer LEAF_W   = (MAC_KIND == 1) ? 16 : 8;
  localparam integer SUM_BITS = LEAF_W + LEVELS;

  // ---- leaf select (combinational; the first tree level registers the sums) ----
  wire [LEAF_W*LANES-1:0] leaf;
  wire [LANES-1:0]        leaf_c;

  genvar l;
  generate
    for (l = 0; l < LANES; l = l + 1) begin : g_leaf
      wire       neg  = codes_i[WB*l];
      wire       zero = codes_i[WB*l + 1];
      wire [7:0] x    = x_i[8*l +: 8];
      // The ternary netlist keeps its names whatever MAC_KIND: only these assigns sit in the
      // choice (a rename alone moves nextpnr's placement by several MHz on the ULX3S).
      if (MAC_KIND == 1) begin : g_int8
        wire signed [15:0] p = $signed(codes_i[8*l +: 8]) * $signed(x);
        wire               unused_flags = neg ^ zero;
        assign leaf[16*l +: 16] = p;
        assign leaf_c[l]        = 1'b0;
      end else begin : g_tern
        assign leaf[8*l +: 8] = {8{~zero}} & (x ^ {8{neg}});
        assign leaf_c[l]      = neg;
      end
    end
  endgenerate

  // ---- adder tree, one register per level ----
  wire [SUM_BITS-1:0] sum;
  wire                sum_c;

  tern_adder_tree #(
    .LANES     (LANES),
    .LEAF_BITS (LEAF_W)
  ) u_tree (
    .clk_i   (clk_i),
    .en_i    (en_i),
    .leaf_i  (leaf),
    .carry_i (leaf_c),
    .sum_o   (sum),
    .carry_o (sum_c)
  );

  // ---- accumulate + result ----
  wire             acc_take = en_i & acc_valid_i;
  wire [ACC_W-1:0] acc_in;
  wire [ACC_W-1:0] sum_x = {{(ACC_W-SUM_BITS){sum[SUM_BITS-1]}}, sum};
  wire [ACC_W-1:0] acc_d = acc_in + sum_x + {{(ACC_W-1){1'b0}}, sum_c};

  // One token: a register cleared by reset and by each group's last beat (flip-flop resets,
  // no logic on the data path).
  reg  [ACC_W-1:0] one_q;
  always @(posedge clk_i) begin
    if ((NO_CLEAR != 0) ? 1'b0 : (~rst_ni | (acc_take & acc_last_i))) one_q <= {ACC_W{1'b0}};
    else if (acc_take) one_q <= acc_d;
  end

  generate
    if (T_MAX > 1) begin : g_ram
      // Read and write never meet at one address (rd_tok_i differs from wr_tok_i whenever the
      // write happens and T > 1), so the RAM needs no collision logic.
      (* no_rw_check *)
      reg [ACC_W-1:0] acc_mem [0:T_MAX-1];
      reg [ACC_W-1:0] acc_rd_q;
      always @(posedge clk_i) begin
        if (acc_take) acc_mem[wr_tok_i] <= acc_d;
        acc_rd_q <= acc_mem[rd_tok_i];
      end
      // Per bit one LUT4 of (t1, first, register bit, RAM bit).
      assign acc_in = (NO_CLEAR != 0) ? ((t1_i ? one_q : acc_rd_q) & {ACC_W{~acc_first_i}})
                                      : (t1_i ? one_q : (acc_rd_q & {ACC_W{~acc_first_i}}));
    end else begin : g_reg
      wire unused_tok = ^{t1_i, wr_tok_i, rd_tok_i, acc_first_i};
      assign acc_in = (NO_CLEAR != 0) ? (one_q & {ACC_W{~acc_first_i}}) : one_q;
    end
  endgenerate

  generate
    if (NO_CLEAR != 0) begin : g_no_clear
      wire unused_rst = rst_ni;
    end
  endgenerate

  reg [ACC_W-1:0] res_q;
  always @(posedge clk_i) begin
    if (acc_take && acc_last_i) begin
      res_q <= row_valid_i ? acc_d : {ACC_W{1'b0}};
    end
  end

  generate
    if (ACC_W < ACC_BITS) begin : g_sext
      assign res_o = {{(ACC_BITS-ACC_W){res_q[ACC_W-1]}}, res_q};
    end else begin : g_full
      assign res_o = res_q;
    end
  endgenerate

endmodule

`default_nettype wire
