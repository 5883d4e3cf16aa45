// tern_t5_decoder: one T5 byte -> five 2-bit weight codes (T2 encoding), by shift-add.
//
// docs/formats.md defines the decode as a chain: for n in 0..4, p = 3*q (10 bits),
// t[n] = p[9:8], q = p[7:0]. So q before step n is m_n = (3^n * byte) mod 256, and
// t[n] = (3 * m_n)[9:8]. This module computes the same trits with a shallower network: m_2 =
// 9q and m_4 = 9*m_2 (mod 256) come from one shift-add each instead of two chained steps, which
// cuts the adder depth from 5 to 3 (the T5 decode is on the S0 -> S1 path). Only adders: no
// multiplier, division or ROM. Trit t[n] (0 = -1, 1 = 0, 2 = +1) is codes_o[2n+1:2n], the T2
// code of the same weight.

`default_nettype none

module tern_t5_decoder (
  input  wire [7:0] byte_i,
  output wire [9:0] codes_o
);

  // m_n = (3^n * byte_i) mod 256: the "q" of docs/formats.md before step n.
  wire [7:0] m0 = byte_i;
  wire [7:0] m2 = m0 + {m0[4:0], 3'b000};              // 9 * m0    (depth 1)
  wire [7:0] m4 = m2 + {m2[4:0], 3'b000};              // 9 * m2    (depth 2)

  // p_n = 3 * m_n = m_n + (m_n << 1), 10 bits; t[n] = p_n[9:8], m_{n+1} = p_n[7:0].
  wire [9:0] p0 = {2'b00, m0} + {1'b0, m0, 1'b0};      // depth 1
  wire [7:0] m1 = p0[7:0];
  wire [9:0] p1 = {2'b00, m1} + {1'b0, m1, 1'b0};      // depth 2
  wire [9:0] p2 = {2'b00, m2} + {1'b0, m2, 1'b0};      // depth 2
  wire [7:0] m3 = p2[7:0];
  wire [9:0] p3 = {2'b00, m3} + {1'b0, m3, 1'b0};      // depth 3
  wire [9:0] p4 = {2'b00, m4} + {1'b0, m4, 1'b0};      // depth 3

  assign codes_o = {p4[9:8], p3[9:8], p2[9:8], p1[9:8], p0[9:8]};

  // Low bits of the chain that no trit needs.
  wire unused_p = ^{p1[7:0], p3[7:0], p4[7:0]};

endmodule

`default_nettype wire
