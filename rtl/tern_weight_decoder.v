// SPDX-License-Identifier: Apache-2.0
// tern_weight_decoder: one weight beat (T2 or T5) -> ROWS*LANES 2-bit codes in T2 encoding.
//
// Slot i = r*LANES + l is codes_o[2i+1:2i]: 0 = -1, 1 = 0, 2 = +1, 3 = reserved (the leaf
// select treats it as 0). T2 slots are the beat bits [2i+1:2i] unchanged; T5 byte j (beat
// bits [8j+7:8j]) holds slots 5j .. 5j+4 (docs/formats.md). When ROWS*LANES is not a multiple
// of 5 there is no T5 format at this geometry (T5_OK = 0; the array refuses such jobs) and the
// T5 path is not built.

`default_nettype none

module tern_weight_decoder #(
  parameter integer ROWS  = 2,
  parameter integer LANES = 20
) (
  input  wire [2*ROWS*LANES-1:0] beat_i,
  input  wire                    fmt_t5_i,  // 1: beat_i is a T5 beat, 0: a T2 beat
  output wire [2*ROWS*LANES-1:0] codes_o
);

  localparam integer SLOTS = ROWS * LANES;
  localparam integer T5_OK = (SLOTS % 5 == 0) ? 1 : 0;

  generate
    if (T5_OK != 0) begin : g_t5
      localparam integer BYTES = SLOTS / 5;
      wire [SLOTS-1:0] t5_hi;
      wire [SLOTS-1:0] t5_c;

      genvar j, i;
      for (j = 0; j < BYTES; j = j + 1) begin : g_byte
        tern_t5_decoder u_t5 (
          .byte_i (beat_i[8*j +: 8]),
          .hi_o   (t5_hi[5*j +: 5]),
          .c_o    (t5_c[5*j +: 5])
        );
      end
      // A T5 beat fills the low 8*SLOTS/5 bits of beat_i; the high bits serve T2 only. Trit
      // {hi, c} = hi + c is the T2 code {hi & c, hi ^ c}; each code bit is one function of
      // (format, T2 bit, hi, c).
      for (i = 0; i < SLOTS; i = i + 1) begin : g_slot
        assign codes_o[2*i]     = fmt_t5_i ? (t5_hi[i] ^ t5_c[i]) : beat_i[2*i];
        assign codes_o[2*i + 1] = fmt_t5_i ? (t5_hi[i] & t5_c[i]) : beat_i[2*i + 1];
      end
    end else begin : g_t2_only
      wire unused_fmt;
      assign codes_o    = beat_i;
      assign unused_fmt = fmt_t5_i;
    end
  endgenerate

endmodule

`default_nettype wire
