// SPDX-License-Identifier: Apache-2.0
// tern_uart_bridge: the host link of a tern board. It receives framed requests on an 8N1 UART,
// checks them (CRC-16/CCITT-FALSE, length, command, address), executes them on an AXI4-Lite
// master (the device's CSRs) or on a simple 64-bit memory port (the board's on-chip RAM), and
// answers every request with exactly one frame carrying the same sequence number: an ACK with
// the result, or a NAK with a reason. docs/uart.md is the protocol; in short:
//
//   frame    = SYNC 0xA5 | CMD | SEQ | LEN (2, little endian) | PAYLOAD (LEN) | CRC (2, MSB first)
//              CRC-16/CCITT-FALSE over CMD .. PAYLOAD
//   requests   IDENTIFY 0x01 (LEN 0)          -> 28 bytes: magic, protocol, limits, ID/VERSION/PARAMS
//              REG_READ 0x02 (addr32)         -> value32
//              REG_WRITE 0x03 (addr32 value32) -> -
//              MEM_WRITE 0x04 (addr32 data)   -> -
//              MEM_READ 0x05 (addr32 len16)   -> data
//              IRQ 0x06 (LEN 0)               -> 1 byte: bit 0 = irq_i (the host polls)
//   answers    CMD | 0x80 (ACK) or 0xFF (NAK, payload: reason, request CMD)
//
// Strict stop-and-wait: the bridge ignores bytes that arrive while it executes or answers.
// Between SYNC and the last CRC byte, IDLE_BITS bit times without a byte abandon the frame
// (a lost byte), and the receiver hunts for SYNC again, skipping anything else. A request
// whose SEQ and CMD equal those of the last executed one is a retry: REG_WRITE and MEM_WRITE
// are then not executed again, the bridge answers what it answered the first time (so a
// retried DOORBELL queues one job). IDENTIFY forgets the last request.
//
// MEM_WRITE data is buffered (MAX_DATA bytes, block RAM) and written only once its CRC has
// been checked; MEM_READ data is read while it is sent. Memory port: one request at a time,
// mem_req_o held until mem_gnt_i; a write is done at its grant; a read's data comes with
// mem_rvalid_i one or more cycles after its grant. mem_addr_o is a byte address, 8-aligned.
// The bridge moves 32 bits per request (a write's strobes cover at most one half of the word,
// a read uses one half), which keeps its datapath 32 bits wide.

`default_nettype none

`include "tern_uart.vh"

module tern_uart_bridge #(
  parameter integer CLKS_PER_BIT = 16,     // clock / baud rate
  parameter integer IDLE_BITS    = 256,    // inter-byte timeout inside a frame, in bit times
  parameter integer MAX_DATA     = 1024,   // largest MEM_WRITE / MEM_READ data (256 .. 4096, 2^n)
  parameter integer MEM_BYTES    = 65536,  // memory window [0, MEM_BYTES): 64 .. 2^30, a multiple of 8
  parameter integer CLK_HZ       = 0,      // reported by IDENTIFY (0: not known)
  parameter integer CSR_AW       = 12,     // CSR address bits (6 .. 30)
  parameter integer BUF_OUT_REG  = 0       // 1: the MEM_WRITE buffer's read data is registered
                                           // once more in the fabric (a cycle per byte; for
                                           // block RAMs with a slow output, the ECP5's)
) (
  input  wire              clk_i,
  input  wire              rst_ni,          // synchronous, active low
  // UART pins
  input  wire              uart_rx_i,
  output wire              uart_tx_o,
  // CSRs: AXI4-Lite master
  output wire [CSR_AW-1:0] axil_awaddr_o,
  output wire              axil_awvalid_o,
  input  wire              axil_awready_i,
  output wire [31:0]       axil_wdata_o,
  output wire [3:0]        axil_wstrb_o,
  output wire              axil_wvalid_o,
  input  wire              axil_wready_i,
  input  wire [1:0]        axil_bresp_i,
  input  wire              axil_bvalid_i,
  output wire              axil_bready_o,
  output wire [CSR_AW-1:0] axil_araddr_o,
  output wire              axil_arvalid_o,
  input  wire              axil_arready_i,
  input  wire [31:0]       axil_rdata_i,
  input  wire [1:0]        axil_rresp_i,
  input  wire              axil_rvalid_i,
  output wire              axil_rready_o,
  // memory: 64-bit words with byte strobes
  output wire              mem_req_o,
  input  wire              mem_gnt_i,
  output wire              mem_we_o,
  output wire [31:0]       mem_addr_o,
  output wire [63:0]       mem_wdata_o,
  output wire [7:0]        mem_wstrb_o,
  input  wire              mem_rvalid_i,
  input  wire [63:0]       mem_rdata_i,
  // the device's interrupt line (IRQ command)
  input  wire              irq_i
);

  // ---- protocol constants (spec/tern.toml [uart], the generated tern_uart.vh; docs/uart.md) --
  // Frame bytes, the request commands and the NAK reasons (their meanings: the spec).
  localparam [7:0]  SYNC = `TERN_UART_SYNC, PROTO = `TERN_UART_PROTO_VERSION;
  localparam [31:0] MAGIC = `TERN_UART_MAGIC;   // bytes "TRNB"
  localparam [7:0]  C_IDENT = `TERN_UART_IDENTIFY, C_REG_RD = `TERN_UART_REG_READ, C_REG_WR = `TERN_UART_REG_WRITE,
                    C_MEM_WR = `TERN_UART_MEM_WRITE, C_MEM_RD = `TERN_UART_MEM_READ, C_IRQ = `TERN_UART_IRQ,
                    C_NAK = `TERN_UART_NAK;
  localparam [2:0]  N_NONE = 3'd0, N_CRC = `TERN_UART_NAK_CRC, N_LEN = `TERN_UART_NAK_LEN, N_CMD = `TERN_UART_NAK_CMD,
                    N_ADDR = `TERN_UART_NAK_ADDR, N_BUS = `TERN_UART_NAK_BUS;

  // ---- sizes --------------------------------------------------------------------------------
  localparam integer LW  = $clog2(MAX_DATA + 5);           // LEN values 0 .. MAX_DATA + 4
  localparam integer BW  = $clog2(MAX_DATA);               // buffer address
  localparam integer MAB = $clog2(MEM_BYTES);              // memory address bits
  localparam integer EW  = ((MAB > 16) ? MAB : 16) + 1;    // address + length
  localparam integer AW  = (MAB > CSR_AW) ? MAB : CSR_AW;  // address bits kept (the rest: hi_q)
  localparam integer IDLE_CLKS = CLKS_PER_BIT * IDLE_BITS;
  localparam integer TW  = $clog2(IDLE_CLKS + 1);
  localparam [31:0]  IDLE_M1_U   = IDLE_CLKS - 1;
  localparam [TW-1:0] IDLE_M1    = IDLE_M1_U[TW-1:0];
  localparam [31:0]  MAX_DATA_U  = MAX_DATA;
  localparam [31:0]  MAX_LEN_U   = MAX_DATA + 4;
  localparam [31:0]  MEM_BYTES_U = MEM_BYTES;
  localparam [31:0]  CLK_HZ_U    = CLK_HZ;
  localparam [EW-1:0] MEM_END    = MEM_BYTES_U[EW-1:0];
  localparam [LW-1:0] LW_ZERO    = {LW{1'b0}};
  localparam [31:0]  TWO_U = 2, FOUR_U = 4, IDENT_LEN_U = `TERN_UART_IDENTIFY_BYTES;
  localparam [LW-1:0] LW_ONE     = {{(LW-1){1'b0}}, 1'b1};
  localparam [LW-1:0] LW_TWO     = TWO_U[LW-1:0];
  localparam [LW-1:0] LW_FOUR    = FOUR_U[LW-1:0];
  localparam [LW-1:0] LW_IDENT   = IDENT_LEN_U[LW-1:0];
  localparam [BW-1:0] BW_FOUR    = FOUR_U[BW-1:0];

  // ---- states: one-hot (a state test is one flip-flop, which keeps the frame machine's
  // decisions a LUT or two deep on the iCE40); S_* are bit indices of st_q -----------------------
  localparam integer S_HUNT   = 0;
  localparam integer S_CMD    = 1;
  localparam integer S_SEQ    = 2;
  localparam integer S_LEN0   = 3;
  localparam integer S_LEN1   = 4;
  localparam integer S_LEN2   = 5;    // LEN's checks (len_big_q, len_zero_q) are registered
  localparam integer S_PAY    = 6;
  localparam integer S_CRC0   = 7;
  localparam integer S_CRC1   = 8;
  localparam integer S_CHK    = 9;    // the last CRC byte goes in; the checks are registered
  localparam integer S_VERD   = 10;   // the frame's verdict (vnak_q) is registered
  localparam integer S_EXEC   = 11;   // start the frame's command
  localparam integer S_CSR_AR = 12;   // AXI4-Lite read address
  localparam integer S_CSR_R  = 13;   // AXI4-Lite read data
  localparam integer S_CSR_W  = 14;   // AXI4-Lite write address, data and response
  localparam integer S_MW_RD  = 15;   // MEM_WRITE: buffer read
  localparam integer S_MW_RD2 = 16;   // MEM_WRITE: the buffer's byte into a fabric register
  localparam integer S_MW_PUT = 17;   // MEM_WRITE: byte into the word
  localparam integer S_MEM    = 18;   // memory request until granted
  localparam integer S_MEM_R  = 19;   // memory read data
  localparam integer S_TX     = 20;   // send the answer
  localparam integer NS       = 21;
  localparam [NS-1:0] ST_ONE  = {{(NS-1){1'b0}}, 1'b1};

  // answer phases: one-hot as well, P_* are bit indices of ph_q
  localparam integer P_SYNC = 0;
  localparam integer P_CMD  = 1;
  localparam integer P_SEQ  = 2;
  localparam integer P_LEN0 = 3;
  localparam integer P_LEN1 = 4;
  localparam integer P_PAY  = 5;
  localparam integer P_CRC0 = 6;
  localparam integer P_CRC1 = 7;
  localparam [7:0]   PH_ONE = 8'd1;

  // ---- UART ---------------------------------------------------------------------------------
  wire       rx_valid, rx_ferr;
  wire [7:0] rx_data;
  reg        tx_valid;
  reg  [7:0] tx_byte;
  wire       tx_ready;

  tern_uart_rx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_rx (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .rx_i    (uart_rx_i),
    .valid_o (rx_valid),
    .data_o  (rx_data),
    .ferr_o  (rx_ferr)
  );

  tern_uart_tx #(.CLKS_PER_BIT(CLKS_PER_BIT)) u_tx (
    .clk_i   (clk_i),
    .rst_ni  (rst_ni),
    .valid_i (tx_valid),
    .ready_o (tx_ready),
    .data_i  (tx_byte),
    .tx_o    (uart_tx_o)
  );

  // ---- state --------------------------------------------------------------------------------
  reg [NS-1:0] st_q, st_d;
  reg [7:0]    cmd_q, cmd_d;
  reg [7:0]    seq_q, seq_d;
  reg [LW-1:0] len_q, len_d;      // the request's LEN (at most MAX_DATA + 4), then the answer's
  reg [LW-1:0] cnt_q, cnt_d;      // payload bytes received / written to memory / sent
  reg [15:0]   crc_q;
  reg          crc_init;          // start a CRC (0xFFFF)
  reg          push_q, push_d;    // pushb_q goes into the CRC this cycle
  reg [7:0]    pushb_q, pushb_d;
  reg          ferr_q, ferr_d;    // a framing error inside the current frame
  reg [AW-1:0] addr_q, addr_d;    // request address; while answering: the payload byte address
  reg          hi_q, hi_d;        // the request address has a bit set at AW or above
  reg [31:0]   dat_q, dat_d;      // request bytes 4..7; data being written or sent
  reg [3:0]    strb_q, strb_d;
  reg [2:0]    nak_q, nak_d;
  reg          nak_any_q;         // nak_q != N_NONE
  reg          have_q, have_d;    // dat_q holds the payload chunk addr_q points into
  reg [7:0]    ph_q, ph_d;
  reg [TW-1:0] tmr_q, tmr_d;
  reg          tmo_q;             // tmr_q == IDLE_M1 inside a frame (a registered compare)
  reg          awd_q, awd_d, wd_q, wd_d;
  reg [7:0]    lseq_q, lseq_d;    // the last executed request: SEQ, CMD, answer, valid
  reg [2:0]    lcmd_q, lcmd_d;
  reg [2:0]    lres_q, lres_d;
  reg          lvld_q, lvld_d;

  // The request's command, decoded into flip-flops a cycle after CMD arrived: the first user
  // (the checks) is a UART character later, and cmd_q holds until the next frame's CMD.
  reg          c_ident_q, c_regrd_q, c_regwr_q, c_memwr_q, c_memrd_q, c_irq_q;
  always @(posedge clk_i) begin
    c_ident_q <= (cmd_q == C_IDENT);
    c_regrd_q <= (cmd_q == C_REG_RD);
    c_regwr_q <= (cmd_q == C_REG_WR);
    c_memwr_q <= (cmd_q == C_MEM_WR);
    c_memrd_q <= (cmd_q == C_MEM_RD);
    c_irq_q   <= (cmd_q == C_IRQ);
  end
  wire c_known = c_ident_q | c_regrd_q | c_regwr_q | c_memwr_q | c_memrd_q | c_irq_q;

  // ---- MEM_WRITE buffer (block RAM: one write port, one registered read port). Payload byte
  // cnt (4 .. LEN-1, after the address) is data byte cnt - 4, received and later written out.
  reg [7:0]    buf_q [0:MAX_DATA-1];
  reg [7:0]    buf_rd_q;
  reg [7:0]    buf_rd2_q;         // the block RAM's slow output meets only this register
  // payload bytes 0..3 are the address: cnt_q < 4, registered (cnt_q changes only with a
  // received byte, which is at least a UART character after the previous one or S_LEN1)
  reg          cnt_lt4;
  always @(posedge clk_i) cnt_lt4 <= (cnt_q[LW-1:2] == {(LW-2){1'b0}});
  wire [BW-1:0] buf_a  = cnt_q[BW-1:0] - BW_FOUR;
  wire          buf_we = st_q[S_PAY] && rx_valid && !cnt_lt4;

  always @(posedge clk_i) begin
    if (buf_we) buf_q[buf_a] <= rx_data;
    buf_rd_q <= buf_q[buf_a];
  end
  always @(posedge clk_i) buf_rd2_q <= buf_rd_q;
  wire [7:0]   buf_byte = (BUF_OUT_REG != 0) ? buf_rd2_q : buf_rd_q;

  // ---- CRC: one unit, shared by the receiver and the answer (they never overlap). A byte is
  // registered first (pushb_q) and goes into the CRC the cycle after it was received or sent,
  // which keeps the byte multiplexers out of the XOR network.
  wire [15:0] crc_next;
  tern_crc16 u_crc (
    .crc_i  (crc_q),
    .data_i (pushb_q),
    .crc_o  (crc_next)
  );

  always @(posedge clk_i) begin
    if (!rst_ni || crc_init) crc_q <= `TERN_UART_CRC_INIT;
    else if (push_q)         crc_q <= crc_next;
  end

  // ---- request checks (valid in S_EXEC) -----------------------------------------------------
  wire [15:0] len16    = {{(16-LW){1'b0}}, len_q};
  // The checks run through three flip-flop stages (mem_n_q, mem_ok_q, verdict_q): the
  // request's fields are stable from its last payload byte on, two bytes (the CRC) before
  // S_EXEC needs the verdict.
  wire [15:0] mem_n    = c_memwr_q ? (len16 - 16'd4) : dat_q[15:0];
  reg  [15:0] mem_n_q;
  wire [AW:0] addr_ext = {hi_q, addr_q};
  wire [EW-1:0] mem_end = {{(EW-MAB){1'b0}}, addr_q[MAB-1:0]} + {{(EW-16){1'b0}}, mem_n_q};
  wire        mem_ok   = ((addr_ext >> MAB) == {(AW+1){1'b0}}) && (mem_end <= MEM_END);
  reg         mem_ok_q;
  wire        csr_ok   = (addr_q[1:0] == 2'b00) && ((addr_ext >> CSR_AW) == {(AW+1){1'b0}});
  wire        is_write = c_regwr_q | c_memwr_q;
  wire        retry    = is_write && lvld_q && (lseq_q == seq_q) && (lcmd_q == cmd_q[2:0]);
  // LEN's and the read length's compares, registered in the mem_n_q stage (so the verdict's
  // stage is a few gates of flip-flops)
  reg         len_is0_q, len_is4_q, len_is6_q, len_is8_q, len_ge5_q, rd_n_ok_q;
  always @(posedge clk_i) begin
    len_is0_q <= (len16 == 16'd0);
    len_is4_q <= (len16 == 16'd4);
    len_is6_q <= (len16 == 16'd6);
    len_is8_q <= (len16 == 16'd8);
    len_ge5_q <= (len16 >= 16'd5);
    rd_n_ok_q <= (dat_q[15:0] != 16'd0) && ({16'd0, dat_q[15:0]} <= MAX_DATA_U);   // MEM_READ's len16
  end
  wire len_ok  = (c_ident_q & len_is0_q) | (c_regrd_q & len_is4_q) | (c_regwr_q & len_is8_q) |
                 (c_memwr_q & len_ge5_q) | (c_memrd_q & len_is6_q & rd_n_ok_q) | (c_irq_q & len_is0_q);
  wire addr_ok = (c_regrd_q | c_regwr_q) ? csr_ok : (c_memrd_q | c_memwr_q) ? mem_ok_q : 1'b1;
  wire [2:0] verdict = !c_known ? N_CMD : !len_ok ? N_LEN : !addr_ok ? N_ADDR : N_NONE;
  reg  [2:0] verdict_q;
  reg        retry_q;
  // The answer's NAK code, registered (S_VERD) so S_EXEC starts from flip-flops: a bad CRC or
  // a framing error first, then the request's checks, then a retry answered as before (its
  // saved result; N_NONE: an empty ACK). crc_q is final from S_CHK on.
  reg  [2:0] vnak_q;
  always @(posedge clk_i)
    vnak_q <= ((crc_q != 16'd0) || ferr_q) ? N_CRC : (verdict_q != N_NONE) ? verdict_q :
              retry_q ? lres_q : N_NONE;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      mem_n_q   <= 16'd0;
      mem_ok_q  <= 1'b0;
      verdict_q <= N_NONE;
      retry_q   <= 1'b0;
    end else begin
      mem_n_q   <= mem_n;
      mem_ok_q  <= mem_ok;
      verdict_q <= verdict;
      retry_q   <= retry;
    end
  end

  // ---- answer payload: constants of IDENTIFY and IRQ, chunk by chunk ------------------------
  wire [2:0]  chunk     = addr_q[4:2];
  wire [2:0]  ident_reg = chunk - 3'd2;           // chunks 2, 3, 4: ID, VERSION, PARAMS
  wire        chunk_csr = c_ident_q && (chunk >= 3'd2) && (chunk <= 3'd4);
  reg  [31:0] chunk_const;
  always @* begin
    chunk_const = 32'd0;
    if (c_ident_q) begin
      case (chunk)
        3'd0:    chunk_const = MAGIC;
        3'd1:    chunk_const = {MAX_DATA_U[15:0], 8'h00, PROTO};
        3'd5:    chunk_const = MEM_BYTES_U;
        3'd6:    chunk_const = CLK_HZ_U;
        default: chunk_const = 32'd0;
      endcase
    end else begin  // C_IRQ
      chunk_const = {31'd0, irq_i};
    end
  end

  // a NAK's payload is its reason, then the request's CMD; others come from dat_q
  wire [7:0]  pay_byte = nak_any_q ? (cnt_q[0] ? cmd_q : {5'd0, nak_q}) :
                         dat_q[{addr_q[1:0], 3'b000} +: 8];
  wire        need_chunk = ph_q[P_PAY] && !have_q && !nak_any_q;
  // The chunk's source, registered: a chunk is fetched in the second cycle need_chunk holds
  // (addr_q and cmd_q do not change meanwhile), so S_TX decides from flip-flops; one cycle per
  // 4 payload bytes, against 4 byte times of the UART.
  reg         chunk_wait_q, chunk_csr_q;
  reg  [31:0] chunk_const_q;
  always @(posedge clk_i) begin
    chunk_wait_q  <= need_chunk;
    chunk_csr_q   <= chunk_csr;
    chunk_const_q <= chunk_const;
  end

  // the answer's byte of phase ph_q (one-hot: an AND-OR of the sources)
  wire [7:0] tx_cmd_byte = nak_any_q ? C_NAK : {1'b1, cmd_q[6:0]};
  always @* begin
    tx_byte  = ({8{ph_q[P_SYNC]}} & SYNC)        | ({8{ph_q[P_CMD]}}  & tx_cmd_byte) |
               ({8{ph_q[P_SEQ]}}  & seq_q)       | ({8{ph_q[P_LEN0]}} & len16[7:0])  |
               ({8{ph_q[P_LEN1]}} & len16[15:8]) | ({8{ph_q[P_PAY]}}  & pay_byte)    |
               ({8{ph_q[P_CRC0]}} & crc_q[15:8]) | ({8{ph_q[P_CRC1]}} & crc_q[7:0]);
    tx_valid = st_q[S_TX] && !need_chunk && !push_q;
  end

  // ---- bus ports ----------------------------------------------------------------------------
  wire [CSR_AW-1:0] ident_addr = {{(CSR_AW-5){1'b0}}, ident_reg, 2'b00};
  // ARADDR from a flip-flop (the CSR block decodes it combinationally into its read data):
  // addr_q and cmd_q hold from the cycle before S_CSR_AR on.
  reg  [CSR_AW-1:0] araddr_q;
  always @(posedge clk_i) araddr_q <= c_ident_q ? ident_addr : addr_q[CSR_AW-1:0];
  assign axil_araddr_o  = araddr_q;
  assign axil_arvalid_o = st_q[S_CSR_AR];
  assign axil_rready_o  = st_q[S_CSR_R];
  assign axil_awaddr_o  = addr_q[CSR_AW-1:0];
  assign axil_awvalid_o = st_q[S_CSR_W] && !awd_q;
  assign axil_wdata_o   = dat_q;
  assign axil_wstrb_o   = 4'hF;
  assign axil_wvalid_o  = st_q[S_CSR_W] && !wd_q;
  assign axil_bready_o  = st_q[S_CSR_W];
  assign mem_req_o      = st_q[S_MEM];
  assign mem_we_o       = c_memwr_q;
  assign mem_addr_o     = {{(32-AW){1'b0}}, addr_q[AW-1:3], 3'b000};
  assign mem_wdata_o    = {dat_q, dat_q};
  assign mem_wstrb_o    = addr_q[2] ? {strb_q, 4'h0} : {4'h0, strb_q};

  // ---- the frame machine ----------------------------------------------------------------------
  wire in_frame = st_q[S_CMD] | st_q[S_SEQ] | st_q[S_LEN0] | st_q[S_LEN1] | st_q[S_PAY] |
                  st_q[S_CRC0] | st_q[S_CRC1];
  // The inter-byte timer's end, registered: tmo_q is set the cycle tmr_q reaches IDLE_M1 (it
  // counts up by one from 0 while a frame waits for a byte). IDLE_CLKS >= 2.
  localparam [TW-1:0] IDLE_M2 = IDLE_M1 - 1'b1;
  always @(posedge clk_i) tmo_q <= rst_ni && in_frame && !rx_valid && (tmr_q == IDLE_M2);
  wire [15:0] len_rx = {rx_data, len_q[7:0]};
  wire        unused_len_rx = ^len_rx[15:LW];   // beyond LW only when len_rx_big
  // LEN's checks split by byte: the low byte's part registered as it arrives (S_LEN0), so the
  // high byte's cycle has two 8-bit compares with constants instead of a 16-bit carry chain.
  localparam [15:0] MAX_LEN16 = MAX_LEN_U[15:0];   // MAX_DATA <= 4096
  reg         lo_gt_q, lo_zero_q, len_big_q, len_zero_q;
  wire        len_rx_big  = (rx_data > MAX_LEN16[15:8]) | ((rx_data == MAX_LEN16[15:8]) & lo_gt_q);
  wire        len_rx_zero = (rx_data == 8'd0) & lo_zero_q;
  always @(posedge clk_i) begin
    if (rx_valid) begin   // the byte before LEN's high byte is LEN's low byte
      lo_gt_q    <= (rx_data > MAX_LEN16[7:0]);
      lo_zero_q  <= (rx_data == 8'd0);
      len_big_q  <= len_rx_big;    // read in S_LEN2, after LEN's high byte
      len_zero_q <= len_rx_zero;
    end
  end
  wire [AW-1:0] addr_inc = addr_q + 1'b1;
  // a request byte into lane cnt[1:0] of addr_q (bytes 0..3) or dat_q (bytes 4..7); a MEM_WRITE
  // data byte from the buffer into lane addr[1:0] of dat_q
  wire [1:0]  ins_lane = st_q[S_PAY] ? cnt_q[1:0] : addr_q[1:0];
  wire [7:0]  ins_byte = st_q[S_PAY] ? rx_data : buf_byte;
  wire [31:0] ins_mask = {{8{ins_lane == 2'd3}}, {8{ins_lane == 2'd2}}, {8{ins_lane == 2'd1}},
                          {8{ins_lane == 2'd0}}};
  wire [31:0] ins_data = {4{ins_byte}} & ins_mask;
  wire [LW-1:0] cnt_inc = cnt_q + 1'b1;
  // cnt_last: cnt is at the last byte of a payload (cnt = LEN - 1). Both compare terms are
  // registered and so is the result, two cycles behind LEN and one behind cnt: every user acts
  // at least a cycle after cnt last moved (a UART byte apart while receiving or sending; S_MW_RD
  // (and S_MW_RD2) before S_MW_PUT and S_MEM) and many after LEN was set.
  reg  [LW-1:0] len_m1_q;
  reg           cnt_last;
  always @(posedge clk_i) begin
    if (!rst_ni) begin
      len_m1_q <= {LW{1'b1}};
      cnt_last <= 1'b0;
    end else begin
      len_m1_q <= len_q - 1'b1;
      cnt_last <= (cnt_q == len_m1_q);
    end
  end

  // Next state. st_q is one-hot, so the cases are parallel (one holds); none (never, short
  // of an upset) goes back to S_HUNT.
  always @* begin
    st_d   = st_q;
    cmd_d  = cmd_q;
    seq_d  = seq_q;
    len_d  = len_q;
    cnt_d  = cnt_q;
    crc_init = 1'b0;
    push_d   = 1'b0;
    pushb_d  = rx_data;
    ferr_d = ferr_q;
    addr_d = addr_q;
    hi_d   = hi_q;
    dat_d  = dat_q;
    strb_d = strb_q;
    nak_d  = nak_q;
    have_d = have_q;
    ph_d   = ph_q;
    tmr_d  = {TW{1'b0}};
    awd_d  = awd_q;
    wd_d   = wd_q;
    lseq_d = lseq_q;
    lcmd_d = lcmd_q;
    lres_d = lres_q;
    lvld_d = lvld_q;

    // receiving: every byte goes into the CRC; a silent line abandons the frame
    if (in_frame) begin
      if (rx_valid) begin
        push_d = 1'b1;
        ferr_d = ferr_q | rx_ferr;
      end else if (tmo_q) begin
        st_d = ST_ONE << S_HUNT;
      end else begin
        tmr_d = tmr_q + 1'b1;
      end
    end

    (* parallel_case *)
    case (1'b1)
      st_q[S_HUNT]: begin
        crc_init = 1'b1;
        ferr_d   = 1'b0;
        hi_d     = 1'b0;
        nak_d    = N_NONE;
        if (rx_valid && !rx_ferr && rx_data == SYNC) st_d = ST_ONE << S_CMD;
      end
      st_q[S_CMD]:  if (rx_valid) begin cmd_d = rx_data; st_d = ST_ONE << S_SEQ; end
      st_q[S_SEQ]:  if (rx_valid) begin seq_d = rx_data; st_d = ST_ONE << S_LEN0; end
      st_q[S_LEN0]: if (rx_valid) begin len_d = {{(LW-8){1'b0}}, rx_data}; st_d = ST_ONE << S_LEN1; end
      st_q[S_LEN1]: if (rx_valid) begin
        len_d = len_rx[LW-1:0];
        cnt_d = LW_ZERO;
        st_d  = ST_ONE << S_LEN2;
      end
      st_q[S_LEN2]: begin   // a cycle: the next byte is at least a UART character away
        if (len_big_q) begin
          // no frame is that long: answer at once, the rest of it is skipped as garbage
          nak_d  = N_LEN;
          len_d  = LW_TWO;
          ph_d   = PH_ONE << P_SYNC;
          st_d   = ST_ONE << S_TX;
        end else begin
          st_d = len_zero_q ? (ST_ONE << S_CRC0) : (ST_ONE << S_PAY);
        end
      end
      st_q[S_PAY]: if (rx_valid) begin
        if (cnt_lt4) begin
          addr_d = (addr_q & ~ins_mask[AW-1:0]) | ins_data[AW-1:0];
          hi_d   = hi_q | (|ins_data[31:AW]);
        end else begin
          dat_d  = (dat_q & ~ins_mask) | ins_data;
        end
        cnt_d = cnt_inc;
        if (cnt_last) st_d = ST_ONE << S_CRC0;
      end
      st_q[S_CRC0]: if (rx_valid) st_d = ST_ONE << S_CRC1;
      st_q[S_CRC1]: if (rx_valid) st_d = ST_ONE << S_CHK;
      st_q[S_CHK]:  st_d = ST_ONE << S_VERD;
      st_q[S_VERD]: st_d = ST_ONE << S_EXEC;

      st_q[S_EXEC]: begin
        ph_d   = PH_ONE << P_SYNC;
        cnt_d  = LW_ZERO;
        strb_d = 4'h0;
        st_d   = ST_ONE << S_TX;
        // the CRC of CMD .. CRC is 0 for an intact frame
        nak_d = vnak_q;
        if (vnak_q == N_NONE && !retry_q) begin
          // execute: remember this request for a retry of it (a known command: vnak_q checked)
          lseq_d = seq_q;
          lcmd_d = cmd_q[2:0];
          lres_d = N_NONE;
          lvld_d = !c_ident_q;
          have_d = 1'b0;
          (* parallel_case *)
          case (1'b1)
            c_ident_q: begin len_d = LW_IDENT; addr_d = {AW{1'b0}}; end
            c_regrd_q: begin len_d = LW_FOUR; st_d = ST_ONE << S_CSR_AR; end
            c_regwr_q: begin len_d = LW_ZERO; awd_d = 1'b0; wd_d = 1'b0; st_d = ST_ONE << S_CSR_W; end
            c_memwr_q: begin cnt_d = LW_FOUR; st_d = ST_ONE << S_MW_RD; end   // bytes 4 .. LEN-1
            c_memrd_q: len_d = mem_n_q[LW-1:0];
            default:   begin len_d = LW_ONE; addr_d = {AW{1'b0}}; end   // C_IRQ
          endcase
        end
        if (vnak_q != N_NONE) begin
          len_d  = LW_TWO;
        end else if (retry_q) begin
          len_d = LW_ZERO;
        end
      end

      st_q[S_CSR_AR]: if (axil_arready_i) st_d = ST_ONE << S_CSR_R;
      st_q[S_CSR_R]: if (axil_rvalid_i) begin
        st_d   = ST_ONE << S_TX;
        have_d = 1'b1;
        dat_d  = axil_rdata_i;
        if (c_regrd_q && axil_rresp_i != 2'b00) begin
          nak_d  = N_BUS;
          len_d  = LW_TWO;
        end
      end
      st_q[S_CSR_W]: begin
        awd_d = awd_q | axil_awready_i;
        wd_d  = wd_q | axil_wready_i;
        if (axil_bvalid_i) begin
          st_d = ST_ONE << S_TX;
          if (axil_bresp_i != 2'b00) begin
            nak_d  = N_BUS;
            lres_d = N_BUS;
            len_d  = LW_TWO;
          end
        end
      end

      st_q[S_MW_RD]:  st_d = (BUF_OUT_REG != 0) ? (ST_ONE << S_MW_RD2) : (ST_ONE << S_MW_PUT);
      st_q[S_MW_RD2]: st_d = ST_ONE << S_MW_PUT;
      st_q[S_MW_PUT]: begin
        dat_d  = (dat_q & ~ins_mask) | ins_data;
        strb_d = strb_q | {ins_mask[24], ins_mask[16], ins_mask[8], ins_mask[0]};
        if (addr_q[1:0] == 2'd3 || cnt_last) begin
          st_d = ST_ONE << S_MEM;
        end else begin
          addr_d = addr_inc;
          cnt_d  = cnt_inc;
          st_d   = ST_ONE << S_MW_RD;
        end
      end
      st_q[S_MEM]: if (mem_gnt_i) begin
        if (c_memwr_q) begin
          strb_d = 4'h0;
          addr_d = addr_inc;
          cnt_d  = cnt_inc;
          st_d   = ST_ONE << S_MW_RD;
          if (cnt_last) begin
            len_d = LW_ZERO;   // done: an empty ACK
            st_d  = ST_ONE << S_TX;
          end
        end else begin
          st_d = ST_ONE << S_MEM_R;
        end
      end
      st_q[S_MEM_R]: if (mem_rvalid_i) begin
        dat_d  = addr_q[2] ? mem_rdata_i[63:32] : mem_rdata_i[31:0];
        have_d = 1'b1;
        st_d   = ST_ONE << S_TX;
      end

      st_q[S_TX]: begin
        if (need_chunk) begin
          if (chunk_wait_q) begin   // else the chunk's source is registered this cycle
            if (c_memrd_q)        st_d = ST_ONE << S_MEM;
            else if (chunk_csr_q) st_d = ST_ONE << S_CSR_AR;
            else begin
              dat_d  = chunk_const_q;
              have_d = 1'b1;
            end
          end
        end else if (tx_ready && !push_q) begin   // = tx_valid && tx_ready
          crc_init = ph_q[P_SYNC];
          push_d   = |ph_q[P_PAY:P_CMD];   // CMD .. PAYLOAD
          pushb_d  = tx_byte;
          ph_d     = ph_q << 1;
          if (ph_q[P_LEN1]) ph_d = len_is0_q ? (PH_ONE << P_CRC0) : (PH_ONE << P_PAY);
          if (ph_q[P_PAY]) begin
            ph_d   = ph_q;
            addr_d = addr_inc;
            cnt_d  = cnt_inc;
            if (addr_inc[1:0] == 2'b00) have_d = 1'b0;
            if (cnt_last) ph_d = PH_ONE << P_CRC0;
          end
          if (ph_q[P_CRC1]) begin st_d = ST_ONE << S_HUNT; ph_d = PH_ONE << P_SYNC; end
        end
      end

      default: st_d = ST_ONE << S_HUNT;   // no state bit set
    endcase
  end

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      st_q      <= ST_ONE << S_HUNT;
      cmd_q     <= 8'd0;
      seq_q     <= 8'd0;
      len_q     <= LW_ZERO;
      cnt_q     <= LW_ZERO;
      push_q    <= 1'b0;
      pushb_q   <= 8'h00;
      ferr_q    <= 1'b0;
      addr_q    <= {AW{1'b0}};
      hi_q      <= 1'b0;
      dat_q     <= 32'd0;
      strb_q    <= 4'd0;
      nak_q     <= N_NONE;
      nak_any_q <= 1'b0;
      have_q    <= 1'b0;
      ph_q      <= PH_ONE << P_SYNC;
      tmr_q     <= {TW{1'b0}};
      awd_q     <= 1'b0;
      wd_q      <= 1'b0;
      lseq_q    <= 8'd0;
      lcmd_q    <= 3'd0;
      lres_q    <= N_NONE;
      lvld_q    <= 1'b0;
    end else begin
      st_q      <= st_d;
      cmd_q     <= cmd_d;
      seq_q     <= seq_d;
      len_q     <= len_d;
      cnt_q     <= cnt_d;
      push_q    <= push_d;
      pushb_q   <= pushb_d;
      ferr_q    <= ferr_d;
      addr_q    <= addr_d;
      hi_q      <= hi_d;
      dat_q     <= dat_d;
      strb_q    <= strb_d;
      nak_q     <= nak_d;
      nak_any_q <= (nak_d != N_NONE);
      have_q    <= have_d;
      ph_q      <= ph_d;
      tmr_q     <= tmr_d;
      awd_q     <= awd_d;
      wd_q      <= wd_d;
      lseq_q    <= lseq_d;
      lcmd_q    <= lcmd_d;
      lres_q    <= lres_d;
      lvld_q    <= lvld_d;
    end
  end

endmodule

`default_nettype wire
