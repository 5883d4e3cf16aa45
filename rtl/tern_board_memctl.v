// tern_board_memctl: puts a board's single-port on-chip RAM (tern_board_mem, one access per
// cycle, read data one cycle later) behind two masters: the tern device's AXI4 port and the
// UART bridge's simple memory port.
//
// Device side (AXI4 slave, the subset tern_device issues): INCR read bursts of 8-byte beats that
// never cross 4 KB, and single-beat writes (AWLEN 0, WLAST 1). One read burst runs while the
// next waits in a one-deep address slot, so back-to-back bursts stream one beat per cycle.
// Read data passes through a three-entry queue: a RAM read is started only when the queue has
// room for its data even if RREADY stays low, so RREADY never reaches the RAM in a
// combinational path. An access at or above the RAM's size answers SLVERR (the device then
// fails the job with BUS_ERROR) and touches nothing.
//
// Arbitration, per cycle: the bridge (it asks at most once per few UART bytes, and the host
// waits on it), then a device write, then a device read beat.

`default_nettype none

module tern_board_memctl #(
  parameter integer WORDS = 16384   // RAM size in 64-bit words (a power of two, >= 512)
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,      // synchronous, active low
  // device: AXI4 slave
  input  wire [31:0]              axi_araddr_i,
  input  wire [7:0]               axi_arlen_i,
  input  wire                     axi_arvalid_i,
  output wire                     axi_arready_o,
  output wire [63:0]              axi_rdata_o,
  output wire [1:0]               axi_rresp_o,
  output wire                     axi_rlast_o,
  output wire                     axi_rvalid_o,
  input  wire                     axi_rready_i,
  input  wire [31:0]              axi_awaddr_i,
  input  wire                     axi_awvalid_i,
  output wire                     axi_awready_o,
  input  wire [63:0]              axi_wdata_i,
  input  wire [7:0]               axi_wstrb_i,
  input  wire                     axi_wvalid_i,
  output wire                     axi_wready_o,
  output wire [1:0]               axi_bresp_o,
  output wire                     axi_bvalid_o,
  input  wire                     axi_bready_i,
  // UART bridge: one request at a time, granted in the cycle it is made
  input  wire                     br_req_i,
  output wire                     br_gnt_o,
  input  wire                     br_we_i,
  input  wire [31:0]              br_addr_i,    // byte address, 8-aligned, inside the RAM
  input  wire [63:0]              br_wdata_i,
  input  wire [7:0]               br_wstrb_i,
  output wire                     br_rvalid_o,
  output wire [63:0]              br_rdata_o,
  // the RAM
  output wire                     ram_en_o,
  output wire [7:0]               ram_we_o,
  output wire [$clog2(WORDS)-1:0] ram_addr_o,
  output wire [63:0]              ram_wdata_o,
  input  wire [63:0]              ram_rdata_i
);

  localparam integer WAB = $clog2(WORDS);   // word address bits
  localparam integer MAB = WAB + 3;         // byte address bits
  localparam [1:0]   OKAY = 2'b00, SLVERR = 2'b10;
  localparam integer QW = 66;               // queue entry: {err, last, data}

  // ---- who uses the RAM this cycle ----------------------------------------------------------
  reg              bvalid_q, bresp_err_q;
  reg              act_q, rd_err_q;
  reg  [WAB-1:0]   rd_addr_q;
  reg  [7:0]       rd_left_q;                // beats after the current one
  reg  [1:0]       cnt_q;                    // read data queue level
  reg              dinf_q, dinf_last_q, dinf_err_q;   // a device read whose data arrives now
  reg              binf_q;                   // a bridge read whose data arrives now

  wire wr_oob   = |axi_awaddr_i[31:MAB];
  wire dev_wr   = ~br_req_i & axi_awvalid_i & axi_wvalid_i & ~bvalid_q;
  wire room     = ({1'b0, cnt_q} + {2'b00, dinf_q}) < 3'd3;
  wire rd_issue = ~br_req_i & ~dev_wr & act_q & room;
  wire rd_last  = (rd_left_q == 8'd0);

  assign br_gnt_o      = br_req_i;
  assign axi_awready_o = dev_wr;
  assign axi_wready_o  = dev_wr;
  assign axi_bvalid_o  = bvalid_q;
  assign axi_bresp_o   = bresp_err_q ? SLVERR : OKAY;

  assign ram_en_o    = br_req_i | (dev_wr & ~wr_oob) | (rd_issue & ~rd_err_q);
  assign ram_we_o    = br_req_i ? (br_we_i ? br_wstrb_i : 8'h00)
                     : (dev_wr ? axi_wstrb_i : 8'h00);
  assign ram_addr_o  = br_req_i ? br_addr_i[MAB-1:3]
                     : (dev_wr ? axi_awaddr_i[MAB-1:3] : rd_addr_q);
  assign ram_wdata_o = br_req_i ? br_wdata_i : axi_wdata_i;

  assign br_rvalid_o = binf_q;
  assign br_rdata_o  = ram_rdata_i;

  // ---- write response -----------------------------------------------------------------------
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      bvalid_q    <= 1'b0;
      bresp_err_q <= 1'b0;
    end else if (dev_wr) begin
      bvalid_q    <= 1'b1;
      bresp_err_q <= wr_oob;
    end else if (axi_bready_i) begin
      bvalid_q    <= 1'b0;
    end
  end

  // ---- read bursts: one waiting, one running ------------------------------------------------
  reg            pend_q, pend_err_q;
  reg [WAB-1:0]  pend_addr_q;
  reg [7:0]      pend_len_q;
  wire ar_hs = axi_arvalid_i & ~pend_q;
  wire load  = pend_q & (~act_q | (rd_issue & rd_last));

  assign axi_arready_o = ~pend_q;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      pend_q <= 1'b0;
    end else if (ar_hs) begin
      pend_q <= 1'b1;
    end else if (load) begin
      pend_q <= 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (ar_hs) begin
      pend_addr_q <= axi_araddr_i[MAB-1:3];
      pend_len_q  <= axi_arlen_i;
      pend_err_q  <= |axi_araddr_i[31:MAB];
    end
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      act_q <= 1'b0;
    end else if (load) begin
      act_q <= 1'b1;
    end else if (rd_issue && rd_last) begin
      act_q <= 1'b0;
    end
  end

  always @(posedge clk_i) begin
    if (load) begin
      rd_addr_q <= pend_addr_q;
      rd_left_q <= pend_len_q;
      rd_err_q  <= pend_err_q;
    end else if (rd_issue) begin
      rd_addr_q <= rd_addr_q + {{(WAB-1){1'b0}}, 1'b1};
      rd_left_q <= rd_left_q - 8'd1;
    end
  end

  // ---- data arriving from the RAM -----------------------------------------------------------
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      dinf_q <= 1'b0;
      binf_q <= 1'b0;
    end else begin
      dinf_q <= rd_issue;
      binf_q <= br_req_i & ~br_we_i;
    end
  end

  always @(posedge clk_i) begin
    if (rd_issue) begin
      dinf_last_q <= rd_last;
      dinf_err_q  <= rd_err_q;
    end
  end

  // ---- read data queue (three entries, head at 0) -------------------------------------------
  reg  [QW-1:0] ent_q [0:2];
  reg  [QW-1:0] ent_d [0:2];
  wire          pop  = (cnt_q != 2'd0) & axi_rready_i;
  wire          push = dinf_q;
  wire [QW-1:0] in_w = {dinf_err_q, dinf_last_q, dinf_err_q ? 64'd0 : ram_rdata_i};
  wire [1:0]    slot = cnt_q - {1'b0, pop};

  integer i;
  always @(*) begin
    ent_d[0] = pop ? ent_q[1] : ent_q[0];
    ent_d[1] = pop ? ent_q[2] : ent_q[1];
    ent_d[2] = ent_q[2];
    if (push) begin
      for (i = 0; i < 3; i = i + 1) begin
        if (slot == i[1:0]) ent_d[i] = in_w;
      end
    end
  end

  always @(posedge clk_i) begin
    for (i = 0; i < 3; i = i + 1) ent_q[i] <= ent_d[i];
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      cnt_q <= 2'd0;
    end else begin
      cnt_q <= cnt_q + {1'b0, push} - {1'b0, pop};
    end
  end

  assign axi_rvalid_o = (cnt_q != 2'd0);
  assign axi_rdata_o  = ent_q[0][63:0];
  assign axi_rlast_o  = ent_q[0][64];
  assign axi_rresp_o  = ent_q[0][65] ? SLVERR : OKAY;

  // Beats are 8-aligned (tern_device only issues such addresses); the bridge checks its own
  // window, so the bits above the RAM are zero.
  wire unused_ok = &{1'b0, axi_araddr_i[2:0], axi_awaddr_i[2:0], br_addr_i[31:MAB], br_addr_i[2:0]};

endmodule

`default_nettype wire
