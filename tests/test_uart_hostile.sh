#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The driver against hostile peers on uart-tcp: (docs/uart.md, "Time budgets and failures"):
# tests/uart_peer.py plays a board that is silent, hangs up, NAKs forever, streams garbage,
# zeros or valid frames with a wrong SEQ, drips a byte every 0.5 s, or is a fake board whose
# interrupt line is stuck high or never rises, whose JOBS_DONE jumps or goes backwards, or whose MEM_READ
# answers are one byte short. Each case runs the real CLI and must end with a non-zero exit,
# a message naming what went wrong, within its documented budget (computed here from the
# defaults or the options given). One PASS/FAIL/SKIP line per case.
#   tests/test_uart_hostile.sh DIR [CASE...]     (DIR/tern: the CLI)
set -u
cd "$(dirname "$0")/.."
dir=${1:?usage: tests/test_uart_hostile.sh DIR [CASE...]}
shift
tern=$dir/tern
model=models/tern-kjv.gguf
tmp=$(mktemp -d)
peer=
trap '[ -n "$peer" ] && kill "$peer" 2>/dev/null; rm -rf "$tmp"' EXIT
command -v python3 >/dev/null || { echo "SKIP uart-hostile: no python3"; exit 0; }
[ -x "$tern" ] || { echo "FAIL uart-hostile/cli: no $tern"; exit 0; }

# Startup slack on top of a budget: loading the model and starting the sanitized CLI.
slack=3
# The job-stage allowance of a link without a cycle counter (device.c, TERN_JOB_LINK_MS).
link_s=10
# Budget of a request in seconds: tries x per-try timeout.
req() { awk -v t="$1" -v ms="$2" 'BEGIN { printf "%.1f", (t + 1) * ms / 1000 }'; }

# case NAME OPTIONS BUDGET_S REGEX...: the message must match every REGEX
case_() {
  local name=$1 opts=$2 budget=$3
  shift 3
  if [ ${#only[@]} -gt 0 ] && ! printf '%s\n' "${only[@]}" | grep -qx "$name"; then return; fi
  python3 tests/uart_peer.py "$name" --max-seconds 150 >"$tmp/$name.peer" 2>&1 &
  peer=$!
  local port=
  for _ in $(seq 100); do
    port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$tmp/$name.peer")
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "FAIL uart-hostile/$name: the peer did not listen: $(head -c 300 "$tmp/$name.peer")"
    kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null; peer=
    return
  fi
  local t0 t1 rc
  t0=$(date +%s.%N)
  timeout 130 "$tern" run -m "$model" -p "In the beginning" -n 2 -q \
    --device "uart-tcp:127.0.0.1:$port$opts" >"$tmp/$name.out" 2>"$tmp/$name.err"
  rc=$?
  t1=$(date +%s.%N)
  kill "$peer" 2>/dev/null; wait "$peer" 2>/dev/null; peer=
  local el msg why=
  el=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
  msg=$(tr '\n' ' ' <"$tmp/$name.err" | head -c 600)
  [ "$rc" = 124 ] && why="hung: killed after 130 s"
  [ -z "$why" ] && [ "$rc" = 0 ] && why="exit status 0 against a hostile peer"
  for re in "$@"; do
    [ -z "$why" ] && ! grep -Eq "$re" "$tmp/$name.err" && why="message lacks /$re/"
  done
  if [ -z "$why" ] && awk -v e="$el" -v b="$budget" -v s="$slack" 'BEGIN { exit !(e > b + s) }'; then
    why="took $el s, over its budget of $budget s (+$slack s startup)"
  fi
  if [ -z "$why" ]; then
    echo "PASS uart-hostile/$name: ${msg:0:240} ($el s, budget $budget s)"
  else
    echo "FAIL uart-hostile/$name: $why; exit $rc; message: $msg ($el s, budget $budget s)"
  fi
}
only=("$@")

short='?timeout_ms=300&retries=2'
# On the defaults (uart-tcp: timeout_ms=1000, retries=5: IDENTIFY ends within 6 x 1 s).
case_ silent "" "$(req 5 1000)" 'no answer to IDENTIFY' 'after 6 tries of 1000 ms'
case_ zeros "" "$(req 5 1000)" 'IDENTIFY' '[0-9]+ bytes' 'no frame'
case_ stale-seq "" "$(req 5 1000)" 'IDENTIFY \(SEQ 1\)' 'other SEQ'
case_ bad-magic "" "$(req 5 1000)" 'not a tern UART bridge' 'magic 0x12345678'
# Short budgets.
case_ close "$short" "$(req 2 300)" 'IDENTIFY' 'closed the connection'
case_ close-mid "$short" "$(req 2 300)" 'IDENTIFY' 'closed the connection'
case_ half "$short" "$(req 2 300)" 'IDENTIFY \(SEQ 1\) failed after 3 tries' 'cut short'
case_ nak "$short" "$(req 2 300)" 'IDENTIFY \(SEQ 1\) failed after 3 tries' 'NAK'
case_ garbage "$short" "$(req 2 300)" 'IDENTIFY \(SEQ 1\)' 'after 3 tries'
case_ drip '?timeout_ms=500&retries=2' "$(req 2 500)" 'IDENTIFY \(SEQ 1\)' 'after 3 tries'
# Fake boards: the weights go up (about 110 frames), then the first job misbehaves. A job's
# budget on this link: 8 x its cycles at the board's 100 MHz (well under 1 s) + the link
# allowance; the upload and the last poll round come on top (a few seconds at most here).
case_ irq-stuck "$short" "$((link_s + 1 + 3))" 'JOBS_DONE stayed at 5' 'K [0-9]+, N [0-9]+' \
  'interrupt line high' 'polls in [0-9.]+ s'
case_ irq-never "$short" "$((link_s + 1 + 3))" 'the interrupt wait failed' 'no interrupt within' \
  'JOBS_DONE 5 \(0 of [0-9]+ queued done\)'
case_ jobs-jump "$short" 4 'JOBS_DONE' 'past the [0-9]+ queued' 'K [0-9]+, N [0-9]+'
case_ jobs-back "$short" 4 'JOBS_DONE' 'backwards' 'K [0-9]+, N [0-9]+'
case_ short-read "$short" 4 'MEM_READ 0x[0-9a-f]+\+[0-9]+' 'payload bytes'
exit 0
