// SPDX-License-Identifier: Apache-2.0
// tern_wring: the job engine's weight ring (tern_job_engine with WPORT_BYTES and WMEM_WORDS):
// the weight port's beats stream into the MAC array's own memory (tern_mac_array WMEM_WORDS,
// WM_BEAT) as a ring of WORDS beats, so that no weight crosses the chip after the write and no
// handshake on the weight side spans it.
//
// Every R beat of the weight port is written at the ring's next word (wp_o); RREADY stays high,
// since the burst credit (credit_i of the port's tern_rd_master) is the ring's free words: the
// engine subtracts the beats it issues and adds free_o and skip_o. A job's first beat lands at
// the word its range was issued from (wbase_o of the exec slot, taken when the fetch hands the
// range to the port's master: the ranges before it are all issued by then; registered, it is
// taken a cycle after that handoff, still before the master's first burst, which comes two
// cycles after its command at the earliest, tern_rd_master). The engine shows
// the array a beat's first token only while gate_o is high: once that beat has landed (writes
// are counted LAND_DLY cycles late, the array's write path), and a word is freed FREE_DLY cycles
// after its beat's last token (the tiles read it with every token). A job that fails frees, in
// its E_END cycle, the words of the beats it never read (skip_o).

`default_nettype none

module tern_wring #(
  parameter integer WORDS = 512,                    // ring words (a power of two)
  parameter integer WMW   = $clog2(WORDS),          // bits of a word
  parameter integer RW    = WMW + 2,                // counters: a sign bit above the word count
  parameter integer LAND_DLY = 8,                   // the array's write path, beat to tile (tern_mac_array g_wmem)
  parameter integer FREE_DLY = 8
) (
  input  wire           clk_i,
  input  wire           rst_ni,          // synchronous, active low
  // fetch: the weight range of slot fs_i handed to the port's master; its bursts issued
  input  wire           take_i,
  input  wire           fs_i,
  input  wire           issue_i,
  input  wire [8:0]     issue_beats_i,   // 1 .. 256
  input  wire           issue_slot_i,
  // the port's R beats (each is written at wp_o)
  input  wire           r_beat_i,
  output wire [WMW-1:0] wp_o,
  // exec: slot x_i; its job starts (start_i), waits (wait_i: E_WAIT), ends (end_i: E_END,
  // end_err_i: with an error); a_hs_i: the array took an activation beat (a token);
  // tok_m1_i: the job's TOKENS - 1
  input  wire           x_i,
  input  wire           start_i,
  input  wire           wait_i,
  input  wire           end_i,
  input  wire           end_err_i,
  input  wire           a_hs_i,
  input  wire [7:0]     tok_m1_i,
  output wire           gate_o,          // the array may take the feed's head beat
  output wire [WMW-1:0] wbase_o,         // the exec job's first beat's word
  output wire           free_o,          // a word freed this cycle
  output wire [RW-1:0]  skip_o           // words freed at once (a failed job's end)
);

  reg  [WMW-1:0]      wp_q;       // the next R beat's word
  reg  [WMW-1:0]      ip_q;       // the word the next issued beat will land at
  reg  [WMW-1:0]      wb_q  [0:1];
  reg  [RW-1:0]       wis_q [0:1];   // per slot: weight beats issued (modulo: differences only)
  reg  [RW-1:0]       land_q, done_q, done0_q;
  reg  [LAND_DLY-1:0] land_sh_q;
  reg  [FREE_DLY-1:0] free_sh_q;
  reg  [7:0]          tk_q;       // the token of the beat at the array's input
  // Whether that beat (at its first token) has landed, from the counters a cycle old (no adder
  // after the array's take, a_hs_i, which arrives late): g1_q / g2_q = at least 1 / 2 beats
  // landed and not done, a cycle ago; bd_q: a beat was done since; sk_q: a skip since (E_END).
  // The landed count only grows, so this is conservative: ok may come a cycle late, never early.
  reg                 g1_q, g2_q, bd_q, sk_q;
  reg                 take_q, fs_q;   // take_i, fs_i a cycle late (the fetch decision reaches
                                      // only these, not the slots' counters' enables)
  wire [RW+8:0] ib = {{RW{1'b0}}, issue_beats_i};   // a burst's beats, widened
  wire unused_ib = ^ib[RW+8:RW];   // (the counters are modulo: the low bits suffice)
  wire beat_done = a_hs_i & (tk_q == tok_m1_i);
  // a failed job's end: the beats it had issued and did not read
  assign skip_o = (end_i & end_err_i) ? wis_q[x_i] - (done_q - done0_q) : {RW{1'b0}};
  wire [RW-1:0] land_d = land_q + {{(RW-1){1'b0}}, land_sh_q[LAND_DLY-1]};
  // (no beat is done in a job's E_END cycle, when a skip comes). At a failed end done_q +
  // skip_o = done0_q + wis_q[x_i] (modulo 2^RW): one adder after the slot mux, not three in a
  // row (the 96.9 MHz wide build's critical path).
  wire [RW-1:0] done_d = (end_i & end_err_i) ? done0_q + wis_q[x_i] : done_q + {{(RW-1){1'b0}}, beat_done};
  wire [RW-1:0] diff   = land_q - done_q;   // landed, not done: 0 .. WORDS, or below 0 for
                                             // a moment after a failed job's skip
  integer ri;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      wp_q      <= {WMW{1'b0}};
      ip_q      <= {WMW{1'b0}};
      land_q    <= {RW{1'b0}};
      done_q    <= {RW{1'b0}};
      land_sh_q <= {LAND_DLY{1'b0}};
      free_sh_q <= {FREE_DLY{1'b0}};
      g1_q      <= 1'b0;
      g2_q      <= 1'b0;
      bd_q      <= 1'b0;
      sk_q      <= 1'b0;
      take_q    <= 1'b0;
      for (ri = 0; ri < 2; ri = ri + 1) wis_q[ri] <= {RW{1'b0}};
    end else begin
      if (r_beat_i) wp_q <= wp_q + {{(WMW-1){1'b0}}, 1'b1};
      if (issue_i) begin
        ip_q <= ip_q + ib[WMW-1:0];
        wis_q[issue_slot_i] <= wis_q[issue_slot_i] + ib[RW-1:0];
      end
      if (take_q) begin
        wb_q[fs_q]  <= ip_q;
        wis_q[fs_q] <= {RW{1'b0}};
      end
      if (end_i) wis_q[x_i] <= {RW{1'b0}};
      land_sh_q <= {land_sh_q[LAND_DLY-2:0], r_beat_i};
      free_sh_q <= {free_sh_q[FREE_DLY-2:0], beat_done};
      land_q    <= land_d;
      done_q    <= done_d;
      g1_q      <= (diff != {RW{1'b0}}) & ~diff[RW-1];
      g2_q      <= (diff[RW-2:1] != {(RW-2){1'b0}}) & ~diff[RW-1];
      bd_q      <= beat_done;
      sk_q      <= end_i;
      take_q    <= take_i;
      fs_q      <= fs_i;
    end
  end
  always @(posedge clk_i) begin
    if (start_i) tk_q <= 8'd0;
    else if (a_hs_i) tk_q <= (tk_q == tok_m1_i) ? 8'd0 : tk_q + 8'd1;
    if (wait_i) done0_q <= done_q;   // the next job's first beat's count
  end
  wire   ok      = ~sk_q & (g2_q | (g1_q & ~bd_q));
  assign gate_o  = (tk_q != 8'd0) | ok;
  assign free_o  = free_sh_q[FREE_DLY-1];
  assign wbase_o = wb_q[x_i];
  assign wp_o    = wp_q;

endmodule

`default_nettype wire
