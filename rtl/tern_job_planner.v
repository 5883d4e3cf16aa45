// SPDX-License-Identifier: Apache-2.0
// tern_job_planner: checks a job descriptor and works out the sizes the engine needs, with
// one shift-add / shift-subtract unit over a few dozen cycles (no multiplier, no divider; the
// planner runs while the previous job computes, so its latency is hidden).
//
//   B      = ceil(K / LANES)            activation beats per token row (and (K-1) mod LANES)
//   G      = ceil(N / ROWS)             row groups (and (N-1) mod ROWS)
//   W      = ceil(G * B * BB / 8)       8-byte words of the weight stream (BB = beat bytes)
//   A      = TOKENS * ceil(K / 8)       8-byte words of the activation rows
//   TOKENS * B <= ACT_BUF_BEATS         or the job fails with ACT_OVERFLOW
//   W_ADDR / BB + W <= W_LIMIT          (W_LIMIT > 0: a weight memory of W_LIMIT words of
//                                        W_WORD_BYTES) or the job fails with W_RANGE
//
// The checks run in the order of cmodel/src/devmodel.c, so both report the same code.

`default_nettype none

`include "tern_params.vh"

module tern_job_planner #(
  parameter integer ROWS          = `TERN_ROWS,
  parameter integer LANES         = `TERN_LANES,
  parameter integer T_MAX         = `TERN_T_MAX,
  parameter integer ACT_BUF_BEATS = `TERN_ACT_BUF_BEATS,
  parameter integer FORMATS       = `TERN_FORMATS_MASK,  // bit f: weight format f is served
  parameter integer W_WORD_BYTES  = 8,  // beat of the weight port: W_ADDR's alignment and W's
                                        // word (a power of two >= 8)
  parameter integer W_LIMIT       = 0,  // > 0: the words of the device's own weight memory,
                                        // which W_ADDR addresses (W_RANGE past its end)
  parameter integer CHECK_REG     = 0,  // 1: the descriptor checks registered, a cycle later
                                        // (S_CHECK2): no K/N compare chain before state_q
  // The divider's remainder stays below its divisor, so its datapath is as wide as the larger
  // divisor (a 3-bit subtract for 5 lanes, not a 17-bit one).
  parameter integer DW = $clog2(((LANES > ROWS) ? LANES : ROWS) + 1)
) (
  input  wire        clk_i,
  input  wire        rst_ni,          // synchronous, active low
  // descriptor in (JOB_* register values)
  input  wire        desc_valid_i,
  output wire        desc_ready_o,
  input  wire [31:0] desc_k_i,
  input  wire [31:0] desc_n_i,
  input  wire [31:0] desc_cfg_i,
  input  wire [31:0] desc_w_addr_i,
  input  wire [31:0] desc_a_addr_i,
  input  wire [31:0] desc_o_addr_i,
  // planned job out: held while plan_valid_o & ~plan_ready_i
  output wire        plan_valid_o,
  input  wire        plan_ready_i,
  output wire [7:0]  plan_err_o,      // STATUS.ERR code, 0 = the job may run
  output wire [15:0] plan_k_o,
  output wire [15:0] plan_n_o,
  output wire [1:0]  plan_fmt_o,
  output wire [7:0]  plan_tokens_o,
  output wire [31:0] plan_w_addr_o,
  output wire [31:0] plan_a_addr_o,
  output wire [31:0] plan_o_addr_o,
  output wire [15:0] plan_b_o,        // B
  output wire [15:0] plan_g_o,        // G
  output wire [DW-1:0] plan_klast_o,  // (K - 1) mod LANES: lanes of a group's last beat - 1
  output wire [DW-1:0] plan_nlast_o,  // (N - 1) mod ROWS: rows of the job's last group - 1
  output wire [31:0] plan_w_words_o,  // W
  output wire [31:0] plan_a_words_o   // A
);

  localparam integer FMT_LSB = `TERN_REG_JOB_CFG_FMT_LSB;
  localparam integer TOK_LSB = `TERN_REG_JOB_CFG_TOKENS_LSB;
  localparam [31:0]  LANES_U = LANES;
  localparam [31:0]  ROWS_U  = ROWS;
  localparam [31:0]  T_MAX_U = T_MAX;
  localparam [31:0]  ABUF_U  = ACT_BUF_BEATS;
  localparam [31:0]  K_MAX_U = `TERN_K_MAX;
  localparam [31:0]  N_MAX_U = `TERN_N_MAX;
  localparam [31:0]  FORMATS_U = FORMATS;
  localparam integer WWL2    = $clog2(W_WORD_BYTES);
  localparam [31:0]  WW_M1_U = W_WORD_BYTES - 1;
  localparam [31:0]  T2_BB_U = (2 * ROWS * LANES + 7) / 8;   // beat bytes (docs/formats.md)
  localparam [31:0]  T5_BB_U = (ROWS * LANES) / 5;
  localparam [1:0]   FMT_T5  = `TERN_FMT_T5;
  localparam [7:0] E_BAD_K      = `TERN_DEVERR_BAD_K;
  localparam [7:0] E_BAD_N      = `TERN_DEVERR_BAD_N;
  localparam [7:0] E_BAD_FMT    = `TERN_DEVERR_BAD_FMT;
  localparam [7:0] E_BAD_TOKENS = `TERN_DEVERR_BAD_TOKENS;
  localparam [7:0] E_MISALIGNED = `TERN_DEVERR_MISALIGNED;
  localparam [7:0] E_ACT_OVF    = `TERN_DEVERR_ACT_OVERFLOW;
  localparam [7:0] E_W_RANGE    = `TERN_DEVERR_W_RANGE;
  localparam [31:0] W_LIMIT_U   = W_LIMIT;

  // Steps of the sequence.
  localparam [3:0] S_IDLE = 4'd0, S_DIV_K = 4'd1, S_DIV_N = 4'd2, S_MUL_GB = 4'd3,
                   S_MUL_BB = 4'd4, S_MUL_T = 4'd5, S_DONE = 4'd6, S_CHECK = 4'd7,
                   S_OVF = 4'd8, S_CHECK2 = 4'd9, S_WWAIT = 4'd10;

  reg [3:0]  state_q;
  reg [7:0]  err_q;
  reg [1:0]  fmt_q;
  reg [7:0]  tok_q;
  reg [31:0] w_q, a_q, o_q;
  reg [15:0] b_q, g_q;
  reg [DW-1:0] klast_q, nlast_q;  // final remainders: (K + L - 1) mod L = (K - 1) mod L
  reg [31:0] wwords_q, awords_q;
  // the arithmetic unit
  reg [16:0] num_q;        // dividend, shifted out as the quotient shifts in
  reg [DW-1:0] rem_q;      // remainder: below the divisor (LANES or ROWS), so DW bits
  reg [4:0]  it_q;
  reg [31:0] mc_q;         // multiplicand (shifts left)
  reg [15:0] mp_q;         // multiplier (shifts right)
  reg [31:0] prod_q;
  reg [31:0] mc2_q, prod2_q;  // second product of the TOKENS step
  // ACT_OVERFLOW compares, registered every cycle from operands that are stable when read
  // (b_q from S_DIV_N on, prod_q in S_OVF), so no wide compare sits in front of err_q's
  // enable (the iCE40's critical path otherwise).
  reg        b_ovf_q, t_ovf_q;
  // W_RANGE, registered the same way (w_q and wwords_q are stable in S_OVF)
  reg        w_rng_q;
  wire [32:0] w_end = {{(WWL2 + 1){1'b0}}, w_q[31:WWL2]} + {1'b0, wwords_q};   // W_ADDR / BB + W

  wire [1:0] d_fmt = desc_cfg_i[FMT_LSB +: 2];
  wire [7:0] d_tok = desc_cfg_i[TOK_LSB +: 8];
  // The descriptor's K and N are checked one cycle after the take (S_CHECK), from registers:
  // the low 16 bits and whether any higher bit is set (K_MAX, N_MAX < 2^16).
  reg  [16:0] dk_q, dn_q;
  wire [15:0] k_q = dk_q[15:0];
  wire [15:0] n_q = dn_q[15:0];
  wire [31:0] d_tok_u = {24'd0, tok_q};
  reg  [7:0] check;
  always @(*) begin
    if (dk_q == 17'd0 || {15'd0, dk_q} > K_MAX_U)                check = E_BAD_K;
    else if (dn_q == 17'd0 || {15'd0, dn_q} > N_MAX_U)           check = E_BAD_N;
    else if (FORMATS_U[{3'd0, fmt_q}] == 1'b0)                   check = E_BAD_FMT;
    else if (d_tok_u == 32'd0 || d_tok_u > T_MAX_U)              check = E_BAD_TOKENS;
    else if ((w_q & WW_M1_U) != 32'd0 || (a_q[2:0] | o_q[2:0]) != 3'd0) check = E_MISALIGNED;
    else                                                         check = 8'd0;
  end

  reg  [7:0] check_q;   // CHECK_REG: check a cycle late (S_CHECK2 reads it)
  wire [7:0] chk = (CHECK_REG != 0) ? check_q : check;
  // desc_ready_o = (state_q == S_IDLE), from its own flop: it gates the CSR's job-register
  // writes in the small device (tern_csr BYPASS), a long route on the iCE40.
  reg idle_q;
  assign desc_ready_o = idle_q;
  wire take = desc_valid_i & desc_ready_o;

  // One restoring-division step: {rem, num} shifts left, subtract the divisor when it fits.
  wire [DW-1:0] divisor = (state_q == S_DIV_K) ? LANES_U[DW-1:0] : ROWS_U[DW-1:0];
  wire [DW:0]   rem_sh  = {rem_q, num_q[16]};
  wire          fits    = (rem_sh >= {1'b0, divisor});
  wire [DW:0]   rem_sub = rem_sh - {1'b0, divisor};
  wire [16:0] num_next = {num_q[15:0], fits};

  wire [15:0] bb = (fmt_q == FMT_T5) ? T5_BB_U[15:0] : T2_BB_U[15:0];
  wire        unused_rem = rem_sub[DW];   // rem_sub is used only when it is not negative
  wire [21:0] unused_cfg = {desc_cfg_i[31:16], desc_cfg_i[7:2]};  // the CSR keeps only FMT and TOKENS
  wire [31:0] kwords = ({16'd0, k_q} + 32'd7) >> 3;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      state_q <= S_IDLE;
      idle_q  <= 1'b1;
      err_q   <= 8'd0;
    end else begin
      // the only ways out of and into S_IDLE
      if (take) idle_q <= 1'b0;
      else if (state_q == S_DONE && plan_ready_i) idle_q <= 1'b1;
      case (state_q)
        S_IDLE: if (take) begin
          dk_q  <= {|desc_k_i[31:16], desc_k_i[15:0]};
          dn_q  <= {|desc_n_i[31:16], desc_n_i[15:0]};
          fmt_q <= d_fmt;
          tok_q <= d_tok;
          w_q   <= desc_w_addr_i;
          a_q   <= desc_a_addr_i;
          o_q   <= desc_o_addr_i;
          state_q <= S_CHECK;
        end
        // With CHECK_REG the checks are read a cycle later, from check_q (S_CHECK2).
        S_CHECK, S_CHECK2: if (CHECK_REG != 0 && state_q == S_CHECK) begin
          state_q <= S_CHECK2;
        end else begin
          err_q <= chk;
          // ceil(K / LANES) = floor((K + LANES - 1) / LANES)
          num_q <= {1'b0, k_q} + LANES_U[16:0] - 17'd1;
          rem_q <= {DW{1'b0}};
          it_q  <= 5'd0;
          state_q <= (chk != 8'd0) ? S_DONE : S_DIV_K;
        end
        S_DIV_K, S_DIV_N: begin
          rem_q <= fits ? rem_sub[DW-1:0] : rem_sh[DW-1:0];
          num_q <= num_next;
          it_q  <= it_q + 5'd1;
          if (it_q == 5'd16) begin
            rem_q <= {DW{1'b0}};
            it_q  <= 5'd0;
            if (state_q == S_DIV_K) begin
              b_q     <= num_next[15:0];
              klast_q <= fits ? rem_sub[DW-1:0] : rem_sh[DW-1:0];
              num_q <= {1'b0, n_q} + ROWS_U[16:0] - 17'd1;
              state_q <= S_DIV_N;
            end else begin
              g_q     <= num_next[15:0];
              nlast_q <= fits ? rem_sub[DW-1:0] : rem_sh[DW-1:0];
              mc_q   <= {16'd0, num_next[15:0]};  // G
              mp_q   <= b_q;                      // B
              prod_q <= 32'd0;
              state_q <= S_MUL_GB;
            end
          end
        end
        // Shift-add multiplications; each ends when the multiplier has no bits left.
        S_MUL_GB, S_MUL_BB: begin
          if (mp_q == 16'd0) begin
            if (state_q == S_MUL_GB) begin
              mc_q   <= prod_q;             // G * B beats
              mp_q   <= bb;
              prod_q <= 32'd0;
              state_q <= S_MUL_BB;
            end else begin
              wwords_q <= (prod_q + WW_M1_U) >> WWL2;   // W = ceil(weight bytes / word)
              if (T_MAX == 1) begin
                // TOKENS = 1 (checked): A = ceil(K / 8), and B alone must fit the buffer
                awords_q <= kwords;
                if (b_ovf_q) err_q <= E_ACT_OVF;
                // (W_LIMIT: W_RANGE in S_OVF, once w_rng_q has seen this wwords_q)
                state_q <= (W_LIMIT != 0) ? S_WWAIT : S_DONE;
              end else begin
                mc_q    <= {16'd0, b_q};      // TOKENS * B
                mc2_q   <= kwords;            // TOKENS * ceil(K / 8)
                mp_q    <= {8'd0, tok_q};
                prod_q  <= 32'd0;
                prod2_q <= 32'd0;
                state_q <= S_MUL_T;
              end
            end
          end else begin
            if (mp_q[0]) prod_q <= prod_q + mc_q;
            mc_q <= mc_q << 1;
            mp_q <= mp_q >> 1;
          end
        end
        // Unreachable at T_MAX 1 (the constant test lets synthesis drop the TOKENS step).
        S_MUL_T: if (T_MAX != 1) begin
          if (mp_q == 16'd0) begin
            awords_q <= prod2_q;
            state_q <= S_OVF;       // t_ovf_q sees the final prod_q next cycle
          end else begin
            if (mp_q[0]) begin
              prod_q  <= prod_q + mc_q;
              prod2_q <= prod2_q + mc2_q;
            end
            mc_q  <= mc_q << 1;
            mc2_q <= mc2_q << 1;
            mp_q  <= mp_q >> 1;
          end
        end
        S_WWAIT: state_q <= S_OVF;
        S_OVF: begin
          if (T_MAX != 1 && t_ovf_q) err_q <= E_ACT_OVF;
          else if (W_LIMIT != 0 && w_rng_q && err_q == 8'd0) err_q <= E_W_RANGE;
          state_q <= S_DONE;
        end
        default: if (plan_ready_i) state_q <= S_IDLE;   // S_DONE
      endcase
    end
  end

  always @(posedge clk_i) begin
    check_q <= check;
    b_ovf_q <= ({16'd0, b_q} > ABUF_U);
    t_ovf_q <= (prod_q > ABUF_U);
    w_rng_q <= w_end[32] | (w_end[31:0] > W_LIMIT_U);
  end

  assign plan_valid_o   = (state_q == S_DONE);
  assign plan_err_o     = err_q;
  assign plan_k_o       = k_q;
  assign plan_n_o       = n_q;
  assign plan_fmt_o     = fmt_q;
  assign plan_tokens_o  = tok_q;
  assign plan_w_addr_o  = w_q;
  assign plan_a_addr_o  = a_q;
  assign plan_o_addr_o  = o_q;
  assign plan_b_o       = b_q;
  assign plan_g_o       = g_q;
  assign plan_klast_o   = klast_q;
  assign plan_nlast_o   = nlast_q;
  assign plan_w_words_o = wwords_q;
  assign plan_a_words_o = awords_q;

endmodule

`default_nettype wire
