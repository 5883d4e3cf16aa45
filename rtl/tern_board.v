// SPDX-License-Identifier: Apache-2.0
// tern_board: everything a tern FPGA board runs, without its pins and clock: the UART bridge
// (the host link, docs/uart.md), the tern device (docs/registers.md) and the on-chip RAM that
// holds the weights, activations and results, shared by the two through tern_board_memctl.
// The board tops (fpga/boards/<board>/top.v) add the PLL, the reset and the LEDs and choose
// the parameters: the array and buffers sized to the board (docs/boards.md), the RAM to its
// block/single-port RAMs, the bit time to its clock and baud rate.

`default_nettype none

module tern_board #(
  parameter integer ROWS          = 2,
  parameter integer LANES         = 20,
  parameter integer T_MAX         = 8,
  parameter integer QUEUE_DEPTH   = 4,
  parameter integer ACT_BUF_BEATS = 1024,
  parameter integer RD_FIFO_WORDS = 128,
  parameter integer MAX_BURST     = 16,
  parameter integer SMALL         = 0,        // the device's profile (tern_device SMALL; spec [profiles])
  parameter integer MEM_BYTES     = 131072,   // on-chip RAM (a power of two >= 4096)
  parameter integer MEM_OUT_REGS  = 0,        // read latency - 1 of the RAM (tern_board_mem; >= 2
                                              // also registers the bridge's buffer read twice)
  parameter integer MEM_REQ_REG   = 0,        // MEM_OUT_REGS 0: 1 registers the RAM's request
                                              // (its pins meet only flip-flops; latency 2)
  parameter integer CLKS_PER_BIT  = 12,       // clock / baud rate
  parameter integer IDLE_BITS     = 256,      // UART inter-byte timeout inside a frame
  parameter integer MAX_DATA      = 1024,     // largest MEM_WRITE / MEM_READ payload
  parameter integer CLK_HZ        = 36000000  // reported by IDENTIFY
) (
  input  wire clk_i,
  input  wire rst_ni,       // synchronous, active low
  input  wire uart_rx_i,    // from the host (asynchronous; the receiver synchronises it)
  output wire uart_tx_o,    // to the host
  output wire irq_o         // the device's interrupt line (also polled over the UART)
);

  localparam integer WORDS = MEM_BYTES / 8;
  localparam integer WAB   = $clog2(WORDS);

  // bridge -> device CSRs (AXI4-Lite)
  wire [11:0] csr_awaddr, csr_araddr;
  wire        csr_awvalid, csr_awready, csr_wvalid, csr_wready, csr_bvalid, csr_bready;
  wire        csr_arvalid, csr_arready, csr_rvalid, csr_rready;
  wire [31:0] csr_wdata, csr_rdata;
  wire [3:0]  csr_wstrb;
  wire [1:0]  csr_bresp, csr_rresp;
  // bridge -> memory
  wire        br_req, br_gnt, br_we, br_rvalid;
  wire [31:0] br_addr;
  wire [63:0] br_wdata, br_rdata;
  wire [7:0]  br_wstrb;
  // device -> memory (AXI4)
  wire [31:0] ar_addr, aw_addr;
  wire [7:0]  ar_len, aw_len;
  wire [2:0]  ar_size, aw_size;
  wire [1:0]  ar_burst, aw_burst, r_resp, b_resp;
  wire        ar_valid, ar_ready, r_last, r_valid, r_ready;
  wire        aw_valid, aw_ready, w_last, w_valid, w_ready, b_valid, b_ready;
  wire [63:0] r_data, w_data;
  wire [7:0]  w_strb;
  // RAM port
  wire           ram_en;
  wire [7:0]     ram_we;
  wire [WAB-1:0] ram_addr;
  wire [63:0]    ram_wdata, ram_rdata;

  tern_uart_bridge #(
    .CLKS_PER_BIT (CLKS_PER_BIT),
    .IDLE_BITS    (IDLE_BITS),
    .MAX_DATA     (MAX_DATA),
    .MEM_BYTES    (MEM_BYTES),
    .CLK_HZ       (CLK_HZ),
    .CSR_AW       (12),
    .BUF_OUT_REG  ((MEM_OUT_REGS >= 2) ? 1 : 0)   // the same block RAMs as the piped memory
  ) u_bridge (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .uart_rx_i      (uart_rx_i),
    .uart_tx_o      (uart_tx_o),
    .axil_awaddr_o  (csr_awaddr),
    .axil_awvalid_o (csr_awvalid),
    .axil_awready_i (csr_awready),
    .axil_wdata_o   (csr_wdata),
    .axil_wstrb_o   (csr_wstrb),
    .axil_wvalid_o  (csr_wvalid),
    .axil_wready_i  (csr_wready),
    .axil_bresp_i   (csr_bresp),
    .axil_bvalid_i  (csr_bvalid),
    .axil_bready_o  (csr_bready),
    .axil_araddr_o  (csr_araddr),
    .axil_arvalid_o (csr_arvalid),
    .axil_arready_i (csr_arready),
    .axil_rdata_i   (csr_rdata),
    .axil_rresp_i   (csr_rresp),
    .axil_rvalid_i  (csr_rvalid),
    .axil_rready_o  (csr_rready),
    .mem_req_o      (br_req),
    .mem_gnt_i      (br_gnt),
    .mem_we_o       (br_we),
    .mem_addr_o     (br_addr),
    .mem_wdata_o    (br_wdata),
    .mem_wstrb_o    (br_wstrb),
    .mem_rvalid_i   (br_rvalid),
    .mem_rdata_i    (br_rdata),
    .irq_i          (irq_o)
  );

  // The boards' device shares one port for weights (no wide profile): its weight port is idle.
  wire [31:0] unused_wp_araddr;
  wire [7:0]  unused_wp_arlen;
  wire [2:0]  unused_wp_arsize;
  wire [1:0]  unused_wp_arburst;
  wire        unused_wp_arvalid, unused_wp_rready;
  localparam integer DEV_WMR = (ROWS > 1) ? $clog2(ROWS) : 1;   // tern_device's wm_* widths
  localparam integer DEV_WMB = (LANES >= 5) ? LANES / 5 : 1;
  tern_device #(
    .ROWS          (ROWS),
    .LANES         (LANES),
    .T_MAX         (T_MAX),
    .QUEUE_DEPTH   (QUEUE_DEPTH),
    .ACT_BUF_BEATS (ACT_BUF_BEATS),
    .RD_FIFO_WORDS (RD_FIFO_WORDS),
    .MAX_BURST     (MAX_BURST),
    .SMALL         (SMALL)
  ) u_device (
    .clk_i          (clk_i),
    .rst_ni         (rst_ni),
    .axil_awaddr_i  (csr_awaddr),
    .axil_awvalid_i (csr_awvalid),
    .axil_awready_o (csr_awready),
    .axil_wdata_i   (csr_wdata),
    .axil_wstrb_i   (csr_wstrb),
    .axil_wvalid_i  (csr_wvalid),
    .axil_wready_o  (csr_wready),
    .axil_bresp_o   (csr_bresp),
    .axil_bvalid_o  (csr_bvalid),
    .axil_bready_i  (csr_bready),
    .axil_araddr_i  (csr_araddr),
    .axil_arvalid_i (csr_arvalid),
    .axil_arready_o (csr_arready),
    .axil_rdata_o   (csr_rdata),
    .axil_rresp_o   (csr_rresp),
    .axil_rvalid_o  (csr_rvalid),
    .axil_rready_i  (csr_rready),
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
    .axiw_araddr_o  (unused_wp_araddr),
    .axiw_arlen_o   (unused_wp_arlen),
    .axiw_arsize_o  (unused_wp_arsize),
    .axiw_arburst_o (unused_wp_arburst),
    .axiw_arvalid_o (unused_wp_arvalid),
    .axiw_arready_i (1'b0),
    .axiw_rdata_i   (64'd0),
    .axiw_rresp_i   (2'b00),
    .axiw_rlast_i   (1'b0),
    .axiw_rvalid_i  (1'b0),
    .axiw_rready_o  (unused_wp_rready),
    .wm_we_i        (1'b0),
    .wm_row_i       ({DEV_WMR{1'b0}}),    // (no weight memory: the port is ignored)
    .wm_word_i      (1'b0),
    .wm_data_i      ({(8 * DEV_WMB){1'b0}}),
    .irq_o          (irq_o)
  );

  tern_board_memctl #(
    .WORDS      (WORDS),
    .RD_LATENCY (1 + MEM_OUT_REGS + ((MEM_OUT_REGS == 0) ? MEM_REQ_REG : 0)),
    .HOLD       ((MEM_OUT_REGS == 0) ? 1 : 0)
  ) u_memctl (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .axi_araddr_i  (ar_addr),
    .axi_arlen_i   (ar_len),
    .axi_arvalid_i (ar_valid),
    .axi_arready_o (ar_ready),
    .axi_rdata_o   (r_data),
    .axi_rresp_o   (r_resp),
    .axi_rlast_o   (r_last),
    .axi_rvalid_o  (r_valid),
    .axi_rready_i  (r_ready),
    .axi_awaddr_i  (aw_addr),
    .axi_awvalid_i (aw_valid),
    .axi_awready_o (aw_ready),
    .axi_wdata_i   (w_data),
    .axi_wstrb_i   (w_strb),
    .axi_wvalid_i  (w_valid),
    .axi_wready_o  (w_ready),
    .axi_bresp_o   (b_resp),
    .axi_bvalid_o  (b_valid),
    .axi_bready_i  (b_ready),
    .br_req_i      (br_req),
    .br_gnt_o      (br_gnt),
    .br_we_i       (br_we),
    .br_addr_i     (br_addr),
    .br_wdata_i    (br_wdata),
    .br_wstrb_i    (br_wstrb),
    .br_rvalid_o   (br_rvalid),
    .br_rdata_o    (br_rdata),
    .ram_en_o      (ram_en),
    .ram_we_o      (ram_we),
    .ram_addr_o    (ram_addr),
    .ram_wdata_o   (ram_wdata),
    .ram_rdata_i   (ram_rdata)
  );

  tern_board_mem #(.WORDS(WORDS), .OUT_REGS(MEM_OUT_REGS), .REQ_REG(MEM_REQ_REG)) u_mem (
    .clk_i   (clk_i),
    .en_i    (ram_en),
    .we_i    (ram_we),
    .addr_i  (ram_addr),
    .wdata_i (ram_wdata),
    .rdata_o (ram_rdata)
  );

  // tern_device drives these constants (8-byte INCR bursts, single-beat writes) that the
  // memory controller does not need.
  wire unused_ok = &{1'b0, ar_size, ar_burst, aw_len, aw_size, aw_burst, w_last};

endmodule

`default_nettype wire
