// SPDX-License-Identifier: Apache-2.0
// tern_board_mem: a board's on-chip memory, WORDS x 64 bits with byte write enables and a
// read latency of 1 + OUT_REGS cycles. Written for inference: Yosys maps it to the iCE40UP5K's
// SPRAMs (synth_ice40 -spram: four SB_SPRAM256KA side by side give 64 bits x 16 K) and to
// DP16KD block RAMs on the ECP5. A cycle either writes (any we_i bit set) or reads, never both,
// so the read-during-write behaviour of the RAM primitive never matters.
//
//   OUT_REGS = 0  one RAM, its registered read is rdata_o; rdata_o keeps the last read word
//                 until the next read (memctl relies on it then). REQ_REG = 1 registers the
//                 request first (latency 2): the RAM's pins then meet only flip-flops, which
//                 matters when the RAMs sit at a corner of the chip (the UP5K's SPRAMs).
//   OUT_REGS = 1  the same RAM and one register on its read data.
//   OUT_REGS >= 2 for a large block-RAM array that spans the chip (the ECP5): the requests are
//                 registered first (en/we/address/data, with the bank decoded before the
//                 register), so the controller's arbitration never drives the RAMs' pins
//                 across the chip; the RAM is cut into banks of at most 2048 words (eight
//                 DP16KD of 2048 x 9). With OUT_REGS >= 3 each bank's read data is
//                 registered (the DP16KD's output is slow: ~5.6 ns clock to out on the -6
//                 ECP5, so it must meet a register and nothing else); with OUT_REGS >= 4 groups
//                 of 4 banks are muxed into a register each, and the group mux feeds the
//                 remaining registers, so no stage crosses the chip with logic on both ends.
//                 Latency: input register + RAM + bank register (OUT_REGS >= 3) + group
//                 register (OUT_REGS >= 4) + the rest (at least one, after the last mux).

`default_nettype none

module tern_board_mem #(
  parameter integer WORDS    = 16384,  // 64-bit words (a power of two)
  parameter integer OUT_REGS = 0,      // read data pipeline registers: latency 1 + OUT_REGS
  parameter integer REQ_REG  = 0       // OUT_REGS < 2: 1 registers the request (latency + 1)
) (
  input  wire                     clk_i,
  input  wire                     en_i,
  input  wire [7:0]               we_i,    // byte enables of a write; all zero: a read
  input  wire [$clog2(WORDS)-1:0] addr_i,  // word address
  input  wire [63:0]              wdata_i,
  output wire [63:0]              rdata_o
);

  localparam integer WAB = $clog2(WORDS);

  generate
    if (OUT_REGS < 2) begin : g_one
      reg [63:0] mem_q [0:WORDS-1];
      reg [63:0] rdata_q;

      wire           r_en;
      wire [7:0]     r_we;
      wire [WAB-1:0] r_addr;
      wire [63:0]    r_wdata;
      if (REQ_REG != 0) begin : g_req
        reg           en_q;
        reg [7:0]     we_q;
        reg [WAB-1:0] addr_q;
        reg [63:0]    wdata_q;
        always @(posedge clk_i) begin
          en_q    <= en_i;
          we_q    <= we_i;
          addr_q  <= addr_i;
          wdata_q <= wdata_i;
        end
        assign r_en = en_q, r_we = we_q, r_addr = addr_q, r_wdata = wdata_q;
      end else begin : g_noreq
        assign r_en = en_i, r_we = we_i, r_addr = addr_i, r_wdata = wdata_i;
      end

      integer b;
      always @(posedge clk_i) begin
        if (r_en) begin
          if (|r_we) begin
            for (b = 0; b < 8; b = b + 1) begin
              if (r_we[b]) mem_q[r_addr][8*b +: 8] <= r_wdata[8*b +: 8];
            end
          end else begin
            rdata_q <= mem_q[r_addr];
          end
        end
      end

      if (OUT_REGS == 0) begin : g_direct
        assign rdata_o = rdata_q;
      end else begin : g_reg
        reg [63:0] pipe_q;
        always @(posedge clk_i) pipe_q <= rdata_q;
        assign rdata_o = pipe_q;
      end
    end else begin : g_banked
      localparam integer BW   = (WORDS > 2048) ? 2048 : WORDS;   // words per bank
      localparam integer NB   = WORDS / BW;                      // banks
      localparam integer BAB  = $clog2(BW);                      // address bits in a bank
      localparam integer SB   = (NB > 1) ? $clog2(NB) : 1;       // bank select bits
      localparam integer BREG = (OUT_REGS >= 3) ? 1 : 0;         // bank read registers
      localparam integer GREG = (OUT_REGS >= 4) ? 1 : 0;         // group mux registers
      localparam integer GSZ  = (NB >= 4) ? 4 : NB;              // banks per group
      localparam integer NG   = NB / GSZ;                        // groups
      localparam integer GB   = $clog2(GSZ);                     // bank bits in a group
      localparam [31:0]  GMASK = GSZ - 1;
      localparam integer NOUT = OUT_REGS - 1 - BREG - GREG;      // registers after the mux (>= 1)

      // Stage 0: the request, registered, its bank decoded.
      wire [SB-1:0]  sel_i;
      if (NB > 1) begin : g_sel
        assign sel_i = addr_i[WAB-1 -: SB];
      end else begin : g_nosel
        assign sel_i = 1'b0;
      end
      reg [NB-1:0]  ben_q;
      reg [7:0]     we_q;
      reg [BAB-1:0] addr_q;
      reg [63:0]    wdata_q;
      reg [SB-1:0]  rsel_q;                 // bank of the read in stage 0
      integer n;
      always @(posedge clk_i) begin
        for (n = 0; n < NB; n = n + 1) ben_q[n] <= en_i & (sel_i == n[SB-1:0]);
        we_q    <= we_i;
        addr_q  <= addr_i[BAB-1:0];
        wdata_q <= wdata_i;
        rsel_q  <= sel_i;
      end

      // Stage 1: the banks.
      wire [64*NB-1:0] bank_rd;
      genvar g;
      for (g = 0; g < NB; g = g + 1) begin : g_bank
        reg [63:0] mem_q [0:BW-1];
        reg [63:0] rd_q;
        integer b;
        always @(posedge clk_i) begin
          if (ben_q[g]) begin
            if (|we_q) begin
              for (b = 0; b < 8; b = b + 1) begin
                if (we_q[b]) mem_q[addr_q][8*b +: 8] <= wdata_q[8*b +: 8];
              end
            end else begin
              rd_q <= mem_q[addr_q];
            end
          end
        end
        if (BREG != 0) begin : g_breg
          reg [63:0] rd2_q;                 // beside the bank: the RAM's output meets a register
          always @(posedge clk_i) rd2_q <= rd_q;
          assign bank_rd[64*g +: 64] = rd2_q;
        end else begin : g_nobreg
          assign bank_rd[64*g +: 64] = rd_q;
        end
      end

      // The read's bank, delayed along with its data.
      reg [SB-1:0] sel1_q, sel2_q, sel3_q;
      always @(posedge clk_i) begin
        sel1_q <= rsel_q;
        sel2_q <= sel1_q;
        sel3_q <= sel2_q;
      end
      wire [SB-1:0] bsel = (BREG != 0) ? sel2_q : sel1_q;   // with bank_rd

      // Optional group stage: each group of GSZ banks is muxed locally into a register.
      wire [63:0] mux;
      if (GREG != 0) begin : g_grp
        reg [64*NG-1:0] grp_q;
        integer gi, bi;
        always @(posedge clk_i) begin
          for (gi = 0; gi < NG; gi = gi + 1) begin
            grp_q[64*gi +: 64] <= bank_rd[64*gi*GSZ +: 64];
            for (bi = 1; bi < GSZ; bi = bi + 1)
              if (({{(32-SB){1'b0}}, bsel} & GMASK) == bi) grp_q[64*gi +: 64] <= bank_rd[64*(gi*GSZ + bi) +: 64];
          end
        end
        reg [63:0] gmux;
        always @(*) begin
          gmux = grp_q[63:0];
          for (gi = 1; gi < NG; gi = gi + 1)
            if (({{(32-SB){1'b0}}, sel3_q} >> GB) == gi) gmux = grp_q[64*gi +: 64];
        end
        assign mux = gmux;
      end else begin : g_nogrp
        reg [63:0] bmux;
        integer bi;
        always @(*) begin
          bmux = bank_rd[63:0];
          for (bi = 1; bi < NB; bi = bi + 1)
            if ({{(32-SB){1'b0}}, bsel} == bi) bmux = bank_rd[64*bi +: 64];
        end
        assign mux = bmux;
        wire unused_sel3 = ^sel3_q;
      end

      reg [63:0] pipe_q [0:NOUT-1];
      integer s;
      always @(posedge clk_i) begin
        pipe_q[0] <= mux;
        for (s = 1; s < NOUT; s = s + 1) pipe_q[s] <= pipe_q[s-1];
      end
      assign rdata_o = pipe_q[NOUT-1];
    end
  endgenerate

endmodule

`default_nettype wire
