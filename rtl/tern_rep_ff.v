// SPDX-License-Identifier: Apache-2.0
// tern_rep_ff: W flip-flops that synthesis keeps as a copy of their own. Yosys merges flip-flops
// with the same input into one (opt_merge), even when marked keep; a module kept as hierarchy is
// not merged with its siblings. Wide datapaths instantiate one per slice of their data, so a
// control register reaches ~64 bits instead of ~1,000 (a net of that fanout takes ~10 ns to route
// on the ECP5-85F, measured by nextpnr-ecp5 0.11.1 on the wide profile).

`default_nettype none

(* keep_hierarchy *)
module tern_rep_ff #(
  parameter integer W = 1
) (
  input  wire         clk_i,
  input  wire [W-1:0] d_i,
  output reg  [W-1:0] q_o
);

  always @(posedge clk_i) q_o <= d_i;

endmodule

`default_nettype wire
