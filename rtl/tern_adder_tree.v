// SPDX-License-Identifier: Apache-2.0
// tern_adder_tree: pipelined signed adder tree, one register per level, one carry-in per adder.
//
// Each leaf is a LEAF_BITS-bit two's-complement value plus a pending carry bit (the "+1" of
// -x = ~x + 1). Every node of the tree is likewise a value plus one pending carry: an adder
// computes a + b + carry(a) and passes carry(b) up, an odd node out is passed up unchanged
// (sign-extended). LANES leaves need LANES-1 adders, which absorb LANES-1 carries; the one
// left over is carry_o, for the accumulator adder. Level j (1 .. LEVELS = clog2(LANES)) is
// registered and its values are LEAF_BITS + j bits wide, enough for any sum of 2^j leaves and
// the carries they absorbed. Latency: LEVELS cycles (0 for LANES = 1: sum_o = leaf_i).
// All levels live in one flat vector per kind; constant functions give each level's offset.

`default_nettype none

module tern_adder_tree #(
  parameter integer LANES     = 20,
  parameter integer LEAF_BITS = 8
) (
  input  wire                             clk_i,
  input  wire                             en_i,    // global pipeline enable: hold when 0
  input  wire [LEAF_BITS*LANES-1:0]       leaf_i,
  input  wire [LANES-1:0]                 carry_i,
  output wire [LEAF_BITS+$clog2(LANES)-1:0] sum_o,
  output wire                             carry_o
);

  localparam integer LEVELS = $clog2(LANES);

  // Nodes at level j: LANES at level 0, then ceil(previous / 2).
  function integer nodes(input integer level);
    integer i;
    begin
      nodes = LANES;
      for (i = 0; i < level; i = i + 1) nodes = (nodes + 1) / 2;
    end
  endfunction

  // Offset of level j in the value vector (level i holds nodes(i) values of LEAF_BITS+i bits).
  function integer val_off(input integer level);
    integer i;
    begin
      val_off = 0;
      for (i = 0; i < level; i = i + 1) val_off = val_off + nodes(i) * (LEAF_BITS + i);
    end
  endfunction

  // Offset of level j in the carry vector (one carry per node).
  function integer car_off(input integer level);
    integer i;
    begin
      car_off = 0;
      for (i = 0; i < level; i = i + 1) car_off = car_off + nodes(i);
    end
  endfunction

  localparam integer VAL_BITS = val_off(LEVELS + 1);
  localparam integer CAR_BITS = car_off(LEVELS + 1);

  wire [VAL_BITS-1:0] val;
  wire [CAR_BITS-1:0] car;

  assign val[0 +: LEAF_BITS*LANES] = leaf_i;
  assign car[0 +: LANES]           = carry_i;

  genvar j, k;
  generate
    if (LEVELS == 0) begin : g_no_levels
      // One lane: the leaf is the sum, nothing is registered here.
      wire unused_clk = clk_i ^ en_i;
    end

    for (j = 1; j <= LEVELS; j = j + 1) begin : g_level
      localparam integer W     = LEAF_BITS + j;   // width at this level
      localparam integer PW    = W - 1;           // width at the level below
      localparam integer NPREV = nodes(j - 1);
      localparam integer NODES = nodes(j);
      localparam integer PVOFF = val_off(j - 1);
      localparam integer PCOFF = car_off(j - 1);
      localparam integer VOFF  = val_off(j);
      localparam integer COFF  = car_off(j);

      for (k = 0; k < NODES; k = k + 1) begin : g_node
        wire [PW-1:0] a    = val[PVOFF + (2*k)*PW +: PW];
        wire          ca   = car[PCOFF + 2*k];
        wire [W-1:0]  a_x  = {a[PW-1], a};
        wire [W-1:0]  sum_d;
        wire          car_d;
        reg  [W-1:0]  sum_q;
        reg           car_q;

        if (2*k + 1 < NPREV) begin : g_add
          wire [PW-1:0] b   = val[PVOFF + (2*k+1)*PW +: PW];
          wire [W-1:0]  b_x = {b[PW-1], b};
          // a + b + carry(a): the carry enters the adder's carry chain.
          assign sum_d = $signed(a_x) + $signed(b_x) + $signed({{(W-1){1'b0}}, ca});
          assign car_d = car[PCOFF + 2*k + 1];
        end else begin : g_pass
          assign sum_d = a_x;
          assign car_d = ca;
        end

        always @(posedge clk_i) begin
          if (en_i) begin
            sum_q <= sum_d;
            car_q <= car_d;
          end
        end

        assign val[VOFF + k*W +: W] = sum_q;
        assign car[COFF + k]        = car_q;
      end
    end
  endgenerate

  assign sum_o   = val[val_off(LEVELS) +: LEAF_BITS + LEVELS];
  assign carry_o = car[car_off(LEVELS)];

endmodule

`default_nettype wire
