// SPDX-License-Identifier: Apache-2.0
// tern_job_engine: runs the descriptors the CSR block queues, on the MAC array, through one
// AXI4 master port (64-bit), and with WPORT_BYTES > 0 a second, read-only one as wide as a T5
// weight beat that carries the weights alone (one beat a cycle for arrays whose beat a 64-bit
// port cannot feed), or with WMEM_WORDS > 0 no weight traffic at all: the weights live in the
// array (tern_mac_array WMEM_WORDS), loaded through wm_*, and W_ADDR addresses them there;
// with both, the weight port streams into the array's memory as a ring (RING, below).
// docs/architecture.md has the block diagram and the cycle budget.
//
// Jobs flow through three in-order stages over two job slots (0 and 1, used alternately):
//   plan   tern_job_planner checks the descriptor and works out B, the weight and
//          activation word counts; a failed check skips all memory traffic.
//   fetch  issues the job's activation range (into activation bank <slot>) and then its
//          weight range (into the weight FIFO, credit-checked so R is never refused);
//          it runs one job ahead of execute, so the next job's activations and weights
//          arrive while the current job computes (ping-pong activation banks).
//   exec   starts the array when the job's activations are in, streams weights from the
//          FIFO through the weight gearbox and activation beats from the bank (each weight
//          beat serves TOKENS activation beats), writes results, and reports the job done
//          once every write response is back.
// A read or write error response marks its job's slot: the fetch stops issuing its weight
// bursts, the array is reset, the job's words still in flight are drained and discarded,
// and the job ends with BUS_ERROR; the next job runs normally.

`default_nettype none

`include "tern_params.vh"

module tern_job_engine #(
  parameter integer ROWS          = `TERN_ROWS,
  parameter integer LANES         = `TERN_LANES,
  parameter integer T_MAX         = `TERN_T_MAX,
  parameter integer ACT_BUF_BEATS = `TERN_ACT_BUF_BEATS,
  parameter integer RD_FIFO_WORDS = `TERN_RD_FIFO_WORDS,
  parameter integer MAX_BURST     = `TERN_MAX_BURST,
  // Small-device options (tern_device derives them; the defaults are the full device):
  parameter integer SLOTS         = 2,   // 1: one job slot, no prefetch; the planner holds the job
  parameter integer SKID          = 1,   // 0: no register FIFOs around the gearboxes and the
                                         // gearboxes' smaller, slower form (timing only)
  parameter integer ARRAY_SKID    = 1,   // 1: the weight beats' register FIFO before the array
                                         // even when SKID = 0 (2 x W_BITS flops: it cuts the
                                         // array -> gearbox -> FIFO RAM ready chain)
  parameter integer ABUF_REGS     = 2,   // activation bank read registers: 2 (RAM + fabric) or 1
  parameter integer FIFO_RAM      = 0,   // 1: weight and feed FIFOs in block RAM, registered head
  parameter integer CYCLES_REG    = 1,   // 0: cycles_o changes only with job_done_o (it is CYCLES)
  // The wide profile: weights through their own read port of WPORT_BYTES-byte beats (0: none,
  // the weights share the 64-bit port). A beat is then one T5 weight beat (WPORT_BYTES =
  // ROWS * LANES / 5, a power of two), FORMATS is T5 alone and W_ADDR is WPORT_BYTES-aligned.
  parameter integer WPORT_BYTES   = 0,
  // > 0 (and WPORT_BYTES = 0): the weights in the array's own memory of WMEM_WORDS T5 beats
  // (ROWS * LANES / 5 bytes each, a power of two >= 8); FORMATS is T5 alone, W_ADDR a byte
  // offset in that memory, aligned to a beat, and a job whose weights run past its end fails
  // with W_RANGE. The memory is written through wm_* (tern_mac_array's write port).
  parameter integer WMEM_WORDS    = 0,
  parameter integer FORMATS       = `TERN_FORMATS_MASK,
  parameter integer T5_ROM        = 1,   // the array's T5 decode: 1 table (block RAM), 0 logic
  parameter integer WPB           = (WPORT_BYTES > 0) ? WPORT_BYTES : 8,  // weight port beat bytes
  parameter integer WMW           = (WMEM_WORDS > 1) ? $clog2(WMEM_WORDS) : 1,   // bits of a word
  parameter integer WMR           = (ROWS > 1) ? $clog2(ROWS) : 1,               // bits of a row
  parameter integer WMB           = (LANES >= 5) ? LANES / 5 : 1                 // bytes of a row's slice
) (
  input  wire        clk_i,
  input  wire [11:0] rst_ni,           // synchronous, active low: one per block, all one signal
  // descriptors from the CSR queue
  input  wire        desc_valid_i,
  output wire        desc_ready_o,
  input  wire [31:0] desc_k_i,
  input  wire [31:0] desc_n_i,
  input  wire [31:0] desc_cfg_i,
  input  wire [31:0] desc_w_addr_i,
  input  wire [31:0] desc_a_addr_i,
  input  wire [31:0] desc_o_addr_i,
  // job reports to the CSR block
  output wire        job_busy_o,
  output wire        job_done_o,
  output wire        job_err_o,
  output wire [7:0]  job_err_code_o,
  output wire [31:0] cycles_o,
  // AXI4 master (64-bit data, one ID)
  output wire [31:0] axi_araddr_o,
  output wire [7:0]  axi_arlen_o,
  output wire        axi_arvalid_o,
  input  wire        axi_arready_i,
  input  wire [63:0] axi_rdata_i,
  input  wire [1:0]  axi_rresp_i,
  input  wire        axi_rlast_i,
  input  wire        axi_rvalid_i,
  output wire        axi_rready_o,
  output wire [31:0] axi_awaddr_o,
  output wire        axi_awvalid_o,
  input  wire        axi_awready_i,
  output wire [63:0] axi_wdata_o,
  output wire [7:0]  axi_wstrb_o,
  output wire        axi_wvalid_o,
  input  wire        axi_wready_i,
  input  wire [1:0]  axi_bresp_i,
  input  wire        axi_bvalid_i,
  output wire        axi_bready_o,
  // AXI4 weight read port (WPORT_BYTES > 0; otherwise idle: ARVALID and RREADY stay 0)
  output wire [31:0]        axiw_araddr_o,
  output wire [7:0]         axiw_arlen_o,
  output wire               axiw_arvalid_o,
  input  wire               axiw_arready_i,
  input  wire [8*WPB-1:0]   axiw_rdata_i,
  input  wire [1:0]         axiw_rresp_i,
  input  wire               axiw_rlast_i,
  input  wire               axiw_rvalid_i,
  output wire               axiw_rready_o,
  // the weight memory's write port (WMEM_WORDS > 0; otherwise ignored): row wm_row_i's slice
  // (LANES / 5 bytes) of the T5 beat at word wm_word_i; no job may read a word being written
  input  wire               wm_we_i,
  input  wire [WMR-1:0]     wm_row_i,
  input  wire [WMW-1:0]     wm_word_i,
  input  wire [8*WMB-1:0]   wm_data_i
);

  // beat sizes of this geometry (docs/formats.md), from the parameters, not the defaults
  localparam integer W_BITS   = 2 * ROWS * LANES;
  localparam integer T2_BB    = (2 * ROWS * LANES + 7) / 8;
  localparam integer T5_BB    = (ROWS * LANES) / 5;
  localparam integer WOUT     = (T2_BB > T5_BB) ? T2_BB : T5_BB;   // weight gearbox beat bytes
  localparam integer WOW      = $clog2(WOUT + 1);
  localparam integer AOW      = $clog2(LANES + 1);
  localparam integer ABW      = (ACT_BUF_BEATS > 1) ? $clog2(ACT_BUF_BEATS) : 1;  // bank index bits
  localparam integer TOKW     = $clog2(T_MAX + 1);
  localparam integer FWL      = $clog2(RD_FIFO_WORDS + 1);
  // credit 0 .. RD_FIFO_WORDS (the weight FIFO), or 0 .. WMEM_WORDS (the ring in the array)
  localparam integer CREDIT_W = (WPORT_BYTES > 0 && WMEM_WORDS > 0) ? $clog2(WMEM_WORDS + 1) : FWL;
  localparam integer OUTST    = 8;                   // read bursts in flight
  localparam integer OUTW     = $clog2(OUTST + 1);
  localparam [31:0]  T2_BB_U  = T2_BB;
  localparam [31:0]  T5_BB_U  = T5_BB;
  localparam [31:0]  LANES_U  = LANES;
  localparam [31:0]  FIFO_U   = RD_FIFO_WORDS;
  localparam [31:0]  WORDS_U  = WMEM_WORDS;
  localparam integer RW       = WMW + 2;             // RING counters: a sign bit above the word count
  localparam [1:0]   FMT_T5   = `TERN_FMT_T5;
  localparam [7:0]   E_BUS    = `TERN_DEVERR_BUS_ERROR;
  // read tags: {weights?, slot}
  localparam integer TAG_W = 2;
  localparam [0:0]   WIDE  = (WPORT_BYTES > 0) ? 1'b1 : 1'b0;
  localparam [0:0]   WMEM  = (WMEM_WORDS > 0) ? 1'b1 : 1'b0;
  // both: the weight port's beats stream into the array's memory as a ring (W_ADDR in memory)
  localparam [0:0]   RING  = WIDE & WMEM;
  localparam [0:0]   RESIDENT = WMEM & ~WIDE;   // the weights resident there (W_ADDR in it)
  // the array without a global enable (tern_mac_array FREE_RUN) and the wide timing options
  localparam [0:0]   FREE  = WIDE | WMEM;
  wire unused_rst_n = ^{rst_ni[9], rst_ni[7], rst_ni[2]};   // (the weight port, streams, ring)
  localparam integer T5L2  = (T5_BB > 1) ? $clog2(T5_BB) : 1;
  localparam integer W_WORD = (WMEM_WORDS > 0) ? T5_BB : WPB;   // W_ADDR's alignment, W's word
  localparam integer WFW   = 8 * WPB;                // weight FIFO word bits
  // the wide profile's register FIFOs of weight words: a slice (and a copy of its pointers)
  // per 8 bytes (tern_fifo REGS)
  localparam integer WSLICES = (WPB > 8) ? WPB / 8 : 1;
  generate
    if (WPORT_BYTES > 0 && (WPORT_BYTES != T5_BB || FORMATS != (1 << `TERN_FMT_T5) || WPORT_BYTES > 128 ||
                            (WPORT_BYTES & (WPORT_BYTES - 1)) != 0)) begin : g_bad_wport
      // elaboration stops here: a wide port carries whole T5 beats, a power of two bytes each,
      // at most 128 (AXI4 data is at most 1024 bits)
      tern_job_engine_wport_needs_t5_beat_of_power_of_two_bytes u_bad ();
    end
    if (WMEM_WORDS > 0 && ((WPORT_BYTES != 0 && WPORT_BYTES != T5_BB) || FORMATS != (1 << `TERN_FMT_T5) || T5_BB < 8 ||
                           (T5_BB & (T5_BB - 1)) != 0 || LANES % 5 != 0)) begin : g_bad_wmem
      // the weight memory holds T5 beats of a power of two bytes (W_ADDR / beat by a shift)
      tern_job_engine_wmem_needs_t5_beat_of_power_of_two_bytes u_bad ();
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // Plan
  // ---------------------------------------------------------------------------------------
  wire        plan_valid, plan_ready;
  wire [7:0]  plan_err, plan_tok;
  wire [15:0] plan_k, plan_n, plan_b, plan_g;
  localparam integer PDW = $clog2(((LANES > ROWS) ? LANES : ROWS) + 1);  // planner remainders
  wire [PDW-1:0] plan_kl, plan_nl;
  wire [1:0]  plan_fmt;
  wire [31:0] plan_w, plan_a, plan_o, plan_ww, plan_aw;

  tern_job_planner #(
    .ROWS(ROWS), .LANES(LANES), .T_MAX(T_MAX), .ACT_BUF_BEATS(ACT_BUF_BEATS),
    .FORMATS(FORMATS), .W_WORD_BYTES(W_WORD), .W_LIMIT(RESIDENT ? WMEM_WORDS : 0),
    .CHECK_REG(SLOTS == 1 ? 1 : 0)   // the small device: its planner's latency is not hidden
  ) u_planner (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni[0]),
    .desc_valid_i   (desc_valid_i),
    .desc_ready_o   (desc_ready_o),
    .desc_k_i       (desc_k_i),
    .desc_n_i       (desc_n_i),
    .desc_cfg_i     (desc_cfg_i),
    .desc_w_addr_i  (desc_w_addr_i),
    .desc_a_addr_i  (desc_a_addr_i),
    .desc_o_addr_i  (desc_o_addr_i),
    .plan_valid_o   (plan_valid),
    .plan_ready_i   (plan_ready),
    .plan_err_o     (plan_err),
    .plan_k_o       (plan_k),
    .plan_n_o       (plan_n),
    .plan_fmt_o     (plan_fmt),
    .plan_tokens_o  (plan_tok),
    .plan_w_addr_o  (plan_w),
    .plan_a_addr_o  (plan_a),
    .plan_o_addr_o  (plan_o),
    .plan_b_o       (plan_b),
    .plan_g_o       (plan_g),
    .plan_klast_o   (plan_kl),
    .plan_nlast_o   (plan_nl),
    .plan_w_words_o (plan_ww),
    .plan_a_words_o (plan_aw)
  );

  // ---------------------------------------------------------------------------------------
  // Job slots
  // ---------------------------------------------------------------------------------------
  reg [1:0]  s_valid_q, s_fetched_q, s_act_ready_q, s_bus_err_q;
  reg [7:0]  s_err_q   [0:1];
  reg [15:0] s_n_q     [0:1];
  reg [15:0] s_b_q     [0:1];
  reg [15:0] s_g_q     [0:1];
  reg [PDW-1:0] s_kl_q [0:1];
  reg [PDW-1:0] s_nl_q [0:1];
  reg [1:0]  s_fmt_q   [0:1];
  reg [7:0]  s_tok_q   [0:1];
  reg [31:0] s_w_q     [0:1];
  reg [31:0] s_a_q     [0:1];
  reg [31:0] s_o_q     [0:1];
  reg [31:0] s_ww_q    [0:1];
  reg [31:0] s_aw_q    [0:1];
  reg [15:0] s_wpr_q   [0:1];   // ceil(K / 8): words per activation row
  reg [1:0]  s_wpr1_q;          // ... == 1
  reg [3:0]  s_tail_q  [0:1];   // ((K-1) mod 8) + 1: valid bytes of a row's last word
  reg        plan_ptr_q, fetch_ptr_q, exec_ptr_q;

  localparam [0:0]   DIRECT = (SLOTS == 1) ? 1'b1 : 1'b0;   // the planner's outputs are slot 0
  wire [16:0] plan_wpr = ({1'b0, plan_k} + 17'd7) >> 3;
  wire        unused_plan_wpr = plan_wpr[16];
  wire [1:0]  s_valid;   // slot holds a job
  wire        plan_take;

  always @(posedge clk_i) begin
    if (plan_take && !DIRECT) begin
      s_err_q[plan_ptr_q] <= plan_err;
      s_n_q[plan_ptr_q]   <= plan_n;
      s_b_q[plan_ptr_q]   <= plan_b;
      s_g_q[plan_ptr_q]   <= plan_g;
      s_kl_q[plan_ptr_q]  <= plan_kl;
      s_nl_q[plan_ptr_q]  <= plan_nl;
      s_fmt_q[plan_ptr_q] <= plan_fmt;
      s_tok_q[plan_ptr_q] <= plan_tok;
      s_w_q[plan_ptr_q]   <= plan_w;
      s_a_q[plan_ptr_q]   <= plan_a;
      s_o_q[plan_ptr_q]   <= plan_o;
      s_ww_q[plan_ptr_q]  <= plan_ww;
      s_aw_q[plan_ptr_q]  <= plan_aw;
      s_wpr_q[plan_ptr_q] <= plan_wpr[15:0];
      s_wpr1_q[plan_ptr_q] <= (plan_wpr[15:0] == 16'd1);
      s_tail_q[plan_ptr_q] <= {1'b0, plan_k[2:0] - 3'd1} + 4'd1;
    end
  end

  // Slot fields as read: slot <i> of a field, or with one slot the planner's output itself
  // (the planner is released only when the job ends: plan_ready = the job's E_END).
  wire        e_end;
  wire        fs, x, ld_slot;   // slots of fetch, exec and the R beat
  generate
    if (DIRECT) begin : g_direct
      assign plan_ready = e_end;
      assign s_valid    = {1'b0, plan_valid};
      assign plan_take  = 1'b0;
      wire [1:0] unused_s_valid_q = s_valid_q;   // never set: plan_take is 0
    end else begin : g_slots
      assign plan_ready = ~s_valid_q[plan_ptr_q];
      assign s_valid    = s_valid_q;
      assign plan_take  = plan_valid & plan_ready;
      wire unused_e_end = e_end;
    end
  endgenerate
  wire [7:0]  f_err   = DIRECT ? plan_err : s_err_q[fs];
  wire [31:0] f_w     = DIRECT ? plan_w   : s_w_q[fs];
  wire [31:0] f_a     = DIRECT ? plan_a   : s_a_q[fs];
  wire [31:0] f_ww    = DIRECT ? plan_ww  : s_ww_q[fs];
  wire [31:0] f_aw    = DIRECT ? plan_aw  : s_aw_q[fs];
  // (with one slot, the row geometry is registered from the planner's K, which is stable
  // from the take on: the fetch starts after the plan, many cycles later)
  reg  [15:0] d_wpr_q;
  reg         d_wpr1_q;
  reg  [3:0]  d_tail_q;
  always @(posedge clk_i) begin
    d_wpr_q  <= plan_wpr[15:0];
    d_wpr1_q <= (plan_wpr[15:0] == 16'd1);
    d_tail_q <= {1'b0, plan_k[2:0] - 3'd1} + 4'd1;
  end
  wire [15:0] l_wpr   = DIRECT ? d_wpr_q : s_wpr_q[ld_slot];
  wire        l_wpr1  = DIRECT ? d_wpr1_q : s_wpr1_q[ld_slot];
  wire [7:0]  l_tok   = DIRECT ? plan_tok : s_tok_q[ld_slot];
  wire [3:0]  l_tail  = DIRECT ? d_tail_q : s_tail_q[ld_slot];
  wire [7:0]  x_err   = DIRECT ? plan_err : s_err_q[x];
  wire [15:0] x_n     = DIRECT ? plan_n   : s_n_q[x];
  wire [15:0] x_b     = DIRECT ? plan_b   : s_b_q[x];
  wire [15:0] x_g     = DIRECT ? plan_g   : s_g_q[x];
  wire [PDW-1:0] x_kl = DIRECT ? plan_kl  : s_kl_q[x];
  wire [PDW-1:0] x_nl = DIRECT ? plan_nl  : s_nl_q[x];
  wire [1:0]  x_fmt   = DIRECT ? plan_fmt : s_fmt_q[x];
  wire [7:0]  x_tok   = DIRECT ? plan_tok : s_tok_q[x];
  wire [31:0] x_o     = DIRECT ? plan_o   : s_o_q[x];

  // ---------------------------------------------------------------------------------------
  // Fetch: activation range, then weight range, per job
  // ---------------------------------------------------------------------------------------
  localparam [1:0] F_ACT = 2'd0, F_W = 2'd1, F_WAIT = 2'd2;
  reg  [1:0]  fphase_q;
  assign      fs = fetch_ptr_q;
  wire        f_go = s_valid[fs] & ~s_fetched_q[fs] & (f_err == 8'd0);
  wire        f_skip = s_valid[fs] & ~s_fetched_q[fs] & (f_err != 8'd0);
  wire        rd_cmd_ready, rd_busy, rd_issue;
  wire [8:0]  rd_issue_beats;
  wire [TAG_W-1:0] rd_issue_tag, r_tag;
  wire        r_tag_valid;
  // (the wide profile: the weight range goes to the weight port's master, u_wrd)
  wire        wrd_cmd_ready, wrd_busy;
  // (WMEM: no weight range; F_W passes at once)
  wire        rd_cmd_valid = f_go & ((fphase_q == F_ACT) | ((fphase_q == F_W) & ~FREE));
  wire        rd_cmd_w     = (fphase_q == F_W) & ~FREE;
  wire        f_cmd_ready  = (fphase_q == F_W) ? (WIDE ? wrd_cmd_ready : (WMEM | rd_cmd_ready)) :
                             rd_cmd_ready;
  wire [31:0] rd_cmd_addr  = rd_cmd_w ? f_w : f_a;
  wire [31:0] rd_cmd_words = rd_cmd_w ? f_ww : f_aw;
  // slot bits of the burst being issued and of the R beat (constant 0 with one slot)
  wire        iss_slot = (SLOTS > 1) ? rd_issue_tag[0] : 1'b0;
  wire        r_slot;
  wire        rd_stop = rd_busy & rd_issue_tag[1] & s_bus_err_q[iss_slot];
  // Weight-FIFO credit: RD_FIFO_WORDS minus the weight words issued and not yet popped from
  // the FIFO, kept as a register so the burst decision compares registers only.
  reg  [CREDIT_W-1:0] credit_q;

  wire        rd_r_beat = axi_rvalid_i & axi_rready_o;

  tern_rd_master #(
    .MAX_BURST(MAX_BURST), .TAG_W(TAG_W), .OUTSTANDING(OUTST), .CREDIT_W(CREDIT_W),
    .TAGS_RAM(FIFO_RAM), .ISSUE_REG(SLOTS == 1 ? 1 : 0)   // the small device
  ) u_rd (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni[1]),
    .cmd_valid_i   (rd_cmd_valid),
    .cmd_ready_o   (rd_cmd_ready),
    .cmd_addr_i    (rd_cmd_addr),
    .cmd_words_i   (rd_cmd_words),
    .cmd_tag_i     ({rd_cmd_w, fs}),
    .cmd_credit_i  (rd_cmd_w),
    .stop_i        (rd_stop),
    .busy_o        (rd_busy),
    .credit_i      (credit_q),
    .issue_o       (rd_issue),
    .issue_beats_o (rd_issue_beats),
    .issue_tag_o   (rd_issue_tag),
    .axi_araddr_o  (axi_araddr_o),
    .axi_arlen_o   (axi_arlen_o),
    .axi_arvalid_o (axi_arvalid_o),
    .axi_arready_i (axi_arready_i),
    .r_beat_i      (rd_r_beat),
    .r_last_i      (axi_rlast_i),
    .r_tag_valid_o (r_tag_valid),
    .r_tag_o       (r_tag)
  );

  always @(posedge clk_i) begin
    if (!rst_ni[1]) begin
      fphase_q <= F_ACT;
    end else if (f_go) begin
      case (fphase_q)
        F_ACT:   if (rd_cmd_ready) fphase_q <= F_W;
        F_W:     if (f_cmd_ready) fphase_q <= F_WAIT;
        default: if (!rd_busy && !wrd_busy) fphase_q <= F_ACT;
      endcase
    end
  end
  wire f_done = (f_go & (fphase_q == F_WAIT) & ~rd_busy & ~wrd_busy) | f_skip;

  // read bursts in flight per slot (the drain of a failed job waits for its own)
  reg [OUTW-1:0] s_rd_out_q [0:1];
  wire r_burst_end = rd_r_beat & axi_rlast_i;
  integer si;
  always @(posedge clk_i) begin
    if (!rst_ni[1]) begin
      s_rd_out_q[0] <= {OUTW{1'b0}};
      s_rd_out_q[1] <= {OUTW{1'b0}};
    end else begin
      for (si = 0; si < 2; si = si + 1) begin
        if ((rd_issue && iss_slot == si[0]) && !(r_burst_end && r_slot == si[0]))
          s_rd_out_q[si] <= s_rd_out_q[si] + 1'b1;
        else if (!(rd_issue && iss_slot == si[0]) && (r_burst_end && r_slot == si[0]))
          s_rd_out_q[si] <= s_rd_out_q[si] - 1'b1;
      end
    end
  end

  // The wide profile's weight port: its own read master (tag: the slot), with its bursts in
  // flight counted per slot as above. Without it the port is idle.
  wire        wrd_issue;
  wire [8:0]  wrd_issue_beats;
  wire        w_tag_valid;     // a weight-port burst is in flight (an R beat may come)
  wire        w_slot;          // slot of the weight port's R beat
  wire        wrd_iss_slot;    // slot of the weight burst being issued
  wire [1:0]  wrd_out_nz;      // per slot: weight-port bursts in flight
  wire        w_r_beat = axiw_rvalid_i & axiw_rready_o;
  wire        w_r_err  = w_r_beat & (axiw_rresp_i != 2'b00);
  generate
    if (WIDE) begin : g_wport
      wire wiss_tag, w_tag;
      wire wiss_slot = (SLOTS > 1) ? wiss_tag : 1'b0;
      tern_rd_master #(
        .MAX_BURST(MAX_BURST), .WORD_BYTES(WPB), .TAG_W(1), .OUTSTANDING(OUTST),
        .CREDIT_W(CREDIT_W), .TAGS_RAM(FIFO_RAM), .ISSUE_REG((SLOTS == 1 || FREE) ? 1 : 0)
      ) u_wrd (
        .clk_i         (clk_i),
        .rst_ni        (rst_ni[2]),
        .cmd_valid_i   (f_go & (fphase_q == F_W)),
        .cmd_ready_o   (wrd_cmd_ready),
        .cmd_addr_i    (f_w),
        .cmd_words_i   (f_ww),
        .cmd_tag_i     (fs),
        .cmd_credit_i  (1'b1),
        .stop_i        (wrd_busy & s_bus_err_q[wiss_slot]),
        .busy_o        (wrd_busy),
        .credit_i      (credit_q),
        .issue_o       (wrd_issue),
        .issue_beats_o (wrd_issue_beats),
        .issue_tag_o   (wiss_tag),
        .axi_araddr_o  (axiw_araddr_o),
        .axi_arlen_o   (axiw_arlen_o),
        .axi_arvalid_o (axiw_arvalid_o),
        .axi_arready_i (axiw_arready_i),
        .r_beat_i      (w_r_beat),
        .r_last_i      (axiw_rlast_i),
        .r_tag_valid_o (w_tag_valid),
        .r_tag_o       (w_tag)
      );
      assign w_slot = (SLOTS > 1) ? w_tag : 1'b0;
      assign wrd_iss_slot = wiss_slot;
      wire w_burst_end = w_r_beat & axiw_rlast_i;
      reg [OUTW-1:0] out_q [0:1];
      integer wi;
      always @(posedge clk_i) begin
        if (!rst_ni[2]) begin
          out_q[0] <= {OUTW{1'b0}};
          out_q[1] <= {OUTW{1'b0}};
        end else begin
          for (wi = 0; wi < 2; wi = wi + 1) begin
            if ((wrd_issue && wiss_slot == wi[0]) && !(w_burst_end && w_slot == wi[0]))
              out_q[wi] <= out_q[wi] + 1'b1;
            else if (!(wrd_issue && wiss_slot == wi[0]) && (w_burst_end && w_slot == wi[0]))
              out_q[wi] <= out_q[wi] - 1'b1;
          end
        end
      end
      assign wrd_out_nz = {out_q[1] != {OUTW{1'b0}}, out_q[0] != {OUTW{1'b0}}};
    end else begin : g_no_wport
      assign wrd_cmd_ready   = 1'b0;
      assign wrd_busy        = 1'b0;
      assign wrd_issue       = 1'b0;
      assign wrd_issue_beats = 9'd0;
      assign w_tag_valid     = 1'b0;
      assign w_slot          = 1'b0;
      assign wrd_iss_slot    = 1'b0;
      assign wrd_out_nz      = 2'b00;
      assign axiw_araddr_o   = 32'd0;
      assign axiw_arlen_o    = 8'd0;
      assign axiw_arvalid_o  = 1'b0;
      wire unused_wport = ^{axiw_arready_i, axiw_rdata_i, axiw_rresp_i, axiw_rlast_i, axiw_rvalid_i};
    end
  endgenerate

  // ---------------------------------------------------------------------------------------
  // R routing: activation words to the activation gearbox, weight words to the FIFO
  // ---------------------------------------------------------------------------------------
  wire r_is_w = r_tag[1];
  assign r_slot = (SLOTS > 1) ? r_tag[0] : 1'b0;
  wire r_here = axi_rvalid_i & r_tag_valid;
  wire as_in_ready, wf_in_ready;
  assign axi_rready_o = r_tag_valid & (r_is_w ? wf_in_ready : as_in_ready);

  // Activation loader: counts the words of each row to mark its end (K bytes, then padding).
  // Words (with their row-end mark, valid bytes, slot and range-start flag) pass through a
  // 2-word register FIFO before the gearbox, so R's ready and the gearbox decouple.
  reg         ld_active_q;
  reg  [15:0] ld_wl_q;          // words left in the row, this one included
  reg  [7:0]  ld_rows_q;        // rows finished (input side)
  assign      ld_slot  = r_slot;
  wire [15:0] ld_wpr   = l_wpr;
  wire [15:0] ld_wl    = ld_active_q ? ld_wl_q : ld_wpr;
  wire [7:0]  ld_rows  = ld_active_q ? ld_rows_q : 8'd0;
  reg         ld_end_q;         // while active: the next word ends its row (ld_wl_q == 1)
  wire        ld_row_end = ld_active_q ? ld_end_q : l_wpr1;
  wire [3:0]  ld_tail  = l_tail;
  wire        as_push  = r_here & ~r_is_w & as_in_ready;

  always @(posedge clk_i) begin
    if (!rst_ni[3]) begin
      ld_active_q <= 1'b0;
    end else if (as_push) begin
      if (ld_row_end) begin
        ld_end_q  <= l_wpr1;
        ld_wl_q   <= ld_wpr;
        ld_rows_q <= ld_rows + 8'd1;
        ld_active_q <= (ld_rows + 8'd1 != l_tok);
      end else begin
        ld_end_q  <= (ld_wl == 16'd2);
        ld_wl_q   <= ld_wl - 16'd1;
        ld_rows_q <= ld_rows;
        ld_active_q <= 1'b1;
      end
    end
  end

  // {range start, slot, row end, valid bytes, word}
  localparam integer ASW = 3 + 4 + 64;
  wire            as_out_valid, agb_in_ready;
  wire [ASW-1:0]  as_out;
  wire [ASW-1:0]  as_in = {~ld_active_q, ld_slot, ld_row_end, ld_row_end ? ld_tail : 4'd8, axi_rdata_i};
  generate
    if (SKID != 0) begin : g_askid
      wire [1:0]      unused_as_level;
      tern_fifo #(.WIDTH(ASW), .DEPTH(2)) u_askid (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni[3]),
        .clear_i     (1'b0),
        .in_valid_i  (r_here & ~r_is_w),
        .in_ready_o  (as_in_ready),
        .in_data_i   (as_in),
        .out_valid_o (as_out_valid),
        .out_ready_i (agb_in_ready),
        .out_data_o  (as_out),
        .level_o     (unused_as_level)
      );
    end else begin : g_as_slice
      // The small device: one register between R and the gearbox (no RAM read -> tag -> gearbox
      // count -> compare path in one cycle); its ready is a gate of flip-flops (the gearbox's
      // in_ready_o is one with READY_REG), so it passes a word a cycle.
      reg             as_full_q;
      reg [ASW-1:0]   as_q;
      wire            as_load = r_here & ~r_is_w & as_in_ready;
      assign as_in_ready  = ~as_full_q | agb_in_ready;
      always @(posedge clk_i) begin
        if (!rst_ni[3])     as_full_q <= 1'b0;
        else if (as_load)   as_full_q <= 1'b1;
        else if (agb_in_ready) as_full_q <= 1'b0;   // taken (as_full_q: valid)
        if (as_load) as_q <= as_in;
      end
      assign as_out_valid = as_full_q;
      assign as_out       = as_q;
    end
  endgenerate
  wire        as_first = as_out[ASW-1];
  wire        as_slot  = as_out[ASW-2];
  wire        as_end   = as_out[ASW-3];
  wire [3:0]  as_bytes = as_out[64 +: 4];
  wire        agb_take = as_out_valid & agb_in_ready;

  wire                  agb_out_valid, agb_out_last;
  wire [8*LANES-1:0]    agb_out_data;
  // READY_REG without SKID: see u_w_gb (activation rows load once per job: the bubbles cost
  // a few cycles per job).
  tern_gearbox #(.IN_BYTES(8), .OUT_MAX(LANES), .FAST(SKID), .READY_REG(SKID != 0 ? 0 : 1)) u_act_gb (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni[4]),
    .clear_i     (1'b0),
    .out_bytes_i (LANES_U[AOW-1:0]),
    .in_valid_i  (as_out_valid),
    .in_ready_o  (agb_in_ready),
    .in_data_i   (as_out[63:0]),
    .in_bytes_i  (as_bytes),
    .in_flush_i  (as_end),
    .out_valid_o (agb_out_valid),
    .out_ready_i (1'b1),
    .out_data_o  (agb_out_data),
    .out_last_o  (agb_out_last)
  );

  // Output side of the loader: beats into bank <slot>, row after row (row t at t*B).
  // The gearbox takes no word while it empties a row, so a new range's first word (which
  // resets these counters) always finds it empty.
  reg           ld_slot_q;
  reg [ABW-1:0] ld_ptr_q;
  reg [7:0]     ld_rows_out_q;
  wire          ld_first = agb_take & as_first;
  always @(posedge clk_i) begin
    if (agb_take) ld_slot_q <= (SLOTS > 1) ? as_slot : 1'b0;
  end
  always @(posedge clk_i) begin
    if (!rst_ni[4]) begin
      ld_ptr_q      <= {ABW{1'b0}};
      ld_rows_out_q <= 8'd0;
    end else if (ld_first) begin
      ld_ptr_q      <= {ABW{1'b0}};
      ld_rows_out_q <= 8'd0;
    end else if (agb_out_valid) begin
      ld_ptr_q <= ld_ptr_q + 1'b1;
      if (agb_out_last) ld_rows_out_q <= ld_rows_out_q + 8'd1;
    end
  end
  wire act_loaded = agb_out_valid & agb_out_last & (ld_rows_out_q + 8'd1 == (DIRECT ? plan_tok : s_tok_q[ld_slot_q]));

  // Activation banks: bank = slot (the top address bit); one write and one read port. The RAM
  // is cut into chunks of at most 1024 entries (one block RAM deep as 1024 x 18 on ECP5), each
  // with its own read register and a second register in the fabric, so the slow block RAM
  // outputs reach only registers; the chunk mux comes after them (see the feed below).
  localparam integer SLB     = (SLOTS > 1) ? 1 : 0;               // slot bits (bank select)
  localparam integer AB_BITS = ABW + SLB;                         // entry index bits
  localparam integer CH_BITS = (AB_BITS > 10) ? 10 : AB_BITS;     // entry bits in a chunk
  localparam integer NCH     = 1 << (AB_BITS - CH_BITS);          // chunks
  localparam integer CS_BITS = (NCH > 1) ? (AB_BITS - CH_BITS) : 1;
  wire [AB_BITS-1:0]     ab_waddr;
  wire                   unused_ld_slot_q = ld_slot_q;            // (one slot: bank 0 only)
  wire [AB_BITS-1:0]     ab_raddr;                                // feed read address
  wire [ABW-1:0]         fd_ptr_d;                                // its pointer's next value
  wire [8*LANES*NCH-1:0] ab_rdata;                                // per chunk, 2 cycles later
  wire [CH_BITS-1:0]     ab_raddr_d;   // (chunks of a bank: fd_ptr_d's low bits; else unused)
  if (NCH > 1) begin : g_rad_ch assign ab_raddr_d = fd_ptr_d[CH_BITS-1:0]; end
  else begin : g_rad_one assign ab_raddr_d = ab_raddr; end
  wire                   unused_ptr_d = ^fd_ptr_d;    // (its high bits, or all of it with one chunk)
  tern_act_banks #(
    .LANES     (LANES),
    .AB_BITS   (AB_BITS),
    .CH_BITS   (CH_BITS),
    .ABUF_REGS (ABUF_REGS),
    .RA_COPIES (FREE && NCH > 1 ? 1 : 0)
  ) u_abanks (
    .clk_i      (clk_i),
    .we_i       (agb_out_valid),
    .waddr_i    (ab_waddr),
    .wdata_i    (agb_out_data),
    .raddr_i    (ab_raddr),
    .raddr_d_i  (ab_raddr_d),
    .rdata_o    (ab_rdata)
  );

  // Weight words: FIFO of words (in one RAM). Words of a job enter after all of the previous
  // job's (fetch runs the jobs in order), so the head word belongs to slot x exactly when
  // the FIFO holds words of slot x: per-slot counts say so without reading the RAM.
  // The wide profile's words come from the weight port (one T5 beat each).
  wire          wf_out_valid;
  wire [WFW-1:0] wf_out_data;
  wire [FWL-1:0] unused_wf_level;   // the credit counter credit_q bounds it
  wire          wf_pop;
  wire          wf_in_valid = WIDE ? (axiw_rvalid_i & w_tag_valid) : (r_here & r_is_w);
  wire          wf_push = wf_in_valid & wf_in_ready & ~WMEM;   // (WMEM: no words go in)
  wire          wf_slot = WIDE ? w_slot : r_slot;
  wire [WFW-1:0] wf_in_data;
  // (RING: every beat is taken; the credit keeps room for it in the ring)
  assign axiw_rready_o = RING ? w_tag_valid : (WIDE & w_tag_valid & wf_in_ready);
  generate
    if (WIDE) begin : g_wf_wide
      assign wf_in_data = axiw_rdata_i;
    end else begin : g_wf_narrow
      assign wf_in_data = axi_rdata_i;
    end
  endgenerate
  // (the wide profile's FIFO is block RAM with a registered head too: its words span the chip,
  // and a read-during-write bypass would put the RAM's slow output on a path to the skid)
  localparam integer WF_RAM = (FIFO_RAM != 0 || WIDE) ? 1 : 0;
  // (WMEM: no weight words; nothing is pushed, and synthesis drops what it can)
  tern_fifo #(.WIDTH(WFW), .DEPTH(RD_FIFO_WORDS), .RAM_MIN_DEPTH(WF_RAM != 0 ? 2 : 0)) u_wfifo (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni[5]),
    .clear_i     (1'b0),
    .in_valid_i  (wf_in_valid & ~WMEM),
    .in_ready_o  (wf_in_ready),
    .in_data_i   (wf_in_data),
    .out_valid_o (wf_out_valid),
    .out_ready_i (wf_pop),
    .out_data_o  (wf_out_data),
    .level_o     (unused_wf_level)
  );

  // Per slot s: cnt_q = words of slot s in the weight FIFO, s_wf_nz_q[s] = (cnt_q != 0)
  // (registered, for the pop decision).
  reg [1:0]     s_wf_nz_q;
  genvar gs;
  generate
    for (gs = 0; gs < 2; gs = gs + 1) begin : g_wf_cnt
      wire inc = wf_push & (wf_slot == gs[0]);
      wire dec = wf_pop & (exec_ptr_q == gs[0]);
      reg  [FWL-1:0] cnt_q;
      wire [FWL-1:0] cnt_d = (inc & ~dec) ? cnt_q + 1'b1 :
                             (dec & ~inc) ? cnt_q - 1'b1 : cnt_q;
      always @(posedge clk_i) begin
        if (!rst_ni[5]) begin
          cnt_q          <= {FWL{1'b0}};
          s_wf_nz_q[gs]  <= 1'b0;
        end else begin
          cnt_q          <= cnt_d;
          s_wf_nz_q[gs]  <= (cnt_d != {FWL{1'b0}});
        end
      end
    end
  endgenerate

  wire [CREDIT_W+8:0] issued_w = WIDE ? (wrd_issue ? {{CREDIT_W{1'b0}}, wrd_issue_beats}
                                                    : {(CREDIT_W+9){1'b0}}) :
                                 (rd_issue && rd_issue_tag[1]) ? {{CREDIT_W{1'b0}}, rd_issue_beats}
                                                                : {(CREDIT_W+9){1'b0}};
  wire                ring_free;   // RING: a word freed this cycle
  wire [RW-1:0]       ring_skip;   // RING: the words of a failed job's unread beats, freed at its end
  wire                a_gate;      // RING: the feed may show the array its head beat (else 1)
  wire [WMW-1:0]      ring_wbase;  // RING: the exec job's first beat's word
  wire [CREDIT_W+8:0] credit_d = {9'd0, credit_q} - issued_w + {{(CREDIT_W+8){1'b0}}, wf_pop | ring_free} +
                                 {{(CREDIT_W+9-RW){1'b0}}, ring_skip};
  wire [8:0]          unused_credit_d = credit_d[CREDIT_W+8:CREDIT_W];   // 0 .. RD_FIFO_WORDS
  always @(posedge clk_i) begin
    if (!rst_ni[5]) begin
      credit_q <= RING ? WORDS_U[CREDIT_W-1:0] : FIFO_U[CREDIT_W-1:0];
    end else begin
      credit_q <= credit_d[CREDIT_W-1:0];
    end
  end

  // ---------------------------------------------------------------------------------------
  // Execute
  // ---------------------------------------------------------------------------------------
  localparam [2:0] E_WAIT = 3'd0, E_RUN = 3'd1, E_DRAIN = 3'd2, E_END = 3'd3, E_START = 3'd4;
  reg  [2:0]  estate_q;
  assign e_end = (estate_q == E_END);
  reg         abort_q;          // one-cycle reset of the array when a running job fails
  reg  [31:0] cycles_q;
  reg         cyc_go_q;         // a job started a cycle ago: CYCLES counts on from 2
  reg         done_q, err_q;
  reg  [7:0]  err_code_q;
  reg  [31:0] last_cycles_q;
  assign      x = exec_ptr_q;
  wire        arr_busy;
  wire        unused_arr_err;   // cannot fire: the planner refuses every job the array would
  wire        wr_last_done, wr_idle, wr_bus_err;

  wire x_ok_start = (estate_q == E_WAIT) & s_valid[x] & (x_err == 8'd0) & s_act_ready_q[x] &
                    ~s_bus_err_q[x] & ~arr_busy & wr_idle;
  // The blocks start the job on x_go: at the decision, or (FREE) a cycle later from a flip-flop
  // (E_START), so that the decision's logic (the exec slot's fields, the array's and the
  // writer's idle flags) does not also reach across the chip to every block it starts.
  reg  go_q;
  always @(posedge clk_i) go_q <= rst_ni[6] & (FREE != 0) & x_ok_start;
  wire x_go = (FREE != 0) ? go_q : x_ok_start;
  wire x_refused  = (estate_q == E_WAIT) & s_valid[x] & (x_err != 8'd0) & s_fetched_q[x];
  wire x_failed   = (estate_q == E_WAIT) & s_valid[x] & (x_err == 8'd0) & s_bus_err_q[x];
  wire run_ok     = (estate_q == E_RUN) & ~s_bus_err_q[x] & wr_last_done & wr_idle;
  wire run_fail   = (estate_q == E_RUN) & s_bus_err_q[x];
  // The FIFO holds words of slot x (s_wf_nz_q); its head is valid (a block-RAM FIFO shows a
  // word a cycle after it counts it; the register FIFO at once, so there it is implied).
  wire wf_any_x   = s_wf_nz_q[x];
  wire wf_head_x  = wf_any_x & ((WF_RAM != 0) ? wf_out_valid : 1'b1);
  wire unused_wf_out_valid = wf_out_valid;
  wire drained    = s_fetched_q[x] & (s_rd_out_q[x] == {OUTW{1'b0}}) & ~wrd_out_nz[x] & ~wf_any_x & wr_idle &
                    s_act_ready_q[x];

  // Feed and weight path live only while running = (estate_q == E_RUN) & ~s_bus_err_q[x],
  // kept as a register (running_q) from the next values of both.
  reg  running_q;
  wire running = running_q;
  wire x_bus_err_d = s_bus_err_q[x] | (rd_r_beat & (axi_rresp_i != 2'b00) & (r_slot == x)) |
                     (w_r_err & (w_slot == x)) | wr_bus_err;
  always @(posedge clk_i) begin
    if (!rst_ni[6]) begin
      running_q <= 1'b0;
    end else begin
      running_q <= (x_go | ((estate_q == E_RUN) & ~run_ok)) & ~x_bus_err_d;
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni[6]) begin
      estate_q   <= E_WAIT;
      abort_q    <= 1'b0;
      done_q     <= 1'b0;
      err_q      <= 1'b0;
      err_code_q <= 8'd0;
      cycles_q   <= 32'd0;
      cyc_go_q   <= 1'b0;
      last_cycles_q <= 32'd0;
      exec_ptr_q <= 1'b0;
    end else begin
      done_q  <= 1'b0;
      err_q   <= 1'b0;
      abort_q <= 1'b0;
      // CYCLES is 1 in the cycle after the start; it is set a cycle later than that, from a
      // register, so the start decision reaches no counter bit (it was the 94.2 MHz wide
      // build's critical path); nothing reads it before a job's end.
      cyc_go_q <= x_ok_start;
      if (cyc_go_q) cycles_q <= 32'd2;
      else if (cycles_q != 32'hFFFF_FFFF && !(CYCLES_REG == 0 && run_ok)) cycles_q <= cycles_q + 32'd1;
      case (estate_q)
        E_WAIT: begin
          if (x_ok_start) begin
            estate_q <= (FREE != 0) ? E_START : E_RUN;
          end else if (x_refused) begin
            done_q <= 1'b1; err_q <= 1'b1; err_code_q <= x_err;
            estate_q <= E_END;
          end else if (x_failed) begin
            estate_q <= E_DRAIN;
          end
        end
        E_RUN: begin
          if (run_fail) begin
            abort_q  <= 1'b1;
            estate_q <= E_DRAIN;
          end else if (run_ok) begin
            done_q <= 1'b1;
            if (CYCLES_REG != 0) last_cycles_q <= cycles_q;
            estate_q <= E_END;
          end
        end
        E_START: estate_q <= E_RUN;
        E_DRAIN: begin
          if (drained) begin
            done_q <= 1'b1; err_q <= 1'b1; err_code_q <= E_BUS;
            estate_q <= E_END;
          end
        end
        default: begin   // E_END: the slot is freed below
          if (CYCLES_REG == 0 && done_q && !err_q) last_cycles_q <= cycles_q;
          exec_ptr_q <= (SLOTS > 1) ? ~exec_ptr_q : 1'b0;
          estate_q   <= E_WAIT;
        end
      endcase
    end
  end

  // Slot state
  always @(posedge clk_i) begin
    if (!rst_ni[6]) begin
      s_valid_q     <= 2'b00;
      s_fetched_q   <= 2'b00;
      s_act_ready_q <= 2'b00;
      s_bus_err_q   <= 2'b00;
      plan_ptr_q    <= 1'b0;
      fetch_ptr_q   <= 1'b0;
    end else begin
      if (plan_take) begin
        s_valid_q[plan_ptr_q] <= 1'b1;
        plan_ptr_q <= (SLOTS > 1) ? ~plan_ptr_q : 1'b0;
      end
      if (f_done) begin
        s_fetched_q[fs] <= 1'b1;
        fetch_ptr_q <= (SLOTS > 1) ? ~fetch_ptr_q : 1'b0;
      end
      if (act_loaded) s_act_ready_q[ld_slot_q] <= 1'b1;
      if (rd_r_beat && axi_rresp_i != 2'b00) s_bus_err_q[r_slot] <= 1'b1;
      if (w_r_err) s_bus_err_q[w_slot] <= 1'b1;
      if (wr_bus_err) s_bus_err_q[x] <= 1'b1;
      if (estate_q == E_END) begin
        s_valid_q[x]     <= 1'b0;
        s_fetched_q[x]   <= 1'b0;
        s_act_ready_q[x] <= 1'b0;
        s_bus_err_q[x]   <= 1'b0;
      end
    end
  end

  // Weight beats: FIFO -> gearbox -> array (the gearbox is emptied at the end of each job:
  // the stream's last word may hold padding beyond its last beat).
  wire                 wgb_in_ready, wgb_out_valid, wq_in_ready;
  wire                 unused_wgb_last;  // weight words never flush
  wire [8*WOUT-1:0]    wgb_out_data;
  wire                 arr_w_ready;
  // Per-job values of the exec slot, registered: they follow x one cycle late, and x changes
  // at E_END, at least a cycle before the next job runs.
  reg  [WOW-1:0]       wbb_q;        // weight beat bytes
  reg  [7:0]           x_tok_m1_q;   // TOKENS - 1
  reg  [15:0]          x_b_m1_q;     // B - 1
  always @(posedge clk_i) begin
    wbb_q      <= (x_fmt == FMT_T5) ? T5_BB_U[WOW-1:0] : T2_BB_U[WOW-1:0];
    x_tok_m1_q <= x_tok - 8'd1;
    x_b_m1_q   <= x_b - 16'd1;
  end
  wire [WOW-1:0]       wbb = wbb_q;
  // A 2-word register FIFO after the RAM, so the RAM's output only reaches registers (in the
  // wide profile flip-flops, REGS: LUT RAM's write setup after the block RAM's slow output,
  // across a chip-wide word, is what limits such a path).
  wire                 ws_in_ready, ws_out_valid;
  wire [WFW-1:0]       ws_out_data;
  assign wf_pop = wf_head_x & ((running & ws_in_ready) | (estate_q == E_DRAIN));
  generate
    if (SKID != 0 && !WMEM) begin : g_wskid
      wire [1:0]       unused_ws_level;
      tern_fifo #(.WIDTH(WFW), .DEPTH(2), .REGS(WIDE ? WSLICES : 0)) u_wskid (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni[7]),
        .clear_i     (estate_q == E_END),
        .in_valid_i  (wf_head_x & running),
        .in_ready_o  (ws_in_ready),
        .in_data_i   (wf_out_data),
        .out_valid_o (ws_out_valid),
        .out_ready_i (wgb_in_ready & running),
        .out_data_o  (ws_out_data),
        .level_o     (unused_ws_level)
      );
    end else begin : g_no_wskid
      assign ws_in_ready  = wgb_in_ready;
      assign ws_out_valid = wf_head_x;
      assign ws_out_data  = wf_out_data;
    end
  endgenerate
  // Without SKID the weight gearbox takes a word only when a slot was free at the cycle's
  // start (READY_REG): a bubble per word (1/9 of T5 beats at 1x5) for no gearbox -> FIFO RAM
  // pop chain, which the UP5K cannot close at 36 MHz.
  // The wide profile needs no gearbox: a word is a beat.
  generate
    if (FREE) begin : g_wbeat
      assign wgb_in_ready    = wq_in_ready;
      assign wgb_out_valid   = ws_out_valid;
      assign wgb_out_data    = {{(8*WOUT-WFW){1'b0}}, ws_out_data};
      assign unused_wgb_last = 1'b0;
      wire unused_wbb = ^wbb;
    end else begin : g_wgb
      tern_gearbox #(.IN_BYTES(8), .OUT_MAX(WOUT), .FAST(SKID), .READY_REG(SKID != 0 ? 0 : 1)) u_w_gb (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni[7]),
        .clear_i     (estate_q == E_END),
        .out_bytes_i (wbb),
        .in_valid_i  (ws_out_valid & running),
        .in_ready_o  (wgb_in_ready),
        .in_data_i   (ws_out_data),
        .in_bytes_i  (4'd8),
        .in_flush_i  (1'b0),
        .out_valid_o (wgb_out_valid),
        .out_ready_i (wq_in_ready & running),
        .out_data_o  (wgb_out_data),
        .out_last_o  (unused_wgb_last)
      );
    end
  endgenerate

  // A 2-beat register FIFO between the gearbox and the array: neither waits on the other's
  // handshake logic within a cycle.
  wire                 wq_out_valid;
  wire [W_BITS-1:0]    wq_out_data;
  generate
    if ((SKID != 0 || ARRAY_SKID != 0) && !WMEM) begin : g_wq
      wire [1:0]       unused_wq_level;
      tern_fifo #(.WIDTH(W_BITS), .DEPTH(2), .REGS(WIDE ? WSLICES : 0)) u_wq (
        .clk_i       (clk_i),
        .rst_ni      (rst_ni[7]),
        .clear_i     (estate_q == E_END),
        .in_valid_i  (wgb_out_valid & running),
        .in_ready_o  (wq_in_ready),
        .in_data_i   (wgb_out_data[W_BITS-1:0]),
        .out_valid_o (wq_out_valid),
        .out_ready_i (arr_w_ready & running),
        .out_data_o  (wq_out_data),
        .level_o     (unused_wq_level)
      );
    end else begin : g_no_wq
      assign wq_in_ready  = arr_w_ready;
      assign wq_out_valid = wgb_out_valid;
      assign wq_out_data  = wgb_out_data[W_BITS-1:0];
    end
  endgenerate

  generate
    if (8 * WOUT > W_BITS) begin : g_wpad
      wire unused_wpad = ^wgb_out_data[8*WOUT-1:W_BITS];   // the T2 beat's last byte is not full
    end
  endgenerate

  // Activation feed: bank x, for each K beat s of a group, tokens 0 .. T-1 (entry t*B + s),
  // repeated for every group until the array has taken the job's last beat (tern_act_feed).
  wire                ff_out_valid, arr_a_ready;
  wire [8*LANES-1:0]  ff_out_data;
  tern_act_feed #(
    .LANES     (LANES),
    .ABW       (ABW),
    .SLB       (SLB),
    .AB_BITS   (AB_BITS),
    .NCH       (NCH),
    .CS_BITS   (CS_BITS),
    .ABUF_REGS (ABUF_REGS),
    .FIFO_RAM  (FIFO_RAM),
    .REP_SEL   (FREE ? 1 : 0)
  ) u_feed (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni[8]),
    .start_i     (x_go),
    .running_i   (running),
    .slot_i      (x),
    .b_i         (x_b[ABW-1:0]),
    .b_m1_i      (x_b_m1_q),
    .tok_m1_i    (x_tok_m1_q),
    .raddr_o     (ab_raddr),
    .ptr_d_o     (fd_ptr_d),
    .rdata_i     (ab_rdata),
    .out_valid_o (ff_out_valid),
    .out_ready_i (arr_a_ready & a_gate),
    .out_data_o  (ff_out_data)
  );
  generate
    if (SLB != 0) begin : g_ab_slot
      assign ab_waddr = {ld_slot_q, ld_ptr_q};
    end else begin : g_ab_one
      assign ab_waddr = ld_ptr_q;
    end
  endgenerate

  // RING: the weight port's beats stream into the array's own memory as a ring (tern_wring),
  // through the array's write port; otherwise that port is the device's wm_* (RESIDENT).
  localparam integer AWMB = RING ? T5_BB : WMB;   // bytes of the array's writes
  wire                arr_wm_we;
  wire [WMR-1:0]      arr_wm_row;
  wire [WMW-1:0]      arr_wm_word;
  wire [8*AWMB-1:0]   arr_wm_data;
  generate
    if (RING) begin : g_ring
      assign arr_wm_we   = w_r_beat;
      assign arr_wm_row  = {WMR{1'b0}};
      assign arr_wm_data = axiw_rdata_i[8*AWMB-1:0];
      wire unused_wm_port = ^{wm_we_i, wm_row_i, wm_word_i, wm_data_i};
      tern_wring #(.WORDS(WMEM_WORDS), .WMW(WMW), .RW(RW)) u_ring (
        .clk_i         (clk_i),
        .rst_ni        (rst_ni[9]),
        .take_i        (f_go & (fphase_q == F_W) & wrd_cmd_ready),
        .fs_i          (fs),
        .issue_i       (wrd_issue),
        .issue_beats_i (wrd_issue_beats),
        .issue_slot_i  (wrd_iss_slot),
        .r_beat_i      (w_r_beat),
        .wp_o          (arr_wm_word),
        .x_i           (x),
        .start_i       (x_go),
        .wait_i        (estate_q == E_WAIT),
        .end_i         (estate_q == E_END),
        .end_err_i     (err_q),
        .a_hs_i        (ff_out_valid & running & a_gate & arr_a_ready),
        .tok_m1_i      (x_tok_m1_q),
        .gate_o        (a_gate),
        .wbase_o       (ring_wbase),
        .free_o        (ring_free),
        .skip_o        (ring_skip)
      );
    end else begin : g_no_ring
      assign a_gate     = 1'b1;
      assign ring_skip  = {RW{1'b0}};
      assign ring_free  = 1'b0;
      assign ring_wbase = {WMW{1'b0}};
      assign arr_wm_we   = wm_we_i & WMEM;
      assign arr_wm_row  = wm_row_i;
      assign arr_wm_word = wm_word_i;
      assign arr_wm_data = wm_data_i;
      wire unused_ring = ^{wrd_iss_slot, wrd_issue_beats};
    end
  endgenerate

  // The array (reset with the device, and for one cycle when a running job fails).
  wire                    arr_r_valid, arr_r_last, wr_r_ready;
  wire [32*ROWS-1:0]      arr_r_data;
  wire [TOKW-1:0]         x_tokens = x_tok[TOKW-1:0];
  // The array takes the planned job: B - 1, G - 1 and the last beat's and group's remainders.
  localparam integer ARR_LRW = (LANES > 1) ? $clog2(LANES) : 1;
  localparam integer ARR_RRW = (ROWS > 1) ? $clog2(ROWS) : 1;
  wire unused_x_rem = ^{x_kl, x_nl};
  // WMEM: the job's first beat's word in the array's memory (W_ADDR / beat bytes), which the
  // array takes with start_i, like the other cfg_* (a slot field: no logic but the slot mux)
  wire [31:0]     x_w = DIRECT ? plan_w : s_w_q[x];
  wire [WMW-1:0]  wbase = RING ? ring_wbase : x_w[T5L2 +: WMW];
  wire            unused_x_w = ^x_w;   // (the planner keeps the word within WMEM_WORDS)

  tern_mac_array #(
    .ROWS(ROWS), .LANES(LANES), .T_MAX(T_MAX), .T5_ROM(T5_ROM), .FREE_RUN(FREE ? 1 : 0),
    .WMEM_WORDS(WMEM_WORDS), .WM_BEAT(RING ? 1 : 0), .FORMATS(FORMATS)
  ) u_array (
    .clk_i        (clk_i),
    .rst_ni       (rst_ni[10] & ~abort_q),
    .start_i      (x_go),
    .cfg_beats_i  (x_b),
    .cfg_groups_i (x_g),
    .cfg_klast_i  (x_kl[ARR_LRW-1:0]),
    .cfg_nlast_i  (x_nl[ARR_RRW-1:0]),
    .cfg_fmt_i    (x_fmt),
    .cfg_tokens_i (x_tokens),
    .cfg_wbase_i  (wbase),
    .busy_o       (arr_busy),
    .err_o        (unused_arr_err),
    .w_valid_i    (wq_out_valid & running),
    .w_ready_o    (arr_w_ready),
    .w_data_i     (wq_out_data),
    .wm_we_i      (arr_wm_we),
    .wm_row_i     (arr_wm_row),
    .wm_word_i    (arr_wm_word),
    .wm_data_i    (arr_wm_data),
    .a_valid_i    (ff_out_valid & running & a_gate),
    .a_ready_o    (arr_a_ready),
    .a_data_i     (ff_out_data),
    .r_valid_o    (arr_r_valid),
    .r_ready_i    (wr_r_ready),
    .r_data_o     (arr_r_data),
    .r_last_o     (arr_r_last)
  );

  tern_wr_master #(.ROWS(ROWS), .T_MAX(T_MAX), .FIFO_RAM(FIFO_RAM), .REG_STEP(FREE ? 1 : 0)) u_wr (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni[11]),
    .start_i       (x_go),
    .o_addr_i      (x_o),
    .n_i           (x_n),
    .tokens_i      (x_tok),
    .r_valid_i     (arr_r_valid),
    .r_ready_o     (wr_r_ready),
    .r_data_i      (arr_r_data),
    .r_last_i      (arr_r_last),
    .last_done_o   (wr_last_done),
    .idle_o        (wr_idle),
    .bus_err_o     (wr_bus_err),
    .axi_awaddr_o  (axi_awaddr_o),
    .axi_awvalid_o (axi_awvalid_o),
    .axi_awready_i (axi_awready_i),
    .axi_wdata_o   (axi_wdata_o),
    .axi_wstrb_o   (axi_wstrb_o),
    .axi_wvalid_o  (axi_wvalid_o),
    .axi_wready_i  (axi_wready_i),
    .axi_bresp_i   (axi_bresp_i),
    .axi_bvalid_i  (axi_bvalid_i),
    .axi_bready_o  (axi_bready_o)
  );

  assign job_busy_o     = (|s_valid) | plan_valid | ~desc_ready_o;
  assign job_done_o     = done_q;
  assign job_err_o      = err_q;
  assign job_err_code_o = err_code_q;
  assign cycles_o       = last_cycles_q;

endmodule

`default_nettype wire
