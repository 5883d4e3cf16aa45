// SPDX-License-Identifier: Apache-2.0
// tern_device: the tern accelerator as a memory-mapped device. An AXI4-Lite slave holds the
// registers of docs/registers.md (tern_csr); the job engine runs the queued BitLinear jobs on
// the MAC array, reading weights and activations and writing int32 results through one AXI4
// master port of 64 bits. docs/architecture.md describes the whole; the C device model
// (cmodel/src/devmodel.c) is the reference for every register and every result byte.
//
// Memory port: 32-bit byte addresses, 8-byte beats (size 3), INCR bursts of 1 .. MAX_BURST
// beats that never cross 4 KB, one ID (responses in order). Reads: up to 8 bursts in flight.
// Writes: single beats with byte strobes. SLVERR/DECERR on any beat fails the job with
// BUS_ERROR.
//
// Weight port (axiw_*, the wide profile: WPORT_BYTES > 0): a read-only AXI4 master of
// WPORT_BYTES-byte beats (one T5 weight beat each, ROWS * LANES / 5 bytes, a power of two),
// with the same burst rules, that reads every job's weights; the 64-bit port then carries
// activations and results alone. Only T5 is served (PARAMS.FORMATS says so) and W_ADDR must
// be a multiple of WPORT_BYTES (else MISALIGNED). With WPORT_BYTES = 0 the port is idle and
// its data input 64 bits wide.
//
// Weight memory (wm_*, WMEM_WORDS > 0, the wide profile): the weights live inside the MAC
// array, WMEM_WORDS T5 beats (ROWS * LANES / 5 bytes each, a power of two), each row's slice
// in a block RAM beside the row (tern_mac_array WMEM_WORDS). No weight crosses a bus during a
// job: W_ADDR is a byte offset in this memory (a multiple of the beat, else MISALIGNED), and a
// job whose weights run past its end fails with W_RANGE before any memory traffic. The host
// (or the SoC's loader) writes it through wm_*: one row's slice of one beat a cycle (bytes
// r * LANES / 5 .. of the beat at word w go to row r of word w), while no job that reads those
// words is queued or running. Only T5 is served.
//
// Both (WPORT_BYTES = the T5 beat and WMEM_WORDS > 0): the weight port streams every job's
// weights into that memory as a ring (tern_job_engine RING); W_ADDR is a memory address as with
// the port alone, wm_* are unused, and no weight FIFO is built.

`default_nettype none

`include "tern_params.vh"

module tern_device #(
  parameter integer ROWS          = `TERN_ROWS,
  parameter integer LANES         = `TERN_LANES,
  parameter integer T_MAX         = `TERN_T_MAX,
  parameter integer QUEUE_DEPTH   = `TERN_QUEUE_DEPTH,
  parameter integer ACT_BUF_BEATS = `TERN_ACT_BUF_BEATS,
  parameter integer RD_FIFO_WORDS = `TERN_RD_FIFO_WORDS,
  parameter integer MAX_BURST     = `TERN_MAX_BURST,
  // The device's profile (spec/tern.toml [profiles]), chosen explicitly: 1 is the small device
  // (a board like the iCEBreaker: one token per job, a one-deep queue, a low clock): one job
  // slot, the CSR queue bypassed, no timing-only register FIFOs, FIFOs in block RAM, one cycle
  // counter fewer. Same results and registers, a few cycles more per job. It needs T_MAX = 1
  // and QUEUE_DEPTH = 1 (the spec's generator checks every board's choice).
  parameter integer SMALL         = `TERN_SMALL,
  parameter integer WPORT_BYTES   = 0,   // a weight port of this beat (0: none)
  parameter integer WMEM_WORDS    = 0,   // the weight memory in the array (0: none; a ring with WPORT_BYTES)
  parameter integer T5_ROM        = 1,   // T5 decode: 1 tables (block RAM), 0 logic (no RAM output
                                         // on the path to the array: the wide profile's timing)
  parameter integer WPB           = (WPORT_BYTES > 0) ? WPORT_BYTES : 8,  // weight port beat bytes
  parameter integer WMW           = (WMEM_WORDS > 1) ? $clog2(WMEM_WORDS) : 1,   // bits of a word
  parameter integer WMR           = (ROWS > 1) ? $clog2(ROWS) : 1,               // bits of a row
  parameter integer WMB           = (LANES >= 5) ? LANES / 5 : 1                 // bytes of a row's slice
) (
  input  wire        clk_i,
  input  wire        rst_ni,            // synchronous, active low (held 2 cycles: see the engine's resets)
  // CSR: AXI4-Lite slave
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
  input  wire [11:0] axil_araddr_i,
  input  wire        axil_arvalid_i,
  output wire        axil_arready_o,
  output wire [31:0] axil_rdata_o,
  output wire [1:0]  axil_rresp_o,
  output wire        axil_rvalid_o,
  input  wire        axil_rready_i,
  // memory: AXI4 master
  output wire [31:0] axi_araddr_o,
  output wire [7:0]  axi_arlen_o,
  output wire [2:0]  axi_arsize_o,
  output wire [1:0]  axi_arburst_o,
  output wire        axi_arvalid_o,
  input  wire        axi_arready_i,
  input  wire [63:0] axi_rdata_i,
  input  wire [1:0]  axi_rresp_i,
  input  wire        axi_rlast_i,
  input  wire        axi_rvalid_i,
  output wire        axi_rready_o,
  output wire [31:0] axi_awaddr_o,
  output wire [7:0]  axi_awlen_o,
  output wire [2:0]  axi_awsize_o,
  output wire [1:0]  axi_awburst_o,
  output wire        axi_awvalid_o,
  input  wire        axi_awready_i,
  output wire [63:0] axi_wdata_o,
  output wire [7:0]  axi_wstrb_o,
  output wire        axi_wlast_o,
  output wire        axi_wvalid_o,
  input  wire        axi_wready_i,
  input  wire [1:0]  axi_bresp_i,
  input  wire        axi_bvalid_i,
  output wire        axi_bready_o,
  // weights: AXI4 read master (WPORT_BYTES > 0)
  output wire [31:0]      axiw_araddr_o,
  output wire [7:0]       axiw_arlen_o,
  output wire [2:0]       axiw_arsize_o,
  output wire [1:0]       axiw_arburst_o,
  output wire             axiw_arvalid_o,
  input  wire             axiw_arready_i,
  input  wire [8*WPB-1:0] axiw_rdata_i,
  input  wire [1:0]       axiw_rresp_i,
  input  wire             axiw_rlast_i,
  input  wire             axiw_rvalid_i,
  output wire             axiw_rready_o,
  // weights: the weight memory's write port (WMEM_WORDS > 0; otherwise ignored)
  input  wire             wm_we_i,
  input  wire [WMR-1:0]   wm_row_i,
  input  wire [WMW-1:0]   wm_word_i,
  input  wire [8*WMB-1:0] wm_data_i,
  output wire        irq_o
);

  localparam [2:0] SIZE_8B = 3'd3;
  localparam [31:0] WSIZE_U = $clog2(WPB);
  localparam integer FORMATS = (WPORT_BYTES > 0 || WMEM_WORDS > 0) ? (1 << `TERN_FMT_T5) : `TERN_FORMATS_MASK;
  localparam [1:0] INCR    = 2'b01;

  wire        desc_valid, desc_ready;
  wire [31:0] desc_k, desc_n, desc_cfg, desc_w, desc_a, desc_o;
  wire        job_busy, job_done, job_err;
  wire [7:0]  job_err_code;
  wire [31:0] cycles;

  tern_csr #(
    .ROWS(ROWS), .LANES(LANES), .FORMATS(FORMATS), .T_MAX(T_MAX),
    .QUEUE_DEPTH(QUEUE_DEPTH), .ACT_BUF_BEATS(ACT_BUF_BEATS),
    .CYCLES_REG(SMALL != 0 ? 0 : 1), .AR_DECODE_REG(SMALL != 0 ? 1 : 0)
  ) u_csr (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .axil_awaddr_i  (axil_awaddr_i),
    .axil_awvalid_i (axil_awvalid_i),
    .axil_awready_o (axil_awready_o),
    .axil_wdata_i   (axil_wdata_i),
    .axil_wstrb_i   (axil_wstrb_i),
    .axil_wvalid_i  (axil_wvalid_i),
    .axil_wready_o  (axil_wready_o),
    .axil_bresp_o   (axil_bresp_o),
    .axil_bvalid_o  (axil_bvalid_o),
    .axil_bready_i  (axil_bready_i),
    .axil_araddr_i  (axil_araddr_i),
    .axil_arvalid_i (axil_arvalid_i),
    .axil_arready_o (axil_arready_o),
    .axil_rdata_o   (axil_rdata_o),
    .axil_rresp_o   (axil_rresp_o),
    .axil_rvalid_o  (axil_rvalid_o),
    .axil_rready_i  (axil_rready_i),
    .desc_valid_o   (desc_valid),
    .desc_ready_i   (desc_ready),
    .desc_k_o       (desc_k),
    .desc_n_o       (desc_n),
    .desc_cfg_o     (desc_cfg),
    .desc_w_addr_o  (desc_w),
    .desc_a_addr_o  (desc_a),
    .desc_o_addr_o  (desc_o),
    .job_busy_i     (job_busy),
    .job_done_i     (job_done),
    .job_err_i      (job_err),
    .job_err_code_i (job_err_code),
    .cycles_i       (cycles),
    .irq_o          (irq_o)
  );

  // The engine's resets, one per block. With the weight port or memory (the wide profile: 40,000
  // cells on the ECP5-85F) each is a register of its own, so no reset net spans the chip (the
  // one net limited the 640-MAC build to 78.8 MHz: 5.8 ns of routing, nextpnr-ecp5 0.11.1).
  // The engine then enters and leaves reset a cycle late, so there rst_ni must be held low for
  // 2 cycles at least; its AXI VALIDs are held low while rst_ni is (as AXI4 requires in reset).
  // The CSRs keep rst_ni (they take writes the cycle reset ends; their queue shows a descriptor
  // the cycle after a doorbell at the earliest, when the engine is out of reset).
  localparam [0:0] RST_REG = (WPORT_BYTES > 0 || WMEM_WORDS > 0) ? 1'b1 : 1'b0;
  wire [11:0] eng_rst_n;
  wire        out_en = rst_ni | ~RST_REG;
  wire        e_arvalid, e_awvalid, e_wvalid, e_warvalid;
  assign axi_arvalid_o  = e_arvalid & out_en;
  assign axi_awvalid_o  = e_awvalid & out_en;
  assign axi_wvalid_o   = e_wvalid & out_en;
  assign axiw_arvalid_o = e_warvalid & out_en;
  genvar gr;
  generate
    for (gr = 0; gr < 12; gr = gr + 1) begin : g_rst
      if (RST_REG) begin : g_copy
        tern_rep_ff #(.W(1)) u_rst (
          .clk_i (clk_i),
          .d_i   (rst_ni),
          .q_o   (eng_rst_n[gr])
        );
      end else begin : g_direct
        assign eng_rst_n[gr] = rst_ni;
      end
    end
  endgenerate

  tern_job_engine #(
    .ROWS(ROWS), .LANES(LANES), .T_MAX(T_MAX), .ACT_BUF_BEATS(ACT_BUF_BEATS),
    .RD_FIFO_WORDS(RD_FIFO_WORDS), .MAX_BURST(MAX_BURST),
    .SLOTS(SMALL != 0 ? 1 : 2), .SKID(SMALL != 0 ? 0 : 1), .ABUF_REGS(SMALL != 0 ? 1 : 2),
    .FIFO_RAM(SMALL != 0 ? 1 : 0), .CYCLES_REG(SMALL != 0 ? 0 : 1),
    .WPORT_BYTES(WPORT_BYTES), .WMEM_WORDS(WMEM_WORDS), .FORMATS(FORMATS), .T5_ROM(T5_ROM)
  ) u_engine (
    .clk_i          (clk_i),
    .rst_ni         (eng_rst_n),
    .desc_valid_i   (desc_valid),
    .desc_ready_o   (desc_ready),
    .desc_k_i       (desc_k),
    .desc_n_i       (desc_n),
    .desc_cfg_i     (desc_cfg),
    .desc_w_addr_i  (desc_w),
    .desc_a_addr_i  (desc_a),
    .desc_o_addr_i  (desc_o),
    .job_busy_o     (job_busy),
    .job_done_o     (job_done),
    .job_err_o      (job_err),
    .job_err_code_o (job_err_code),
    .cycles_o       (cycles),
    .axi_araddr_o   (axi_araddr_o),
    .axi_arlen_o    (axi_arlen_o),
    .axi_arvalid_o  (e_arvalid),
    .axi_arready_i  (axi_arready_i),
    .axi_rdata_i    (axi_rdata_i),
    .axi_rresp_i    (axi_rresp_i),
    .axi_rlast_i    (axi_rlast_i),
    .axi_rvalid_i   (axi_rvalid_i),
    .axi_rready_o   (axi_rready_o),
    .axi_awaddr_o   (axi_awaddr_o),
    .axi_awvalid_o  (e_awvalid),
    .axi_awready_i  (axi_awready_i),
    .axi_wdata_o    (axi_wdata_o),
    .axi_wstrb_o    (axi_wstrb_o),
    .axi_wvalid_o   (e_wvalid),
    .axi_wready_i   (axi_wready_i),
    .axi_bresp_i    (axi_bresp_i),
    .axi_bvalid_i   (axi_bvalid_i),
    .axi_bready_o   (axi_bready_o),
    .axiw_araddr_o  (axiw_araddr_o),
    .axiw_arlen_o   (axiw_arlen_o),
    .axiw_arvalid_o (e_warvalid),
    .axiw_arready_i (axiw_arready_i),
    .axiw_rdata_i   (axiw_rdata_i),
    .axiw_rresp_i   (axiw_rresp_i),
    .axiw_rlast_i   (axiw_rlast_i),
    .axiw_rvalid_i  (axiw_rvalid_i),
    .axiw_rready_o  (axiw_rready_o),
    .wm_we_i        (wm_we_i),
    .wm_row_i       (wm_row_i),
    .wm_word_i      (wm_word_i),
    .wm_data_i      (wm_data_i)
  );

  assign axi_arsize_o  = SIZE_8B;
  assign axi_arburst_o = INCR;
  assign axi_awlen_o   = 8'd0;     // single-beat writes
  assign axi_awsize_o  = SIZE_8B;
  assign axi_awburst_o = INCR;
  assign axi_wlast_o   = 1'b1;
  assign axiw_arsize_o  = WSIZE_U[2:0];   // log2(WPB): 7 for 128-byte beats
  assign axiw_arburst_o = INCR;

endmodule

`default_nettype wire
