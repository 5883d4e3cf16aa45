// SPDX-License-Identifier: Apache-2.0
// tern_wide_wrap: place-and-route wrapper of the wide profile on the ECP5-85F (timing and
// utilisation only; not a functional design).
//
// The device with its weight port fed one T5 beat a cycle (WPORT = 1; with WMEM_WORDS > 0 the
// port streams into a ring of that many words in the array), or with its weights inside the
// array and no port (WPORT = 0, WMEM_WORDS > 0: written through the device's wm_* port), and
// the 64-bit memory of activations and results as the ULX3S board builds it (tern_board_memctl
// + tern_board_mem, pipelined reads).
//
// The port's source (WSRC): 0, tern_wmem of WMEM_BYTES (block RAM beside the device); 1, a
// chain of byte registers that shifts every cycle and answers the AXI read protocol a beat a
// cycle, as an SoC's interconnect would hand the device registered data (the timing of the
// device, not of a memory placed around it). MEM_SLICE = 1 puts a 2-word register FIFO on each
// channel of the 64-bit port (AR, R, AW, W, B), the register slice an SoC puts between a master
// and its memory.
//
// Everything a host would drive (the CSR bus, the weight memory's write port) comes from a
// serial chain of flip-flops and registered pins, and every output is registered (wide ones
// XOR-reduced), so every path of the design starts and ends at a flip-flop, as it would on a
// board.

`default_nettype none

`include "tern_params.vh"

module tern_wide_wrap #(
  parameter integer ROWS          = 16,
  parameter integer LANES         = 40,
  parameter integer T_MAX         = 8,
  parameter integer QUEUE_DEPTH   = 4,
  parameter integer ACT_BUF_BEATS = 512,
  parameter integer RD_FIFO_WORDS = 64,
  parameter integer MAX_BURST     = 16,
  parameter integer WMEM_BYTES    = 65536,   // the weight memory
  parameter integer WPORT         = 1,       // the weight port and its memory of WMEM_BYTES
  parameter integer WMEM_WORDS    = 0,       // > 0: the array's own weight memory (a ring if WPORT)
  parameter integer WSRC          = 0,       // the port's source: 0 tern_wmem, 1 a register chain
  parameter integer MEM_SLICE     = 0,       // 1: a register slice on each channel of the 64-bit port
  parameter integer MEM_BYTES     = 65536,   // activations and results
  parameter integer MEM_OUT_REGS  = 4
) (
  input  wire clk_i,
  input  wire rst_ni,
  input  wire ser_i,        // serial data of the input chain
  input  wire awvalid_i,
  input  wire wvalid_i,
  input  wire bready_i,
  input  wire arvalid_i,
  input  wire rready_i,
  input  wire wm_we_i,      // weight memory write
  output wire csr_xor_o,    // XOR of the CSR bus outputs, registered
  output wire irq_o
);

  localparam integer WPB   = ROWS * LANES / 5;     // the weight port's beat: one T5 beat
  localparam integer WMW   = (WMEM_WORDS > 1) ? $clog2(WMEM_WORDS) : 1;   // tern_device's wm_*
  localparam integer WMR   = (ROWS > 1) ? $clog2(ROWS) : 1;
  localparam integer WMB   = LANES / 5;
  localparam integer DWPB  = (WPORT != 0) ? WPB : 8;   // the device's weight port data bytes
  localparam integer WORDS = MEM_BYTES / 8;
  localparam integer CH    = 12 + 32 + 4 + 12 + 32 + 64 + 8;   // the chain

  // The memories' own reset registers (tern_rep_ff: not merged with rst_nq), so that no reset
  // net spans the chip (the device registers a copy per block of its engine as well).
  wire rst_wm_n, rst_mc_n;
  tern_rep_ff #(.W(1)) u_rst_wm (
    .clk_i (clk_i),
    .d_i   (rst_ni),
    .q_o   (rst_wm_n)
  );
  tern_rep_ff #(.W(1)) u_rst_mc (
    .clk_i (clk_i),
    .d_i   (rst_ni),
    .q_o   (rst_mc_n)
  );

  reg [CH-1:0] chain_q;
  reg          rst_nq, awvalid_q, wvalid_q, bready_q, arvalid_q, rready_q, wm_we_q;
  always @(posedge clk_i) begin
    chain_q   <= {chain_q[CH-2:0], ser_i};
    rst_nq    <= rst_ni;
    awvalid_q <= awvalid_i;
    wvalid_q  <= wvalid_i;
    bready_q  <= bready_i;
    arvalid_q <= arvalid_i;
    rready_q  <= rready_i;
    wm_we_q   <= wm_we_i;
  end
  wire [11:0] c_awaddr = chain_q[0 +: 12];
  wire [31:0] c_wdata  = chain_q[12 +: 32];
  wire [3:0]  c_wstrb  = chain_q[44 +: 4];
  wire [11:0] c_araddr = chain_q[48 +: 12];
  wire [31:0] c_wmaddr = chain_q[60 +: 32];
  wire [63:0] c_wmdata = chain_q[92 +: 64];
  wire [7:0]  c_wmstrb = chain_q[156 +: 8];

  // device <-> memories
  wire [31:0] ar_addr, aw_addr;
  wire [7:0]  ar_len, aw_len;
  wire [2:0]  ar_size, aw_size;
  wire [1:0]  ar_burst, aw_burst;
  wire        ar_valid, ar_ready, r_last, r_valid, r_ready, aw_valid, aw_ready;
  wire [63:0] r_data, w_data;
  wire [1:0]  r_resp, b_resp;
  wire [7:0]  w_strb;
  wire        w_last, w_valid, w_ready, b_valid, b_ready;
  wire [31:0] wp_araddr;
  wire [7:0]  wp_arlen;
  wire [2:0]  wp_arsize;
  wire [1:0]  wp_arburst;
  wire        wp_arvalid, wp_arready, wp_rlast, wp_rvalid, wp_rready;
  wire [8*DWPB-1:0] wp_rdata;
  wire [1:0]  wp_rresp;
  // CSR outputs
  wire        awready, wready, bvalid, arready, rvalid;
  wire [1:0]  bresp, rresp;
  wire [31:0] rdata;

  tern_device #(
    .ROWS          (ROWS),
    .LANES         (LANES),
    .T_MAX         (T_MAX),
    .QUEUE_DEPTH   (QUEUE_DEPTH),
    .ACT_BUF_BEATS (ACT_BUF_BEATS),
    .RD_FIFO_WORDS (RD_FIFO_WORDS),
    .MAX_BURST     (MAX_BURST),
    .SMALL         (0),
    .WPORT_BYTES   ((WPORT != 0) ? WPB : 0),
    .WMEM_WORDS    (WMEM_WORDS),
    .T5_ROM        (0)
  ) u_device (
    .clk_i          (clk_i),
    .rst_ni         (rst_nq),
    .axil_awaddr_i  (c_awaddr),
    .axil_awvalid_i (awvalid_q),
    .axil_awready_o (awready),
    .axil_wdata_i   (c_wdata),
    .axil_wstrb_i   (c_wstrb),
    .axil_wvalid_i  (wvalid_q),
    .axil_wready_o  (wready),
    .axil_bresp_o   (bresp),
    .axil_bvalid_o  (bvalid),
    .axil_bready_i  (bready_q),
    .axil_araddr_i  (c_araddr),
    .axil_arvalid_i (arvalid_q),
    .axil_arready_o (arready),
    .axil_rdata_o   (rdata),
    .axil_rresp_o   (rresp),
    .axil_rvalid_o  (rvalid),
    .axil_rready_i  (rready_q),
    .axi_araddr_o   (ar_addr),
    .axi_arlen_o    (ar_len),
    .axi_arsize_o   (ar_size),
    .axi_arburst_o  (ar_burst),
    .axi_arvalid_o  (ar_valid),
    .axi_arready_i  (ar_ready),
    .axi_rdata_i    (r_data),
    .axi_rresp_i    (r_resp),
    .axi_rlast_i    (r_last),
    .axi_rvalid_i   (r_valid),
    .axi_rready_o   (r_ready),
    .axi_awaddr_o   (aw_addr),
    .axi_awlen_o    (aw_len),
    .axi_awsize_o   (aw_size),
    .axi_awburst_o  (aw_burst),
    .axi_awvalid_o  (aw_valid),
    .axi_awready_i  (aw_ready),
    .axi_wdata_o    (w_data),
    .axi_wstrb_o    (w_strb),
    .axi_wlast_o    (w_last),
    .axi_wvalid_o   (w_valid),
    .axi_wready_i   (w_ready),
    .axi_bresp_i    (b_resp),
    .axi_bvalid_i   (b_valid),
    .axi_bready_o   (b_ready),
    .axiw_araddr_o  (wp_araddr),
    .axiw_arlen_o   (wp_arlen),
    .axiw_arsize_o  (wp_arsize),
    .axiw_arburst_o (wp_arburst),
    .axiw_arvalid_o (wp_arvalid),
    .axiw_arready_i (wp_arready),
    .axiw_rdata_i   (wp_rdata),
    .axiw_rresp_i   (wp_rresp),
    .axiw_rlast_i   (wp_rlast),
    .axiw_rvalid_i  (wp_rvalid),
    .axiw_rready_o  (wp_rready),
    .wm_we_i        (wm_we_q & (WMEM_WORDS > 0) & (WPORT == 0)),
    .wm_row_i       (c_wmaddr[0 +: WMR]),
    .wm_word_i      (c_wmaddr[16 +: WMW]),
    .wm_data_i      (c_wmdata[0 +: 8 * WMB]),
    .irq_o          (irq_o)
  );

  reg wp_addr_xor_q;   // (WSRC 1: the port's addresses reach an output, so they stay built)
  generate
    if (WPORT != 0 && WSRC != 0) begin : g_wsrc
      // The port's data from a chain of byte registers that shifts every cycle (a stand-in for
      // an SoC's memory beside the device: every bit of a beat comes from a flip-flop of its
      // own, with no fanout and no memory to place); the AXI4 read protocol as a memory answers
      // it, a beat a cycle, the next burst taken with the last beat of the one before.
      reg [8*WPB-1:0] src_q;
      reg             busy_q;
      reg [7:0]       left_q;
      wire            beat = busy_q & wp_rready;
      always @(posedge clk_i) src_q <= {src_q[8*WPB-9:0], c_wmdata[7:0] ^ c_wmstrb};
      always @(posedge clk_i) begin
        if (!rst_wm_n) begin
          busy_q <= 1'b0;
          left_q <= 8'd0;
        end else if (wp_arvalid & wp_arready) begin
          busy_q <= 1'b1;
          left_q <= wp_arlen;
        end else if (beat && left_q == 8'd0) begin
          busy_q <= 1'b0;
        end else if (beat) begin
          left_q <= left_q - 8'd1;
        end
      end
      always @(posedge clk_i) wp_addr_xor_q <= ^wp_araddr;
      assign wp_arready = ~busy_q | (beat & (left_q == 8'd0));
      assign wp_rdata   = src_q;
      assign wp_rresp   = 2'b00;
      assign wp_rlast   = (left_q == 8'd0);
      assign wp_rvalid  = busy_q;
      wire unused_wsrc = ^{c_wmaddr, c_wmdata[63:8], wm_we_q};
    end else if (WPORT != 0) begin : g_wmem
      always @(posedge clk_i) wp_addr_xor_q <= 1'b0;
      tern_wmem #(.BYTES(WPB), .WORDS(WMEM_BYTES / WPB)) u_wmem (
        .clk_i         (clk_i),
        .rst_ni        (rst_wm_n),
        .axi_araddr_i  (wp_araddr),
        .axi_arlen_i   (wp_arlen),
        .axi_arvalid_i (wp_arvalid),
        .axi_arready_o (wp_arready),
        .axi_rdata_o   (wp_rdata),
        .axi_rresp_o   (wp_rresp),
        .axi_rlast_o   (wp_rlast),
        .axi_rvalid_o  (wp_rvalid),
        .axi_rready_i  (wp_rready),
        .we_i          (wm_we_q),
        .waddr_i       (c_wmaddr),
        .wdata_i       (c_wmdata),
        .wstrb_i       (c_wmstrb)
      );
    end else begin : g_no_wmem
      // (the device's weight port is idle)
      always @(posedge clk_i) wp_addr_xor_q <= 1'b0;
      assign wp_arready = 1'b0;
      assign wp_rdata   = {(8 * DWPB){1'b0}};
      assign wp_rresp   = 2'b00;
      assign wp_rlast   = 1'b0;
      assign wp_rvalid  = 1'b0;
      wire unused_wp = ^{wp_araddr, wp_arlen, wp_arvalid, wp_rready, c_wmstrb, c_wmaddr, c_wmdata, rst_wm_n};
    end
  endgenerate

  wire                     ram_en;
  wire [7:0]               ram_we;
  wire [$clog2(WORDS)-1:0] ram_addr;
  wire [63:0]              ram_wdata, ram_rdata;
  wire                     br_gnt, br_rvalid;
  wire [63:0]              br_rdata;
  // The 64-bit port to its memory, directly or through a register slice per channel (a
  // 2-word register FIFO: no combinational path from either side to the other, as an SoC's
  // interconnect would register it).
  wire [31:0] m_ar_addr, m_aw_addr;
  wire [7:0]  m_ar_len;
  wire        m_ar_valid, m_ar_ready, m_r_last, m_r_valid, m_r_ready, m_aw_valid, m_aw_ready;
  wire [63:0] m_r_data, m_w_data;
  wire [1:0]  m_r_resp, m_b_resp;
  wire [7:0]  m_w_strb;
  wire        m_w_valid, m_w_ready, m_b_valid, m_b_ready;
  generate
    if (MEM_SLICE != 0) begin : g_slice
      wire unused_lvl;
      wire [1:0] lvl_ar, lvl_r, lvl_aw, lvl_w, lvl_b;
      tern_fifo #(.WIDTH(40), .DEPTH(2), .REGS(1)) u_ar (
        .clk_i (clk_i), .rst_ni (rst_mc_n), .clear_i (1'b0),
        .in_valid_i (ar_valid), .in_ready_o (ar_ready), .in_data_i ({ar_len, ar_addr}),
        .out_valid_o (m_ar_valid), .out_ready_i (m_ar_ready), .out_data_o ({m_ar_len, m_ar_addr}),
        .level_o (lvl_ar)
      );
      tern_fifo #(.WIDTH(67), .DEPTH(2), .REGS(1)) u_r (
        .clk_i (clk_i), .rst_ni (rst_mc_n), .clear_i (1'b0),
        .in_valid_i (m_r_valid), .in_ready_o (m_r_ready), .in_data_i ({m_r_last, m_r_resp, m_r_data}),
        .out_valid_o (r_valid), .out_ready_i (r_ready), .out_data_o ({r_last, r_resp, r_data}),
        .level_o (lvl_r)
      );
      tern_fifo #(.WIDTH(32), .DEPTH(2), .REGS(1)) u_aw (
        .clk_i (clk_i), .rst_ni (rst_mc_n), .clear_i (1'b0),
        .in_valid_i (aw_valid), .in_ready_o (aw_ready), .in_data_i (aw_addr),
        .out_valid_o (m_aw_valid), .out_ready_i (m_aw_ready), .out_data_o (m_aw_addr),
        .level_o (lvl_aw)
      );
      tern_fifo #(.WIDTH(72), .DEPTH(2), .REGS(1)) u_w (
        .clk_i (clk_i), .rst_ni (rst_mc_n), .clear_i (1'b0),
        .in_valid_i (w_valid), .in_ready_o (w_ready), .in_data_i ({w_strb, w_data}),
        .out_valid_o (m_w_valid), .out_ready_i (m_w_ready), .out_data_o ({m_w_strb, m_w_data}),
        .level_o (lvl_w)
      );
      tern_fifo #(.WIDTH(2), .DEPTH(2), .REGS(1)) u_b (
        .clk_i (clk_i), .rst_ni (rst_mc_n), .clear_i (1'b0),
        .in_valid_i (m_b_valid), .in_ready_o (m_b_ready), .in_data_i (m_b_resp),
        .out_valid_o (b_valid), .out_ready_i (b_ready), .out_data_o (b_resp),
        .level_o (lvl_b)
      );
      assign unused_lvl = ^{lvl_ar, lvl_r, lvl_aw, lvl_w, lvl_b};
    end else begin : g_direct
      assign m_ar_addr  = ar_addr;
      assign m_ar_len   = ar_len;
      assign m_ar_valid = ar_valid;
      assign ar_ready   = m_ar_ready;
      assign r_data     = m_r_data;
      assign r_resp     = m_r_resp;
      assign r_last     = m_r_last;
      assign r_valid    = m_r_valid;
      assign m_r_ready  = r_ready;
      assign m_aw_addr  = aw_addr;
      assign m_aw_valid = aw_valid;
      assign aw_ready   = m_aw_ready;
      assign m_w_data   = w_data;
      assign m_w_strb   = w_strb;
      assign m_w_valid  = w_valid;
      assign w_ready    = m_w_ready;
      assign b_resp     = m_b_resp;
      assign b_valid    = m_b_valid;
      assign m_b_ready  = b_ready;
    end
  endgenerate

  tern_board_memctl #(
    .WORDS      (WORDS),
    .RD_LATENCY (1 + MEM_OUT_REGS),
    .HOLD       (0)
  ) u_memctl (
    .clk_i         (clk_i),
    .rst_ni        (rst_mc_n),
    .axi_araddr_i  (m_ar_addr),
    .axi_arlen_i   (m_ar_len),
    .axi_arvalid_i (m_ar_valid),
    .axi_arready_o (m_ar_ready),
    .axi_rdata_o   (m_r_data),
    .axi_rresp_o   (m_r_resp),
    .axi_rlast_o   (m_r_last),
    .axi_rvalid_o  (m_r_valid),
    .axi_rready_i  (m_r_ready),
    .axi_awaddr_i  (m_aw_addr),
    .axi_awvalid_i (m_aw_valid),
    .axi_awready_o (m_aw_ready),
    .axi_wdata_i   (m_w_data),
    .axi_wstrb_i   (m_w_strb),
    .axi_wvalid_i  (m_w_valid),
    .axi_wready_o  (m_w_ready),
    .axi_bresp_o   (m_b_resp),
    .axi_bvalid_o  (m_b_valid),
    .axi_bready_i  (m_b_ready),
    .br_req_i      (1'b0),
    .br_gnt_o      (br_gnt),
    .br_we_i       (1'b0),
    .br_addr_i     (32'd0),
    .br_wdata_i    (64'd0),
    .br_wstrb_i    (8'd0),
    .br_rvalid_o   (br_rvalid),
    .br_rdata_o    (br_rdata),
    .ram_en_o      (ram_en),
    .ram_we_o      (ram_we),
    .ram_addr_o    (ram_addr),
    .ram_wdata_o   (ram_wdata),
    .ram_rdata_i   (ram_rdata)
  );

  tern_board_mem #(.WORDS(WORDS), .OUT_REGS(MEM_OUT_REGS), .REQ_REG(0)) u_mem (
    .clk_i   (clk_i),
    .en_i    (ram_en),
    .we_i    (ram_we),
    .addr_i  (ram_addr),
    .wdata_i (ram_wdata),
    .rdata_o (ram_rdata)
  );

  reg csr_xor_q;
  always @(posedge clk_i) csr_xor_q <= ^{awready, wready, bvalid, bresp, arready, rvalid, rresp, rdata,
                                         wp_addr_xor_q};
  assign csr_xor_o = csr_xor_q;

  // constants of the device's ports and the unused bridge side of the memory controller
  wire unused_ok = &{1'b0, ar_size, ar_burst, aw_len, aw_size, aw_burst, w_last, wp_arsize, wp_arburst,
                     br_gnt, br_rvalid, br_rdata};

endmodule

`default_nettype wire
