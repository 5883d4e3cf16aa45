// SPDX-License-Identifier: Apache-2.0
// tern_fifo: synchronous first-word-fall-through FIFO (valid/ready on both sides), DEPTH a
// power of two. clear_i empties it in one cycle (job end or abort); a push in the same cycle
// as clear_i is dropped. level_o counts the words held (0 .. DEPTH).
//
// Two implementations, chosen by RAM_MIN_DEPTH:
// - RAM_MIN_DEPTH = 0 (the default) or DEPTH < RAM_MIN_DEPTH: an array with a combinational
//   read (out_data_o is the head entry itself); a pushed word is visible the next cycle. Yosys
//   maps a deep one to block RAM too, but with a read-during-write bypass (WIDTH flip-flops
//   and WIDTH LUT4 on iCE40), and a shallow one to LUT RAM on the ECP5. REGS = 1 keeps the
//   array in flip-flops (g_regs; the same behaviour): a wide register FIFO whose output must be
//   fast, where LUT RAM would add its read delay to every path from it. REGS > 1 cuts the data
//   into REGS slices with a copy of the pointers each (for words ~1,000 bits wide).
// - DEPTH >= RAM_MIN_DEPTH > 0: a RAM with a synchronous read and one write port, no reset of the
//   array, so that Yosys maps it to block RAM (SB_RAM40_4K on iCE40, DP16KD on ECP5), plus
//   the RAM's own output register as the head of the FIFO. A word pushed at cycle t is read
//   at t+1 and visible at t+2; after that one word leaves per cycle. The RAM is read at an
//   address that is never written in the same cycle (only a full RAM has rd = wr, and then
//   nothing is pushed), so no read-during-write bypass is needed. A user must allow for the
//   extra cycle: a word can be held (level_o != 0) while out_valid_o is still low.

`default_nettype none

module tern_fifo #(
  parameter integer WIDTH = 8,
  parameter integer DEPTH = 4,
  parameter integer RAM_MIN_DEPTH = 0,
  parameter integer REGS = 0     // > 0: the array in flip-flops, in REGS slices
) (
  input  wire             clk_i,
  input  wire             rst_ni,    // synchronous, active low
  input  wire             clear_i,
  input  wire             in_valid_i,
  output wire             in_ready_o,
  input  wire [WIDTH-1:0] in_data_i,
  output wire             out_valid_o,
  input  wire             out_ready_i,
  output wire [WIDTH-1:0] out_data_o,
  output wire [$clog2(DEPTH+1)-1:0] level_o
);

  localparam integer AW = (DEPTH > 1) ? $clog2(DEPTH) : 1;
  localparam integer LW = $clog2(DEPTH + 1);
  localparam [31:0]  DEPTH_U = DEPTH;
  localparam [LW-1:0] FULL = DEPTH_U[LW-1:0];
  localparam [LW-1:0] ONE  = {{(LW-1){1'b0}}, 1'b1};

  reg [AW-1:0]    rd_q, wr_q;
  reg [LW-1:0]    level_q;

  wire push = in_valid_i & in_ready_o & ~clear_i;
  wire pop  = out_valid_o & out_ready_i & ~clear_i;

  assign in_ready_o = (level_q != FULL);
  assign level_o    = level_q;

  always @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      level_q <= {LW{1'b0}};
    end else if (push & ~pop) begin
      level_q <= level_q + 1'b1;
    end else if (pop & ~push) begin
      level_q <= level_q - 1'b1;
    end
  end

  generate
    if (REGS != 0) begin : g_regs
      // REGS slices of the data, each with its own copy of the pointers (tern_rep_ff), so
      // that a write enable or a read select reaches WIDTH / REGS bits, not WIDTH.
      localparam [AW-1:0] STEP = 1;
      wire [AW-1:0] wr_d = (!rst_ni || clear_i) ? {AW{1'b0}} : (push ? wr_q + STEP : wr_q);
      wire [AW-1:0] rd_d = (!rst_ni || clear_i) ? {AW{1'b0}} : (pop ? rd_q + STEP : rd_q);
      genvar s;
      for (s = 0; s < REGS; s = s + 1) begin : g_slice
        localparam integer LO = s * WIDTH / REGS;
        localparam integer HI = (s + 1) * WIDTH / REGS;
        wire [AW-1:0] wr_s, rd_s;
        if (REGS > 1) begin : g_rep
          tern_rep_ff #(.W(2 * AW)) u_ptr (
            .clk_i (clk_i),
            .d_i   ({wr_d, rd_d}),
            .q_o   ({wr_s, rd_s})
          );
        end else begin : g_one
          assign wr_s = wr_q;
          assign rd_s = rd_q;
        end
        (* no_rw_check, ram_style = "logic" *)
        reg [HI-LO-1:0] mem_q [0:DEPTH-1];
        always @(posedge clk_i) begin
          if (push) mem_q[wr_s] <= in_data_i[HI-1:LO];
        end
        assign out_data_o[HI-1:LO] = mem_q[rd_s];
      end
      assign out_valid_o = (level_q != {LW{1'b0}});

      always @(posedge clk_i) begin
        wr_q <= wr_d;
        rd_q <= rd_d;
      end
    end else if ((RAM_MIN_DEPTH == 0) || (DEPTH < RAM_MIN_DEPTH)) begin : g_ff
      (* no_rw_check *)
      reg [WIDTH-1:0] mem_q [0:DEPTH-1];
      always @(posedge clk_i) begin
        if (push) mem_q[wr_q] <= in_data_i;
      end
      assign out_valid_o = (level_q != {LW{1'b0}});
      assign out_data_o  = mem_q[rd_q];

      always @(posedge clk_i) begin
        if (!rst_ni || clear_i) begin
          rd_q <= {AW{1'b0}};
          wr_q <= {AW{1'b0}};
        end else begin
          if (push) wr_q <= wr_q + 1'b1;
          if (pop)  rd_q <= rd_q + 1'b1;
        end
      end
    end else begin : g_ram
      // The head word sits in the RAM's read register (head_valid_q); the other words held
      // are in the RAM. The head is refilled from the RAM when it is empty or leaves.
      // block RAM even when shallow (a few words of a wide FIFO: the flip-flops would cost more)
      (* no_rw_check, ram_style = "block" *)
      reg [WIDTH-1:0] mem_q [0:DEPTH-1];
      always @(posedge clk_i) begin
        if (push) mem_q[wr_q] <= in_data_i;
      end
      reg             head_valid_q;
      reg [WIDTH-1:0] head_q;
      wire ram_any  = (level_q != {LW{1'b0}}) & ~(head_valid_q & (level_q == ONE));
      wire ram_read = ram_any & (~head_valid_q | pop) & ~clear_i;

      assign out_valid_o = head_valid_q;
      assign out_data_o  = head_q;

      always @(posedge clk_i) begin
        if (ram_read) head_q <= mem_q[rd_q];
      end

      always @(posedge clk_i) begin
        if (!rst_ni || clear_i) begin
          rd_q         <= {AW{1'b0}};
          wr_q         <= {AW{1'b0}};
          head_valid_q <= 1'b0;
        end else begin
          if (push)     wr_q <= wr_q + 1'b1;
          if (ram_read) rd_q <= rd_q + 1'b1;
          if (ram_read)     head_valid_q <= 1'b1;
          else if (pop)     head_valid_q <= 1'b0;
        end
      end
    end
  endgenerate

endmodule

`default_nettype wire
