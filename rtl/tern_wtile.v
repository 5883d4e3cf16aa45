// SPDX-License-Identifier: Apache-2.0
// tern_wtile: one row's weight memory, beside the row (tern_mac_array with WMEM_WORDS > 0). The
// row's slice of every T5 weight beat lives in a block RAM of its own, already decoded into the
// row's 2-bit codes (tern_mac_array decodes each slice once, on its way in), and is read at the
// row's own copy of the beat's word. No weight bit then crosses the chip, and no logic sits
// between the RAM and the row: a weight port of ROWS * LANES / 5 bytes a cycle, and the FIFOs
// and decoder it fed, each spanned the ECP5-85F at 16 x 40 (nextpnr-ecp5 0.11.1) and set the
// clock of the whole device; a decoder per row, after the RAM, set the array's.
//
// Reads: the codes of the word at raddr_i in cycle t are on codes_o in cycle t + 2 (the RAM's
// register, then one in the fabric beside it: the RAM's slow clock-to-output, 5.6 ns on the
// ECP5-85F at speed 6, drives one short net). Writes: a whole word; a read of a word in the
// cycle it is written returns the old or the new codes (the array reads no word being loaded).

`default_nettype none

module tern_wtile #(
  parameter integer LANES = 40,
  parameter integer WORDS = 512,   // a power of two
  parameter integer AW    = (WORDS > 1) ? $clog2(WORDS) : 1
) (
  input  wire               clk_i,
  input  wire [AW-1:0]      raddr_i,
  input  wire               we_i,
  input  wire [AW-1:0]      waddr_i,
  input  wire [2*LANES-1:0] wcodes_i,
  output wire [2*LANES-1:0] codes_o     // tern_mac_row's 2-bit codes of the LANES weights
);

  generate
    if ((WORDS & (WORDS - 1)) != 0) begin : g_bad
      // elaboration stops here: the word address is AW bits
      tern_wtile_needs_power_of_two_words u_bad ();
    end
  endgenerate

  (* no_rw_check *)
  reg [2*LANES-1:0] mem_q [0:WORDS-1];
  reg [2*LANES-1:0] rd_q, codes_q;
  always @(posedge clk_i) begin
    if (we_i) mem_q[waddr_i] <= wcodes_i;
    rd_q    <= mem_q[raddr_i];
    codes_q <= rd_q;
  end
  assign codes_o = codes_q;

endmodule

`default_nettype wire
