// tern_board_mem: a board's on-chip memory, WORDS x 64 bits with byte write enables and a
// registered read (one cycle), plus OUT_REGS pipeline registers on the read data (a large
// block-RAM array spans the chip: its output mux needs them to reach 100 MHz on the ECP5). Written for inference: Yosys maps it to the iCE40UP5K's SPRAMs
// (synth_ice40 -spram: four SB_SPRAM256KA side by side give 64 bits x 16 K) and to DP16KD
// block RAMs on the ECP5. A cycle either writes (any we_i bit set) or reads, never both, so
// the read-during-write behaviour of the RAM primitive never matters; rdata_o keeps the last
// read word until the next read (with OUT_REGS = 0; memctl relies on it then).

`default_nettype none

module tern_board_mem #(
  parameter integer WORDS    = 16384,  // 64-bit words (a power of two)
  parameter integer OUT_REGS = 0       // read data pipeline registers: latency 1 + OUT_REGS
) (
  input  wire                     clk_i,
  input  wire                     en_i,
  input  wire [7:0]               we_i,    // byte enables of a write; all zero: a read
  input  wire [$clog2(WORDS)-1:0] addr_i,  // word address
  input  wire [63:0]              wdata_i,
  output wire [63:0]              rdata_o
);

  reg [63:0] mem_q [0:WORDS-1];
  reg [63:0] rdata_q;

  integer b;
  always @(posedge clk_i) begin
    if (en_i) begin
      if (|we_i) begin
        for (b = 0; b < 8; b = b + 1) begin
          if (we_i[b]) mem_q[addr_i][8*b +: 8] <= wdata_i[8*b +: 8];
        end
      end else begin
        rdata_q <= mem_q[addr_i];
      end
    end
  end

  generate
    if (OUT_REGS == 0) begin : g_direct
      assign rdata_o = rdata_q;
    end else begin : g_piped
      reg [63:0] pipe_q [0:OUT_REGS-1];
      integer s;
      always @(posedge clk_i) begin
        pipe_q[0] <= rdata_q;
        for (s = 1; s < OUT_REGS; s = s + 1) pipe_q[s] <= pipe_q[s-1];
      end
      assign rdata_o = pipe_q[OUT_REGS-1];
    end
  endgenerate

endmodule

`default_nettype wire
