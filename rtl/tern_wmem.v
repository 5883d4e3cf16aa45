// SPDX-License-Identifier: Apache-2.0
// tern_wmem: the wide profile's on-chip weight memory. A block RAM of WORDS words of BYTES
// bytes (BYTES = the device's WPORT_BYTES: one T5 weight beat) behind an AXI4 read slave that
// answers INCR bursts of BYTES-byte beats, one beat a cycle across bursts, so the device's
// weight port is never starved by the memory. A 64-bit write port (one lane of a word, with
// byte strobes) loads it; software sees it as the weight window of the device's memory map.
//
// Reads: AR is accepted while the burst queue has room; the RAM is read one word a cycle
// while the output queue can take it (4 words: the two reads in flight always fit), and
// RDATA comes from the queue's flip-flops (tern_fifo REGS). The RAM's output goes through two
// registers (the block RAM's own and one in the fabric beside it), so its slow clock-to-output
// (5.6 ns on the ECP5-85F at speed 6, measured by nextpnr) drives only a short path. A beat at
// or beyond WORDS answers DECERR with zero data.

`default_nettype none

module tern_wmem #(
  parameter integer BYTES     = 128,   // word: a power of two, 8 .. 128
  parameter integer WORDS     = 512,   // a power of two
  parameter integer BURSTS    = 4      // AR queue depth (a power of two)
) (
  input  wire                 clk_i,
  input  wire                 rst_ni,        // synchronous, active low
  // AXI4 read slave (INCR bursts, size = log2(BYTES), addresses BYTES-aligned)
  input  wire [31:0]          axi_araddr_i,
  input  wire [7:0]           axi_arlen_i,
  input  wire                 axi_arvalid_i,
  output wire                 axi_arready_o,
  output wire [8*BYTES-1:0]   axi_rdata_o,
  output wire [1:0]           axi_rresp_o,
  output wire                 axi_rlast_o,
  output wire                 axi_rvalid_o,
  input  wire                 axi_rready_i,
  // write port: 8 bytes at a multiple of 8: word (waddr_i / BYTES) mod WORDS (the bits above
  // are ignored: the loader's address decode keeps writes in range), lane (waddr_i mod BYTES) / 8
  input  wire                 we_i,
  input  wire [31:0]          waddr_i,
  input  wire [63:0]          wdata_i,
  input  wire [7:0]           wstrb_i
);

  localparam integer BL2   = $clog2(BYTES);
  localparam integer AW    = $clog2(WORDS);
  localparam integer LANES = BYTES / 8;
  localparam integer LW    = (LANES > 1) ? $clog2(LANES) : 1;
  localparam integer QD    = 4;                      // output queue: the 2 reads in flight + 2
  localparam [1:0]   DECERR = 2'b11;

  // --- the RAM: LANES memories of 8-byte words with byte write enables, one per lane. Each
  // reads at its own copy of the read address (below), so no address net spans the chip's
  // block RAMs (the shared address took 15.2 ns of routing to them at 128 bytes on the
  // ECP5-85F, nextpnr-ecp5 0.11.1).
  wire [AW-1:0] w_word = waddr_i[BL2 +: AW];
  wire [LW-1:0] w_lane;
  generate
    if (LANES > 1) begin : g_lane
      assign w_lane = waddr_i[3 +: LW];
    end else begin : g_one_lane
      assign w_lane = 1'b0;
    end
  endgenerate
  wire unused_waddr = ^{waddr_i[31:BL2+AW], waddr_i[2:0]};

  // --- accepted bursts, oldest first: {address word (32 - BL2 bits), length}
  localparam integer QW = 32 - BL2 + 8;
  wire          bq_in_ready, bq_valid;
  wire [QW-1:0] bq_head;
  wire [$clog2(BURSTS+1)-1:0] unused_bq_level;
  reg           rd_busy_q;           // a burst is being read from the RAM
  reg  [31-BL2:0] rd_word_q;         // its next word
  reg  [7:0]    rd_left_q;           // beats left after this one
  wire          bq_pop;
  assign axi_arready_o = bq_in_ready;
  tern_fifo #(.WIDTH(QW), .DEPTH(BURSTS)) u_bursts (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (1'b0),
    .in_valid_i  (axi_arvalid_i),
    .in_ready_o  (bq_in_ready),
    .in_data_i   ({axi_araddr_i[31:BL2], axi_arlen_i}),
    .out_valid_o (bq_valid),
    .out_ready_i (bq_pop),
    .out_data_o  (bq_head),
    .level_o     (unused_bq_level)
  );
  wire unused_araddr = ^axi_araddr_i[BL2-1:0];   // BYTES-aligned (the device's rule)

  // --- reads: one word a cycle while the output queue has room for every read in flight
  wire [2:0] oq_level;
  reg  [1:0] pipe_v_q;               // reads in flight in the two RAM output registers
  reg  [1:0] pipe_last_q, pipe_err_q;
  wire [3:0] in_flight = {3'd0, pipe_v_q[0]} + {3'd0, pipe_v_q[1]};
  wire       room      = ({1'b0, oq_level} + in_flight) < 4'd4;
  wire       do_read   = rd_busy_q & room;
  wire       rd_oob    = (rd_word_q[31-BL2:AW] != {(32-BL2-AW){1'b0}});   // beyond WORDS
  // the next burst is taken with the last read of this one, so bursts follow without a gap
  assign bq_pop = bq_valid & (~rd_busy_q | (do_read & (rd_left_q == 8'd0)));
  // the next word: the lanes' address copies load it every cycle, as rd_word_q does
  wire [31-BL2:0] rd_word_d = !rst_ni ? rd_word_q
                            : bq_pop  ? bq_head[QW-1:8]
                            : do_read ? rd_word_q + 1'b1 : rd_word_q;
  always @(posedge clk_i) begin
    rd_word_q <= rd_word_d;
    if (!rst_ni) begin
      rd_busy_q <= 1'b0;
    end else if (bq_pop) begin
      rd_busy_q <= 1'b1;
      rd_left_q <= bq_head[7:0];
    end else if (do_read) begin
      rd_left_q <= rd_left_q - 8'd1;
      if (rd_left_q == 8'd0) rd_busy_q <= 1'b0;
    end
  end

  // Each lane reads every cycle at its copy of rd_word_q (a word read when no read was
  // issued is never used: pipe_v_q says which are), then a second register.
  reg [8*BYTES-1:0] rd2_q;
  genvar gm;
  generate
    for (gm = 0; gm < LANES; gm = gm + 1) begin : g_ram
      localparam [31:0] GM_U = gm;
      integer bi;
      (* no_rw_check *)
      reg  [63:0]   mem_q [0:WORDS-1];
      reg  [63:0]   rd1_q;
      wire [AW-1:0] ra;
      tern_rep_ff #(.W(AW)) u_ra (
        .clk_i (clk_i),
        .d_i   (rd_word_d[AW-1:0]),
        .q_o   (ra)
      );
      always @(posedge clk_i) begin
        if (we_i && w_lane == GM_U[LW-1:0]) begin
          for (bi = 0; bi < 8; bi = bi + 1)
            if (wstrb_i[bi]) mem_q[w_word][8*bi +: 8] <= wdata_i[8*bi +: 8];
        end
        rd1_q <= mem_q[ra];
        rd2_q[64*gm +: 64] <= rd1_q;
      end
    end
  endgenerate
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      pipe_v_q <= 2'b00;
    end else begin
      pipe_v_q <= {pipe_v_q[0], do_read};
    end
    pipe_last_q <= {pipe_last_q[0], rd_left_q == 8'd0};
    pipe_err_q  <= {pipe_err_q[0], rd_oob};
  end
  wire pipe_v   = pipe_v_q[1];
  wire pipe_err = pipe_err_q[1];

  // --- output queue: {last, error, data}, a slice and a copy of its pointers per 8 bytes
  // (tern_fifo REGS); a DECERR beat's data is zeroed per lane by a copy of its error flag
  // (tern_rep_ff), so no control net spans the whole word.
  wire [8*BYTES-1:0] oq_in_data;
  genvar gl;
  generate
    for (gl = 0; gl < LANES; gl = gl + 1) begin : g_lane_err
      wire err_l;
      if (LANES > 1) begin : g_rep
        tern_rep_ff #(.W(1)) u_err (
          .clk_i (clk_i),
          .d_i   (pipe_err_q[0]),
          .q_o   (err_l)
        );
      end else begin : g_one
        assign err_l = pipe_err;
      end
      assign oq_in_data[64*gl +: 64] = err_l ? 64'd0 : rd2_q[64*gl +: 64];
    end
  endgenerate
  wire               oq_valid;
  wire               unused_oq_ready;   // a read is issued only with room for it
  wire [8*BYTES+1:0] oq_out;
  tern_fifo #(.WIDTH(8*BYTES + 2), .DEPTH(QD), .REGS(LANES)) u_out (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (1'b0),
    .in_valid_i  (pipe_v),
    .in_ready_o  (unused_oq_ready),
    .in_data_i   ({pipe_last_q[1], pipe_err, oq_in_data}),
    .out_valid_o (oq_valid),
    .out_ready_i (axi_rready_i),
    .out_data_o  (oq_out),
    .level_o     (oq_level)
  );
  assign axi_rvalid_o = oq_valid;
  assign axi_rlast_o  = oq_out[8*BYTES+1];
  assign axi_rresp_o  = oq_out[8*BYTES] ? DECERR : 2'b00;
  assign axi_rdata_o  = oq_out[8*BYTES-1:0];

endmodule

`default_nettype wire
