// SPDX-License-Identifier: Apache-2.0
// tern_crc16: one byte of CRC-16/CCITT-FALSE (polynomial 0x1021, MSB first, no reflection,
// no final XOR; the caller starts from 0xFFFF; both are spec/tern.toml [uart]'s, through
// tern_uart.vh). Purely combinational: eight conditional shift-and-XOR steps, no multiplier.
// CRC("123456789") = 0x29B1. Appending the CRC most significant byte first makes the CRC of
// message + CRC 0, which is how tern_uart_bridge checks a received frame (docs/uart.md).

`default_nettype none

`include "tern_uart.vh"

module tern_crc16 (
  input  wire [15:0] crc_i,
  input  wire [7:0]  data_i,
  output reg  [15:0] crc_o
);

  localparam [15:0] POLY = `TERN_UART_CRC_POLY;

  integer i;

  always @* begin
    crc_o = crc_i ^ {data_i, 8'h00};
    for (i = 0; i < 8; i = i + 1) begin
      crc_o = crc_o[15] ? ({crc_o[14:0], 1'b0} ^ POLY) : {crc_o[14:0], 1'b0};
    end
  end

endmodule

`default_nettype wire
