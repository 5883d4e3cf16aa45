// SPDX-License-Identifier: Apache-2.0
// tern_pnr_wrap: place-and-route wrapper for tern_mac_array on a small iCE40 (timing only).
//
// The array's wide ports do not fit the package pins, so one serial pin shifts a chain of
// flip-flops that drives every wide input (weights, activations, the job's beat and group counts, format), the one-bit
// control inputs are registered from pins, and the result bits are XOR-reduced into one
// registered pin. The chain, the pin registers and the XOR are the only logic besides the
// array, so every array path starts and ends at a flip-flop, as it would inside a device.
// For timing and utilisation only; not a functional design.

`default_nettype none

`include "tern_params.vh"

module tern_pnr_wrap #(
  parameter integer ROWS     = `TERN_ROWS,
  parameter integer LANES    = `TERN_LANES,
  parameter integer T_MAX    = `TERN_T_MAX,
  parameter integer MAC_KIND = 0,  // 0 = ternary, 1 = the int8 x int8 baseline (tern_mac_array)
  parameter integer T5_ROM   = 1,  // the array's T5 decode: 1 tables (block RAM), 0 logic
  parameter integer FREE_RUN = 0,  // the array without a global enable (the wide profile's)
  parameter integer WMEM_WORDS = 0,  // > 0: the weights in the array (FREE_RUN, T5 alone)
  parameter integer XOR_ROWS = 0,  // 1: each row's result bits XOR-reduced into a register first
                                   // (one cycle's 32 x ROWS-input XOR spans a wide array)
  parameter integer FORMATS  = `TERN_FORMATS_MASK  // weight formats served (the wide profile: T5)
) (
  input  wire clk_i,
  input  wire rst_ni,
  input  wire ser_i,       // serial data for the input chain
  input  wire start_i,
  input  wire w_valid_i,
  input  wire a_valid_i,
  input  wire r_ready_i,
  output wire busy_o,
  output wire err_o,
  output wire w_ready_o,
  output wire a_ready_o,
  output wire r_valid_o,
  output wire r_last_o,
  output wire r_xor_o      // XOR of all result bits, registered
);

  localparam integer W_BITS   = ((MAC_KIND == 1) ? 8 : 2) * ROWS * LANES;
  localparam integer A_BITS   = 8 * LANES;
  localparam integer K_BITS   = `TERN_K_BITS;
  localparam integer N_BITS   = `TERN_N_BITS;
  localparam integer F_BITS   = `TERN_FMT_BITS;
  localparam integer R_BITS   = `TERN_ACC_BITS * ROWS;
  localparam integer T_BITS   = $clog2(T_MAX + 1);
  localparam integer KL_BITS  = (LANES > 1) ? $clog2(LANES) : 1;
  localparam integer NL_BITS  = (ROWS > 1) ? $clog2(ROWS) : 1;
  localparam integer T_OFF    = K_BITS + N_BITS + F_BITS + W_BITS + A_BITS;
  // WMEM_WORDS > 0: the job's first word and the weight memory's write port come from the
  // chain too: {wbase, we, row, word, data}
  localparam integer WAW      = (WMEM_WORDS > 1) ? $clog2(WMEM_WORDS) : 1;
  localparam integer WBY      = (LANES >= 5) ? LANES / 5 : 1;
  localparam integer WM_OFF   = T_OFF + T_BITS + KL_BITS + NL_BITS;
  localparam integer WM_BITS  = (WMEM_WORDS > 0) ? WAW + 1 + NL_BITS + WAW + 8 * WBY : 0;
  localparam integer CH_BITS  = WM_OFF + WM_BITS;
  wire [WAW-1:0]     wbase;
  wire               wm_we;
  wire [NL_BITS-1:0] wm_row;
  wire [WAW-1:0]     wm_word;
  wire [8*WBY-1:0]   wm_data;

  reg [CH_BITS-1:0] chain_q;
  reg               r_xor_q;
  reg               rst_nq;
  reg               start_q;
  reg               w_valid_q;
  reg               a_valid_q;
  reg               r_ready_q;

  always @(posedge clk_i) begin
    chain_q   <= {chain_q[CH_BITS-2:0], ser_i};
    rst_nq    <= rst_ni;
    start_q   <= start_i;
    w_valid_q <= w_valid_i;
    a_valid_q <= a_valid_i;
    r_ready_q <= r_ready_i;
  end

  wire [R_BITS-1:0] r_data;
  generate
    if (WMEM_WORDS > 0) begin : g_wm
      assign {wbase, wm_we, wm_row, wm_word, wm_data} = chain_q[WM_OFF +: WM_BITS];
    end else begin : g_no_wm
      assign {wbase, wm_we, wm_row, wm_word, wm_data} = {(WAW + 1 + NL_BITS + WAW + 8 * WBY){1'b0}};
    end
  endgenerate

  tern_mac_array #(
    .ROWS     (ROWS),
    .LANES    (LANES),
    .T_MAX    (T_MAX),
    .MAC_KIND (MAC_KIND),
    .T5_ROM   (T5_ROM),
    .FREE_RUN (FREE_RUN),
    .WMEM_WORDS (WMEM_WORDS),
    .FORMATS  (FORMATS)
  ) u_array (
    .clk_i     (clk_i),
    .rst_ni    (rst_nq),
    .start_i   (start_q),
    .cfg_beats_i (chain_q[0 +: K_BITS]),
    .cfg_groups_i (chain_q[K_BITS +: N_BITS]),
    .cfg_fmt_i (chain_q[K_BITS + N_BITS +: F_BITS]),
    .cfg_klast_i  (chain_q[T_OFF + T_BITS +: KL_BITS]),
    .cfg_nlast_i  (chain_q[T_OFF + T_BITS + KL_BITS +: NL_BITS]),
    .cfg_tokens_i (chain_q[T_OFF +: T_BITS]),
    .cfg_wbase_i  (wbase),
    .busy_o    (busy_o),
    .err_o     (err_o),
    .w_valid_i (w_valid_q),
    .w_ready_o (w_ready_o),
    .w_data_i  (chain_q[K_BITS + N_BITS + F_BITS +: W_BITS]),
    .wm_we_i   (wm_we),
    .wm_row_i  (wm_row),
    .wm_word_i (wm_word),
    .wm_data_i (wm_data),
    .a_valid_i (a_valid_q),
    .a_ready_o (a_ready_o),
    .a_data_i  (chain_q[K_BITS + N_BITS + F_BITS + W_BITS +: A_BITS]),
    .r_valid_o (r_valid_o),
    .r_ready_i (r_ready_q),
    .r_data_o  (r_data),
    .r_last_o  (r_last_o)
  );

  generate
    if (XOR_ROWS != 0) begin : g_xor_rows
      reg [ROWS-1:0] row_xor_q;
      integer xr;
      always @(posedge clk_i) begin
        for (xr = 0; xr < ROWS; xr = xr + 1) row_xor_q[xr] <= ^r_data[`TERN_ACC_BITS*xr +: `TERN_ACC_BITS];
        r_xor_q <= ^row_xor_q;
      end
    end else begin : g_xor_all
      always @(posedge clk_i) begin
        r_xor_q <= ^r_data;
      end
    end
  endgenerate

  assign r_xor_o = r_xor_q;

endmodule

`default_nettype wire
