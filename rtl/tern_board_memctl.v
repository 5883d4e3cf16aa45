// SPDX-License-Identifier: Apache-2.0
// tern_board_memctl: puts a board's single-port on-chip RAM (tern_board_mem, one access per
// cycle, read data one cycle later) behind two masters: the tern device's AXI4 port and the
// UART bridge's simple memory port.
//
// Device side (AXI4 slave, the subset tern_device issues): INCR read bursts of 8-byte beats that
// never cross 4 KB, and single-beat writes (AWLEN 0, WLAST 1). One read burst runs while the
// next waits in a one-deep address slot, so back-to-back bursts stream one beat per cycle.
// An access at or above the RAM's size answers SLVERR (the device then fails the job with
// BUS_ERROR) and touches nothing; the data of such a beat is not defined.
//
// Read data, two ways (RD_LATENCY: cycles from a RAM read to its data at ram_rdata_i):
//   RD_LATENCY = 1  (small FPGAs) the RAM's own output register holds a beat until RREADY takes
//                   it, and the next read starts once it is empty: one beat every two cycles,
//                   RREADY reaches no RAM input, and no data is stored twice. A bridge
//                   read waits while the output holds a device beat (it would overwrite it);
//                   writes never change the RAM's output.
//   RD_LATENCY > 1  (RAM with output pipeline registers, for speed) a queue of RD_LATENCY + 2
//                   beats: a read starts only when the queue has room for its data even if
//                   RREADY stays low, so RREADY never reaches the RAM, and one beat per cycle
//                   still streams.
//
// Arbitration, per cycle: the bridge (it asks at most once per few UART bytes, and the host
// waits on it), then a device write, then a device read beat.
//
// Ordering between the two masters: a device write is visible to the bridge once its write
// response (B) is given, as AXI orders it. Before that (RD_LATENCY > 1: the write waits in its
// buffer while the bridge has the RAM) a bridge read of the same word may see it unwritten. The
// driver reads results only after the job has ended, when every write has been answered.

`default_nettype none

module tern_board_memctl #(
  parameter integer WORDS      = 16384,  // RAM size in 64-bit words (a power of two, >= 512)
  parameter integer RD_LATENCY = 1,      // RAM read latency in cycles (1 or more)
  parameter integer HOLD       = (RD_LATENCY == 1) ? 1 : 0   // the RAM's output holds a read
                                         // until the next read (RD_LATENCY 1 or 2 only)
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
  localparam integer L   = RD_LATENCY;
  localparam [1:0]   OKAY = 2'b00, SLVERR = 2'b10;

  // ---- who uses the RAM this cycle ----------------------------------------------------------
  reg              bvalid_q, bresp_err_q;
  reg              act_q, rd_err_q;
  reg  [WAB-1:0]   rd_addr_q;
  reg  [7:0]       rd_left_q;                // beats after the current one
  wire             rd_room;                  // a device read may start (read data has room)
  wire             br_ok;                    // the bridge may have the RAM

  wire br_go    = br_req_i & br_ok;
  wire dev_wr;                               // a device write goes to the RAM this cycle
  wire wr_oob;                               // ... outside it (no access, SLVERR)
  wire [WAB-1:0] wr_addr;
  wire [63:0]    wr_data;
  wire [7:0]     wr_strb;
  wire rd_issue = ~br_req_i & ~dev_wr & act_q & rd_room;
  wire rd_last  = (rd_left_q == 8'd0);

  assign br_gnt_o      = br_go;
  assign axi_bvalid_o  = bvalid_q;
  assign axi_bresp_o   = bresp_err_q ? SLVERR : OKAY;

  // Device writes. RD_LATENCY = 1: straight from AW/W, which are ready in the cycle the write
  // goes to the RAM. RD_LATENCY > 1 (the fast boards): AW/W go into a one-write buffer, ready
  // only while it and B are empty (flip-flops only: the bridge's request never reaches the
  // device's write handshake), and the buffered write goes to the RAM when the bridge does not
  // want it; B follows that.
  generate
    if (L == 1) begin : g_wr_direct
      assign dev_wr        = ~br_req_i & axi_awvalid_i & axi_wvalid_i & ~bvalid_q;
      assign axi_awready_o = dev_wr;
      assign axi_wready_o  = dev_wr;
      assign wr_oob        = |axi_awaddr_i[31:MAB];
      assign wr_addr       = axi_awaddr_i[MAB-1:3];
      assign wr_data       = axi_wdata_i;
      assign wr_strb       = axi_wstrb_i;
    end else begin : g_wr_buf
      reg            wb_q, wb_oob_q;
      reg  [WAB-1:0] wb_addr_q;
      reg  [63:0]    wb_data_q;
      reg  [7:0]     wb_strb_q;
      wire           wb_ready = ~wb_q & ~bvalid_q;
      wire           wb_take  = wb_ready & axi_awvalid_i & axi_wvalid_i;
      assign dev_wr        = wb_q & ~br_req_i;
      assign axi_awready_o = wb_ready & axi_wvalid_i;    // AW and W are taken together
      assign axi_wready_o  = wb_ready & axi_awvalid_i;
      assign wr_oob        = wb_oob_q;
      assign wr_addr       = wb_addr_q;
      assign wr_data       = wb_data_q;
      assign wr_strb       = wb_strb_q;
      always @(posedge clk_i) begin
        if (!rst_ni) begin
          wb_q <= 1'b0;
        end else if (wb_take) begin
          wb_q <= 1'b1;
        end else if (dev_wr) begin
          wb_q <= 1'b0;
        end
      end
      always @(posedge clk_i) begin
        if (wb_take) begin
          wb_oob_q  <= |axi_awaddr_i[31:MAB];
          wb_addr_q <= axi_awaddr_i[MAB-1:3];
          wb_data_q <= axi_wdata_i;
          wb_strb_q <= axi_wstrb_i;
        end
      end
    end
  endgenerate

  // A write with no strobe set is no access at all (the RAM would take it for a read, which
  // replaces its output: a device beat waiting there, with RD_LATENCY = 1).
  assign ram_en_o    = (br_go & (~br_we_i | (|br_wstrb_i))) | (dev_wr & ~wr_oob & (|wr_strb))
                     | (rd_issue & ~rd_err_q);
  assign ram_we_o    = br_go ? (br_we_i ? br_wstrb_i : 8'h00)
                     : (dev_wr ? wr_strb : 8'h00);
  assign ram_addr_o  = br_go ? br_addr_i[MAB-1:3]
                     : (dev_wr ? wr_addr : rd_addr_q);
  assign ram_wdata_o = br_go ? br_wdata_i : wr_data;

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
  // A waiting burst starts as the running one issues its last beat (queue mode), or the cycle
  // after (hold mode: there RREADY reaches rd_issue through a few gates, and the burst
  // registers stay off that path; one idle cycle per burst on a small board's slow clock).
  wire load  = pend_q & (~act_q | ((HOLD == 0) & rd_issue & rd_last));

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

  // ---- read data ----------------------------------------------------------------------------
  assign br_rdata_o = ram_rdata_i;

  generate
    if (HOLD != 0) begin : g_hold
      // The RAM's output register is the one place a device beat waits for RREADY. A read
      // starts only when it is empty and no read is on its way (RD_LATENCY 2: in the request
      // register), not in the cycle RREADY empties it: RREADY then reaches nothing but out_v_q,
      // and a small board's device, which needs far less than a word per cycle, gets one every
      // RD_LATENCY + 1 cycles.
      reg  out_v_q, out_last_q, out_err_q;
      reg  way_q, way_last_q, way_err_q, br_way_q, br_rd_q;   // RD_LATENCY 2: a read on its way
      wire pop  = out_v_q & axi_rready_i;
      wire free = ~out_v_q & ((L == 1) | ~way_q);
      wire arrive      = (L == 1) ? rd_issue : way_q;
      wire arrive_last = (L == 1) ? rd_last  : way_last_q;
      wire arrive_err  = (L == 1) ? rd_err_q : way_err_q;

      assign rd_room = free;
      assign br_ok   = br_we_i | free;

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          out_v_q  <= 1'b0;
          way_q    <= 1'b0;
          br_way_q <= 1'b0;
          br_rd_q  <= 1'b0;
        end else begin
          out_v_q  <= arrive | (out_v_q & ~pop);
          way_q    <= rd_issue;
          br_way_q <= br_go & ~br_we_i;
          br_rd_q  <= (L == 1) ? (br_go & ~br_we_i) : br_way_q;
        end
      end

      always @(posedge clk_i) begin
        way_last_q <= rd_last;
        way_err_q  <= rd_err_q;
        if (arrive) begin
          out_last_q <= arrive_last;
          out_err_q  <= arrive_err;
        end
      end

      assign br_rvalid_o  = br_rd_q;
      assign axi_rvalid_o = out_v_q;
      assign axi_rdata_o  = ram_rdata_i;
      assign axi_rlast_o  = out_last_q;
      assign axi_rresp_o  = out_err_q ? SLVERR : OKAY;
    end else begin : g_queue
      // Reads in flight (a shift register per flag, oldest at L-1) and a queue of L + 2 beats.
      localparam integer D  = L + 2;
      localparam integer CW = $clog2(D + 1);
      localparam integer QW = 66;                         // {err, last, data}
      localparam [CW-1:0] D_C = D[CW-1:0];
      reg  [L-1:0]    dv_q, dl_q, de_q, bv_q;
      reg  [CW-1:0]   cnt_q, res_q;                        // beats queued; queued + in flight
      reg  [D*QW-1:0] ent_q;
      wire            pop  = (cnt_q != {CW{1'b0}}) & axi_rready_i;
      wire            push = dv_q[L-1];
      // through a kept module boundary: the RAM's bank-select mux is built once, not copied
      // into every entry's input (ABC did so on some netlists: +2,800 LUT4 and 100 MHz lost on
      // the ULX3S, even with the wire marked keep)
      wire [QW-1:0] in_w;
      tern_keep_buf #(.W(QW)) u_in (
        .d_i ({de_q[L-1], dl_q[L-1], ram_rdata_i}),
        .q_o (in_w)
      );
      wire [CW-1:0]   slot = cnt_q - {{(CW-1){1'b0}}, pop};

      assign rd_room = (res_q < D_C);
      assign br_ok   = 1'b1;

      always @(posedge clk_i) begin
        if (!rst_ni) begin
          dv_q  <= {L{1'b0}};
          bv_q  <= {L{1'b0}};
          cnt_q <= {CW{1'b0}};
          res_q <= {CW{1'b0}};
        end else begin
          dv_q  <= {dv_q[L-2:0], rd_issue};
          bv_q  <= {bv_q[L-2:0], br_go & ~br_we_i};
          cnt_q <= cnt_q + {{(CW-1){1'b0}}, push} - {{(CW-1){1'b0}}, pop};
          res_q <= res_q + {{(CW-1){1'b0}}, rd_issue} - {{(CW-1){1'b0}}, pop};
        end
      end

      always @(posedge clk_i) begin
        dl_q <= {dl_q[L-2:0], rd_last};
        de_q <= {de_q[L-2:0], rd_err_q};
      end

      // Each entry's two selects (load the arriving beat, take the next entry's), computed once
      // and passed through a kept boundary too: ABC otherwise folded the count, slot and
      // RREADY logic into every bit's input on some netlists (LUT7s: +1,000 L6MUX21).
      wire [2*D-1:0] sel_d, sel;
      tern_keep_buf #(.W(2 * D)) u_sel (
        .d_i (sel_d),
        .q_o (sel)
      );
      genvar e;
      for (e = 0; e < D; e = e + 1) begin : g_ent
        assign sel_d[2*e]     = push && slot == e[CW-1:0];
        assign sel_d[2*e + 1] = pop && e + 1 < D;
        wire [QW-1:0] next = sel[2*e + 1] ? ent_q[((e + 1) % D)*QW +: QW] : ent_q[e*QW +: QW];
        always @(posedge clk_i) begin
          ent_q[e*QW +: QW] <= sel[2*e] ? in_w : next;
        end
      end

      assign br_rvalid_o  = bv_q[L-1];
      assign axi_rvalid_o = (cnt_q != {CW{1'b0}});
      assign axi_rdata_o  = ent_q[63:0];
      assign axi_rlast_o  = ent_q[64];
      assign axi_rresp_o  = ent_q[65] ? SLVERR : OKAY;
    end
  endgenerate

  // Beats are 8-aligned (tern_device only issues such addresses); the bridge checks its own
  // window, so the bits above the RAM are zero.
  wire unused_ok = &{1'b0, axi_araddr_i[2:0], axi_awaddr_i[2:0], br_addr_i[31:MAB], br_addr_i[2:0]};

endmodule

`default_nettype wire
