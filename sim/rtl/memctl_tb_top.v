// SPDX-License-Identifier: Apache-2.0
// Bench top for sim/verilator/memctl_tb.cpp: tern_board_memctl with the RAM it drives on a
// board (tern_board_mem), so the bench checks the pair as tern_board connects them.

`default_nettype none

module memctl_tb_top #(
  parameter integer WORDS    = 1024,
  parameter integer OUT_REGS = 0,
  parameter integer REQ_REG  = 0
) (
  input  wire        clk_i,
  input  wire        rst_ni,
  input  wire [31:0] axi_araddr_i,
  input  wire [7:0]  axi_arlen_i,
  input  wire        axi_arvalid_i,
  output wire        axi_arready_o,
  output wire [63:0] axi_rdata_o,
  output wire [1:0]  axi_rresp_o,
  output wire        axi_rlast_o,
  output wire        axi_rvalid_o,
  input  wire        axi_rready_i,
  input  wire [31:0] axi_awaddr_i,
  input  wire        axi_awvalid_i,
  output wire        axi_awready_o,
  input  wire [63:0] axi_wdata_i,
  input  wire [7:0]  axi_wstrb_i,
  input  wire        axi_wvalid_i,
  output wire        axi_wready_o,
  output wire [1:0]  axi_bresp_o,
  output wire        axi_bvalid_o,
  input  wire        axi_bready_i,
  input  wire        br_req_i,
  output wire        br_gnt_o,
  input  wire        br_we_i,
  input  wire [31:0] br_addr_i,
  input  wire [63:0] br_wdata_i,
  input  wire [7:0]  br_wstrb_i,
  output wire        br_rvalid_o,
  output wire [63:0] br_rdata_o
);

  wire                     ram_en;
  wire [7:0]               ram_we;
  wire [$clog2(WORDS)-1:0] ram_addr;
  wire [63:0]              ram_wdata, ram_rdata;

  tern_board_memctl #(
    .WORDS      (WORDS),
    .RD_LATENCY (1 + OUT_REGS + ((OUT_REGS == 0) ? REQ_REG : 0)),
    .HOLD       ((OUT_REGS == 0) ? 1 : 0)
  ) u_memctl (
    .clk_i         (clk_i),
    .rst_ni        (rst_ni),
    .axi_araddr_i  (axi_araddr_i),
    .axi_arlen_i   (axi_arlen_i),
    .axi_arvalid_i (axi_arvalid_i),
    .axi_arready_o (axi_arready_o),
    .axi_rdata_o   (axi_rdata_o),
    .axi_rresp_o   (axi_rresp_o),
    .axi_rlast_o   (axi_rlast_o),
    .axi_rvalid_o  (axi_rvalid_o),
    .axi_rready_i  (axi_rready_i),
    .axi_awaddr_i  (axi_awaddr_i),
    .axi_awvalid_i (axi_awvalid_i),
    .axi_awready_o (axi_awready_o),
    .axi_wdata_i   (axi_wdata_i),
    .axi_wstrb_i   (axi_wstrb_i),
    .axi_wvalid_i  (axi_wvalid_i),
    .axi_wready_o  (axi_wready_o),
    .axi_bresp_o   (axi_bresp_o),
    .axi_bvalid_o  (axi_bvalid_o),
    .axi_bready_i  (axi_bready_i),
    .br_req_i      (br_req_i),
    .br_gnt_o      (br_gnt_o),
    .br_we_i       (br_we_i),
    .br_addr_i     (br_addr_i),
    .br_wdata_i    (br_wdata_i),
    .br_wstrb_i    (br_wstrb_i),
    .br_rvalid_o   (br_rvalid_o),
    .br_rdata_o    (br_rdata_o),
    .ram_en_o      (ram_en),
    .ram_we_o      (ram_we),
    .ram_addr_o    (ram_addr),
    .ram_wdata_o   (ram_wdata),
    .ram_rdata_i   (ram_rdata)
  );

  tern_board_mem #(.WORDS(WORDS), .OUT_REGS(OUT_REGS), .REQ_REG(REQ_REG)) u_mem (
    .clk_i   (clk_i),
    .en_i    (ram_en),
    .we_i    (ram_we),
    .addr_i  (ram_addr),
    .wdata_i (ram_wdata),
    .rdata_o (ram_rdata)
  );

endmodule

`default_nettype wire
