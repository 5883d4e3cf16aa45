// tern_rd_master: the AXI4 read address channel. Takes read commands (a range of 8-byte words
// and a tag), cuts them into INCR bursts of at most MAX_BURST beats that never cross a 4 KB
// boundary, and remembers each burst's tag so the R beats can be routed in order (one ID: the
// memory answers in order).
//
// A command marked needs_credit (weights) issues a burst only when credit_i, the space the
// destination FIFO can still promise, covers it, so R beats of such bursts are never refused.
// stop_i abandons the rest of the current command (its job failed); bursts already issued
// complete normally.

`default_nettype none

module tern_rd_master #(
  parameter integer MAX_BURST   = 16,
  parameter integer TAG_W       = 3,
  parameter integer OUTSTANDING = 8,    // bursts in flight (power of two)
  parameter integer CREDIT_W    = 8
) (
  input  wire                clk_i,
  input  wire                rst_ni,     // synchronous, active low
  // commands
  input  wire                cmd_valid_i,
  output wire                cmd_ready_o,
  input  wire [31:0]         cmd_addr_i,   // 8-aligned
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

  reg         active_q;
  reg [31:0]  addr_q, left_q;
  reg [TAG_W-1:0] tag_q;
  reg         credit_q;
  reg         arvalid_q;
  reg [31:0]  araddr_q;
  reg [7:0]   arlen_q;

  // burst length: min(words left, MAX_BURST, words to the next 4 KB boundary)
  wire [31:0] to_4k  = 32'd512 - {23'd0, addr_q[11:3]};
  wire [31:0] len_a  = (left_q < MAXB_U) ? left_q : MAXB_U;
  wire [31:0] blen   = (to_4k < len_a) ? to_4k : len_a;
  wire [31:0] credit_u = {{(32-CREDIT_W){1'b0}}, credit_i};

  wire tags_full;
  wire credit_ok = ~credit_q | (credit_u >= blen);
  wire issue = active_q & ~stop_i & (~arvalid_q | axi_arready_i) & ~tags_full & credit_ok;

  assign cmd_ready_o = ~active_q;
  assign busy_o = active_q;
  assign issue_o = issue;
  assign issue_beats_o = blen[8:0];
  assign issue_tag_o = tag_q;
  assign axi_araddr_o = araddr_q;
  assign axi_arlen_o  = arlen_q;
  assign axi_arvalid_o = arvalid_q;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      active_q  <= 1'b0;
      arvalid_q <= 1'b0;
    end else begin
      if (cmd_valid_i && !active_q) begin
        active_q <= 1'b1;
        addr_q   <= cmd_addr_i;
        left_q   <= cmd_words_i;
        tag_q    <= cmd_tag_i;
        credit_q <= cmd_credit_i;
      end else if (active_q && stop_i) begin
        active_q <= 1'b0;
      end else if (issue) begin
        addr_q <= addr_q + {blen[28:0], 3'b000};
        left_q <= left_q - blen;
        if (left_q == blen) active_q <= 1'b0;
      end
      if (issue) begin
        arvalid_q <= 1'b1;
        araddr_q  <= addr_q;
        arlen_q   <= blen[7:0] - 8'd1;
      end else if (arvalid_q && axi_arready_i) begin
        arvalid_q <= 1'b0;
      end
    end
  end

  // Tags of the bursts issued and not yet finished, oldest first.
  wire tags_ready;
  wire [$clog2(OUTSTANDING+1)-1:0] unused_level;
  tern_fifo #(.WIDTH(TAG_W), .DEPTH(OUTSTANDING)) u_tags (
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
