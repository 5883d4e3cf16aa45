// SPDX-License-Identifier: Apache-2.0
// tern_rd_master: the AXI4 read address channel. Takes read commands (a range of words of
// WORD_BYTES bytes, the port's beat, and a tag), cuts them into INCR bursts of at most MAX_BURST
// beats that never cross a 4 KB boundary, and remembers each burst's tag so the R beats can be routed in order (one ID: the
// memory answers in order).
//
// A command marked needs_credit (weights) issues a burst only when credit_i, the space the
// destination FIFO can still promise, covers it, so R beats of such bursts are never refused.
// stop_i abandons the rest of the current command (its job failed); bursts already issued
// complete normally.

`default_nettype none

module tern_rd_master #(
  parameter integer MAX_BURST   = 16,
  parameter integer WORD_BYTES  = 8,    // bytes of a beat: a power of two, 8 .. 4096
  parameter integer TAG_W       = 3,
  parameter integer OUTSTANDING = 8,    // bursts in flight (power of two)
  parameter integer CREDIT_W    = 8,
  parameter integer TAGS_RAM    = 0,    // 1: the tag FIFO in block RAM (r_tag_o from a register)
  parameter integer ISSUE_REG   = 0     // 1: the credit compare registered; a burst issues from
                                        // the second cycle its plan is ready (a cycle later), so
                                        // issue_o is a gate of flip-flops (the iCE40's clock)
) (
  input  wire                clk_i,
  input  wire                rst_ni,     // synchronous, active low
  // commands
  input  wire                cmd_valid_i,
  output wire                cmd_ready_o,
  input  wire [31:0]         cmd_addr_i,   // WORD_BYTES-aligned
  input  wire [31:0]         cmd_words_i,  // >= 1
  input  wire [TAG_W-1:0]    cmd_tag_i,
  input  wire                cmd_credit_i, // bursts need credit_i
  input  wire                stop_i,
  output wire                busy_o,       // a command is being cut into bursts
  input  wire [CREDIT_W-1:0] credit_i,
  output wire                issue_o,      // a burst was issued this cycle
  output wire [8:0]          issue_beats_o,
  output wire [TAG_W-1:0]    issue_tag_o,
  // AXI4 AR
  output wire [31:0]         axi_araddr_o,
  output wire [7:0]          axi_arlen_o,
  output wire                axi_arvalid_o,
  input  wire                axi_arready_i,
  // R beat bookkeeping: the tag of the burst the current R beat belongs to
  input  wire                r_beat_i,     // an R beat is taken this cycle (its tag: r_tag_o)
  input  wire                r_last_i,     // ... and it is its burst's last
  output wire                r_tag_valid_o, // some burst is in flight (an R beat may come)
  output wire [TAG_W-1:0]    r_tag_o
);

  localparam [31:0] MAXB_U = MAX_BURST;
  localparam [8:0]  MAXB   = MAXB_U[8:0];   // 1 .. 256 (arlen is 8 bits)
  localparam integer WL2    = $clog2(WORD_BYTES);
  localparam [31:0] W4K_U  = 4096 / WORD_BYTES;
  localparam [9:0]  WORDS_4K = W4K_U[9:0];  // words in 4 KB: 1 .. 512

  reg         active_q;
  reg [31:0]  addr_q, left_q;
  reg [TAG_W-1:0] tag_q;
  reg         credit_q;
  reg         arvalid_q;
  reg [31:0]  araddr_q;
  reg [7:0]   arlen_q;
  // The next burst, worked out two cycles ahead from addr_q and left_q (plan_q == 2 says it is
  // ready), so the issue decision compares only registers and no cycle holds more than one
  // narrow compare: a command's first burst comes two cycles after the command, and the next
  // burst at the earliest three cycles after the last (16-beat bursts take 16).
  reg [1:0]   plan_q;     // 0: nothing planned, 1: stage A registered, 2: blen_q/last_q ready
  reg [9:0]   pa_to4k_q;  // stage A: words to the next 4 KB boundary (1 .. WORDS_4K)
  reg [8:0]   pa_len_q;   //          min(words left, MAX_BURST)
  reg [8:0]   pa_lo_q;    //          words left, low bits
  reg         pa_last_q;  //          words left <= MAX_BURST
  reg [8:0]   blen_q;     // min(words left, MAX_BURST, words to the next 4 KB boundary)
  reg         last_q;     // blen_q == words left: the command's last burst

  // stage A, from the registered position
  wire [11:0] word_4k  = addr_q[11:0] >> WL2;   // the word's index in its 4 KB page
  wire [9:0]  to_4k    = WORDS_4K - word_4k[9:0];
  wire [1:0]  unused_word_4k = word_4k[11:10];
  wire        left_hi0 = (left_q[31:9] == 23'd0);
  wire [8:0]  len_a    = (left_hi0 && (left_q[8:0] < MAXB)) ? left_q[8:0] : MAXB;
  wire        le_max   = left_hi0 && (left_q[8:0] <= MAXB);
  // stage B: the boundary, and whether the burst ends the command (words left <= both limits)
  wire [8:0]  blen_d   = (pa_to4k_q < {1'b0, pa_len_q}) ? pa_to4k_q[8:0] : pa_len_q;
  wire        last_d   = pa_last_q && ({1'b0, pa_lo_q} <= pa_to4k_q);

  localparam integer CMPW = (CREDIT_W > 9) ? CREDIT_W : 9;
  wire [CMPW-1:0] credit_u = {{(CMPW-CREDIT_W){1'b0}}, credit_i};
  wire [CMPW-1:0] blen_u   = {{(CMPW-9){1'b0}}, blen_q};
  wire tags_full;
  wire credit_now = ~credit_q | (credit_u >= blen_u);
  // ISSUE_REG: credit_ok_q is credit_now of the cycle before, when the plan (blen_q) was
  // already ready (plan_rdy_q) and no burst issued; credit_i only grows without an issue, so
  // the older value is safe.
  reg  credit_ok_q, plan_rdy_q;
  wire issue;
  always @(posedge clk_i) begin
    credit_ok_q <= credit_now;
    plan_rdy_q  <= rst_ni & active_q & (plan_q == 2'd2) & ~issue;
  end
  wire credit_ok = (ISSUE_REG != 0) ? (credit_ok_q & plan_rdy_q) : credit_now;
  // AR is offered from a register and a new burst waits for the previous one's handshake,
  // so axi_arready_i reaches only arvalid_q.
  assign issue = active_q & (plan_q == 2'd2) & ~stop_i & ~arvalid_q & ~tags_full & credit_ok;

  assign cmd_ready_o = ~active_q;
  assign busy_o = active_q;
  assign issue_o = issue;
  assign issue_beats_o = blen_q;
  assign issue_tag_o = tag_q;
  assign axi_araddr_o = araddr_q;
  assign axi_arlen_o  = arlen_q;
  assign axi_arvalid_o = arvalid_q;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q  <= 1'b0;
      plan_q    <= 2'd0;
      arvalid_q <= 1'b0;
    end else begin
      if (cmd_valid_i && !active_q) begin
        active_q <= 1'b1;
        plan_q   <= 2'd0;
        addr_q   <= cmd_addr_i;
        left_q   <= cmd_words_i;
        tag_q    <= cmd_tag_i;
        credit_q <= cmd_credit_i;
      end else if (active_q && stop_i) begin
        active_q <= 1'b0;
      end else if (issue) begin
        plan_q <= 2'd0;
        addr_q <= addr_q + ({23'd0, blen_q} << WL2);
        left_q <= left_q - {23'd0, blen_q};
        if (last_q) active_q <= 1'b0;
      end else if (active_q && plan_q == 2'd0) begin
        plan_q    <= 2'd1;
        pa_to4k_q <= to_4k;
        pa_len_q  <= len_a;
        pa_lo_q   <= left_q[8:0];
        pa_last_q <= le_max;
      end else if (active_q && plan_q == 2'd1) begin
        plan_q <= 2'd2;
        blen_q <= blen_d;
        last_q <= last_d;
      end
      if (issue) begin
        arvalid_q <= 1'b1;
        araddr_q  <= addr_q;
        arlen_q   <= blen_q[7:0] - 8'd1;
      end else if (arvalid_q && axi_arready_i) begin
        arvalid_q <= 1'b0;
      end
    end
  end

  // Tags of the bursts issued and not yet finished, oldest first.
  wire tags_ready;
  wire [$clog2(OUTSTANDING+1)-1:0] unused_level;
  tern_fifo #(.WIDTH(TAG_W), .DEPTH(OUTSTANDING), .RAM_MIN_DEPTH(TAGS_RAM != 0 ? 2 : 0)) u_tags (
    .clk_i      (clk_i),
    .rst_ni     (rst_ni),
    .clear_i    (1'b0),
    .in_valid_i (issue),
    .in_ready_o (tags_ready),
    .in_data_i  (tag_q),
    .out_valid_o(r_tag_valid_o),
    .out_ready_i(r_beat_i & r_last_i),
    .out_data_o (r_tag_o),
    .level_o    (unused_level)
  );
  assign tags_full = ~tags_ready;

endmodule

`default_nettype wire
