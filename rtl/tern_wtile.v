// SPDX-License-Identifier: Apache-2.0
// tern_wtile: one row's weight memory and T5 decode, beside the row (tern_mac_array with
// WMEM_WORDS > 0). The row's slice of every T5 weight beat (LANES / 5 bytes: T5 packs a beat's
// trits row after row, so row r's LANES trits are bytes r * LANES / 5 onwards) lives in a block
// RAM of its own, read at the row's own copy of the beat's word. No weight bit then crosses the
// chip: a weight port of ROWS * LANES / 5 bytes a cycle, and the FIFOs and decoder it fed, each
// spanned the ECP5-85F at 16 x 40 (nextpnr-ecp5 0.11.1) and set the clock of the whole device.
//
// Reads: the codes of the word at raddr_i in cycle t are on codes_o in cycle t + 3 (the RAM's
// register, then the decoder's input register in the fabric beside it, then the codes'). The
// RAM's slow clock-to-output (5.6 ns on the ECP5-85F at speed 6) thus drives one short net.
// Writes: WBYTES bytes at word waddr_i with byte strobes; a read of a word in the cycle it is
// written returns the old or the new bytes (the array reads no word while it is loaded).

`default_nettype none

module tern_wtile #(
  parameter integer LANES = 40,    // a multiple of 5
  parameter integer WORDS = 512,   // a power of two
  parameter integer AW    = (WORDS > 1) ? $clog2(WORDS) : 1,
  parameter integer WBYTES = LANES / 5
) (
  input  wire                clk_i,
  input  wire [AW-1:0]       raddr_i,
  input  wire                we_i,
  input  wire [AW-1:0]       waddr_i,
  input  wire [8*WBYTES-1:0] wdata_i,
  input  wire [WBYTES-1:0]   wstrb_i,
  output wire [2*LANES-1:0]  codes_o      // tern_mac_row's 2-bit codes of the LANES trits
);

  generate
    if (LANES % 5 != 0 || WBYTES != LANES / 5 || (WORDS & (WORDS - 1)) != 0) begin : g_bad
      // elaboration stops here: a row's slice of a T5 beat is whole bytes
      tern_wtile_needs_lanes_multiple_of_5_and_power_of_two_words u_bad ();
    end
  endgenerate

  integer bi;
  (* no_rw_check *)
  reg [8*WBYTES-1:0] mem_q [0:WORDS-1];
  reg [8*WBYTES-1:0] rd_q;
  always @(posedge clk_i) begin
    if (we_i) begin
      for (bi = 0; bi < WBYTES; bi = bi + 1)
        if (wstrb_i[bi]) mem_q[waddr_i][8*bi +: 8] <= wdata_i[8*bi +: 8];
    end
    rd_q <= mem_q[raddr_i];
  end

  // the decoder's beat register (loaded every cycle) is the fabric register after the RAM
  wire [2*LANES-1:0] codes;
  tern_weight_decoder #(
    .ROWS   (1),
    .LANES  (LANES),
    .T5_ROM (0),
    .WB     (2),
    .T2     (0)
  ) u_decoder (
    .clk_i    (clk_i),
    .load_i   (1'b1),
    .beat_i   ({{(2 * LANES - 8 * WBYTES){1'b0}}, rd_q}),
    .fmt_t5_i (1'b1),
    .codes_o  (codes)
  );

  reg [2*LANES-1:0] codes_q;
  always @(posedge clk_i) codes_q <= codes;
  assign codes_o = codes_q;

endmodule

`default_nettype wire
