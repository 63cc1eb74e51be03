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
tick="$(getconf CLK_TCK)"

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start_node LOG [--metrics ...]: sets pid and addr.
start_node() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 400); do grep -q '^listening on' "$log" && break; sleep 0.05; done
  addr="$(sed -n 's/^listening on //p' "$log" | head -1)"
  [ -n "$addr" ] || { echo "node did not start: $(cat "$log")" >&2; exit 1; }
}

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
    "$bin" bench "$addr" --callers 64 --duration 1 >/dev/null
    t0="$(cpu_ticks "$pid")"
    j="$("$bin" bench "$addr" --callers 64 --json --duration "$secs")"
    t1="$(cpu_ticks "$pid")"
    python3 -c '
import json, sys
j = json.loads(sys.argv[1]); calls = j["calls"]
node = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4]) * 1e6 / calls
rate, client = j["calls_per_s"], j["client_cpu_s"] * 1e6 / calls
print("\t".join(sys.argv[5:7] + [f"{rate:.0f}", f"{node:.3f}", f"{client:.3f}"]))
' "$j" "$t0" "$t1" "$tick" "$r" "$which"
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    rm -f "$log"
  done
done
