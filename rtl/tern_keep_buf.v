// SPDX-License-Identifier: Apache-2.0
// tern_keep_buf: W wires that synthesis keeps as a module boundary. After flattening, ABC may
// copy the logic that drives a wide bus into the input of every register that loads it: the
// board memory's bank-select mux went into each of the memory controller's queue entries on
// some netlists (Yosys 0.70: the ULX3S build grew from 5,903 to 8,715 LUT4 and 44 to 1,247
// L6MUX21 when tern_mac_array merely gained ports). A (* keep *) on the wire did not stop it; a
// module kept as hierarchy is a cut ABC cannot look through.

`default_nettype none

(* keep_hierarchy *)
module tern_keep_buf #(
  parameter integer W = 1
) (
  input  wire [W-1:0] d_i,
  output wire [W-1:0] q_o
);

  assign q_o = d_i;

endmodule

`default_nettype wire
