// SPDX-License-Identifier: Apache-2.0
// tern_act_feed: the job engine's activation feed, from the activation banks to the array.
//
// For each K beat s of a group it reads tokens 0 .. T-1 of the running job's bank (entry
// t*B + s), and repeats the pattern for every group until the job ends (the engine clears
// the feed whenever it is not running). Reads are issued only while the 4-entry feed FIFO
// has room for them and the ones in flight (ABUF_REGS cycles from address to data), so the
// FIFO never refuses a word. The banks are cut into NCH chunks (tern_act_banks): a read's
// chunk number travels beside it and picks the chunk's slice when the data arrives.
//
// ptr_d_o is the pointer's next value, from which the wide profile's banks load their
// copies of the read address (RA_COPIES).

`default_nettype none

module tern_act_feed #(
  parameter integer LANES     = 20,
  parameter integer ABW       = 9,    // bank index bits
  parameter integer SLB       = 1,    // slot bits above them (0 or 1)
  parameter integer AB_BITS   = 10,   // ABW + SLB
  parameter integer NCH       = 1,    // chunks
  parameter integer CS_BITS   = 1,    // chunk-number bits (1 with one chunk)
  parameter integer ABUF_REGS = 2,    // the banks' read latency: 1 or 2
  parameter integer FIFO_RAM  = 0,    // 1: the FIFO in block RAM
  parameter integer REP_SEL   = 0     // 1: a copy of the chunk number per 4 lanes (tern_rep_ff)
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,
  input  wire                     start_i,     // a job starts: the pattern from its beginning
  input  wire                     running_i,   // issue reads; when low the FIFO is cleared
  input  wire                     slot_i,      // the running job's bank (SLB = 1)
  input  wire [ABW-1:0]           b_i,         // B mod 2^ABW of the running job (a cycle late is fine)
  input  wire [15:0]              b_m1_i,      // B - 1
  input  wire [7:0]               tok_m1_i,    // TOKENS - 1
  output wire [AB_BITS-1:0]       raddr_o,     // the banks' read address
  output reg  [ABW-1:0]           ptr_d_o,     // its pointer's next value
  input  wire [8*LANES*NCH-1:0]   rdata_i,     // per chunk, ABUF_REGS cycles after raddr_o
  output wire                     out_valid_o,
  input  wire                     out_ready_i,
  output wire [8*LANES-1:0]       out_data_o
);

  reg  [ABW-1:0]      ptr_q;
  reg  [15:0]         s_q;
  reg  [7:0]          t_q;
  reg  [1:0]          inflight_q;   // reads issued 1 and 2 cycles ago
  reg  [CS_BITS-1:0]  ch1_q, ch2_q;   // their chunks
  reg  [ABW-1:0]      b_q;
  wire                unused_ready;  // reads are issued only with room for them (level + 2 <= 3 < 4)
  wire [2:0]          level;
  // reads in flight: issued 1 (and, with the fabric register, 2) cycles ago
  wire                infl2  = (ABUF_REGS > 1) ? inflight_q[1] : 1'b0;
  wire                arrive = (ABUF_REGS > 1) ? inflight_q[1] : inflight_q[0];
  wire                issue  = running_i & ({1'b0, level} + {3'd0, inflight_q[0]} + {3'd0, infl2} <= 4'd3);

  always @(posedge clk_i) b_q <= b_i;
  always @(*) begin
    ptr_d_o = ptr_q;
    if (!rst_ni || start_i)      ptr_d_o = {ABW{1'b0}};
    else if (issue) begin
      if (t_q != tok_m1_i)       ptr_d_o = ptr_q + b_q;
      else if (s_q == b_m1_i)    ptr_d_o = {ABW{1'b0}};
      else                       ptr_d_o = s_q[ABW-1:0] + 1'b1;
    end
  end
  always @(posedge clk_i) ptr_q <= ptr_d_o;
  always @(posedge clk_i) begin
    if (!rst_ni || start_i) begin
      s_q        <= 16'd0;
      t_q        <= 8'd0;
      inflight_q <= 2'b00;
    end else begin
      inflight_q <= {inflight_q[0], issue};
      if (issue) begin
        if (t_q == tok_m1_i) begin
          t_q <= 8'd0;
          if (s_q == b_m1_i) s_q <= 16'd0;
          else               s_q <= s_q + 16'd1;
        end else begin
          t_q <= t_q + 8'd1;
        end
      end
    end
  end

  generate
    if (SLB != 0) begin : g_slot
      assign raddr_o = {slot_i, ptr_q};
    end else begin : g_one
      assign raddr_o = ptr_q;
      wire unused_slot = slot_i;
    end
  endgenerate

  always @(posedge clk_i) begin
    if (NCH > 1) begin
      if (issue) ch1_q <= raddr_o[AB_BITS-1 -: CS_BITS];
    end else begin
      ch1_q <= {CS_BITS{1'b0}};
    end
    ch2_q <= ch1_q;
  end
  wire [CS_BITS-1:0] ch = (ABUF_REGS > 1) ? ch2_q : ch1_q;

  // The chunk's slice by a compare per chunk: an indexed part-select of a variable chunk
  // number would be a multiply by 8*LANES (and the no-multiplier check refuses it).
  reg  [8*LANES-1:0]  rdata;
  integer i;
  always @(*) begin
    rdata = rdata_i[8*LANES-1:0];
    for (i = 1; i < NCH; i = i + 1)
      if ({{(32-CS_BITS){1'b0}}, ch} == i) rdata = rdata_i[8*LANES*i +: 8*LANES];
  end
  // REP_SEL: the same select with a copy of the chunk number per FDG lanes (tern_rep_ff), so
  // that no select net reaches all 8 * LANES bits (~640 loads at 40 lanes).
  localparam integer FDG = 4;
  wire [8*LANES-1:0] rdata_w;
  genvar gf;
  generate
    if (REP_SEL != 0 && NCH > 1 && ABUF_REGS > 1) begin : g_rep
      wire unused_rdata = ^rdata;
      for (gf = 0; gf < LANES; gf = gf + FDG) begin : g_grp
        localparam integer NL = (LANES - gf < FDG) ? LANES - gf : FDG;
        wire [CS_BITS-1:0] chc;    // = ch2_q
        tern_rep_ff #(.W(CS_BITS)) u_ch (
          .clk_i (clk_i),
          .d_i   (ch1_q),
          .q_o   (chc)
        );
        reg [8*NL-1:0] d;
        integer k;
        always @(*) begin
          d = rdata_i[8*gf +: 8*NL];
          for (k = 1; k < NCH; k = k + 1)
            if ({{(32-CS_BITS){1'b0}}, chc} == k) d = rdata_i[8*LANES*k + 8*gf +: 8*NL];
        end
        assign rdata_w[8*gf +: 8*NL] = d;
      end
    end else begin : g_plain
      assign rdata_w = rdata;
    end
  endgenerate

  tern_fifo #(.WIDTH(8*LANES), .DEPTH(4), .RAM_MIN_DEPTH(FIFO_RAM != 0 ? 4 : 0)) u_fifo (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (~running_i),
    .in_valid_i  (arrive),
    .in_ready_o  (unused_ready),
    .in_data_i   (rdata_w),
    .out_valid_o (out_valid_o),
    .out_ready_i (out_ready_i),
    .out_data_o  (out_data_o),
    .level_o     (level)
  );

endmodule

`default_nettype wire
