// SPDX-License-Identifier: Apache-2.0
// tern_mac_array: ternary MAC array (ROWS x LANES, no multiplier): job control, joined input
// streams, S0 input registers, S1 decode, pipelined adder trees, accumulators and the result
// register. The contract (ports, semantics, exact timing) is docs/array.md.
//
// MAC_KIND = 1 builds the int8 x int8 baseline of the same dataflow, interfaces and timing for
// area and energy comparisons (docs/ternary-vs-int8.md): one signed byte per weight slot
// (W_BEAT_BITS = 8*ROWS*LANES), products w * x as the tree's leaves, wider accumulators; the
// only format is 0 (FMT_T2's code). Not part of the device.
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
  parameter integer T_MAX    = `TERN_T_MAX,     // tokens one weight beat serves
  parameter integer T5_ROM   = 1,               // T5 decode: 1 = table (block RAM), 0 = logic
  parameter integer MAC_KIND = 0,               // 0 = ternary, 1 = the int8 x int8 baseline
  // 1: no global enable (the wide profile: at 640 MACs that net reaches ~13,000 flip-flops and
  // took 7.4 ns of routing on the ECP5-85F). The pipeline never holds: results leave through a
  // RES_DEPTH-word queue (a cycle later than the result register), beats are taken only while
  // the queue has room for every result in flight, and a weight beat is taken with its last
  // token (w_data_i must hold it for all of them, as a valid/ready source does), so its S0
  // register loads every cycle.
  parameter integer FREE_RUN  = 0,
  parameter integer RES_DEPTH = 16,             // FREE_RUN: the result queue (power of two)
  // > 0 (FREE_RUN, T5 alone, LANES a multiple of 5): the weights live in the array, each row's
  // slice of WMEM_WORDS T5 beats decoded into codes in a block RAM beside it (tern_wtile),
  // loaded through wm_*; a job reads its beats from word cfg_wbase_i on, w_* are unused. 0:
  // weight beats on w_*.
  parameter integer WMEM_WORDS = 0,
  // WMEM_WORDS > 0: 1 = the write port takes a whole T5 beat a cycle (every row's slice of word
  // wm_word_i, decoded in logic; wm_row_i unused), 0 = one row's slice a cycle (decoded by the
  // T5 table)
  parameter integer WM_BEAT  = 0,
  // weight formats served (bit f: format f); without T2 (the wide profile) the T5 decoder in
  // logic has no T2/T5 select
  parameter integer FORMATS  = `TERN_FORMATS_MASK,
  parameter integer WB       = (MAC_KIND == 1) ? 8 : 2,  // weight bits per slot in a beat
  parameter integer LRW      = (LANES > 1) ? $clog2(LANES) : 1,  // bits of a lane index
  parameter integer RRW      = (ROWS > 1) ? $clog2(ROWS) : 1,    // bits of a row index
  parameter integer WAW      = (WMEM_WORDS > 1) ? $clog2(WMEM_WORDS) : 1,   // bits of a word
  parameter integer WBY      = (LANES >= 5) ? LANES / 5 : 1,    // bytes of a row's T5 slice
  parameter integer WMD      = (WM_BEAT != 0) ? ROWS * WBY : WBY   // bytes of a write
) (
  input  wire                      clk_i,
  input  wire                      rst_ni,     // synchronous, active low
  // job control
  input  wire                      start_i,
  // The job as planned (tern_job_planner): B = ceil(K / LANES) beats per row group and
  // G = ceil(N / ROWS) groups, and the lanes of a group's last beat and the rows of the last
  // group, minus one.
  input  wire [K_BITS-1:0]         cfg_beats_i,   // B, 1 .. ceil(K_MAX / LANES) (not checked)
  input  wire [N_BITS-1:0]         cfg_groups_i,  // G, 1 .. ceil(N_MAX / ROWS) (not checked)
  input  wire [LRW-1:0]            cfg_klast_i,   // (K - 1) mod LANES
  input  wire [RRW-1:0]            cfg_nlast_i,   // (N - 1) mod ROWS
  input  wire [FMT_BITS-1:0]       cfg_fmt_i,
  input  wire [$clog2(T_MAX+1)-1:0] cfg_tokens_i,  // 1 .. T_MAX
  input  wire [WAW-1:0]            cfg_wbase_i,   // WMEM_WORDS > 0: the job's first beat's word
  output wire                      busy_o,
  output wire                      err_o,
  // weight beats (W_BEAT_BITS = 2*ROWS*LANES; T5 beats use the low 8*ROWS*LANES/5 bits;
  // int8: 8*ROWS*LANES)
  input  wire                      w_valid_i,
  output wire                      w_ready_o,
  input  wire [WB*ROWS*LANES-1:0]  w_data_i,
  // WMEM_WORDS > 0: the weight memory's write port: row wm_row_i's T5 slice (LANES / 5 bytes)
  // of word wm_word_i, whole (WM_BEAT: the whole beat, every row's slice); it takes effect
  // within 5 cycles, and no job may read a word being written
  input  wire                      wm_we_i,
  input  wire [RRW-1:0]            wm_row_i,
  input  wire [WAW-1:0]            wm_word_i,
  input  wire [8*WMD-1:0]          wm_data_i,
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
  // A weight times an activation: at most 128 (ternary) or 128 * 128 (int8) in magnitude.
  localparam integer PROD_MAX = (MAC_KIND == 1) ? 16384 : 128;
  // Accumulator bits kept: a sum of K_MAX products, each in [-PROD_MAX, PROD_MAX], fits ACC_W
  // signed bits (24 for ternary weights, 31 for int8).
  localparam integer ACC_NEED = $clog2(PROD_MAX * `TERN_K_MAX + 1) + 1;
  localparam integer ACC_W    = (ACC_NEED < ACC_BITS) ? ACC_NEED : ACC_BITS;
  localparam integer LEVELS   = $clog2(LANES);          // TREE_LEVELS
  localparam integer T5_OK    = ((ROWS * LANES) % 5 == 0 && MAC_KIND == 0) ? 1 : 0;
  // S1 + tree levels (FREE_RUN: + S2, the rows' own copies of the codes and activations)
  // WMEM_WORDS > 0: the activations and flags wait WD more stages, the time the rows' weight
  // codes take from the beat's word (S0) through its two copies and tern_wtile's two registers
  localparam integer WD = (WMEM_WORDS > 0) ? 2 : 0;
  localparam integer FLAG_STAGES = 1 + LEVELS + ((FREE_RUN != 0) ? 1 : 0) + WD;
  localparam integer TOK_BITS = $clog2(T_MAX + 1);      // bits of a token count 1 .. T_MAX
  localparam integer TIX_BITS = (T_MAX > 1) ? $clog2(T_MAX) : 1;  // bits of a token index
  // Counter widths: B <= ceil(K_MAX / LANES) and G <= ceil(N_MAX / ROWS).
  localparam integer B_MAX    = (`TERN_K_MAX + LANES - 1) / LANES;
  localparam integer G_MAX    = (`TERN_N_MAX + ROWS - 1) / ROWS;
  localparam integer BC_BITS  = $clog2(B_MAX + 1);
  localparam integer GC_BITS  = $clog2(G_MAX + 1);

  localparam [FMT_BITS-1:0] FMT_T2 = `TERN_FMT_T2;
  localparam [FMT_BITS-1:0] FMT_T5 = `TERN_FMT_T5;
  localparam integer T2_ON = (FORMATS >> `TERN_FMT_T2) & 1;

  // ---------------------------------------------------------------------------------------
  // Global enable: everything holds while the result register holds an untaken beat.
  // ---------------------------------------------------------------------------------------
  reg  r_valid_q;
  reg  r_last_q;
  wire en = (FREE_RUN != 0) ? 1'b1 : (~r_valid_q | r_ready_i);
  // FREE_RUN (g_free): the result queue has room for one more result in flight, the job's last
  // result leaves the queue, and the queue's head
  wire free_room, free_done;
  wire free_r_valid, free_r_last;
  wire [`TERN_ACC_BITS*ROWS-1:0] free_r_data;

  // ---------------------------------------------------------------------------------------
  // Job control
  // ---------------------------------------------------------------------------------------
  reg                busy_q;
  reg                feed_q;      // beats of the job remain to be taken
  reg                err_q;
  reg                fmt_t5_q;

  wire fmt_ok = ((T2_ON != 0) ? (cfg_fmt_i == FMT_T2) : 1'b0) || ((cfg_fmt_i == FMT_T5) && (T5_OK != 0));
  localparam [31:0] T_MAX_U = T_MAX;
  wire [31:0] cfg_tokens_u = {{(32-TOK_BITS){1'b0}}, cfg_tokens_i};
  wire tok_ok = (cfg_tokens_u != 32'd0) && (cfg_tokens_u <= T_MAX_U);
  // B and G are not checked here: the planner refuses K = 0 and N = 0 (BAD_K, BAD_N), so
  // they are >= 1; a 0 would count as 2^BC_BITS beats or 2^GC_BITS groups (bounded).
  wire cfg_ok = fmt_ok && tok_ok;
  wire start_ok  = start_i & cfg_ok;    // used while idle only
  wire start_bad = start_i & ~cfg_ok;

  // Prefill weight reuse: each weight beat serves TOKENS activation beats in a row (token 0
  // .. TOKENS-1 at the same K positions). The weight beat moves with token 0's activations
  // and stays in S0 for the others; the beat and group counters step after the last token.
  reg  [TIX_BITS-1:0] tok_q;       // token of the next activation beat
  reg  [TIX_BITS-1:0] tok_last_q;  // TOKENS - 1
  wire tok_first = (tok_q == {TIX_BITS{1'b0}});
  wire tok_last  = (tok_q == tok_last_q);
  wire [31:0] cfg_tok_m1 = cfg_tokens_u - 32'd1;   // < T_MAX when the start is taken
  wire        unused_cfg_tok_m1 = ^cfg_tok_m1;

  wire take = busy_q & feed_q & ((FREE_RUN != 0) ? free_room : en);
  // (WMEM_WORDS > 0: the weights are always there)
  wire w_have = (WMEM_WORDS > 0) | w_valid_i;
  wire fire = take & a_valid_i & ((FREE_RUN != 0) ? w_have : (w_valid_i | ~tok_first));
  wire step = fire & tok_last;     // the beat's last token: the job advances one beat
  assign w_ready_o = take & a_valid_i & ((FREE_RUN != 0) ? (tok_last & (WMEM_WORDS == 0)) : tok_first);
  assign a_ready_o = take & ((FREE_RUN != 0) ? w_have : (w_valid_i | ~tok_first));

  always @(posedge clk_i) begin
    if (!busy_q) begin
      tok_q      <= {TIX_BITS{1'b0}};
      tok_last_q <= cfg_tok_m1[TIX_BITS-1:0];
    end else if (fire) begin
      tok_q <= tok_last ? {TIX_BITS{1'b0}} : tok_q + {{(TIX_BITS-1){1'b0}}, 1'b1};
    end
  end

  wire r_done = (FREE_RUN != 0) ? free_done : (r_valid_q & r_ready_i & r_last_q);

  // Position in the job: beat b of its group (1 .. B) and group g (1 .. G), up-counters
  // set to 1 by flip-flop resets and compared with B and G. While idle the limits follow
  // cfg_*, so they hold the start's values when a start is taken.
  localparam [BC_BITS-1:0] B_ONE = {{(BC_BITS-1){1'b0}}, 1'b1};
  localparam [GC_BITS-1:0] G_ONE = {{(GC_BITS-1){1'b0}}, 1'b1};
  reg  [BC_BITS-1:0] b_q, beats_q;
  reg  [GC_BITS-1:0] g_q, groups_q;
  wire               k_last = (b_q == beats_q);   // this beat is the last of its group
  wire               n_last = (g_q == groups_q);  // this group is the last of the job
  wire               unused_cfg_hi = ^{cfg_beats_i, cfg_groups_i};
  wire               group_end = step & k_last;
  reg                first_q;     // the next beat is the first of its group

  always @(posedge clk_i) begin
    if (!busy_q)   first_q <= 1'b1;
    else if (step) first_q <= k_last;
  end

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
      if (group_end && n_last) feed_q <= 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (!busy_q || group_end) b_q <= B_ONE;
    else if (step)            b_q <= b_q + B_ONE;
    if (!busy_q)              g_q <= G_ONE;
    else if (group_end)       g_q <= g_q + G_ONE;
  end

  always @(posedge clk_i) begin
    if (!busy_q) begin
      fmt_t5_q <= (cfg_fmt_i == FMT_T5);
      beats_q  <= cfg_beats_i[BC_BITS-1:0];
      groups_q <= cfg_groups_i[GC_BITS-1:0];
    end
  end

  assign busy_o = busy_q;
  assign err_o  = err_q;

  // Masks: lanes l > (K-1) mod LANES of a group's last beat and rows r > (N-1) mod ROWS of the
  // last group count as 0. The cut sets are constant during a job (thermometer codes loaded
  // while idle); the per-beat masks are flip-flops whose synchronous reset does the AND with
  // "last" (s0_kill_q, s0_row_kill_q below), so no per-lane logic is needed.
  reg  [LANES-1:0] lane_cut_q;
  reg  [ROWS-1:0]  row_cut_q;

  genvar l, r;
  generate
    // Lane 0 and row 0 are never cut (at least one lane and one row are valid); with one lane
    // or one row the remainder is always 0.
    if (LANES == 1) begin : g_one_lane
      wire unused_klast = ^cfg_klast_i;
    end
    if (ROWS == 1) begin : g_one_row
      wire unused_nlast = ^cfg_nlast_i;
    end
    always @(posedge clk_i) begin
      lane_cut_q[0] <= 1'b0;
      row_cut_q[0]  <= 1'b0;
    end
    // lane_cut[l] = (klast < l), written as klast = 4h + m against l = 4 HL + ML (m = the low
    // two bits): small
    // compares that map to LUTs (a plain 'klast < l' becomes a carry chain per lane).
    for (l = 1; l < LANES; l = l + 1) begin : g_lane_cut
      wire ge;   // klast >= l
      if (LRW > 2) begin : g_split
        localparam [31:0]    L_U = l;
        localparam [LRW-3:0] HL = L_U[LRW-1:2];
        localparam [1:0]     ML = L_U[1:0];
        wire [LRW-3:0] h = cfg_klast_i[LRW-1:2];
        wire           h_gt, m_ge;   // h > HL, m >= ML (constant where the range decides)
        if (L_U[LRW-1:2] == {(LRW-2){1'b1}}) begin : g_h_top
          assign h_gt = 1'b0;
        end else begin : g_h_cmp
          assign h_gt = (h > HL);
        end
        if (ML == 2'd0) begin : g_m_zero
          assign m_ge = 1'b1;
        end else begin : g_m_cmp
          assign m_ge = (cfg_klast_i[1:0] >= ML);
        end
        assign ge = h_gt | ((h == HL) & m_ge);
      end else begin : g_small
        localparam [31:0]    L_U = l;
        localparam [LRW-1:0] LV = L_U[LRW-1:0];
        assign ge = (cfg_klast_i >= LV);
      end
      always @(posedge clk_i) begin
        if (!busy_q) lane_cut_q[l] <= ~ge;
      end
    end
    for (r = 1; r < ROWS; r = r + 1) begin : g_row_cut
      localparam [31:0] R_U = r;
      always @(posedge clk_i) begin
        if (!busy_q) row_cut_q[r] <= ({{(32-RRW){1'b0}}, cfg_nlast_i} < R_U);
      end
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // S0: input registers. The activations load unmasked; s0_kill_q marks the lanes that S1
  // loads as x = 0, which makes them contribute 0 whatever their weight code.
  // ---------------------------------------------------------------------------------------
  reg                    s0_valid_q;
  reg                    s0_first_q;
  reg  [TIX_BITS-1:0]    s0_tok_q;
  reg                    s0_last_q;
  reg                    s0_job_last_q;
  reg  [ROWS-1:0]        s0_row_kill_q;
  reg  [LANES-1:0]       s0_kill_q;
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
      s0_first_q    <= first_q;
      s0_tok_q      <= tok_q;
      s0_last_q     <= k_last;
      s0_job_last_q <= k_last & n_last & tok_last;
      s0_x_q        <= a_data_i;
      s0_kill_q     <= k_last ? lane_cut_q : {LANES{1'b0}};
      s0_row_kill_q <= n_last ? row_cut_q : {ROWS{1'b0}};
    end
  end

  // ---------------------------------------------------------------------------------------
  // S1: decode (shared by all rows) and register the codes with the activations.
  // ---------------------------------------------------------------------------------------
  wire [WB*ROWS*LANES-1:0] codes;
  reg  [WB*ROWS*LANES-1:0] s1_codes_q;
  reg  [8*LANES-1:0]       s1_x_q;

  // The weight beat loads into S0 (inside the decoder) with token 0 and is held for the
  // other tokens.
  tern_weight_decoder #(
    .ROWS   (ROWS),
    .LANES  (LANES),
    .T5_ROM (T5_ROM),
    .WB     (WB),
    .T2     (T2_ON)
  ) u_decoder (
    .clk_i    (clk_i),
    .load_i   ((FREE_RUN != 0) ? 1'b1 : (en & tok_first)),
    .beat_i   (w_data_i),
    .fmt_t5_i (fmt_t5_q),
    .codes_o  (codes)
  );

  always @(posedge clk_i) begin
    if (en) begin
      s1_codes_q <= codes;
    end
  end

  generate
    for (l = 0; l < LANES; l = l + 1) begin : g_s1_x
      always @(posedge clk_i) begin
        if (en) begin
          s1_x_q[8*l +: 8] <= s0_kill_q[l] ? 8'd0 : s0_x_q[8*l +: 8];
        end
      end
    end
  endgenerate

  // Flags travel beside the data: stage 1 is S1, stages 2 .. 1+LEVELS the tree levels; the
  // last stage is the beat that the accumulators see this cycle.
  // {tok, first, row_kill, job_last, last, valid}
  localparam integer FLAG_BITS = 4 + ROWS + TIX_BITS;
  reg  [FLAG_BITS*FLAG_STAGES-1:0] flag_q;
  wire [FLAG_BITS-1:0] s0_flags = {s0_tok_q, s0_first_q, s0_row_kill_q, s0_job_last_q,
                                   s0_last_q, s0_valid_q};
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
  wire [ROWS-1:0]      acc_row_kill = acc_flags[3 +: ROWS];
  wire                 acc_first    = acc_flags[3 + ROWS];
  wire [TIX_BITS-1:0]  acc_tok      = acc_flags[4 + ROWS +: TIX_BITS];
  // The beat one stage earlier: it reaches the accumulators next cycle if the pipeline moves.
  wire [TIX_BITS-1:0]  pre_tok      = flag_chain[FLAG_BITS*(FLAG_STAGES-1) + 4 + ROWS +: TIX_BITS];
  wire                 unused_flags = ^flag_chain[FLAG_BITS*FLAG_STAGES +: FLAG_BITS];

  // The rows read the accumulator of the beat that is at the accumulate stage next cycle: the
  // one a stage earlier when the pipeline moves, else the one there now. A bubble reads
  // anything (nothing uses it); consecutive beats have different tokens when T > 1, so the
  // read never meets the write.
  wire [TIX_BITS-1:0] acc_rd_tok = en ? pre_tok : acc_tok;
  reg                 acc_t1_q;    // TOKENS = 1 (registered: it selects 2 * ROWS * ACC_W bits)

  always @(posedge clk_i) begin
    if (!busy_q) acc_t1_q <= (cfg_tok_m1 == 32'd0);
  end

  wire [ACC_BITS*ROWS-1:0] row_res;   // the result beat, in the rows' result registers

  // FREE_RUN: S1's activations and the accumulate stage's flags reach the rows through a
  // two-level tree of copies (tern_rep_ff): one per group of RGRP rows, then one per row, and
  // the codes through a copy per row (S2). Broadcast from one register, an activation bit took
  // 14.2 ns of routing to its 16 row copies at 16 x 40 on the ECP5-85F (nextpnr-ecp5 0.11.1),
  // and each row's codes 14 ns from the decoder: each copy is a register where the placer can
  // break a long route.
  localparam integer RGRP = 4;
  localparam integer NGRP = (ROWS + RGRP - 1) / RGRP;
  localparam integer GF_BITS = 4 + RGRP + TIX_BITS;   // {t1, tok, first, kill x RGRP, last, valid}
  genvar gi;
  generate
    if (FREE_RUN != 0) begin : g_grp
      wire [8*LANES*NGRP-1:0]  grp_x;
      wire [GF_BITS*NGRP-1:0]  grp_f;
      wire [8*LANES-1:0] x_d;   // what s1_x_q loads
      for (l = 0; l < LANES; l = l + 1) begin : g_x_d
        assign x_d[8*l +: 8] = s0_kill_q[l] ? 8'd0 : s0_x_q[8*l +: 8];
      end
      // the flags one stage before the rows' copies (cleared by reset with the chain)
      wire [FLAG_BITS-1:0] fd = rst_ni ? flag_chain[FLAG_BITS*(FLAG_STAGES-2) +: FLAG_BITS]
                                       : {FLAG_BITS{1'b0}};
      wire t1_d = busy_q ? acc_t1_q : (cfg_tok_m1 == 32'd0);
      wire [ROWS+RGRP-1:0] kill_x = {{RGRP{1'b0}}, fd[3 +: ROWS]};   // rows past ROWS: unused
      wire unused_pad = ^{kill_x[ROWS +: RGRP], grp_f};   // the last group's rows past ROWS
      // WMEM_WORDS > 0: WD stages more (the flags' chain has them too)
      wire [8*LANES*(WD+1)-1:0] x_dl;
      assign x_dl[0 +: 8*LANES] = x_d;
      genvar gd;
      for (gd = 0; gd < WD; gd = gd + 1) begin : g_xdelay
        reg [8*LANES-1:0] xq;
        always @(posedge clk_i) xq <= x_dl[8*LANES*gd +: 8*LANES];
        assign x_dl[8*LANES*(gd+1) +: 8*LANES] = xq;
      end
      for (gi = 0; gi < NGRP; gi = gi + 1) begin : g_g
        tern_rep_ff #(.W(8 * LANES)) u_x (
          .clk_i (clk_i),
          .d_i   (x_dl[8*LANES*WD +: 8*LANES]),
          .q_o   (grp_x[8*LANES*gi +: 8*LANES])
        );
        tern_rep_ff #(.W(GF_BITS)) u_f (
          .clk_i (clk_i),
          .d_i   ({t1_d, fd[4 + ROWS +: TIX_BITS], fd[3 + ROWS], kill_x[RGRP*gi +: RGRP],
                   fd[1], fd[0]}),
          .q_o   (grp_f[GF_BITS*gi +: GF_BITS])
        );
      end
    end
  endgenerate

  // WMEM_WORDS > 0: the word of the beat in S0 (loaded every cycle: the pipeline never holds)
  // and the write port reach the rows' tiles through a copy per group of RGRP rows, then a
  // copy per row (in g_row). A write's slice is decoded once, here, into the row's codes (by
  // the T5 table, then a register): {we, row, word, codes}. WM_BEAT: the whole beat, decoded
  // in logic, and each group's copy carries its RGRP rows' codes: {we, row, word, codes x RGRP}.
  localparam integer WRC = (WM_BEAT != 0) ? RGRP : 1;         // rows' codes in a group copy
  localparam integer WRB = 1 + RRW + WAW + 2 * LANES * WRC;
  generate
    if (WMEM_WORDS > 0) begin : g_wmem
      if (FREE_RUN == 0 || MAC_KIND != 0 || FORMATS != (1 << `TERN_FMT_T5) || LANES % 5 != 0 ||
          (WMEM_WORDS & (WMEM_WORDS - 1)) != 0) begin : g_bad
        // elaboration stops here: the weight memory serves the free-running T5-only array
        tern_mac_array_wmem_needs_free_run_t5_lanes_multiple_of_5 u_bad ();
      end
      reg  [WAW-1:0]      wptr_q;    // the current beat's word
      reg  [WAW-1:0]      s0_wa_q;   // the word of the beat in S0
      reg  [RRW+WAW:0]    wa_q;      // {we, row, word}, beside the decoder's data register
      localparam integer WDR = (WM_BEAT != 0) ? ROWS : 1;     // rows a write decodes
      wire [2*LANES*WDR-1:0] wcodes;
      wire [WAW*NGRP-1:0] grp_ra;
      wire [WRB*NGRP-1:0] grp_wr;
      wire                unused_w = ^{w_valid_i, w_data_i, s1_codes_q};
      tern_weight_decoder #(
        .ROWS   (WDR),
        .LANES  (LANES),
        .T5_ROM ((WM_BEAT != 0) ? 0 : 1),
        .WB     (2),
        .T2     (0),
        .T5_PIPE((WM_BEAT != 0) ? 1 : 0)
      ) u_wdec (
        .clk_i    (clk_i),
        .load_i   (1'b1),
        .beat_i   ({{(2 * LANES * WDR - 8 * WMD){1'b0}}, wm_data_i}),
        .fmt_t5_i (1'b1),
        .codes_o  (wcodes)
      );
      always @(posedge clk_i) begin
        if (!busy_q)   wptr_q <= cfg_wbase_i;
        else if (step) wptr_q <= wptr_q + {{(WAW-1){1'b0}}, 1'b1};
        s0_wa_q <= wptr_q;
        wa_q    <= {wm_we_i, wm_row_i, wm_word_i};
      end
      // WM_BEAT: the decode split by a register after its first two adder levels (T5_PIPE;
      // the three levels were the 93.7 MHz wide build's critical path at seed 3), and the whole
      // beat's codes registered beside the decoder before they fan out to the groups (the
      // decode then a hop across the chip to a group copy was the 96.3 MHz build's): a write
      // lands two cycles later (tern_wring LAND_DLY counts them)
      wire [2*LANES*WDR-1:0] wcodes_r;
      wire [RRW+WAW:0]       wa_r;
      if (WM_BEAT != 0) begin : g_dreg
        reg [2*LANES*WDR-1:0] wcodes_q;
        reg [RRW+WAW:0]       wa2_q, wa3_q;
        always @(posedge clk_i) begin
          wcodes_q <= wcodes;
          wa2_q    <= wa_q;
          wa3_q    <= wa2_q;
        end
        assign wcodes_r = wcodes_q;
        assign wa_r     = wa3_q;
      end else begin : g_nodreg
        assign wcodes_r = wcodes;
        assign wa_r     = wa_q;
      end
      // the rows past ROWS of the last group: codes 0 (those rows do not exist)
      wire [2*LANES*RGRP*NGRP-1:0] wcodes_g = {{(2 * LANES * (RGRP * NGRP - WDR)){1'b0}}, wcodes_r};
      wire unused_wcodes_g = ^wcodes_g;   // (one slice a write: the first row's codes only)
      for (gi = 0; gi < NGRP; gi = gi + 1) begin : g_g
        reg [WRB-1:0] wr_q;   // the decoder's register, then this group's write, registered
        always @(posedge clk_i) begin
          if (WM_BEAT != 0) wr_q <= {wa_r, wcodes_g[2*LANES*RGRP*gi +: 2*LANES*WRC]};
          else              wr_q <= {wa_r, wcodes_g[0 +: 2*LANES*WRC]};
        end
        tern_rep_ff #(.W(WAW)) u_ra (
          .clk_i (clk_i),
          .d_i   (s0_wa_q),
          .q_o   (grp_ra[WAW*gi +: WAW])
        );
        // (WM_BEAT, the ring's path from the weight port, which sits wherever the port's memory
        // is: a second group copy, so that the hop to the group's rows is two registers long;
        // the ring counts a write as landed one cycle later, tern_wring LAND_DLY)
        wire [WRB-1:0] wr_g;
        if (WM_BEAT != 0) begin : g_hop
          tern_rep_ff #(.W(WRB)) u_hop (
            .clk_i (clk_i),
            .d_i   (wr_q),
            .q_o   (wr_g)
          );
        end else begin : g_nohop
          assign wr_g = wr_q;
        end
        tern_rep_ff #(.W(WRB)) u_wr (
          .clk_i (clk_i),
          .d_i   (wr_g),
          .q_o   (grp_wr[WRB*gi +: WRB])
        );
      end
    end else begin : g_no_wmem
      wire unused_wm = ^{cfg_wbase_i, wm_we_i, wm_row_i, wm_word_i, wm_data_i};
    end
  endgenerate

  generate
    for (r = 0; r < ROWS; r = r + 1) begin : g_row
      // The accumulate stage's controls as this row sees them: FREE_RUN gives each row its own
      // copy (tern_rep_ff) of the flags' last stage and of acc_t1_q, so that no control net
      // reaches every row's accumulator bits (~400 loads at 16 x 40).
      wire                row_valid, row_first, row_last, row_kill, row_t1;
      wire [TIX_BITS-1:0] row_tok;
      wire [TIX_BITS-1:0] row_rd_tok;  // FREE_RUN: the group's copy of the accumulator read token
      wire [8*LANES-1:0]  row_x;       // FREE_RUN: the row's own copy of the activations (S2)
      wire [WB*LANES-1:0] row_codes;   // FREE_RUN: the row's own copy of its codes (S2)
      if (FREE_RUN != 0) begin : g_rep
        localparam integer G = r / RGRP;
        wire [GF_BITS-1:0] gf = g_grp.grp_f[GF_BITS*G +: GF_BITS];
        // cleared by reset too: a one-cycle abort must not leave a beat in the copies
        wire [GF_BITS-1:0] f  = rst_ni ? gf : {GF_BITS{1'b0}};
        tern_rep_ff #(.W(8 * LANES)) u_x (
          .clk_i (clk_i),
          .d_i   (g_grp.grp_x[8*LANES*G +: 8*LANES]),
          .q_o   (row_x)
        );
        // the token of the beat at the accumulate stage next cycle (acc_rd_tok with the
        // pipeline moving, as it always is): the group copy's, a stage before the row's own
        assign row_rd_tok = gf[3 + RGRP +: TIX_BITS];
        if (WMEM_WORDS > 0) begin : g_tile
          // the row's copy of the beat's word and of the write port, and its weight memory
          wire [WAW-1:0]     ra;
          wire               we;
          wire [WAW-1:0]     wa;
          wire [2*LANES-1:0] wc;
          localparam [RRW-1:0] R_ROW = r;
          tern_rep_ff #(.W(WAW)) u_ra (
            .clk_i (clk_i),
            .d_i   (g_wmem.grp_ra[WAW*G +: WAW]),
            .q_o   (ra)
          );
          // the group copy's {we, row, word, codes x WRC}: this row's write (WM_BEAT: every
          // row takes every write, its own codes)
          localparam integer CB = 2 * LANES * WRC;             // codes bits in a group copy
          localparam integer CR = (WM_BEAT != 0) ? (r % RGRP) : 0;
          wire [WRB-1:0] gw = g_wmem.grp_wr[WRB*G +: WRB];
          wire row_hit = (WM_BEAT != 0) ? 1'b1 : (gw[CB + WAW +: RRW] == R_ROW);
          tern_rep_ff #(.W(1 + WAW + 2 * LANES)) u_wr (
            .clk_i (clk_i),
            .d_i   ({gw[WRB-1] & row_hit, gw[CB +: WAW], gw[2*LANES*CR +: 2*LANES]}),
            .q_o   ({we, wa, wc})
          );
          tern_wtile #(.LANES(LANES), .WORDS(WMEM_WORDS), .AW(WAW)) u_wtile (
            .clk_i    (clk_i),
            .raddr_i  (ra),
            .we_i     (we),
            .waddr_i  (wa),
            .wcodes_i (wc),
            .codes_o  (row_codes)
          );
        end else begin : g_codes
          tern_rep_ff #(.W(WB * LANES)) u_codes (
            .clk_i (clk_i),
            .d_i   (s1_codes_q[WB*LANES*r +: WB*LANES]),
            .q_o   (row_codes)
          );
        end
        tern_rep_ff #(.W(5 + TIX_BITS)) u_flags (
          .clk_i (clk_i),
          .d_i   ({f[2 + RGRP +: TIX_BITS + 2], f[2 + (r % RGRP)], f[1], f[0]}),
          .q_o   ({row_t1, row_tok, row_first, row_kill, row_last, row_valid})
        );
      end else begin : g_shared   // (the shared flags below)
        assign {row_t1, row_tok, row_first, row_kill, row_last, row_valid} = {(5 + TIX_BITS){1'b0}};
        assign row_x = {(8 * LANES){1'b0}};
        assign row_rd_tok = {TIX_BITS{1'b0}};
        assign row_codes = {(WB * LANES){1'b0}};
      end
      tern_mac_row #(
        .LANES    (LANES),
        .ACC_BITS (ACC_BITS),
        .ACC_W    (ACC_W),
        .T_MAX    (T_MAX),
        .MAC_KIND (MAC_KIND),
        .NO_CLEAR (FREE_RUN)
      ) u_row (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni),
        .en_i        (en),
        .codes_i     ((FREE_RUN != 0) ? row_codes : s1_codes_q[WB*LANES*r +: WB*LANES]),
        .x_i         ((FREE_RUN != 0) ? row_x : s1_x_q),
        .acc_valid_i ((FREE_RUN != 0) ? row_valid : acc_valid),
        .acc_first_i ((FREE_RUN != 0) ? row_first : acc_first),
        .acc_last_i  ((FREE_RUN != 0) ? row_last : acc_last),
        .t1_i        ((FREE_RUN != 0) ? row_t1 : acc_t1_q),
        .wr_tok_i    ((FREE_RUN != 0) ? row_tok : acc_tok),
        .rd_tok_i    ((FREE_RUN != 0) ? row_rd_tok : acc_rd_tok),
        .row_valid_i ((FREE_RUN != 0) ? ~row_kill : ~acc_row_kill[r]),
        .res_o       (row_res[ACC_BITS*r +: ACC_BITS])
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

  assign r_valid_o = (FREE_RUN != 0) ? free_r_valid : r_valid_q;
  assign r_last_o  = (FREE_RUN != 0) ? free_r_last : r_last_q;
  assign r_data_o  = (FREE_RUN != 0) ? free_r_data : row_res;

  generate
    if (FREE_RUN != 0) begin : g_free
      wire unused_row_flags = ^{acc_row_kill, acc_first, s1_x_q};   // the rows' copies carry them
      // Results owed: beats taken that make a result (a group's last beat, each token), minus
      // results taken from the queue. room_q says the count a cycle ago was at most RES_DEPTH - 3,
      // so it is at most RES_DEPTH - 2 now and at most RES_DEPTH - 1 after a beat taken on room_q
      // (at most one is taken a cycle): the queue never fills. room_q comes from owed_q alone,
      // not from this cycle's handshakes, so the array's step decision does not reach it.
      localparam integer OW = $clog2(RES_DEPTH + 1);
      localparam [31:0]  LIM_U = RES_DEPTH - 3;
      reg  [OW-1:0] owed_q;
      reg           room_q;
      wire          q_pop = free_r_valid & r_ready_i;
      wire          made  = fire & k_last;
      wire [OW-1:0] owed_d = owed_q + {{(OW-1){1'b0}}, made} - {{(OW-1){1'b0}}, q_pop};
      always @(posedge clk_i) begin
        if (!rst_ni) begin
          owed_q <= {OW{1'b0}};
          room_q <= 1'b1;
        end else begin
          owed_q <= owed_d;
          room_q <= ({{(32-OW){1'b0}}, owed_q} <= LIM_U);
        end
      end
      wire          unused_q_ready;   // the credit keeps a word free
      wire [$clog2(RES_DEPTH+1)-1:0] unused_q_level;
      tern_fifo #(.WIDTH(ACC_BITS * ROWS + 1), .DEPTH(RES_DEPTH)) u_res (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni),
        .clear_i     (1'b0),
        .in_valid_i  (r_valid_q),
        .in_ready_o  (unused_q_ready),
        .in_data_i   ({r_last_q, row_res}),
        .out_valid_o (free_r_valid),
        .out_ready_i (r_ready_i),
        .out_data_o  ({free_r_last, free_r_data}),
        .level_o     (unused_q_level)
      );
      assign free_room = room_q;
      assign free_done = q_pop & free_r_last;
    end else begin : g_held
      assign free_room    = 1'b0;
      assign free_done    = 1'b0;
      assign free_r_valid = 1'b0;
      assign free_r_last  = 1'b0;
      assign free_r_data  = {(ACC_BITS*ROWS){1'b0}};
    end
  endgenerate

endmodule

`default_nettype wire
