#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The benches must be able to fail: build copies of rtl/ with one deliberate bug each and check
# that the random bit-exact suite of the array bench (or of the device bench) catches every one.
# A mutant must build: one that does not fails this test (it proves nothing about the bench).
set -u
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
case "$BUILD" in /*) bdir=$BUILD ;; *) bdir=$PWD/$BUILD ;; esac
root=$PWD
mut() {  # mut NAME FILE SED-EXPRESSION [array|device|wmem [SUITE]]   (MUT_VARS: make variables of the build)
  local name=$1 file=$2 expr=$3 bench=${4:-array} suite=${5:-random} dir="$bdir/mutants/$1"
  rm -rf "$dir"; mkdir -p "$dir/rtl"
  cp rtl/*.v rtl/*.vh "$dir/rtl/"
  sed -i "$expr" "$dir/rtl/$file"
  if cmp -s "rtl/$file" "$dir/rtl/$file"; then
    echo "FAIL mutation/$name: the mutation did not apply to rtl/$file (update tests/test_mutation.sh)"
    return
  fi
  # Every mutation here is meant to build: a mutant that does not is a broken test (or an
  # unrelated break of the build), never a bug caught.
  # shellcheck disable=SC2086  # MUT_VARS: several NAME=VALUE words
  if ! make -s -C sim "$bench" BUILD="$bdir" CFG="mutant-$name" TRACE=0 RTL_DIR="$dir/rtl" ${MUT_VARS:-} >"$dir/build.log" 2>&1; then
    echo "FAIL mutation/$name: the mutant did not build, so the bench never ran it: $(tail -n 3 "$dir/build.log" | tr '\n' ' ' | head -c 300)"
    return
  fi
  local run=("$bdir/sim/mutant-$name/array_tb" +suite="$suite")
  [ "$bench" = device ] && run=("$bdir/sim/mutant-$name-device/device_tb" +suite=all)  # random, errors, reset
  [ "$bench" = wmem ] && run=("$bdir/sim/mutant-$name-wmem/wmem_tb" +suite="$suite")
  if "${run[@]}" +jobs=300 +seed=1 2>&1 | grep -q '^FAIL'; then
    echo "PASS mutation/$name: caught"
  else
    echo "FAIL mutation/$name: the $bench bench did not notice the bug"
  fi
}
# T2 code 3 decoded as -1 instead of 0
mut t2-code3 tern_weight_decoder.v 's/t5_code\[2\*i\]     : (beat_q\[2\*i+1 -: 2\] == 2.d0);/t5_code[2*i]     : (beat_q[2*i+1] == beat_q[2*i]);/'
# the -1 lanes lose their +1 carry
mut lost-carry tern_mac_row.v 's/assign leaf_c\[l\]      = neg;/assign leaf_c[l]      = 1'"'"'b0;/'
# every token reads its own accumulator a beat late (the read-ahead uses the current token)
mut shared-acc tern_mac_row.v 's/acc_rd_q <= acc_mem\[rd_tok_i\];/acc_rd_q <= acc_mem[wr_tok_i];/'
# a group's first beat adds to the previous group's accumulator instead of 0
mut first-not-zero tern_mac_row.v 's/(acc_rd_q \& {ACC_W{~acc_first_i}})/acc_rd_q/'
# the T5 table swaps +1 and -1 for trit 2 of every byte
mut t5-table tern_weight_decoder.v 's/t5_entry\[2\*n +: 2\] = {p\[9:8\] == 2.d1, p\[9:8\] == 2.d0};/t5_entry[2*n +: 2] = {p[9:8] == 2'"'"'d1, p[9:8] == ((n == 2) ? 2'"'"'d2 : 2'"'"'d0)};/'
# accumulators one bit too narrow: only sums near 128 * K_MAX overflow (the directed extremes)
mut narrow-acc tern_mac_array.v 's/ACC_NEED = $clog2(PROD_MAX \* `TERN_K_MAX + 1) + 1;/ACC_NEED = $clog2(PROD_MAX * `TERN_K_MAX + 1);/' array directed
# the last beat's lane mask never cuts the last lane
mut lane-mask tern_mac_array.v 's/if (!busy_q) lane_cut_q\[l\] <= ~ge;/if (!busy_q) lane_cut_q[l] <= ~ge \& (l != LANES - 1);/'
# device: result-row padding written (the strobes cover the whole beat)
mut pad-written tern_wr_master.v 's/strb_rows\[r\] = (\$unsigned(r \/ 4) < {15.d0, rows_u}) \&\& (r < 4 \* ROWS);/strb_rows[r] = (r < 4 * ROWS);/' device
# device: read error responses ignored (a failed read passes as data)
mut rresp-ignored tern_job_engine.v 's/if (rd_r_beat \&\& axi_rresp_i != 2.b00)/if (1'"'"'b0)/' device
# device: the feed walks tokens with the wrong stride (entry t + s instead of t*B + s)
mut feed-stride tern_act_feed.v 's/ptr_d_o = ptr_q + b_q;/ptr_d_o = ptr_q + 1'"'"'b1;/' device
# the wide profile's weight port (2 x 20, beats of 8 bytes: a separate port, the same geometry):
# its read errors ignored; and at 4 x 40 (32-byte beats) its bursts advancing the address as if
# the beats were 8 bytes
export MUT_VARS="ROWS=2 LANES=20 WPORT=8 T5_ROM=0"
mut wport-rresp-ignored tern_job_engine.v 's/      if (w_r_err) s_bus_err_q\[w_slot\] <= 1.b1;//' device
MUT_VARS="ROWS=4 LANES=40 WPORT=32" mut wport-beat-step tern_rd_master.v 's/addr_q <= addr_q + ({23.d0, blen_q} << WL2);/addr_q <= addr_q + ({23'"'"'d0, blen_q} << 3);/' device
unset MUT_VARS
# the wide profile's array (FREE_RUN): its credit lets more results be owed than the queue holds
MUT_VARS="FREE_RUN=1" mut free-run-credit tern_mac_array.v 's/localparam \[31:0\]  LIM_U = RES_DEPTH - 3;/localparam [31:0]  LIM_U = RES_DEPTH + 2;/'
# ... and each row's copy of the flags takes row 0's mask bit (rows beyond N written)
MUT_VARS="FREE_RUN=1" mut free-run-row-kill tern_mac_array.v 's/f\[2 + (r % RGRP)\], f\[1\]/f[2], f[1]/'
# the wide profile's weight memory (8-byte words, 16 of them): DECERR beats carry the RAM's data
MUT_VARS="BYTES=8 WORDS=16" mut wmem-decerr-data tern_wmem.v 's/= err_l ? 64.d0 : rd2_q\[64\*gl +: 64\];/= rd2_q[64*gl +: 64];/' wmem
# ... and a lane's copy of the read address lags the word being read by a cycle
MUT_VARS="BYTES=8 WORDS=16" mut wmem-lane-address tern_wmem.v 's/\.d_i   (rd_word_d\[AW-1:0\]),/.d_i   (rd_word_q[AW-1:0]),/' wmem
# the array with its weights inside (WMEM_WORDS, tern_wtile): the activations wait a stage too
# few for the codes; a tile writing at its read address; every row taking row 0's writes; the
# beat's word stepping with every token instead of the beat's last
export MUT_VARS="FREE_RUN=1 WMEM_WORDS=8192"
mut wtile-delay tern_mac_array.v 's/localparam integer WD = (WMEM_WORDS > 0) ? 2 : 0;/localparam integer WD = (WMEM_WORDS > 0) ? 1 : 0;/'
mut wtile-write-address tern_wtile.v 's/if (we_i) mem_q\[waddr_i\] <= wcodes_i;/if (we_i) mem_q[raddr_i] <= wcodes_i;/'
mut wtile-row tern_mac_array.v 's/localparam \[RRW-1:0\] R_ROW = r;/localparam [RRW-1:0] R_ROW = 0;/'
mut wtile-beat-step tern_mac_array.v 's/else if (step) wptr_q <= wptr_q/else if (fire) wptr_q <= wptr_q/'
unset MUT_VARS
# ... written a whole beat a cycle (WM_BEAT, 5 x 10: two groups of rows): every row of a group
# taking its first row's codes; every group taking the first group's
export MUT_VARS="ROWS=5 LANES=10 FREE_RUN=1 WMEM_WORDS=8192 WM_BEAT=1"
mut wtbeat-row-codes tern_mac_array.v 's/localparam integer CR = (WM_BEAT != 0) ? (r % RGRP) : 0;/localparam integer CR = 0;/'
mut wtbeat-group-codes tern_mac_array.v 's/if (WM_BEAT != 0) wr_q <= {wa_r, wcodes_g\[2\*LANES\*RGRP\*gi +: 2\*LANES\*WRC\]};/if (WM_BEAT != 0) wr_q <= {wa_r, wcodes_g[0 +: 2*LANES*WRC]};/'
# ... and a write's address a cycle ahead of its codes (the decode's register not counted)
mut wtbeat-pipe-addr tern_mac_array.v 's/        assign wa_r     = wa3_q;/        assign wa_r     = wa2_q;/'
unset MUT_VARS
# the activation gearbox (FAST) taking a word with no free slot (its ready flip-flop ignoring the
# slot count)
mut gearbox-ready-room tern_gearbox.v 's/          rdy_q   <= ~(flush_q | (accept \& in_flush_i)) \& ({{(32-MW){1.b0}}, nv_d} <= NW_U);/          rdy_q   <= ~(flush_q | (accept \& in_flush_i));/' device
# the device with its weights in the array (WMEM_WORDS, 2 x 20: 8-byte beats, 64 KB): every job
# reading from word 0 (W_ADDR ignored); W_RANGE one word early (a job ending at the memory's
# last beat refused); W_RANGE never raised (the word address wraps instead)
export MUT_VARS="ROWS=2 LANES=20 WMEM_WORDS=8192 T5_ROM=0"
mut wmem-dev-wbase tern_job_engine.v 's/  wire \[WMW-1:0\]  wbase = RING ? ring_wbase : x_w\[T5L2 +: WMW\];/  wire [WMW-1:0]  wbase = RING ? ring_wbase : {WMW{1'"'"'b0}};/' device
mut wmem-dev-range-early tern_job_planner.v 's/w_rng_q <= w_end\[32\] | (w_end\[31:0\] > W_LIMIT_U);/w_rng_q <= w_end[32] | (w_end[31:0] >= W_LIMIT_U);/' device
mut wmem-dev-range-off tern_job_planner.v 's/else if (W_LIMIT != 0 \&\& w_rng_q \&\& err_q == 8.d0) err_q <= E_W_RANGE;//' device
unset MUT_VARS
# ... and with the weight port streaming into that memory as a ring (WPORT and WMEM_WORDS, 2 x 20,
# 64 words): the feed showing a beat before it has landed; a failed job's unread words never
# freed (the next job waits forever); every job's beats taken from word 0
export MUT_VARS="ROWS=2 LANES=20 WPORT=8 WMEM_WORDS=64 T5_ROM=0"
mut ring-gate-off tern_wring.v "s/  assign gate_o  = (tk_q != 8'd0) | ok;/  assign gate_o  = 1'b1;/" device
mut ring-gate-early tern_wring.v "s/  wire   ok      = ~sk_q \& (g2_q | (g1_q \& ~bd_q));/  wire   ok      = ~sk_q \& g1_q;/" device
mut ring-skip-off tern_wring.v "s/  assign skip_o = (end_i \& end_err_i) ? wis_q\[x_i\] - (done_q - done0_q) : {RW{1'b0}};/  assign skip_o = {RW{1'b0}};/" device
mut ring-base tern_wring.v "s/        wb_q\[fs_q\]  <= ip_q;/        wb_q[fs_q]  <= {WMW{1'b0}};/" device
unset MUT_VARS
# ... one row of 40 lanes (its 4-byte result beats start at either half of a word) with
# activation banks of two chunks (ACT_BUF 1024, two slots): each group of 9 lanes has its own copy
# of the read address, loaded a cycle early, and the write port's chunk select (a write into every
# chunk); the engine's registered resets: AXI VALIDs not held low in reset;
# the result writer's registered step (REG_STEP): its
# row offset (off4_q) kept from the job's start; and at 4 rows (several words a beat), a beat's
# later words taken from its first
export MUT_VARS="ROWS=1 LANES=40 WPORT=8 WMEM_WORDS=64 T5_ROM=0 ACT_BUF=1024"
mut abanks-raddr-late tern_act_banks.v 's/\.d_i   (raddr_d_i),/.d_i   (raddr_i[CH_BITS-1:0]),/' device
mut abanks-wsel tern_act_banks.v 's/wire               we = we_i \& wsel;/wire               we = we_i;/' device
mut reset-valid-gate tern_device.v "s/  wire        out_en = rst_ni | ~RST_REG;/  wire        out_en = 1'b1;/" device
mut wr-step-off4 tern_wr_master.v 's/always @(posedge clk_i) off4_q <= addr\[2\];/always @(posedge clk_i) if (start_i) off4_q <= o_addr_i[2];/' device
MUT_VARS="ROWS=4 LANES=20 WPORT=16 WMEM_WORDS=64 T5_ROM=0 ACT_BUF=1024" \
  mut wr-step-word tern_wr_master.v 's/            nxt_data = data_q\[64\*i +: 64\];/            nxt_data = data_q[63:0];/' device
unset MUT_VARS
# the free-running array: each row's accumulator read token a stage late (the row's own, not
# its group's)
MUT_VARS="FREE_RUN=1" mut free-run-rd-tok tern_mac_array.v 's/assign row_rd_tok = gf\[3 + RGRP +: TIX_BITS\];/assign row_rd_tok = row_tok;/'
# The harness itself: a mutant that does not build (a syntax error) must come out as a FAIL line,
# never as a bug caught.
out=$(mut harness-build-break tern_mac_row.v 's/^endmodule/endmodule endmodule/' 2>&1)
case "$out" in
  "FAIL mutation/harness-build-break: the mutant did not build"*)
    echo "PASS mutation/harness-build-break: a mutant that does not build is reported as a failure" ;;
  *) echo "FAIL mutation/harness-build-break: expected a FAIL for a mutant that does not build, got: $out" ;;
esac
