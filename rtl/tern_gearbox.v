// SPDX-License-Identifier: Apache-2.0
// tern_gearbox: turns a stream of IN_BYTES-wide memory words into beats of out_bytes_i bytes
// (1 .. OUT_MAX, fixed for the duration of a job), byte order preserved (byte 0 of the first
// word is byte 0 of the first beat). Bytes at or above a beat's length are 0.
//
// A word carries in_bytes_i valid low bytes (the rest are ignored); only a record's last word
// may carry fewer than IN_BYTES. A word with in_flush_i ends a record (an activation row): its
// remaining bytes leave as a last, possibly partial, beat zero-padded above them, marked
// out_last_o; no word is taken until then. clear_i drops everything (the end of a job's weight
// stream, whose last word may hold padding beyond the last beat). IN_BYTES is a power of two.
//
// The words are kept whole, never shifted by a byte count: a window of word slots, the
// oldest in slot 0, and q, the offset of the next byte in slot 0. A beat is the window shifted
// down by q bytes (q < IN_BYTES: one small byte shifter at the output, whose stages prune to
// the offsets a geometry can reach, e.g. q in {0, 4} for 20-byte beats); a beat that ends past
// slot 0 pops the slots it used up, and a word goes into the lowest free slot. Free slots hold
// zeros and the bytes of a short last word are zeroed on entry, so a last beat is zero-padded
// without a mask. NW is the least number of slots that hold any beat at any reachable offset.
// FAST = 0: the window has NW slots, and a word is taken in every cycle in which the oldest one
// is used up (in_ready_o follows this cycle's pops). FAST = 1: the window has NW + 1, and a
// word is taken whenever a slot is free before the cycle's pops (so in_ready_o is a flip-flop,
// computed from the next state, not the end of the pop arithmetic): with the spare
// slot that takes a word at least as early as taking one into a slot freed in the same cycle
// would, so IN_BYTES per cycle is never throttled by the gearbox. out_bytes_i may change only
// while the gearbox is empty and no word is taken (helper registers are computed from it a
// cycle ahead).

`default_nettype none

module tern_gearbox #(
  parameter integer IN_BYTES = 8,
  parameter integer OUT_MAX  = 10,
  parameter integer FAST     = 1,   // 1: NW + 1 slots, handshakes and the landing slot from
                                    // flip-flops (for 100 MHz on the ECP5); 0: NW slots, the
                                    // handshakes after the pop arithmetic (fewer cells: about
                                    // 70-150 LUT4 and 74 flip-flops less on the iCE40)
  parameter integer READY_REG = 0   // FAST = 0 only. 1: in_ready_o from flip-flops (a slot free
                                    // before this cycle's pops), so a word refills a slot a
                                    // cycle after it empties: a bubble per word, no logic cost
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

  // Offsets a beat of v bytes can start at within a word are the multiples of gcd(IN, v); a
  // beat at the last of them ends IN - gcd + v bytes past the word's start.
  function automatic integer slots_f(input integer in_b, input integer out_max);
    integer v, t, g, need, best;
    begin
      best = 1;
      for (v = 1; v <= out_max; v = v + 1) begin
        g = 1;
        for (t = 1; t <= in_b; t = t + 1)
          if ((in_b % t == 0) && (v % t == 0)) g = t;
        need = (in_b - g + v + in_b - 1) / in_b;
        if (need > best) best = need;
      end
      slots_f = best;
    end
  endfunction

  generate
    if (FAST != 0) begin : g_fast
      localparam integer NW  = slots_f(IN_BYTES, OUT_MAX);   // slots any beat needs (words)
      localparam integer NS  = NW + 1;                        // window slots: one spare
      localparam integer WB  = 8 * IN_BYTES;                  // bits per word
      localparam integer QW  = (IN_BYTES > 1) ? $clog2(IN_BYTES) : 1;
      localparam integer OW  = $clog2(OUT_MAX + 1);
      localparam integer IW  = $clog2(IN_BYTES + 1);
      localparam integer CW  = $clog2(NS * IN_BYTES + 1);    // bytes held
      localparam integer NVW = $clog2(NS + 1);                // slots in use
      localparam integer SW  = $clog2(IN_BYTES + OUT_MAX);   // q + beat length
      localparam integer PW  = SW - QW;                       // slots a beat pops
      localparam integer MW  = (NVW > PW) ? NVW : PW;
      localparam [31:0]  NW_U = NW;

      // State, and values derived from it kept as registers (computed from the next state), so
      // that no handshake waits on arithmetic: out_valid_o, out_last_o and in_ready_o are a gate
      // or two from flip-flops, and so is the slot a word lands in.
      reg  [CW-1:0]   cnt_q;      // bytes held, from offset q of slot 0 on
      reg  [NVW-1:0]  nv_q;       // slots in use
      reg  [QW-1:0]   q_q;        // offset of the next byte in slot 0
      reg             flush_q;    // a record's last word is in: emit its tail, take nothing
      reg             full_q;     // cnt_q >= out_bytes_i: a full beat is held
      reg             le_q;       // cnt_q <= out_bytes_i: the tail of a record fits one beat
      reg             nz_q;       // cnt_q != 0
      reg  [PW-1:0]   pq_q;       // (q_q + out_bytes_i) / IN_BYTES: slots a full beat pops
      reg  [NS-1:0]   ln_q;       // ln_q[s]: nv_q == s (a word lands there without a pop)
      reg  [NS-1:0]   lp_q;       // lp_q[s]: nv_q - pq_q == s (... with a full beat's pops)

      wire [CW-1:0] out_bytes = {{(CW-OW){1'b0}}, out_bytes_i};
      assign out_last_o  = flush_q & le_q;
      assign out_valid_o = full_q | (flush_q & nz_q);
      wire emit      = out_valid_o & out_ready_i;
      wire emit_last = emit & out_last_o;
      wire emit_full = emit & ~out_last_o;

      // The beat: the window from byte q of slot 0 on; bytes at or above the beat's length masked.
      wire [NS*WB-1:0] win_flat;   // slot s at bits [s*WB +: WB]
      genvar s;
      wire [NS*WB-1:0] win_at_q = win_flat >> {q_q, 3'b000};

      reg [8*OUT_MAX-1:0] out_mask;
      integer b;
      always @(*) begin
        for (b = 0; b < OUT_MAX; b = b + 1)
          out_mask[8*b +: 8] = ($unsigned(b) < {{(32-OW){1'b0}}, out_bytes_i}) ? 8'hFF : 8'h00;
      end
      assign out_data_o = win_at_q[8*OUT_MAX-1:0] & out_mask;
      wire unused_win = ^win_at_q[NS*WB-1:8*OUT_MAX];   // beyond the longest beat (NS > NW >= 1)

      // A full beat moves q on by its length and pops the slots it used up; a last beat empties
      // all. A word is taken while a slot is free before this cycle's pops (the spare slot keeps
      // this from costing throughput: a beat never needs more than NW slots).
      wire [SW-1:0]  ob_s  = {{(SW-OW){1'b0}}, out_bytes_i};
      wire [QW-1:0]  q_adv = q_q + ob_s[QW-1:0];             // q after a full beat
      wire [PW-1:0]  pops  = emit_full ? pq_q : {PW{1'b0}};
      reg             rdy_q;      // ~flush_q & (nv_q <= NW): in_ready_o as a flip-flop
      assign in_ready_o = rdy_q;
      wire accept = in_valid_i & in_ready_o;

      // Bytes of the incoming word that are valid (the others enter as zeros).
      reg [IN_BYTES-1:0] in_byte_ok;
      integer i;
      always @(*) begin
        for (i = 0; i < IN_BYTES; i = i + 1)
          in_byte_ok[i] = ($unsigned(i) < {{(32-IW){1'b0}}, in_bytes_i});
      end

      // Slot j takes the slot pops above it (zeros past the top), or the new word if it is the
      // lowest free slot after the pops. A byte is zeroed by the flip-flop's synchronous reset, not
      // by a mask, so the top slot needs no logic in its data path.
      // (pops = 0 needs no source: the slot holds.)
      reg  [NS*WB-1:0] win_popped;
      integer ps, pp;
      always @(*) begin
        win_popped = {(NS*WB){1'b0}};
        for (ps = 0; ps < NS; ps = ps + 1)
          for (pp = 1; ps + pp < NS; pp = pp + 1)
            if ({{(32-PW){1'b0}}, pq_q} == $unsigned(pp))
              win_popped[ps*WB +: WB] = win_flat[(ps+pp)*WB +: WB];
      end
      reg              pq_nz_q;    // pq_q != 0
      wire             any_pop    = emit_full & pq_nz_q;
      wire             win_clear  = ~rst_ni | clear_i | emit_last;
      genvar k;
        for (s = 0; s < NS; s = s + 1) begin : g_slot
          // accept implies ~flush_q, so ~out_last_o: a taken word's slot is nv_q - pops.
          wire        land = accept & (emit ? lp_q[s] : ln_q[s]);
          reg  [WB-1:0] slot_q;
          for (k = 0; k < IN_BYTES; k = k + 1) begin : g_byte
            always @(posedge clk_i) begin
              if (win_clear || (land && !in_byte_ok[k])) begin
                slot_q[8*k +: 8] <= 8'h00;
              end else if (land) begin
                slot_q[8*k +: 8] <= in_data_i[8*k +: 8];
              end else if (any_pop) begin
                slot_q[8*k +: 8] <= win_popped[s*WB + 8*k +: 8];
              end
            end
          end
          assign win_flat[s*WB +: WB] = slot_q;
        end

      // Next state. The byte count's four cases (a full beat out or not, a word in or not) are
      // formed side by side and chosen last, so the handshakes meet the arithmetic only in a mux.
      wire [CW-1:0] in_bytes = {{(CW-IW){1'b0}}, in_bytes_i};
      wire [CW-1:0] cnt_e    = cnt_q - out_bytes;
      wire [CW-1:0] cnt_d    = emit_full ? (accept ? cnt_e + in_bytes : cnt_e)
                                         : (accept ? cnt_q + in_bytes : cnt_q);
      wire [QW-1:0] q_d      = emit_full ? q_adv : q_q;
      wire [SW-1:0] qd_sum   = {{(SW-QW){1'b0}}, q_d} + ob_s;
      wire [PW-1:0] pq_d     = qd_sum[SW-1:QW];
      wire [PW-1:0] pq_0     = ob_s[SW-1:QW];                           // q = 0
      wire [QW-1:0] unused_qd = qd_sum[QW-1:0];
      wire [MW-1:0] nv_left  = {{(MW-NVW){1'b0}}, nv_q} - {{(MW-PW){1'b0}}, pops};
      wire [MW-1:0] nv_d     = nv_left + {{(MW-1){1'b0}}, accept};
      wire [MW-1:0] nvp_d    = nv_d - {{(MW-PW){1'b0}}, pq_d};
      wire          unused_nv = ^{nv_d, nvp_d};   // only the low bits matter (nv <= NS)
      reg  [NS-1:0] ln_d, lp_d;
      integer j;
      always @(*) begin
        for (j = 0; j < NS; j = j + 1) begin
          ln_d[j] = (nv_d  == j[MW-1:0]);
          lp_d[j] = (nvp_d == j[MW-1:0]);
        end
      end

      always @(posedge clk_i) begin
        if (!rst_ni || clear_i || emit_last) begin
          cnt_q   <= {CW{1'b0}};
          nv_q    <= {NVW{1'b0}};
          q_q     <= {QW{1'b0}};
          flush_q <= 1'b0;
          full_q  <= 1'b0;
          le_q    <= 1'b1;
          nz_q    <= 1'b0;
          pq_q    <= pq_0;
          pq_nz_q <= (pq_0 != {PW{1'b0}});
          ln_q    <= {{(NS-1){1'b0}}, 1'b1};
          lp_q    <= {NS{1'b0}};
          rdy_q   <= 1'b1;
        end else begin
          cnt_q   <= cnt_d;
          nv_q    <= nv_d[NVW-1:0];
          q_q     <= q_d;
          if (accept && in_flush_i) flush_q <= 1'b1;
          rdy_q   <= ~(flush_q | (accept & in_flush_i)) & ({{(32-MW){1'b0}}, nv_d} <= NW_U);
          full_q  <= (cnt_d >= out_bytes);
          le_q    <= (cnt_d <= out_bytes);
          nz_q    <= (cnt_d != {CW{1'b0}});
          pq_q    <= pq_d;
          pq_nz_q <= (pq_d != {PW{1'b0}});
          ln_q    <= ln_d;
          lp_q    <= lp_d;
        end
      end
    end else begin : g_small
      localparam integer NW  = slots_f(IN_BYTES, OUT_MAX);   // window slots (words)
      localparam integer WB  = 8 * IN_BYTES;                  // bits per word
      localparam integer QW  = (IN_BYTES > 1) ? $clog2(IN_BYTES) : 1;
      localparam integer OW  = $clog2(OUT_MAX + 1);
      localparam integer IW  = $clog2(IN_BYTES + 1);
      localparam integer CW  = $clog2(NW * IN_BYTES + 1);    // bytes held
      localparam integer NVW = $clog2(NW + 1);                // slots in use
      localparam integer SW  = $clog2(IN_BYTES + OUT_MAX);   // q + beat length
      localparam integer PW  = SW - QW;                       // slots a beat pops
      localparam integer MW  = (NVW > PW) ? NVW : PW;
      localparam [31:0]  NW_U = NW;

      reg  [CW-1:0]   cnt_q;      // bytes held, from offset q of slot 0 on
      reg  [NVW-1:0]  nv_q;       // slots in use
      reg  [QW-1:0]   q_q;        // offset of the next byte in slot 0
      reg             flush_q;    // a record's last word is in: emit its tail, take nothing

      wire [CW-1:0] out_bytes = {{(CW-OW){1'b0}}, out_bytes_i};
      // cnt_q's compares with the beat length, registered from the next count (cnt_d, below):
      // out_valid_o leaves flip-flops instead of a carry chain. When cnt_d is 0 they do not
      // depend on out_bytes_i, which changes only while the gearbox is empty.
      reg  full_q, short_q, nz_q;   // cnt_q >= out_bytes, cnt_q <= out_bytes, cnt_q != 0
      wire full_beat = full_q;
      assign out_last_o  = flush_q & short_q;
      assign out_valid_o = full_beat | (flush_q & nz_q);
      wire emit      = out_valid_o & out_ready_i;
      wire emit_last = emit & out_last_o;
      wire emit_full = emit & ~out_last_o;

      // The beat: the window from byte q of slot 0 on; bytes at or above the beat's length masked.
      wire [NW*WB-1:0] win_flat;   // slot s at bits [s*WB +: WB]
      genvar s;
      wire [NW*WB-1:0] win_at_q = win_flat >> {q_q, 3'b000};

      reg [8*OUT_MAX-1:0] out_mask;
      integer b;
      always @(*) begin
        for (b = 0; b < OUT_MAX; b = b + 1)
          out_mask[8*b +: 8] = ($unsigned(b) < {{(32-OW){1'b0}}, out_bytes_i}) ? 8'hFF : 8'h00;
      end
      assign out_data_o = win_at_q[8*OUT_MAX-1:0] & out_mask;
        if (NW * WB > 8 * OUT_MAX) begin : g_unused
          wire unused_win = ^win_at_q[NW*WB-1:8*OUT_MAX];   // beyond the longest beat
        end

      // A full beat moves q on by its length and pops the slots it used up; a last beat empties all.
      wire [SW-1:0]  q_sum = {{(SW-QW){1'b0}}, q_q} + {{(SW-OW){1'b0}}, out_bytes_i};
      wire [PW-1:0]  pops  = emit_full ? q_sum[SW-1:QW] : {PW{1'b0}};
      wire [MW-1:0]  nv_left  = {{(MW-NVW){1'b0}}, nv_q} - {{(MW-PW){1'b0}}, pops};
      wire [NVW-1:0] nv_after = emit_last ? {NVW{1'b0}} : nv_left[NVW-1:0];
      assign in_ready_o = ~flush_q & ({{(32-NVW){1'b0}}, (READY_REG != 0) ? nv_q : nv_after} < NW_U);
      wire accept = in_valid_i & in_ready_o;

      // Bytes of the incoming word that are valid (the others enter as zeros).
      reg [IN_BYTES-1:0] in_byte_ok;
      integer i;
      always @(*) begin
        for (i = 0; i < IN_BYTES; i = i + 1)
          in_byte_ok[i] = ($unsigned(i) < {{(32-IW){1'b0}}, in_bytes_i});
      end

      // Slot j takes the slot pops above it (zeros past the top), or the new word if it is the
      // lowest free slot after the pops. A byte is zeroed by the flip-flop's synchronous reset, not
      // by a mask, so the top slot needs no logic in its data path.
      // (pops = 0 needs no source: the slot holds.)
      reg  [NW*WB-1:0] win_popped;
      integer ps, pp;
      always @(*) begin
        win_popped = {(NW*WB){1'b0}};
        for (ps = 0; ps < NW; ps = ps + 1)
          for (pp = 1; ps + pp < NW; pp = pp + 1)
            if ({{(32-PW){1'b0}}, pops} == $unsigned(pp))
              win_popped[ps*WB +: WB] = win_flat[(ps+pp)*WB +: WB];
      end
      wire             any_pop    = (pops != {PW{1'b0}});
      wire             win_clear  = ~rst_ni | clear_i | emit_last;
      genvar k;
        for (s = 0; s < NW; s = s + 1) begin : g_slot
          wire [31:0] s_u  = s;
          wire        land = accept & ({{(32-NVW){1'b0}}, nv_after} == s_u);
          reg  [WB-1:0] slot_q;
          for (k = 0; k < IN_BYTES; k = k + 1) begin : g_byte
            always @(posedge clk_i) begin
              if (win_clear || (land && !in_byte_ok[k])) begin
                slot_q[8*k +: 8] <= 8'h00;
              end else if (land) begin
                slot_q[8*k +: 8] <= in_data_i[8*k +: 8];
              end else if (any_pop) begin
                slot_q[8*k +: 8] <= win_popped[s*WB + 8*k +: 8];
              end
            end
          end
          assign win_flat[s*WB +: WB] = slot_q;
        end

      wire [CW-1:0] in_bytes = {{(CW-IW){1'b0}}, in_bytes_i};
      wire [CW-1:0] cnt_d = (!rst_ni || clear_i || emit_last) ? {CW{1'b0}} :
                            cnt_q - (emit_full ? out_bytes : {CW{1'b0}}) + (accept ? in_bytes : {CW{1'b0}});
      always @(posedge clk_i) begin
        full_q  <= (cnt_d != {CW{1'b0}}) & (cnt_d >= out_bytes);   // never on an empty gearbox
        short_q <= (cnt_d <= out_bytes);
        nz_q    <= (cnt_d != {CW{1'b0}});
      end
      always @(posedge clk_i) begin
        if (!rst_ni || clear_i) begin
          cnt_q   <= {CW{1'b0}};
          nv_q    <= {NVW{1'b0}};
          q_q     <= {QW{1'b0}};
          flush_q <= 1'b0;
        end else if (emit_last) begin
          cnt_q   <= {CW{1'b0}};
          nv_q    <= {NVW{1'b0}};
          q_q     <= {QW{1'b0}};
          flush_q <= 1'b0;
        end else begin
          cnt_q <= cnt_d;
          nv_q  <= nv_after + {{(NVW-1){1'b0}}, accept};
          if (emit_full) q_q <= q_sum[QW-1:0];
          if (accept && in_flush_i) flush_q <= 1'b1;
        end
      end
    end
  endgenerate

endmodule

`default_nettype wire
