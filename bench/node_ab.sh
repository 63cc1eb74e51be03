#!/usr/bin/env bash
# Two `skywire` binaries (node and client both), run in turn on the node-to-node rows of
# bench/run.sh, so that a before/after comparison sees the same machine load:
#
#   bench/node_ab.sh BEFORE_BINARY AFTER_BINARY [ROUNDS]
#
# Each round runs, for BEFORE then AFTER: a fresh `skywire node --listen 127.0.0.1:0`, a 1 s
# warm-up, then `skywire bench ADDR --json --duration SECS` for each row. Prints one line per
# run: round, which, row, calls/s, node CPU µs per call (utime + stime of the node over the
# measured run, from /proc/PID/stat), client CPU µs per call. ROUNDS defaults to 2, SECS
# (environment) to 5.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/node_ab.sh BEFORE AFTER [ROUNDS]" >&2; exit 2; }
before="$1" after="$2" rounds="${3:-2}" secs="${SECS:-5}"
# shellcheck source=bench/ab_lib.sh
source "$(dirname "$0")/ab_lib.sh"
rows=("one_caller_tiny --callers 1" "callers64_tiny --callers 64"
  "callers64_4KiB --callers 64 --size 4096" "callers8_100000B --callers 8 --size 100000")

printf 'round\twhich\trow\tcalls/s\tnode_us/call\tclient_us/call\n'
for r in $(seq 1 "$rounds"); do
  for which in before after; do
    bin="$before"; [ "$which" = after ] && bin="$after"
    log="$(mktemp)"
    start_node "$log" "$bin" node --listen 127.0.0.1:0
    for row in "${rows[@]}"; do
      read -r name args <<<"$row"
      # shellcheck disable=SC2086
      cpu_row 2 "$r"$'\t'"$which"$'\t'"$name" "$bin" "$secs" $args
    done
    kill "$pid"; wait "$pid" 2>/dev/null || true
    rm -f "$log"
  done
done
