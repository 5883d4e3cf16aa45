// SPDX-License-Identifier: Apache-2.0
// tern_t5_decoder: one T5 byte -> five trits, by shift-add, as (hi, c) bit pairs.
//
// docs/formats.md defines the decode as a chain: for n in 0..4, p = 3*q (10 bits),
// t[n] = p[9:8], q = p[7:0]. So q before step n is m_n = (3^n * byte) mod 256, and
// t[n] = (3 * m_n)[9:8]. With m = m_n, 3m = m + 2m and 2m has bit 8 = m[7], so
// t[n] = m[7] + c, where c is the carry out of bit 7 of m[7:1] + m[6:0] (the low bits of
// m + 2m). This module gives t[n] as the pair {hi_o[n], c_o[n]} = {m_n[7], c}; the weight
// decoder turns a pair into the T2 code {hi & c, hi ^ c} together with the T2/T5 format
// select, so that each code bit is one LUT4 of (format, T2 bit, hi, c) right at the carry
// chain's end. m_2 = 9q and m_4 = 9*m_2 (mod 256) come from one shift-add each instead of two
// chained steps, which cuts the adder depth from 5 to 3 (the T5 decode is on the S0 -> S1
// path). Only adders: no multiplier, division or ROM. Trit t[n] (0 = -1, 1 = 0, 2 = +1).
//
// PIPE = 1 (the wide profile's whole-beat write path): m_0 .. m_4 (adder depth <= 2) pass
// through a register before the last adder level, so the outputs are a cycle late and no
// path between flip-flops holds more than two adders.

`default_nettype none

module tern_t5_decoder #(
  parameter integer PIPE = 0     // 1: a register between m_n and the last adder level
) (
  input  wire       clk_i,       // (PIPE = 1 only)
  input  wire [7:0] byte_i,
  output wire [4:0] hi_o,    // m_n[7]
  output wire [4:0] c_o      // carry out of bit 7 of 3 * m_n
);

  // m_n = (3^n * byte_i) mod 256: the "q" of docs/formats.md before step n.
  wire [7:0] m0 = byte_i;
  wire [7:0] m2 = m0 + {m0[4:0], 3'b000};              // 9 * m0    (depth 1)
  wire [7:0] m4 = m2 + {m2[4:0], 3'b000};              // 9 * m2    (depth 2)

  // s_n = {c, (3 m_n)[7:1]}: 3 m_n = m_n + 2 m_n, bit 0 is m_n[0].
  wire [7:0] s0 = {1'b0, m0[7:1]} + {1'b0, m0[6:0]};  // depth 1
  wire [7:0] m1 = {s0[6:0], m0[0]};
  wire [7:0] s2 = {1'b0, m2[7:1]} + {1'b0, m2[6:0]};  // depth 2
  wire [7:0] m3 = {s2[6:0], m2[0]};
  wire       unused_c02 = ^{s0[7], s2[7]};   // (their carries come from the last level below)

  // The last level, from m_n as they are or registered.
  wire [39:0] m_all = {m4, m3, m2, m1, m0};
  wire [39:0] mr;
  generate
    if (PIPE != 0) begin : g_pipe
      reg [39:0] m_q;
      always @(posedge clk_i) m_q <= m_all;
      assign mr = m_q;
    end else begin : g_comb
      assign mr = m_all;
      wire unused_clk = clk_i;
    end
  endgenerate

  wire [7:0] c_s [0:4];
  genvar n;
  generate
    for (n = 0; n < 5; n = n + 1) begin : g_trit
      wire [7:0] mn = mr[8*n +: 8];
      assign c_s[n] = {1'b0, mn[7:1]} + {1'b0, mn[6:0]};   // depth 1 (3 with PIPE = 0)
      assign hi_o[n] = mn[7];
      assign c_o[n]  = c_s[n][7];
      wire unused_s = ^c_s[n][6:0];   // low bits of the sum that no trit needs
    end
  endgenerate

endmodule

`default_nettype wire
