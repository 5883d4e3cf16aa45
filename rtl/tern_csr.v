// SPDX-License-Identifier: Apache-2.0
// tern_csr: the device's CSR block (docs/registers.md, register map v2) behind an AXI4-Lite
// slave, with the descriptor queue that feeds the job engine. The reference for every
// register's behaviour is the C device model, cmodel/src/devmodel.c.
//
// AXI4-Lite: 32-bit data, 12-bit byte address. AW and W are accepted independently, in any
// order; a write takes effect at the clock edge after both have been accepted, the same edge
// that raises BVALID. A read samples the registers at the edge of its AR handshake; RVALID
// follows in the next cycle. One write and one read may be outstanding at a time (AW/W are
// not accepted while a B response waits, AR not while an R response waits). SLVERR (2'b10)
// answers exactly what the model refuses with -1: an offset that is not a register (holes and
// misaligned offsets included), a write to a read-only register, a read of DOORBELL; such an
// access changes nothing. RDATA is 0 with SLVERR. WSTRB is honoured per byte: unselected bytes
// of a rw register keep their value, of IRQ_STATUS clear nothing, and DOORBELL needs
// WSTRB[0] (the model has no strobes; with WSTRB = 4'hf both agree exactly).
//
// Job engine side: desc_valid_o/desc_ready_i pop the oldest queued descriptor (desc_*_o). The
// engine pulses job_done_i once per ended job, together with job_err_i and job_err_code_i when
// it failed, and with cycles_i (loaded into CYCLES) when it succeeded. job_busy_i is high
// while a popped job runs; STATUS.BUSY = (queue level != 0) | job_busy_i.
//
// Same-edge rules (they order the events of one edge as the model orders its calls: the
// register write first, then the job engine): a DOORBELL write finds the queue full from its
// level before the edge, so a pop in the same edge does not make room (the push is dropped
// with QUEUE_FULL); a push and a pop in the same edge both take place otherwise; a W1C write
// of IRQ_STATUS loses to a cause raised in the same edge (the bit stays set); a job error's
// code wins over a QUEUE_FULL of the same edge in STATUS.ERR.
//
// QUEUE_DEPTH = 1: no queue storage. The waiting descriptor is the JOB_* registers themselves
// (desc_*_o), so a write to one of them while a descriptor waits, and is not taken in the
// same edge, is held (no AW/W/B progress) until the engine takes it; what every register reads
// and every job sees is the same as with a copy.

`default_nettype none

`include "tern_params.vh"

module tern_csr #(
  parameter integer ROWS        = `TERN_ROWS,
  parameter integer LANES       = `TERN_LANES,
  parameter integer FORMATS     = `TERN_FORMATS_MASK,
  parameter integer T_MAX       = `TERN_T_MAX,
  parameter integer QUEUE_DEPTH = `TERN_QUEUE_DEPTH,
  parameter integer ACT_BUF_BEATS = `TERN_ACT_BUF_BEATS,
  // 1: CYCLES is a register here, loaded from cycles_i at a successful job's job_done_i;
  // 0: CYCLES reads cycles_i, which the engine then holds and changes only at job_done_i.
  parameter integer CYCLES_REG  = 1,
  // 1: the read address is decoded into flip-flops the cycle before the AR handshake (ARREADY
  // waits for a cycle of ARVALID, during which AXI holds ARADDR), so the read-data multiplexer
  // starts from flip-flops: a cycle more per read, for the iCE40's clock. The registers are
  // still sampled at the handshake's edge.
  parameter integer AR_DECODE_REG = 0
) (
  input  wire        clk_i,
  input  wire        rst_ni,          // synchronous, active low
  // AXI4-Lite slave: write address, write data, write response
  input  wire [11:0] axil_awaddr_i,
  input  wire        axil_awvalid_i,
  output wire        axil_awready_o,
  input  wire [31:0] axil_wdata_i,
  input  wire [3:0]  axil_wstrb_i,
  input  wire        axil_wvalid_i,
  output wire        axil_wready_o,
  output wire [1:0]  axil_bresp_o,
  output wire        axil_bvalid_o,
  input  wire        axil_bready_i,
  // AXI4-Lite slave: read address, read data
  input  wire [11:0] axil_araddr_i,
  input  wire        axil_arvalid_i,
  output wire        axil_arready_o,
  output wire [31:0] axil_rdata_o,
  output wire [1:0]  axil_rresp_o,
  output wire        axil_rvalid_o,
  input  wire        axil_rready_i,
  // descriptor queue head, to the job engine
  output wire        desc_valid_o,
  input  wire        desc_ready_i,
  output wire [31:0] desc_k_o,
  output wire [31:0] desc_n_o,
  output wire [31:0] desc_cfg_o,      // JOB_CFG layout: FMT and TOKENS fields, other bits 0
  output wire [31:0] desc_w_addr_o,
  output wire [31:0] desc_a_addr_o,
  output wire [31:0] desc_o_addr_o,
  // job engine status
  input  wire        job_busy_i,
  input  wire        job_done_i,      // pulse: a job ended (successfully or not)
  input  wire        job_err_i,       // pulse with job_done_i: the job failed
  input  wire [7:0]  job_err_code_i,  // STATUS.ERR code of the failure
  input  wire [31:0] cycles_i,        // with job_done_i & ~job_err_i: the job's cycle count
  // interrupt: CTRL.IRQ_EN & (IRQ_STATUS != 0)
  output wire        irq_o
);

  localparam integer QAW = (QUEUE_DEPTH > 1) ? $clog2(QUEUE_DEPTH) : 1;  // queue index bits
  localparam integer LVW = $clog2(QUEUE_DEPTH + 1);                      // level bits

  localparam [31:0]     ROWS_U    = ROWS;
  localparam [31:0]     LANES_U   = LANES;
  localparam [31:0]     FORMATS_U = FORMATS;
  localparam [31:0]     T_MAX_U   = T_MAX;
  localparam [31:0]     DEPTH_U   = QUEUE_DEPTH;
  localparam [31:0]     ACT_BUF_U = ACT_BUF_BEATS;
  localparam [31:0]     LAST_U    = QUEUE_DEPTH - 1;
  localparam [LVW-1:0]  LVL_FULL  = DEPTH_U[LVW-1:0];
  localparam [QAW-1:0]  PTR_LAST  = LAST_U[QAW-1:0];
  localparam [QAW-1:0]  PTR_ONE   = 1;
  localparam [LVW-1:0]  LVL_ONE   = 1;
  localparam [31:0]     ERR_QFULL_U = `TERN_DEVERR_QUEUE_FULL;
  localparam [7:0]      ERR_QFULL = ERR_QFULL_U[7:0];
  localparam [1:0]      RESP_OKAY   = 2'b00;
  localparam [1:0]      RESP_SLVERR = 2'b10;

  localparam integer FMT_LSB = `TERN_REG_JOB_CFG_FMT_LSB;
  localparam integer FMT_W   = `TERN_REG_JOB_CFG_FMT_WIDTH;
  localparam integer TOK_LSB = `TERN_REG_JOB_CFG_TOKENS_LSB;
  localparam integer TOK_W   = `TERN_REG_JOB_CFG_TOKENS_WIDTH;
  localparam integer ERR_LSB = `TERN_REG_STATUS_ERR_LSB;
  localparam integer ERR_W   = `TERN_REG_STATUS_ERR_WIDTH;

  localparam [31:0] PARAMS_VAL =
      ({24'd0, ROWS_U[7:0]}    << `TERN_REG_PARAMS_ROWS_LSB)    |
      ({24'd0, LANES_U[7:0]}   << `TERN_REG_PARAMS_LANES_LSB)   |
      ({24'd0, FORMATS_U[7:0]} << `TERN_REG_PARAMS_FORMATS_LSB) |
      ({24'd0, T_MAX_U[7:0]}   << `TERN_REG_PARAMS_T_MAX_LSB);

  // ---------------------------------------------------------------------------------------
  // Registers
  // ---------------------------------------------------------------------------------------
  reg              irq_en_q;
  reg  [7:0]       err_q;
  reg              irq_done_q;
  reg              irq_error_q;
  reg  [31:0]      jobs_done_q;
  reg  [31:0]      cycles_q;
  reg  [31:0]      job_k_q;
  reg  [31:0]      job_n_q;
  reg  [FMT_W-1:0] job_fmt_q;
  reg  [TOK_W-1:0] job_tok_q;
  reg  [31:0]      job_w_q;
  reg  [31:0]      job_a_q;
  reg  [31:0]      job_o_q;

  wire [31:0] job_cfg = ({{(32-FMT_W){1'b0}}, job_fmt_q} << FMT_LSB) |
                        ({{(32-TOK_W){1'b0}}, job_tok_q} << TOK_LSB);

  // Descriptor queue: a ring of QUEUE_DEPTH entries, rd_ptr = oldest, wr_ptr = next free
  // (storage only if QUEUE_DEPTH > 1, below).
  localparam integer BYPASS = (QUEUE_DEPTH == 1) ? 1 : 0;
  reg  [LVW-1:0]   level_q;

  wire q_full  = (level_q == LVL_FULL);
  wire q_empty = (level_q == {LVW{1'b0}});
  wire busy    = ~q_empty | job_busy_i;

  // ---------------------------------------------------------------------------------------
  // AXI4-Lite write channels
  // ---------------------------------------------------------------------------------------
  reg         aw_v_q;
  reg         w_v_q;
  reg  [31:0] w_data_q;
  reg  [3:0]  w_strb_q;
  reg         b_v_q;
  reg  [1:0]  b_resp_q;

  assign axil_awready_o = ~aw_v_q & ~b_v_q;
  assign axil_wready_o  = ~w_v_q & ~b_v_q;
  assign axil_bvalid_o  = b_v_q;
  assign axil_bresp_o   = b_resp_q;

  wire aw_hs = axil_awvalid_i & axil_awready_o;
  wire w_hs  = axil_wvalid_i & axil_wready_o;
  wire job_hold;                // a JOB_* write waits for the descriptor that holds them
  wire wr_en = aw_v_q & w_v_q & ~job_hold;  // both halves held: the write takes effect at this edge

  // The write address is decoded as it is taken: the selects leave flip-flops (a JOB_* write's
  // hold and the register enables otherwise start at a 12-bit compare).
  reg sel_ctrl, sel_irq, sel_k, sel_n, sel_cfg, sel_w, sel_a, sel_o, sel_db;
  always @(posedge clk_i) begin
    if (aw_hs) begin
      sel_ctrl <= (axil_awaddr_i == `TERN_REG_CTRL_OFFSET);
      sel_irq  <= (axil_awaddr_i == `TERN_REG_IRQ_STATUS_OFFSET);
      sel_k    <= (axil_awaddr_i == `TERN_REG_JOB_K_OFFSET);
      sel_n    <= (axil_awaddr_i == `TERN_REG_JOB_N_OFFSET);
      sel_cfg  <= (axil_awaddr_i == `TERN_REG_JOB_CFG_OFFSET);
      sel_w    <= (axil_awaddr_i == `TERN_REG_JOB_W_ADDR_OFFSET);
      sel_a    <= (axil_awaddr_i == `TERN_REG_JOB_A_ADDR_OFFSET);
      sel_o    <= (axil_awaddr_i == `TERN_REG_JOB_O_ADDR_OFFSET);
      sel_db   <= (axil_awaddr_i == `TERN_REG_DOORBELL_OFFSET);
    end
    if (w_hs) begin
      w_data_q <= axil_wdata_i;
      w_strb_q <= axil_wstrb_i;
    end
  end

  // Write decode: the selects above.
  wire wr_ok     = sel_ctrl | sel_irq | sel_k | sel_n | sel_cfg | sel_w | sel_a | sel_o | sel_db;
  assign job_hold = (BYPASS != 0) & ~q_empty & ~desc_ready_i &
                    (sel_k | sel_n | sel_cfg | sel_w | sel_a | sel_o);

  wire [31:0] wmask = {{8{w_strb_q[3]}}, {8{w_strb_q[2]}}, {8{w_strb_q[1]}}, {8{w_strb_q[0]}}};
  wire [31:0] wbits = w_data_q & wmask;  // the written bits of the selected bytes

  wire [FMT_W-1:0] fmt_merged = (job_fmt_q & ~wmask[FMT_LSB +: FMT_W]) | wbits[FMT_LSB +: FMT_W];
  wire [TOK_W-1:0] tok_merged = (job_tok_q & ~wmask[TOK_LSB +: TOK_W]) | wbits[TOK_LSB +: TOK_W];

  wire db_ring  = wr_en & sel_db & wbits[0];
  wire push     = db_ring & ~q_full;
  wire db_full  = db_ring & q_full;
  wire pop      = ~q_empty & desc_ready_i;
  wire irq_clr_done  = wr_en & sel_irq & wbits[`TERN_REG_IRQ_STATUS_DONE_LSB];
  wire irq_clr_error = wr_en & sel_irq & wbits[`TERN_REG_IRQ_STATUS_ERROR_LSB];

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      aw_v_q   <= 1'b0;
      w_v_q    <= 1'b0;
      b_v_q    <= 1'b0;
      b_resp_q <= RESP_OKAY;
    end else begin
      if (aw_hs) aw_v_q <= 1'b1;
      if (w_hs)  w_v_q  <= 1'b1;
      if (wr_en) begin
        aw_v_q   <= 1'b0;
        w_v_q    <= 1'b0;
        b_v_q    <= 1'b1;
        b_resp_q <= wr_ok ? RESP_OKAY : RESP_SLVERR;
      end else if (axil_bready_i) begin
        b_v_q <= 1'b0;
      end
    end
  end

  // ---------------------------------------------------------------------------------------
  // Control and status registers
  // ---------------------------------------------------------------------------------------
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      irq_en_q    <= 1'b0;
      err_q       <= 8'd0;
      irq_done_q  <= 1'b0;
      irq_error_q <= 1'b0;
      jobs_done_q <= 32'd0;
      cycles_q    <= 32'd0;
      job_k_q     <= 32'd0;
      job_n_q     <= 32'd0;
      job_fmt_q   <= {FMT_W{1'b0}};
      job_tok_q   <= {TOK_W{1'b0}};
      job_w_q     <= 32'd0;
      job_a_q     <= 32'd0;
      job_o_q     <= 32'd0;
    end else begin
      if (wr_en && sel_ctrl) irq_en_q <= (irq_en_q & ~wmask[`TERN_REG_CTRL_IRQ_EN_LSB]) |
                                         wbits[`TERN_REG_CTRL_IRQ_EN_LSB];
      if (wr_en && sel_k) job_k_q <= (job_k_q & ~wmask) | wbits;
      if (wr_en && sel_n) job_n_q <= (job_n_q & ~wmask) | wbits;
      if (wr_en && sel_cfg) begin
        job_fmt_q <= fmt_merged;
        job_tok_q <= tok_merged;
      end
      if (wr_en && sel_w) job_w_q <= (job_w_q & ~wmask) | wbits;
      if (wr_en && sel_a) job_a_q <= (job_a_q & ~wmask) | wbits;
      if (wr_en && sel_o) job_o_q <= (job_o_q & ~wmask) | wbits;
      // A cause raised in this edge wins over a W1C of the same bit.
      irq_done_q  <= (irq_done_q & ~irq_clr_done) | job_done_i;
      irq_error_q <= (irq_error_q & ~irq_clr_error) | job_err_i | db_full;
      if (job_err_i)    err_q <= job_err_code_i;
      else if (db_full) err_q <= ERR_QFULL;
      if (job_done_i) jobs_done_q <= jobs_done_q + 32'd1;
      if (job_done_i && !job_err_i && CYCLES_REG != 0) cycles_q <= cycles_i;
    end
  end

  assign irq_o = irq_en_q & (irq_done_q | irq_error_q);

  // ---------------------------------------------------------------------------------------
  // Descriptor queue
  // ---------------------------------------------------------------------------------------
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      level_q  <= {LVW{1'b0}};
    end else begin
      if (push && !pop)      level_q <= level_q + LVL_ONE;
      else if (pop && !push) level_q <= level_q - LVL_ONE;
    end
  end

  generate
    if (BYPASS == 0) begin : g_queue
      reg  [31:0]      q_k_q   [0:QUEUE_DEPTH-1];
      reg  [31:0]      q_n_q   [0:QUEUE_DEPTH-1];
      reg  [FMT_W-1:0] q_fmt_q [0:QUEUE_DEPTH-1];
      reg  [TOK_W-1:0] q_tok_q [0:QUEUE_DEPTH-1];
      reg  [31:0]      q_w_q   [0:QUEUE_DEPTH-1];
      reg  [31:0]      q_a_q   [0:QUEUE_DEPTH-1];
      reg  [31:0]      q_o_q   [0:QUEUE_DEPTH-1];
      reg  [QAW-1:0]   rd_ptr_q;
      reg  [QAW-1:0]   wr_ptr_q;

      always @(posedge clk_i) begin
        if (push) begin
          q_k_q[wr_ptr_q]   <= job_k_q;
          q_n_q[wr_ptr_q]   <= job_n_q;
          q_fmt_q[wr_ptr_q] <= job_fmt_q;
          q_tok_q[wr_ptr_q] <= job_tok_q;
          q_w_q[wr_ptr_q]   <= job_w_q;
          q_a_q[wr_ptr_q]   <= job_a_q;
          q_o_q[wr_ptr_q]   <= job_o_q;
        end
      end

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          rd_ptr_q <= {QAW{1'b0}};
          wr_ptr_q <= {QAW{1'b0}};
        end else begin
          if (push) wr_ptr_q <= (wr_ptr_q == PTR_LAST) ? {QAW{1'b0}} : wr_ptr_q + PTR_ONE;
          if (pop)  rd_ptr_q <= (rd_ptr_q == PTR_LAST) ? {QAW{1'b0}} : rd_ptr_q + PTR_ONE;
        end
      end

      assign desc_k_o      = q_k_q[rd_ptr_q];
      assign desc_n_o      = q_n_q[rd_ptr_q];
      assign desc_cfg_o    = ({{(32-FMT_W){1'b0}}, q_fmt_q[rd_ptr_q]} << FMT_LSB) |
                             ({{(32-TOK_W){1'b0}}, q_tok_q[rd_ptr_q]} << TOK_LSB);
      assign desc_w_addr_o = q_w_q[rd_ptr_q];
      assign desc_a_addr_o = q_a_q[rd_ptr_q];
      assign desc_o_addr_o = q_o_q[rd_ptr_q];
    end else begin : g_bypass
      assign desc_k_o      = job_k_q;
      assign desc_n_o      = job_n_q;
      assign desc_cfg_o    = job_cfg;
      assign desc_w_addr_o = job_w_q;
      assign desc_a_addr_o = job_a_q;
      assign desc_o_addr_o = job_o_q;
    end
  endgenerate

  assign desc_valid_o  = ~q_empty;

  // ---------------------------------------------------------------------------------------
  // AXI4-Lite read channels
  // ---------------------------------------------------------------------------------------
  reg         r_v_q;
  reg  [31:0] r_data_q;
  reg  [1:0]  r_resp_q;

  // which register ARADDR names, one-hot (none: DOORBELL, which is write-only, a hole or a
  // misaligned offset: SLVERR)
  localparam integer NRD = 16;
  localparam integer R_ID = 0, R_VERSION = 1, R_PARAMS = 2, R_QUEUE = 3, R_CTRL = 4,
                     R_STATUS = 5, R_IRQ = 6, R_JOBS_DONE = 7, R_JOB_K = 8, R_JOB_N = 9,
                     R_JOB_CFG = 10, R_JOB_W = 11, R_JOB_A = 12, R_JOB_O = 13, R_ACT_BUF = 14,
                     R_CYCLES = 15;
  reg  [NRD-1:0] rd_dec;
  always @(*) begin
    rd_dec = {NRD{1'b0}};
    case (axil_araddr_i)
      `TERN_REG_ID_OFFSET:         rd_dec[R_ID]        = 1'b1;
      `TERN_REG_VERSION_OFFSET:    rd_dec[R_VERSION]   = 1'b1;
      `TERN_REG_PARAMS_OFFSET:     rd_dec[R_PARAMS]    = 1'b1;
      `TERN_REG_QUEUE_OFFSET:      rd_dec[R_QUEUE]     = 1'b1;
      `TERN_REG_CTRL_OFFSET:       rd_dec[R_CTRL]      = 1'b1;
      `TERN_REG_STATUS_OFFSET:     rd_dec[R_STATUS]    = 1'b1;
      `TERN_REG_IRQ_STATUS_OFFSET: rd_dec[R_IRQ]       = 1'b1;
      `TERN_REG_JOBS_DONE_OFFSET:  rd_dec[R_JOBS_DONE] = 1'b1;
      `TERN_REG_JOB_K_OFFSET:      rd_dec[R_JOB_K]     = 1'b1;
      `TERN_REG_JOB_N_OFFSET:      rd_dec[R_JOB_N]     = 1'b1;
      `TERN_REG_JOB_CFG_OFFSET:    rd_dec[R_JOB_CFG]   = 1'b1;
      `TERN_REG_JOB_W_ADDR_OFFSET: rd_dec[R_JOB_W]     = 1'b1;
      `TERN_REG_JOB_A_ADDR_OFFSET: rd_dec[R_JOB_A]     = 1'b1;
      `TERN_REG_JOB_O_ADDR_OFFSET: rd_dec[R_JOB_O]     = 1'b1;
      `TERN_REG_ACT_BUF_OFFSET:    rd_dec[R_ACT_BUF]   = 1'b1;
      `TERN_REG_CYCLES_OFFSET:     rd_dec[R_CYCLES]    = 1'b1;
      default:                     rd_dec              = {NRD{1'b0}};
    endcase
  end

  // AR_DECODE_REG: rd_dec_q is the decode of the ARADDR that has been valid since the cycle
  // before (ar_wait_q), the one the handshake takes.
  reg  [NRD-1:0] rd_dec_q;
  reg            ar_wait_q;
  wire [NRD-1:0] rd_sel = (AR_DECODE_REG != 0) ? rd_dec_q : rd_dec;
  assign axil_arready_o = ~r_v_q & ((AR_DECODE_REG == 0) | ar_wait_q);
  assign axil_rvalid_o  = r_v_q;
  assign axil_rdata_o   = r_data_q;
  assign axil_rresp_o   = r_resp_q;

  wire ar_hs = axil_arvalid_i & axil_arready_o;
  always @(posedge clk_i) begin
    rd_dec_q  <= rd_dec;
    ar_wait_q <= rst_ni & axil_arvalid_i & ~ar_hs;
  end

  wire [31:0] queue_val  = ({24'd0, DEPTH_U[7:0]} << `TERN_REG_QUEUE_DEPTH_LSB) |
                           ({{(32-LVW){1'b0}}, level_q} << `TERN_REG_QUEUE_LEVEL_LSB);
  wire [31:0] status_val = ({31'd0, busy} << `TERN_REG_STATUS_BUSY_LSB) |
                           ({{(32-ERR_W){1'b0}}, err_q} << ERR_LSB);
  wire [31:0] irq_val    = ({31'd0, irq_done_q}  << `TERN_REG_IRQ_STATUS_DONE_LSB) |
                           ({31'd0, irq_error_q} << `TERN_REG_IRQ_STATUS_ERROR_LSB);
  wire [31:0] ctrl_val   = {31'd0, irq_en_q} << `TERN_REG_CTRL_IRQ_EN_LSB;
  wire [31:0] cycles_val = (CYCLES_REG != 0) ? cycles_q : cycles_i;

  // the selected register's value: an AND-OR of the one-hot selects
  wire [31:0] rd_val =
    ({32{rd_sel[R_ID]}}        & `TERN_REG_ID_RESET)      | ({32{rd_sel[R_VERSION]}} & `TERN_REG_VERSION_RESET) |
    ({32{rd_sel[R_PARAMS]}}    & PARAMS_VAL)              | ({32{rd_sel[R_QUEUE]}}   & queue_val)   |
    ({32{rd_sel[R_CTRL]}}      & ctrl_val)                | ({32{rd_sel[R_STATUS]}}  & status_val)  |
    ({32{rd_sel[R_IRQ]}}       & irq_val)                 | ({32{rd_sel[R_JOBS_DONE]}} & jobs_done_q) |
    ({32{rd_sel[R_JOB_K]}}     & job_k_q)                 | ({32{rd_sel[R_JOB_N]}}   & job_n_q)     |
    ({32{rd_sel[R_JOB_CFG]}}   & job_cfg)                 | ({32{rd_sel[R_JOB_W]}}   & job_w_q)     |
    ({32{rd_sel[R_JOB_A]}}     & job_a_q)                 | ({32{rd_sel[R_JOB_O]}}   & job_o_q)     |
    ({32{rd_sel[R_ACT_BUF]}}   & ACT_BUF_U)               | ({32{rd_sel[R_CYCLES]}}  & cycles_val);
  wire        rd_ok  = |rd_sel;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      r_v_q    <= 1'b0;
      r_data_q <= 32'd0;
      r_resp_q <= RESP_OKAY;
    end else if (ar_hs) begin
      r_v_q    <= 1'b1;
      r_data_q <= rd_val;
      r_resp_q <= rd_ok ? RESP_OKAY : RESP_SLVERR;
    end else if (axil_rready_i) begin
      r_v_q <= 1'b0;
    end
  end

endmodule

`default_nettype wire
