#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The simulated boards (docs/boards.md): each board top of fpga/boards/ (the Verilog of the
# bitstream, its PLL replaced by a pass-through stand-in) runs under Verilator with its UART
# served on a TCP port (sim/verilator/board_tb.cpp), and the tern CLI runs the shipped model
# through it with `--device uart-tcp:...`, every BitLinear checked against the C model. The
# tokens and logits must be bit-identical with the cpu device's; so they must when the bench
# flips bits and drops bytes on the line in both directions (the driver recovers by CRC, NAK,
# timeout and retry, and a retried write runs once). Also: a board whose array is not the
# one asked for (?array=) is refused with a message naming both; with DUTY=1, a board process
# paused 2/3 of the time still runs bit-exact on the default timeouts. PASS/FAIL/SKIP lines.
#   [DUTY=1] tests/test_sim_board.sh DIR [SEED]     (DIR/tern: the CLI)
set -u
cd "$(dirname "$0")/.."
dir=${1:?usage: tests/test_sim_board.sh DIR [SEED]}
seed=${2:-${SEED:-$(( $(date +%s) % 100000 ))}}
tern=$dir/tern
model=models/tern-kjv.gguf
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD=$PWD/$BUILD ;; esac
tmp=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; rm -rf "$tmp"' EXIT
pass() { echo "PASS board/$1${2:+: $2}"; }
fail() { echo "FAIL board/$1: $2"; }
prompt="In the beginning"
n=10
[ -x "$tern" ] || { fail cli "no $tern"; exit 0; }

run() { # run NAME DEVICE [ARGS...]: greedy tokens with a logits dump in $tmp/NAME.txt
  local name=$1 dev=$2
  shift 2
  if ! "$tern" run -m "$model" -p "$prompt" -n $n --ignore-eos -q --dump-logits "$tmp/$name.txt" --device "$dev" "$@" \
      >"$tmp/$name.out" 2>"$tmp/$name.err"; then
    fail "run[$name]" "exit status $?: $(tr '\n' ' ' <"$tmp/$name.err" | head -c 400)"
    return 1
  fi
}
# start BOARD NAME PLUSARGS...: the board bench in the background; sets $port
start() {
  local board=$1 name=$2
  shift 2
  "$BUILD/sim/board-$board/board_tb" +tcp=0 +max_seconds=600 "$@" >"$tmp/$name.tb" 2>&1 &
  pids+=($!)
  port=
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$name.tb")
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  fail "start[$name]" "the bench did not listen: $(head -c 300 "$tmp/$name.tb")"
  return 1
}
finish() { # finish NAME: wait for the bench to see the client go and print its summary
  for _ in $(seq 100); do
    grep -q 'bytes in' "$tmp/$1.tb" && return 0
    sleep 0.1
  done
  return 1
}
same() { # same NAME BOARD-RUN [CPU-RUN]
  local ref=${3:-cpu}
  if [ -s "$tmp/$2.txt" ] && cmp -s "$tmp/$ref.txt" "$tmp/$2.txt" &&
      grep -Eq 'golden check: [1-9][0-9]* BitLinear calls compared with the C model, 0 differed' "$tmp/$2.out"; then
    pass "$1" "$(grep -c '^logits' "$tmp/$2.txt") positions bit-identical with cpu, $(grep -o '[0-9]* BitLinear calls compared' "$tmp/$2.out") \
to the C model, 0 differed; bench: $(sed -n 's/^board_tb: \(.*bytes in.*\)/\1/p' "$tmp/$2.tb")"
  else
    fail "$1" "$ref and $2 differ or the golden check failed: $(cmp "$tmp/$ref.txt" "$tmp/$2.txt" 2>&1 | head -n 1) \
$(grep 'golden' "$tmp/$2.out" | head -n 1)"
  fi
}

run cpu cpu || exit 0
for board in icebreaker ulx3s; do
  if ! make -s -C sim BUILD="$BUILD" board BOARD=$board TRACE=0 >"$tmp/build-$board.log" 2>&1; then
    fail "build[$board]" "$(tail -n 5 "$tmp/build-$board.log" | tr '\n' ' ')"
    continue
  fi
  start $board $board || continue
  run $board "uart-tcp:127.0.0.1:$port" --check --stats && { finish $board; same "exact[$board]" $board; }
done

# Faults on the line (icebreaker): about one byte in 5000 flipped and one in 10000 lost, each way.
if start icebreaker faults +seed="$seed" +flip=0.0002 +drop=0.0001; then
  if run faults "uart-tcp:127.0.0.1:$port?timeout_ms=300&retries=20" --check --stats; then
    finish faults
    flips=$(sed -n 's/.* \([0-9]*\) flipped.*/\1/p' "$tmp/faults.tb")
    drops=$(sed -n 's/.* \([0-9]*\) dropped.*/\1/p' "$tmp/faults.tb")
    if [ "${flips:-0}" -gt 0 ] && [ "${drops:-0}" -gt 0 ]; then
      same "faults-exact[icebreaker]" faults
    else
      fail "faults-exact[icebreaker]" "no fault was injected (seed $seed): $(tail -n 1 "$tmp/faults.tb")"
    fi
  else
    echo "  (seed $seed; replay: SEED=$seed bash tests/test_sim_board.sh $dir)"
  fi
fi

# With DUTY=1, a loaded machine (icebreaker): the board's process paused 0.2 s in every 0.3 s.
# On the default timeouts the driver's per-try timeout follows the link's measured speed
# (hal_uart.h), so the weights go up and the tokens come out bit-exact. About a minute (44 s here), so not in
# make test's run.
if [ "${DUTY:-0}" = 1 ] && start icebreaker duty; then
  tb=${pids[${#pids[@]}-1]}
  (while kill -STOP "$tb" 2>/dev/null; do sleep 0.2; kill -CONT "$tb" 2>/dev/null || break; sleep 0.1; done) &
  pacer=$!
  pids+=($pacer)
  t0=$(date +%s)
  n=3 run cpu3 cpu && n=3 run duty "uart-tcp:127.0.0.1:$port" --check --stats && {
    kill "$pacer" 2>/dev/null; kill -CONT "$tb" 2>/dev/null; finish duty
    same "duty-cycled[icebreaker]" duty cpu3; echo "  (board paused 2/3 of the time: $(( $(date +%s) - t0 )) s)"; }
  kill "$pacer" 2>/dev/null; kill -CONT "$tb" 2>/dev/null
fi

# A board with another array than the one asked for: refused, naming both.
if start icebreaker refuse; then
  if "$tern" run -m "$model" -p "$prompt" -n 1 -q --device "uart-tcp:127.0.0.1:$port?array=2x20" \
      >"$tmp/refuse.out" 2>"$tmp/refuse.err"; then
    fail wrong-array "the iCEBreaker was accepted for ?array=2x20"
  elif grep -q 'board reports array 1x[0-9]' "$tmp/refuse.err" && grep -q 'array=2x20' "$tmp/refuse.err"; then
    pass wrong-array "$(grep -o 'board reports array [^,]*' "$tmp/refuse.err" | head -n 1)"
  else
    fail wrong-array "unclear message: $(head -c 300 "$tmp/refuse.err")"
  fi
fi
exit 0
