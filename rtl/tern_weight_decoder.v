// SPDX-License-Identifier: Apache-2.0
// tern_weight_decoder: the S0 weight register and its decode, one weight beat (T2 or T5) ->
// ROWS*LANES weights as {zero, neg} flag pairs.
//
// Slot i = r*LANES + l is codes_o[2i+1:2i] = {zero, neg}: -1 = {0, 1}, 0 = {1, 0},
// +1 = {0, 0}. These are the leaf select's inputs as they are (neg is also the leaf's carry),
// so no logic sits between the S1 register and the tree but the leaf select itself. T2 slot i
// is beat bits [2i+1:2i] = c, 0 = -1, 1 = 0, 2 = +1, 3 = reserved (counts as 0): zero = c[0],
// neg = (c == 0). T5 byte j (beat bits [8j+7:8j]) holds slots 5j .. 5j+4 (docs/formats.md). When ROWS*LANES is not a multiple
// of 5 there is no T5 format at this geometry (T5_OK = 0; the array refuses such jobs) and the
// T5 path is not built.
//
// The beat loads when load_i is high (the S0 register); codes_o decodes the loaded beat. Two
// T5 decoders, the same function:
//   T5_ROM = 0: shift-add logic per byte (tern_t5_decoder) after the register (T5_PIPE = 1:
//               with a register inside, codes_o a cycle later; T5 beats only);
//   T5_ROM = 1: a 256-entry table per byte read with the same load (a block RAM each on the
//               FPGAs: the RAM's output register is the byte's S0 register), which leaves one
//               LUT4 per flag, the T2/T5 select.
// WB = 8 (the int8 baseline of tern_mac_array): one signed byte per slot, passed through the S0
// register as it is (codes_o = the loaded beat); there is no T5 then.

`default_nettype none

module tern_weight_decoder #(
  parameter integer ROWS   = 2,
  parameter integer LANES  = 20,
  parameter integer T5_ROM = 0,
  parameter integer WB     = 2,      // bits per slot in a beat and in codes_o: 2, or 8 (int8)
  parameter integer T2     = 1,      // 0: T5 beats only (T5_ROM = 0 then has no T2/T5 select)
  parameter integer T5_PIPE = 0      // T5_ROM = 0, T2 = 0: the decode split by a register
                                     // (tern_t5_decoder PIPE): codes_o a cycle later
) (
  input  wire                     clk_i,
  input  wire                     load_i,    // take beat_i into S0
  input  wire [WB*ROWS*LANES-1:0] beat_i,
  input  wire                     fmt_t5_i,  // 1: the loaded beat is a T5 beat, 0: a T2 beat
  output wire [WB*ROWS*LANES-1:0] codes_o
);

  localparam integer SLOTS = ROWS * LANES;
  localparam integer T5_OK = (SLOTS % 5 == 0 && WB == 2) ? 1 : 0;

  reg [WB*SLOTS-1:0] beat_q;
  always @(posedge clk_i) begin
    if (load_i) beat_q <= beat_i;
  end

  // The T5 table entry of one byte: trit n as {zero, neg} at bits [2n+1:2n], by the chain of
  // docs/formats.md (p = 3 * q, trit = p[9:8]: 0 = -1, 1 = 0, 2 = +1; q = p[7:0]).
  function automatic [9:0] t5_entry(input integer b);
    integer n;
    integer q;
    integer p;
    begin
      t5_entry = 10'd0;
      q = b;
      for (n = 0; n < 5; n = n + 1) begin
        p = 3 * q;
        t5_entry[2*n +: 2] = {p[9:8] == 2'd1, p[9:8] == 2'd0};
        q = p % 256;
      end
    end
  endfunction

  // The whole table, computed once per module (t5_entry called in each byte's initial loop
  // took Yosys 175 s to elaborate an 8 x 20 array; once, 3 s)
  function automatic [2559:0] t5_table(input integer unused);
    integer b;
    begin
      t5_table = 2560'd0;
      for (b = 0; b < 256; b = b + 1) t5_table[10*b +: 10] = t5_entry(b);
    end
  endfunction
  localparam [2559:0] T5_TABLE = t5_table(0);

  generate
    if (T5_OK != 0) begin : g_t5
      localparam integer BYTES = SLOTS / 5;
      genvar j, i;
      if (T5_ROM != 0) begin : g_rom
        wire [2*SLOTS-1:0] t5_code;
        for (j = 0; j < BYTES; j = j + 1) begin : g_byte
          reg [9:0] rom [0:255];
          reg [9:0] code_q;
          integer e;
          initial begin
            for (e = 0; e < 256; e = e + 1) rom[e] = T5_TABLE[10*e +: 10];
          end
          always @(posedge clk_i) begin
            if (load_i) code_q <= rom[beat_i[8*j +: 8]];
          end
          assign t5_code[10*j +: 10] = code_q;
        end
        for (i = 0; i < SLOTS; i = i + 1) begin : g_slot
          assign codes_o[2*i]     = fmt_t5_i ? t5_code[2*i]     : (beat_q[2*i+1 -: 2] == 2'd0);
          assign codes_o[2*i + 1] = fmt_t5_i ? t5_code[2*i + 1] : beat_q[2*i];
        end
      end else begin : g_logic
        if (T5_PIPE != 0 && T2 != 0) begin : g_bad
          // elaboration stops here: a pipelined decode has no T2 path beside it
          tern_weight_decoder_t5_pipe_needs_t5_only u_bad ();
        end
        wire [SLOTS-1:0] t5_hi;
        wire [SLOTS-1:0] t5_c;
        for (j = 0; j < BYTES; j = j + 1) begin : g_byte
          tern_t5_decoder #(.PIPE(T5_PIPE)) u_t5 (
            .clk_i  (clk_i),
            .byte_i (beat_q[8*j +: 8]),
            .hi_o   (t5_hi[5*j +: 5]),
            .c_o    (t5_c[5*j +: 5])
          );
        end
        // A T5 beat fills the low 8*SLOTS/5 bits of the beat; the high bits serve T2 only.
        // Trit hi + c (0 = -1, 1 = 0, 2 = +1): zero = hi ^ c, neg = ~hi & ~c.
        for (i = 0; i < SLOTS; i = i + 1) begin : g_slot
          assign codes_o[2*i]     = (T2 == 0) ? ~(t5_hi[i] | t5_c[i]) :
                                    fmt_t5_i ? ~(t5_hi[i] | t5_c[i])
                                             : (beat_q[2*i+1 -: 2] == 2'd0);
          assign codes_o[2*i + 1] = (T2 == 0) ? (t5_hi[i] ^ t5_c[i]) :
                                    fmt_t5_i ? (t5_hi[i] ^ t5_c[i]) : beat_q[2*i];
        end
        if (T2 == 0) begin : g_t5_only
          wire unused_t2 = ^{fmt_t5_i, beat_q[2*SLOTS-1:8*BYTES]};
        end
      end
    end else if (WB != 2) begin : g_raw
      wire unused_fmt = fmt_t5_i;
      assign codes_o = beat_q;
    end else begin : g_t2_only
      genvar i;
      wire unused_fmt;
      for (i = 0; i < SLOTS; i = i + 1) begin : g_slot
        assign codes_o[2*i]     = (beat_q[2*i+1 -: 2] == 2'd0);
        assign codes_o[2*i + 1] = beat_q[2*i];
      end
      assign unused_fmt = fmt_t5_i;
    end
  endgenerate

endmodule

`default_nettype wire
