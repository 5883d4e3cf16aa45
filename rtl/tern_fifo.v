// tern_fifo: synchronous first-word-fall-through FIFO (valid/ready on both sides), DEPTH a
// power of two. clear_i empties it in one cycle (job end or abort); a push in the same cycle
// as clear_i is dropped.

`default_nettype none

module tern_fifo #(
  parameter integer WIDTH = 8,
  parameter integer DEPTH = 4
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

  reg [WIDTH-1:0] mem_q [0:DEPTH-1];
  reg [AW-1:0]    rd_q, wr_q;
  reg [LW-1:0]    level_q;

  wire push = in_valid_i & in_ready_o & ~clear_i;
  wire pop  = out_valid_o & out_ready_i & ~clear_i;

  assign in_ready_o  = (level_q != FULL);
  assign out_valid_o = (level_q != {LW{1'b0}});
  assign out_data_o  = mem_q[rd_q];
  assign level_o     = level_q;

  always @(posedge clk_i) begin
    if (push) mem_q[wr_q] <= in_data_i;
  end

  always @(posedge clk_i) begin
    if (!rst_ni || clear_i) begin
      rd_q    <= {AW{1'b0}};
      wr_q    <= {AW{1'b0}};
      level_q <= {LW{1'b0}};
    end else begin
      if (push) wr_q <= wr_q + 1'b1;
      if (pop)  rd_q <= rd_q + 1'b1;
      if (push & ~pop) level_q <= level_q + 1'b1;
      else if (pop & ~push) level_q <= level_q - 1'b1;
    end
  end

endmodule

`default_nettype wire
