// SPDX-License-Identifier: Apache-2.0
// tern_act_banks: the job engine's activation banks, one write port and one read port.
//
// 2^AB_BITS entries of LANES bytes, cut into chunks of 2^CH_BITS entries (one block RAM deep,
// 1024 x 18 on ECP5). Every chunk is read every cycle at the read address's low bits; its data
// leaves through the chunk's block RAM register and (ABUF_REGS = 2) a second register in the
// fabric, so the slow block RAM outputs reach only registers; the caller picks the chunk.
// rdata_o holds chunk c's entry at bits [8*LANES*c +: 8*LANES], ABUF_REGS cycles after raddr_i.
// No read-during-write bypass: the caller never reads an entry in the cycle it writes it (nor,
// with RA_COPIES, in the cycle after).
//
// RA_COPIES = 1 (the wide profile): each chunk is cut by lanes into groups of 9 (72 bits: four
// block RAMs), each with its own register of the read address, loaded from raddr_d_i (the
// address's next value, so the copy equals raddr_i's low bits every cycle): a single address
// register drove all 72 block RAMs of the 640-MAC build across the chip (13.9 ns of routing).
// Each group also registers its write port (a write lands a cycle later): the gearbox's data
// reached the 72 block RAMs from one place (up to 11 ns of routing).

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
        wire               we;
        wire [CH_BITS-1:0] wa;
        wire [8*NL-1:0]    wd;
        if (RA_COPIES != 0) begin : g_wcopy   // the write port, a register per group
          tern_rep_ff #(.W(1 + CH_BITS + 8 * NL)) u_wp (
            .clk_i (clk_i),
            .d_i   ({we_i & wsel, waddr_i[CH_BITS-1:0], wdata_i[8*ALG*gl +: 8*NL]}),
            .q_o   ({we, wa, wd})
          );
        end else begin : g_wdirect
          assign {we, wa, wd} = {we_i & wsel, waddr_i[CH_BITS-1:0], wdata_i[8*ALG*gl +: 8*NL]};
        end
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
