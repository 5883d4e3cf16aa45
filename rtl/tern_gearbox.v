// tern_gearbox: turns a stream of IN_BYTES-wide memory words into beats of out_bytes_i bytes
// (1 .. OUT_MAX, fixed for the duration of a job), byte order preserved (byte 0 of the first
// word is byte 0 of the first beat).
//
// A word carries in_bytes_i valid low bytes (1 .. IN_BYTES; the rest are ignored). A word with
// in_flush_i ends a record (an activation row): its remaining bytes leave as a last, possibly
// partial, beat zero-padded above them, marked out_last_o; no word is taken until then. The
// buffer holds CAP = OUT_MAX + IN_BYTES bytes, enough to take a word in every cycle in which
// a beat leaves, so a port of IN_BYTES per cycle is never throttled by the gearbox.
// clear_i drops everything (the end of a job's weight stream, whose last word may hold
// padding beyond the last beat).

`default_nettype none

module tern_gearbox #(
  parameter integer IN_BYTES = 8,
  parameter integer OUT_MAX  = 10
) (
  input  wire                     clk_i,
  input  wire                     rst_ni,     // synchronous, active low
  input  wire                     clear_i,
  input  wire [$clog2(OUT_MAX+1)-1:0] out_bytes_i,
  input  wire                     in_valid_i,
  output wire                     in_ready_o,
  input  wire [8*IN_BYTES-1:0]    in_data_i,
  input  wire [$clog2(IN_BYTES+1)-1:0] in_bytes_i,
  input  wire                     in_flush_i,
  output wire                     out_valid_o,
  input  wire                     out_ready_i,
  output wire [8*OUT_MAX-1:0]     out_data_o,
  output wire                     out_last_o
);

  localparam integer CAP = OUT_MAX + IN_BYTES;
  localparam integer CW  = $clog2(CAP + 1);
  localparam integer OW  = $clog2(OUT_MAX + 1);
  localparam integer IW  = $clog2(IN_BYTES + 1);
  localparam [31:0]  IN_U  = IN_BYTES;
  localparam [31:0]  CAP_U = CAP;

  reg  [8*CAP-1:0] buf_q;    // bytes 0 .. cnt-1 valid, the rest 0
  reg  [CW-1:0]    cnt_q;
  reg              flush_q;  // a record's last word is in: emit its tail, take nothing

  wire [CW-1:0] out_bytes = {{(CW-OW){1'b0}}, out_bytes_i};
  wire [CW-1:0] in_bytes  = {{(CW-IW){1'b0}}, in_bytes_i};
  wire full_beat = (cnt_q >= out_bytes);
  assign out_last_o  = flush_q & (cnt_q <= out_bytes);
  assign out_valid_o = full_beat | (flush_q & (cnt_q != {CW{1'b0}}));
  assign out_data_o  = buf_q[8*OUT_MAX-1:0] & out_mask;

  // Bytes at or above the beat's length belong to the next beat: masked out.
  reg [8*OUT_MAX-1:0] out_mask;
  integer b;
  always @(*) begin
    for (b = 0; b < OUT_MAX; b = b + 1)
      out_mask[8*b +: 8] = ($unsigned(b) < {{(32-CW){1'b0}}, out_bytes}) ? 8'hFF : 8'h00;
  end

  wire emit = out_valid_o & out_ready_i;
  wire [CW-1:0] take = out_last_o ? cnt_q : out_bytes;
  wire [CW-1:0] cnt_after = emit ? (cnt_q - take) : cnt_q;
  wire [31:0] room_needed = {{(32-CW){1'b0}}, cnt_after} + IN_U;
  assign in_ready_o = ~flush_q & (room_needed <= CAP_U);
  wire accept = in_valid_i & in_ready_o;

  // The incoming word with its invalid bytes zeroed, placed above the bytes kept.
  reg [8*IN_BYTES-1:0] in_masked;
  integer i;
  always @(*) begin
    for (i = 0; i < IN_BYTES; i = i + 1)
      in_masked[8*i +: 8] = ($unsigned(i) < {{(32-IW){1'b0}}, in_bytes_i}) ? in_data_i[8*i +: 8] : 8'h00;
  end
  wire [8*CAP-1:0] buf_shifted = emit ? (buf_q >> {take, 3'b000}) : buf_q;
  wire [8*CAP-1:0] in_placed   = {{(8*OUT_MAX){1'b0}}, in_masked} << {cnt_after, 3'b000};

  always @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      buf_q   <= {(8*CAP){1'b0}};
      cnt_q   <= {CW{1'b0}};
      flush_q <= 1'b0;
    end else begin
      buf_q <= accept ? (buf_shifted | in_placed) : buf_shifted;
      cnt_q <= accept ? (cnt_after + in_bytes) : cnt_after;
      if (accept && in_flush_i) flush_q <= 1'b1;
      else if (emit && out_last_o) flush_q <= 1'b0;
    end
  end

endmodule

`default_nettype wire
