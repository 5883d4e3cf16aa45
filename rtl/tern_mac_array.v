// SPDX-License-Identifier: Apache-2.0
// tern_mac_array: ternary MAC array (ROWS x LANES, no multiplier): job control, joined input
// streams, S0 input registers, S1 decode, pipelined adder trees, accumulators and the result
// register. The contract (ports, semantics, exact timing) is docs/array.md.
//
// Stages (one register each, all held by the global enable): S0 = raw beat, activations
// (masked lanes loaded as 0) and flags; S1 = decoded codes and activations; tree levels
// 1 .. LEVELS, the first of which also does the leaf select (+x / ~x / 0); accumulate and
// result. Latency from a group's last beat to r_valid_o: 3 + LEVELS = PIPE_LATENCY.

`default_nettype none

`include "tern_params.vh"

module tern_mac_array #(
  parameter integer ROWS     = `TERN_ROWS,
  parameter integer LANES    = `TERN_LANES,
  parameter integer K_BITS   = `TERN_K_BITS,
  parameter integer N_BITS   = `TERN_N_BITS,
  parameter integer FMT_BITS = `TERN_FMT_BITS,
  parameter integer T_MAX    = `TERN_T_MAX      // tokens one weight beat serves
) (
  input  wire                      clk_i,
  input  wire                      rst_ni,     // synchronous, active low
  // job control
  input  wire                      start_i,
  input  wire [K_BITS-1:0]         cfg_k_i,
  input  wire [N_BITS-1:0]         cfg_n_i,
  input  wire [FMT_BITS-1:0]       cfg_fmt_i,
  input  wire [$clog2(T_MAX+1)-1:0] cfg_tokens_i,  // 1 .. T_MAX
  output wire                      busy_o,
  output wire                      err_o,
  // weight beats (W_BEAT_BITS = 2*ROWS*LANES; T5 beats use the low 8*ROWS*LANES/5 bits)
  input  wire                      w_valid_i,
  output wire                      w_ready_o,
  input  wire [2*ROWS*LANES-1:0]   w_data_i,
  // activation beats, lane l = a_data_i[8l+7:8l]
  input  wire                      a_valid_i,
  output wire                      a_ready_o,
  input  wire [8*LANES-1:0]        a_data_i,
  // result beats, row r = r_data_o[32r+31:32r]
  output wire                      r_valid_o,
  input  wire                      r_ready_i,
  output wire [`TERN_ACC_BITS*ROWS-1:0] r_data_o,
  output wire                      r_last_o
);

  localparam integer ACC_BITS = `TERN_ACC_BITS;
  localparam integer LEVELS   = $clog2(LANES);          // TREE_LEVELS
  localparam integer LCW      = $clog2(LANES + 1);      // bits of a lane count 0 .. LANES
  localparam integer RCW      = $clog2(ROWS + 1);       // bits of a row count 0 .. ROWS
  localparam integer T5_OK    = ((ROWS * LANES) % 5 == 0) ? 1 : 0;
  localparam integer FLAG_STAGES = 1 + LEVELS;          // S1 + tree levels
  localparam integer TOK_BITS = $clog2(T_MAX + 1);      // bits of a token count 1 .. T_MAX
  localparam integer TIX_BITS = (T_MAX > 1) ? $clog2(T_MAX) : 1;  // bits of a token index

  localparam [31:0]         LANES_U = LANES;
  localparam [31:0]         ROWS_U  = ROWS;
  localparam [31:0]         KC_OFF_U = 2 * LANES + 1;
  localparam [31:0]         NC_OFF_U = 2 * ROWS + 1;
  localparam [K_BITS-1:0]   K_STEP    = LANES_U[K_BITS-1:0];
  localparam [N_BITS-1:0]   N_STEP    = ROWS_U[N_BITS-1:0];
  localparam [K_BITS:0]     KC_STEP   = LANES_U[K_BITS:0];
  localparam [N_BITS:0]     NC_STEP   = ROWS_U[N_BITS:0];
  localparam [K_BITS:0]     KC_OFF    = KC_OFF_U[K_BITS:0];
  localparam [N_BITS:0]     NC_OFF    = NC_OFF_U[N_BITS:0];
  localparam [LCW-1:0]      K_LO_STEP = LANES_U[LCW-1:0];
  localparam [RCW-1:0]      N_LO_STEP = ROWS_U[RCW-1:0];
  localparam [FMT_BITS-1:0] FMT_T2 = `TERN_FMT_T2;
  localparam [FMT_BITS-1:0] FMT_T5 = `TERN_FMT_T5;

  // ---------------------------------------------------------------------------------------
  // Global enable: everything holds while the result register holds an untaken beat.
  // ---------------------------------------------------------------------------------------
  reg  r_valid_q;
  reg  r_last_q;
  wire en = ~r_valid_q | r_ready_i;

  // ---------------------------------------------------------------------------------------
  // Job control
  // ---------------------------------------------------------------------------------------
  reg                busy_q;
  reg                feed_q;      // beats of the job remain to be taken
  reg                err_q;
  reg                fmt_t5_q;
  // Position in the job, as down-counters that step by LANES (beats) and ROWS (groups):
  //   k_rem = K positions left in the current group (this beat included),
  //   n_rem = rows left in the job (this group included).
  // The decisions "last beat of the group" and "last group" are registered flags computed one
  // step ahead from the sign of kc = k_rem - (2*LANES + 1) (after a step of LANES,
  // k_rem <= LANES iff now k_rem <= 2*LANES iff kc < 0), and likewise nc for rows, so no
  // comparator lies between the counters and the stream handshake. The lane mask of a last
  // beat is the same in every group (K - (B-1)*LANES valid lanes): it is registered as a
  // thermometer code when the first last beat comes up (or at the start when B = 1).
  reg  [K_BITS:0]    kc_q;        // k_rem - (2*LANES + 1), two's complement
  reg  [N_BITS:0]    nc_q;        // n_rem - (2*ROWS + 1), two's complement
  reg  [K_BITS:0]    kc0_q;       // kc at the start of a group: K - (2*LANES + 1)
  reg  [LCW-1:0]     kn_q;        // (k_rem - LANES) mod 2^LCW: k_rem of the next beat
  reg  [LCW-1:0]     kn0_q;       // kn at the start of a group
  reg  [RCW-1:0]     n_lo_q;      // n_rem mod 2^RCW
  reg                one_beat_q;  // K <= LANES: every group is one beat
  reg                k_last_q;    // k_rem <= LANES: this beat is the last of its group
  reg                n_last_q;    // n_rem <= ROWS: this group is the last of the job
  reg  [LANES-1:0]   k_mask_q;    // lanes valid in a group's last beat

  wire fmt_ok = (cfg_fmt_i == FMT_T2) || ((cfg_fmt_i == FMT_T5) && (T5_OK != 0));
  localparam [31:0] T_MAX_U = T_MAX;
  wire [31:0] cfg_tokens_u = {{(32-TOK_BITS){1'b0}}, cfg_tokens_i};
  wire tok_ok = (cfg_tokens_u != 32'd0) && (cfg_tokens_u <= T_MAX_U);
  wire cfg_ok = (cfg_k_i != {K_BITS{1'b0}}) && (cfg_n_i != {N_BITS{1'b0}}) && fmt_ok && tok_ok;
  wire start_ok  = start_i & cfg_ok;    // used while idle only
  wire start_bad = start_i & ~cfg_ok;

  // Prefill weight reuse: each weight beat serves TOKENS activation beats in a row (token 0
  // .. TOKENS-1 at the same K positions). The weight beat moves with token 0's activations
  // and stays in S0 for the others; the K/N counters step after the last token.
  reg  [TIX_BITS-1:0] tok_q;       // token of the next activation beat
  reg  [TIX_BITS-1:0] tok_last_q;  // TOKENS - 1
  wire tok_first = (tok_q == {TIX_BITS{1'b0}});
  wire tok_last  = (tok_q == tok_last_q);
  wire [31:0] cfg_tok_m1 = cfg_tokens_u - 32'd1;   // < T_MAX when the start is taken
  wire        unused_cfg_tok_m1 = ^cfg_tok_m1;

  wire take = busy_q & feed_q & en;
  wire fire = take & a_valid_i & (w_valid_i | ~tok_first);
  wire step = fire & tok_last;     // the beat's last token: the job advances one beat
  assign w_ready_o = take & a_valid_i & tok_first;
  assign a_ready_o = take & (w_valid_i | ~tok_first);

  always @(posedge clk_i) begin
    if (!busy_q) begin
      tok_q      <= {TIX_BITS{1'b0}};
      tok_last_q <= cfg_tok_m1[TIX_BITS-1:0];
    end else if (fire) begin
      tok_q <= tok_last ? {TIX_BITS{1'b0}} : tok_q + {{(TIX_BITS-1){1'b0}}, 1'b1};
    end
  end

  wire r_done = r_valid_q & r_ready_i & r_last_q;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q <= 1'b0;
      feed_q <= 1'b0;
      err_q  <= 1'b0;
    end else if (!busy_q) begin
      // Idle: a start is taken or refused (err_o pulses in the next cycle).
      busy_q <= start_ok;
      feed_q <= start_ok;
      err_q  <= start_bad;
    end else begin
      // Busy: starts are ignored; the job ends with the handshake of its last result.
      err_q <= 1'b0;
      if (r_done) busy_q <= 1'b0;
      if (step && k_last_q && n_last_q) feed_q <= 1'b0;
    end
  end

  // While idle the job registers follow cfg_*, so they hold the start's values when a start
  // is taken (and the refusal check stays off this path).
  wire [K_BITS:0]  cfg_kc = {1'b0, cfg_k_i} - KC_OFF;
  wire [N_BITS:0]  cfg_nc = {1'b0, cfg_n_i} - NC_OFF;
  wire [LCW-1:0]   cfg_kn = cfg_k_i[LCW-1:0] - K_LO_STEP;

  // Thermometer code of a lane count c (1 .. LANES): bit l = (c > l). One decoder serves the
  // start (c = K when K <= LANES) and the first last beat (c = kn_q); a one-hot decode keeps
  // it free of per-lane carry chains.
  localparam integer KV = 1 << LCW;
  wire [LCW-1:0]   therm_in = busy_q ? kn_q : cfg_k_i[LCW-1:0];
  wire [KV-1:1]    therm_hot;   // therm_hot[v] = (therm_in == v)
  wire [LANES-1:0] therm;

  genvar l, r, v;
  generate
    for (v = 1; v < KV; v = v + 1) begin : g_therm_hot
      localparam [LCW-1:0] VAL = v;
      assign therm_hot[v] = (therm_in == VAL);
    end
    for (l = 0; l < LANES; l = l + 1) begin : g_therm
      assign therm[l] = |therm_hot[KV-1:l+1];
    end
  endgenerate

  always @(posedge clk_i) begin
    if (!busy_q) begin
      fmt_t5_q   <= (cfg_fmt_i == FMT_T5);
      one_beat_q <= (cfg_k_i <= K_STEP);
      k_last_q   <= (cfg_k_i <= K_STEP);
      n_last_q   <= (cfg_n_i <= N_STEP);
      kc0_q      <= cfg_kc;
      kc_q       <= cfg_kc;
      nc_q       <= cfg_nc;
      kn0_q      <= cfg_kn;
      kn_q       <= cfg_kn;
      n_lo_q     <= cfg_n_i[RCW-1:0];
      k_mask_q   <= therm;
    end else if (step) begin
      if (k_last_q) begin
        kc_q     <= kc0_q;
        kn_q     <= kn0_q;
        k_last_q <= one_beat_q;
        nc_q     <= nc_q - NC_STEP;
        n_lo_q   <= n_lo_q - N_LO_STEP;
        n_last_q <= nc_q[N_BITS];
      end else begin
        kc_q     <= kc_q - KC_STEP;
        kn_q     <= kn_q - K_LO_STEP;
        k_last_q <= kc_q[K_BITS];
        if (kc_q[K_BITS]) k_mask_q <= therm;   // the next beat is a last beat: kn_q lanes
      end
    end
  end

  assign busy_o = busy_q;
  assign err_o  = err_q;

  // Lane l is valid unless this is the last beat of the group and s*L + l >= K; row r unless
  // this is the last group and g*R + r >= N (n_rem <= ROWS < 2^RCW then, so n_lo_q = n_rem).
  localparam integer NV = 1 << RCW;
  wire [NV-1:1]    n_hot;       // n_hot[v] = (n_lo_q == v)
  wire [LANES-1:0] lane_valid = ~{LANES{k_last_q}} | k_mask_q;
  wire [ROWS-1:0]  row_valid;

  generate
    for (v = 1; v < NV; v = v + 1) begin : g_n_hot
      localparam [RCW-1:0] VAL = v;
      assign n_hot[v] = (n_lo_q == VAL);
    end
    for (r = 0; r < ROWS; r = r + 1) begin : g_row_valid
      assign row_valid[r] = ~n_last_q | (|n_hot[NV-1:r+1]);
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // S0: input registers. Masked lanes are loaded as x = 0.
  // ---------------------------------------------------------------------------------------
  reg                    s0_valid_q;
  reg                    s0_last_q;
  reg                    s0_job_last_q;
  reg  [ROWS-1:0]        s0_row_valid_q;
  reg  [2*ROWS*LANES-1:0] s0_w_q;
  reg  [8*LANES-1:0]     s0_x_q;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      s0_valid_q <= 1'b0;
    end else if (en) begin
      s0_valid_q <= fire;
    end
  end

  // Data registers load whenever the pipeline moves; s0_valid_q says whether they hold a beat.
  always @(posedge clk_i) begin
    if (en) begin
      s0_last_q      <= k_last_q;
      s0_job_last_q  <= k_last_q & n_last_q & tok_last;
      s0_row_valid_q <= row_valid;
    end
  end

  // The weight beat loads with token 0 and is held for the other tokens.
  always @(posedge clk_i) begin
    if (en && tok_first) begin
      s0_w_q <= w_data_i;
    end
  end

  generate
    for (l = 0; l < LANES; l = l + 1) begin : g_s0_x
      always @(posedge clk_i) begin
        if (en) begin
          s0_x_q[8*l +: 8] <= lane_valid[l] ? a_data_i[8*l +: 8] : 8'd0;
        end
      end
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // S1: decode (shared by all rows) and register the codes with the activations.
  // ---------------------------------------------------------------------------------------
  wire [2*ROWS*LANES-1:0] codes;
  reg  [2*ROWS*LANES-1:0] s1_codes_q;
  reg  [8*LANES-1:0]      s1_x_q;

  tern_weight_decoder #(
    .ROWS  (ROWS),
    .LANES (LANES)
  ) u_decoder (
    .beat_i   (s0_w_q),
    .fmt_t5_i (fmt_t5_q),
    .codes_o  (codes)
  );

  always @(posedge clk_i) begin
    if (en) begin
      s1_codes_q <= codes;
      s1_x_q     <= s0_x_q;
    end
  end

  // Flags travel beside the data: stage 1 is S1, stages 2 .. 1+LEVELS the tree levels; the
  // last stage is the beat that the accumulators see this cycle.
  localparam integer FLAG_BITS = 3 + ROWS;   // {row_valid, job_last, last, valid}
  reg  [FLAG_BITS*FLAG_STAGES-1:0] flag_q;
  wire [FLAG_BITS-1:0] s0_flags = {s0_row_valid_q, s0_job_last_q, s0_last_q, s0_valid_q};
  wire [FLAG_BITS*(FLAG_STAGES+1)-1:0] flag_chain = {flag_q, s0_flags};

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      flag_q <= {(FLAG_BITS*FLAG_STAGES){1'b0}};
    end else if (en) begin
      flag_q <= flag_chain[FLAG_BITS*FLAG_STAGES-1:0];
    end
  end

  wire [FLAG_BITS-1:0] acc_flags    = flag_q[FLAG_BITS*(FLAG_STAGES-1) +: FLAG_BITS];
  wire                 acc_valid    = acc_flags[0];
  wire                 acc_last     = acc_flags[1];
  wire                 acc_job_last = acc_flags[2];
  wire [ROWS-1:0]      acc_row_ok   = acc_flags[3 +: ROWS];
  wire                 unused_flags = ^flag_chain[FLAG_BITS*FLAG_STAGES +: FLAG_BITS];

  generate
    for (r = 0; r < ROWS; r = r + 1) begin : g_row
      tern_mac_row #(
        .LANES    (LANES),
        .ACC_BITS (ACC_BITS),
        .T_MAX    (T_MAX)
      ) u_row (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni),
        .en_i        (en),
        .codes_i     (s1_codes_q[2*LANES*r +: 2*LANES]),
        .x_i         (s1_x_q),
        .acc_valid_i (acc_valid),
        .acc_last_i  (acc_last),
        .tok_last_i  (tok_last_q),
        .row_valid_i (acc_row_ok[r]),
        .res_o       (r_data_o[ACC_BITS*r +: ACC_BITS])
      );
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // Result register (data in the rows): loads with a group's last beat, clears on handshake.
  // ---------------------------------------------------------------------------------------
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      r_valid_q <= 1'b0;
    end else if (en) begin
      r_valid_q <= acc_valid & acc_last;
    end
  end

  always @(posedge clk_i) begin
    if (en && acc_valid && acc_last) begin
      r_last_q <= acc_job_last;
    end
  end

  assign r_valid_o = r_valid_q;
  assign r_last_o  = r_last_q;

endmodule

`default_nettype wire
