// SPDX-License-Identifier: Apache-2.0
// tern_wr_master: writes the array's result beats to memory over AXI4 AW/W/B.
//
// The result beat of row group g and token t holds rows g*ROWS .. g*ROWS+ROWS-1 (those below
// N valid) and goes to o_addr + t*stride + 4*g*ROWS, stride = the result row pitch (N int32
// rounded up to 8 bytes). Beats come group by group, tokens in order. Each beat leaves as
// one to ceil((4*ROWS + 4) / 8) single-beat writes (len 0: a write never crosses 4 KB),
// with byte strobes covering exactly the valid rows: row padding is never written. AW and W
// are offered together; B responses are counted, and idle_o says none is outstanding.
// Result beats enter through a 2-entry FIFO, so r_ready_o is a register's compare (the array's
// pipeline enable does not wait on the AXI handshakes).

`default_nettype none

module tern_wr_master #(
  parameter integer ROWS     = 2,
  parameter integer T_MAX    = 255,  // tokens_i <= T_MAX (1: no token offsets to keep)
  parameter integer FIFO_RAM = 0,    // 1: the input FIFO in block RAM (a cycle more)
  // 1 (the wide profile): a word steps on from the flags of its AW and W handshakes, registered,
  // not from the handshakes themselves, so no AXI ready reaches the beat's ~550 flip-flops
  // through the step; a word then takes two cycles at least (results are a small part of the
  // traffic: at most 9 words a row group)
  parameter integer REG_STEP = 0
) (
  input  wire                 clk_i,
  input  wire                 rst_ni,      // synchronous, active low
  // job (sampled at start_i; start_i only while idle_o)
  input  wire                 start_i,
  input  wire [31:0]          o_addr_i,
  input  wire [15:0]          n_i,
  input  wire [7:0]           tokens_i,
  // result beats
  input  wire                 r_valid_i,
  output wire                 r_ready_o,
  input  wire [32*ROWS-1:0]   r_data_i,
  input  wire                 r_last_i,
  output wire                 last_done_o,  // the job's last beat has been handed to AW/W
  output wire                 idle_o,       // no beat held, no write response outstanding
  output wire                 bus_err_o,    // pulse: a write answered SLVERR/DECERR
  // AXI4 write channels
  output wire [31:0]          axi_awaddr_o,
  output wire                 axi_awvalid_o,
  input  wire                 axi_awready_i,
  output wire [63:0]          axi_wdata_o,
  output wire [7:0]           axi_wstrb_o,
  output wire                 axi_wvalid_o,
  input  wire                 axi_wready_i,
  input  wire [1:0]           axi_bresp_i,
  input  wire                 axi_bvalid_i,
  output wire                 axi_bready_o
);

  localparam integer BW   = 32 * ROWS + 32;           // a beat with room for a 4-byte offset
  localparam integer SW   = 4 * ROWS + 4;
  localparam integer WMAX = (SW + 7) / 8;             // words per beat at most
  localparam integer WCW  = $clog2(WMAX + 1);
  localparam [31:0]  ROWS_U = ROWS;
  localparam [31:0]  RBYTES_U = 4 * ROWS;

  // job position
  reg  [31:0] row_base_q;   // o_addr + 4*g*ROWS
  reg  [31:0] tok_off_q;    // t * stride
  reg  [31:0] stride_q;
  reg  [7:0]  tok_q, tok_last_q;
  reg  [16:0] n_rem_q;      // rows left from this group on
  reg  [16:0] rows_q;       // min(n_rem_q, ROWS): valid rows of this group (registered)
  reg         last_done_q;
  // the beat being written
  reg              busy_q;
  reg  [BW-1:0]    data_q;
  reg  [SW-1:0]    strb_q;
  reg  [31:0]      waddr_q;
  reg  [WCW-1:0]   words_q;     // words left, this one included
  reg              aw_sent_q, w_sent_q;
  reg  [7:0]       b_out_q;     // write responses outstanding

  // input FIFO: {last, data}
  wire                in_valid;
  wire                in_ready;
  wire [32*ROWS:0]    in_beat;
  wire [1:0]          in_level;
  tern_fifo #(.WIDTH(32*ROWS+1), .DEPTH(2), .RAM_MIN_DEPTH(FIFO_RAM != 0 ? 2 : 0)) u_in (
    .clk_i       (clk_i),
    .rst_ni      (rst_ni),
    .clear_i     (1'b0),
    .in_valid_i  (r_valid_i),
    .in_ready_o  (r_ready_o),
    .in_data_i   ({r_last_i, r_data_i}),
    .out_valid_o (in_valid),
    .out_ready_i (in_ready),
    .out_data_o  (in_beat),
    .level_o     (in_level)
  );
  wire [32*ROWS-1:0] in_data = in_beat[32*ROWS-1:0];
  wire               in_last = in_beat[32*ROWS];

  wire aw_hs = axi_awvalid_o & axi_awready_i;
  wire w_hs  = axi_wvalid_o & axi_wready_i;
  wire word_done = (REG_STEP != 0) ? (busy_q & aw_sent_q & w_sent_q)
                                   : (busy_q & (aw_sent_q | aw_hs) & (w_sent_q | w_hs));
  wire beat_done = word_done & (words_q == {{(WCW-1){1'b0}}, 1'b1});
  // The small device (FIFO_RAM) takes a beat only when idle at the cycle's start: a bubble
  // per result beat, and no AXI handshake -> FIFO RAM pop chain (the UP5K's timing).
  // REG_STEP: likewise (a bubble per beat, under a word's two cycles), so that the load of the
  // beat's ~550 flip-flops is decided by flip-flops alone.
  assign in_ready = ((FIFO_RAM != 0 || REG_STEP != 0) ? ~busy_q : (~busy_q | beat_done)) & ~b_out_q[7];
  wire take = in_valid & in_ready;

  // Where the incoming beat goes and which of its rows are valid.
  wire        one_tok = (T_MAX == 1);   // then tokens_i = 1: tok_off_q stays 0
  wire [31:0] addr   = one_tok ? row_base_q : row_base_q + tok_off_q;
  // REG_STEP: the offset as a register, computed every cycle from the position (which changes
  // only at a take, and the next take is 3 cycles later at the earliest), so that no adder
  // sits before the beat's ~550 load multiplexers
  wire        off4;
  if (REG_STEP != 0) begin : g_off4_reg
    reg off4_q;
    always @(posedge clk_i) off4_q <= addr[2];
    assign off4 = off4_q;
  end else begin : g_off4_now
    assign off4 = addr[2];
  end
  wire [16:0] rows_u = rows_q;
  wire [16:0] n_next = n_rem_q - ROWS_U[16:0];   // rows left after this group
  reg  [SW-1:0] strb_rows;   // 4 strobe bits per valid row
  integer r;
  always @(*) begin
    for (r = 0; r < SW; r = r + 1)
      strb_rows[r] = ($unsigned(r / 4) < {15'd0, rows_u}) && (r < 4 * ROWS);
  end
  wire [BW-1:0] data_in = off4 ? {in_data, 32'd0} : {32'd0, in_data};
  wire [SW-1:0] strb_in = off4 ? {strb_rows[SW-5:0], 4'd0} : strb_rows;
  // words = ceil((offset + 4 * valid rows) / 8)
  wire [18:0]   span    = (off4 ? 19'd4 : 19'd0) + {rows_u, 2'b00} + 19'd7;
  wire [WCW-1:0] nwords = span[WCW+2:3];
  wire [18-WCW:0] unused_span = {span[18:WCW+3], span[2:0]};  // span < 8 * (WMAX + 1)
  wire [1:0]    unused_addr = addr[1:0];   // always 0: o_addr and every offset are 4-aligned

  // The word on W: the beat's low word (REG_STEP = 0: the beat shifts down a word at a time),
  // or (REG_STEP) a register loaded with word 0 at the take and word i + 1 at word i's end,
  // picked from the beat as taken (data_q never shifts: its only control is the take).
  wire [63:0] wdata;
  wire [7:0]  wstrb;
  generate
    if (REG_STEP != 0) begin : g_wsel
      localparam integer IW = (WMAX > 1) ? $clog2(WMAX) : 1;
      reg  [IW-1:0] idx_q;      // the word on W
      reg  [63:0]   wdata_q;
      reg  [7:0]    wstrb_q;
      wire [IW-1:0] idx_n = idx_q + 1'b1;
      reg  [63:0]   nxt_data;
      reg  [7:0]    nxt_strb;
      integer i;
      always @(*) begin   // word idx_n of the beat (a compare per word: no variable part-select)
        nxt_data = 64'd0;
        nxt_strb = 8'd0;
        for (i = 1; i < WMAX; i = i + 1)
          if ({{(32-IW){1'b0}}, idx_n} == i) begin
            nxt_data = data_q[64*i +: 64];
            nxt_strb = strb_q[8*i +: 8];
          end
      end
      always @(posedge clk_i) begin
        if (take) begin
          idx_q   <= {IW{1'b0}};
          wdata_q <= data_in[63:0];
          wstrb_q <= strb_in[7:0];
        end else if (word_done) begin
          idx_q   <= idx_n;
          wdata_q <= nxt_data;
          wstrb_q <= nxt_strb;
        end
      end
      assign wdata = wdata_q;
      assign wstrb = wstrb_q;
    end else begin : g_wshift
      assign wdata = data_q[63:0];
      assign wstrb = strb_q[7:0];
    end
  endgenerate

  assign axi_awaddr_o  = waddr_q;
  assign axi_awvalid_o = busy_q & ~aw_sent_q;
  assign axi_wdata_o   = wdata;
  assign axi_wstrb_o   = wstrb;
  assign axi_wvalid_o  = busy_q & ~w_sent_q;
  assign axi_bready_o  = 1'b1;
  assign bus_err_o     = axi_bvalid_i & (axi_bresp_i != 2'b00);
  assign last_done_o   = last_done_q;
  // The small device (FIFO_RAM) and the wide one (REG_STEP) report idle a cycle late, from a
  // flip-flop (the engine's job start/end decisions otherwise start at b_out_q and the input
  // FIFO's level). Safe: a beat sits in the input FIFO (in_level != 0) a cycle before it is
  // taken, and the engine starts no job until this job's last beat is written, so a stale 1
  // never hides a beat.
  wire idle_now = ~busy_q & (b_out_q == 8'd0) & (in_level == 2'd0);
  reg  idle_q;
  always @(posedge clk_i) idle_q <= rst_ni & idle_now;
  assign idle_o        = (FIFO_RAM != 0 || REG_STEP != 0) ? idle_q : idle_now;

  always @(posedge clk_i) begin
    if (!rst_ni) begin
      busy_q      <= 1'b0;
      b_out_q     <= 8'd0;
      last_done_q <= 1'b0;
    end else begin
      if (aw_hs & ~(axi_bvalid_i & axi_bready_o)) b_out_q <= b_out_q + 8'd1;
      else if (~aw_hs & axi_bvalid_i & axi_bready_o) b_out_q <= b_out_q - 8'd1;
      if (start_i) begin
        row_base_q  <= o_addr_i;
        tok_off_q   <= 32'd0;
        // stride = N int32 rounded up to 8 bytes = 8 * ceil(N / 2)
        stride_q    <= ({16'd0, n_i} + 32'd1) >> 1 << 3;
        tok_q       <= 8'd0;
        tok_last_q  <= tokens_i - 8'd1;
        n_rem_q     <= {1'b0, n_i};
        rows_q      <= ({1'b0, n_i} < ROWS_U[16:0]) ? {1'b0, n_i} : ROWS_U[16:0];
        last_done_q <= 1'b0;
      end
      if (word_done) begin
        aw_sent_q <= 1'b0;
        w_sent_q  <= 1'b0;
        waddr_q   <= waddr_q + 32'd8;
        if (REG_STEP == 0) begin
          data_q  <= data_q >> 64;
          strb_q  <= strb_q >> 8;
        end
        words_q   <= words_q - 1'b1;
        if (beat_done) busy_q <= 1'b0;
      end else begin
        if (aw_hs) aw_sent_q <= 1'b1;
        if (w_hs)  w_sent_q  <= 1'b1;
      end
      if (take) begin
        busy_q    <= 1'b1;
        aw_sent_q <= 1'b0;
        w_sent_q  <= 1'b0;
        waddr_q   <= {addr[31:3], 3'b000};
        data_q    <= data_in;
        strb_q    <= strb_in;
        words_q   <= nwords;
        if (in_last) last_done_q <= 1'b1;
        if (one_tok || tok_q == tok_last_q) begin
          tok_q      <= 8'd0;
          tok_off_q  <= 32'd0;
          row_base_q <= row_base_q + RBYTES_U;
          n_rem_q    <= n_next;
          rows_q     <= (n_next < ROWS_U[16:0]) ? n_next : ROWS_U[16:0];
        end else begin
          tok_q     <= tok_q + 8'd1;
          tok_off_q <= tok_off_q + stride_q;
        end
      end
    end
  end

endmodule

`default_nettype wire
