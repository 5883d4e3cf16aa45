// SPDX-License-Identifier: Apache-2.0
// tern_act_banks: the job engine's activation banks, one write port and one read port.
//
// 2^AB_BITS entries of LANES bytes, cut into chunks of 2^CH_BITS entries (one block RAM deep,
// 1024 x 18 on ECP5). Every chunk is read every cycle at the read address's low bits; its data
// leaves through the chunk's block RAM register and (ABUF_REGS = 2) a second register in the
// fabric, so the slow block RAM outputs reach only registers; the caller picks the chunk.
// rdata_o holds chunk c's entry at bits [8*LANES*c +: 8*LANES], ABUF_REGS cycles after raddr_i.
// No read-during-write bypass: the caller never reads an entry in the cycle it writes it.
//
// RA_COPIES = 1 (the wide profile): each chunk is cut by lanes into groups of 9 (72 bits: four
// block RAMs), each with its own register of the read address, loaded from raddr_d_i (the
// address's next value, so the copy equals raddr_i's low bits every cycle): a single address
// register drove all 72 block RAMs of the 640-MAC build across the chip (13.9 ns of routing).
// The write port stays shared: a register copy of it per group placed worse in nextpnr-ecp5
// (the copies sit beside their source, and the banks' block RAMs spread further).

`default_nettype none

module tern_act_banks #(
  parameter integer LANES     = 20,
  parameter integer AB_BITS   = 9,    // entry index bits
  parameter integer CH_BITS   = 9,    // entry bits in a chunk (<= AB_BITS)
  parameter integer ABUF_REGS = 2,    // read latency: 1 or 2
  parameter integer RA_COPIES = 0     // 1: a read-address register per group of 9 lanes
) (
  input  wire                         clk_i,
  input  wire                         we_i,
  input  wire [AB_BITS-1:0]           waddr_i,
  input  wire [8*LANES-1:0]           wdata_i,
  input  wire [AB_BITS-1:0]           raddr_i,
  input  wire [CH_BITS-1:0]           raddr_d_i,   // RA_COPIES: raddr_i's low bits, a cycle early
  output wire [8*LANES*(1 << (AB_BITS - CH_BITS))-1:0] rdata_o
);

  localparam integer NCH     = 1 << (AB_BITS - CH_BITS);
  localparam integer CS_BITS = (NCH > 1) ? (AB_BITS - CH_BITS) : 1;
  localparam integer ALG     = (RA_COPIES != 0) ? 9 : LANES;   // lanes of a group
  localparam integer NLG     = (LANES + ALG - 1) / ALG;

  genvar gc, gl;
  generate
    for (gc = 0; gc < NCH; gc = gc + 1) begin : g_chunk
      wire wsel;
      if (NCH > 1) begin : g_sel
        localparam [CS_BITS-1:0] C = gc;
        assign wsel = (waddr_i[AB_BITS-1 -: CS_BITS] == C);
      end else begin : g_one
        assign wsel = 1'b1;
      end
      wire [8*LANES-1:0] rd;
      for (gl = 0; gl < NLG; gl = gl + 1) begin : g_lg
        localparam integer NL = (LANES - gl * ALG < ALG) ? LANES - gl * ALG : ALG;
        wire [CH_BITS-1:0] ra;
        if (RA_COPIES != 0) begin : g_rcopy
          tern_rep_ff #(.W(CH_BITS)) u_ra (
            .clk_i (clk_i),
            .d_i   (raddr_d_i),
            .q_o   (ra)
          );
        end else begin : g_rshared
          assign ra = raddr_i[CH_BITS-1:0];
          wire unused_rd = ^raddr_d_i;   // (RA_COPIES only)
        end
        wire               we = we_i & wsel;
        wire [CH_BITS-1:0] wa = waddr_i[CH_BITS-1:0];
        wire [8*NL-1:0]    wd = wdata_i[8*ALG*gl +: 8*NL];
        (* no_rw_check *)
        reg [8*NL-1:0] mem_q [0:(1 << CH_BITS) - 1];
        reg [8*NL-1:0] rd_q;
        always @(posedge clk_i) begin
          if (we) mem_q[wa] <= wd;
        end
        always @(posedge clk_i) begin
          rd_q <= mem_q[ra];   // every cycle: no read enable to emulate
        end
        assign rd[8*ALG*gl +: 8*NL] = rd_q;
      end
      if (ABUF_REGS > 1) begin : g_reg2
        reg [8*LANES-1:0] rd2_q;
        always @(posedge clk_i) rd2_q <= rd;
        assign rdata_o[8*LANES*gc +: 8*LANES] = rd2_q;
      end else begin : g_reg1
        assign rdata_o[8*LANES*gc +: 8*LANES] = rd;
      end
    end
  endgenerate

  wire unused_raddr = ^raddr_i;   // (the chunk bits are the caller's; RA_COPIES: all of it)

endmodule

`default_nettype wire
