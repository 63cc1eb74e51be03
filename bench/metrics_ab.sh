#!/usr/bin/env bash
# The cost of the node's metrics on the 64-caller tiny row: `skywire node` without and with
# `--metrics 127.0.0.1:0`, alternated in one run so that both see the same machine load.
#
#   bench/metrics_ab.sh SKYWIRE_BINARY [ROUNDS]           calls/s and node CPU per call
#   MODE=instructions bench/metrics_ab.sh SKYWIRE_BINARY  node instructions per call
#
# Default mode: each round starts a fresh node for `off` then `on`, warms up 1 s, then runs
# `skywire bench ADDR --callers 64 --json --duration SECS` (SECS from the environment,
# default 5). Prints round, which, calls/s, node CPU µs per call (utime + stime of the node
# over the measured run, from /proc/PID/stat), client CPU µs per call. ROUNDS: default 3.
#
# MODE=instructions: the node runs under callgrind (exact instruction counts, whatever the
# load; valgrind runs one thread at a time and slows the node down, so its reads carry
# bigger batches than at full speed); N calls (CALLS, default 20000) from 64 callers, then
# Ctrl-C; the same node with no calls is subtracted; prints which, instructions per call.
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: bench/metrics_ab.sh SKYWIRE_BINARY [ROUNDS]" >&2; exit 2; }
bin="$1" rounds="${2:-3}" secs="${SECS:-5}" mode="${MODE:-rate}" calls="${CALLS:-20000}"
# shellcheck source=bench/ab_lib.sh
source "$(dirname "$0")/ab_lib.sh"

flags() { [ "$1" = on ] && echo "--metrics 127.0.0.1:0" || true; }

if [ "$mode" = instructions ]; then
  # collected WHICH N -> total instructions of a node serving N calls
  collected() {
    local log out
    log="$(mktemp)" out="$(mktemp)"
    # shellcheck disable=SC2046
    start_node "$log" valgrind --tool=callgrind --callgrind-out-file=/dev/null \
      "$bin" node --listen 127.0.0.1:0 $(flags "$1")
    if [ "$2" -gt 0 ]; then
      "$bin" bench "$addr" --callers 64 --calls "$2" --timeout 120 >/dev/null
    fi
    # Ctrl-C until it exits (the first may come before its signal handler is set).
    while grep -qv '^State:.*Z' <(grep '^State:' "/proc/$pid/status" 2>/dev/null); do
      kill -INT "$pid" 2>/dev/null || break
      sleep 1
    done
    wait "$pid" 2>/dev/null || true
    sed -n 's/.*Collected : *\([0-9]*\).*/\1/p' "$log"
    rm -f "$log" "$out"
  }
  printf 'which\tinstructions/call\n'
  for which in off on; do
    base="$(collected "$which" 0)"
    run="$(collected "$which" "$calls")"
    printf '%s\t%d\n' "$which" "$(((run - base) / calls))"
  done
  exit 0
fi

printf 'round\twhich\tcalls/s\tnode_us/call\tclient_us/call\n'
for r in $(seq 1 "$rounds"); do
  for which in off on; do
    log="$(mktemp)"
    # shellcheck disable=SC2046
    start_node "$log" "$bin" node --listen 127.0.0.1:0 $(flags "$which")
    cpu_row 3 "$r"$'\t'"$which" "$bin" "$secs" --callers 64
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
  done
done
