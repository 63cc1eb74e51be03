#!/usr/bin/env bash
# Soak: `skywire bench` at full load through `skywire proxy` that resets the connection
# every N responses, for a while, against `skywire node`; the node's RSS sampled every
# second. Not part of CI. Usage: bench/soak.sh [SECONDS (default 600)] [RESET_EVERY (default 200000)]
# Prints the calls answered (counted from the proxy's response lines), the bench runs and
# how many ended in an error (each must be a reset the proxy injected: the bench stops at
# its connection's first error and is started again; the proxy's resets are counted from
# its output), and the node's RSS min/max over the run.
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TOTAL=${1:-600}
RESET_EVERY=${2:-200000}
cargo build --release -q -p skywire-cli
B=target/release/skywire
out=$(mktemp -d)
$B node --listen 127.0.0.1:0 > "$out/node.out" 2> "$out/node.err" &
NODE=$!
trap 'kill $NODE $PROXY 2>/dev/null || true' EXIT
until grep -q 'listening on' "$out/node.out"; do sleep 0.1; done
NODE_ADDR=$(sed -n 's/^listening on //p' "$out/node.out" | head -1)
$B proxy --listen 127.0.0.1:0 --upstream "$NODE_ADDR" --reset-every "$RESET_EVERY" > "$out/proxy.out" 2> "$out/proxy.err" &
PROXY=$!
until grep -q 'listening on' "$out/proxy.out"; do sleep 0.1; done
PROXY_ADDR=$(sed -n 's/^listening on //p' "$out/proxy.out" | head -1 | cut -d' ' -f1)
# RSS sampler.
( while kill -0 $NODE 2>/dev/null; do
    awk '/VmRSS/ {print $2}' /proc/$NODE/status 2>/dev/null; sleep 1
  done ) > "$out/rss.kb" &
end=$((SECONDS + SECONDS_TOTAL))
runs=0; failed=0; calls=0
while [ $SECONDS -lt $end ]; do
  runs=$((runs + 1))
  left=$((end - SECONDS)); d=$(( left < 10 ? left : 10 )); [ $d -ge 1 ] || break
  if $B bench "$PROXY_ADDR" --callers 64 --duration "$d" --json --timeout 5 > "$out/run.json" 2>> "$out/run.err"; then :; else failed=$((failed + 1)); fi
done
kill $PROXY $NODE 2>/dev/null || true
sleep 0.5
sort -n "$out/rss.kb" | awk 'NR==1 {min=$1} {max=$1} END {printf "node RSS: min %.1f MB, max %.1f MB over %d samples\n", min/1024, max/1024, NR}'
calls=$(grep -c 'rtt=' "$out/proxy.out" || true)
resets=$(grep -ci 'reset' "$out/proxy.out" || true)
other=$(grep -v -c 'reset by peer' "$out/run.err" || true)
echo "calls answered: $calls in ${SECONDS_TOTAL} s; bench runs: $runs, ended in an error: $failed (errors other than a reset: $other)"
echo "proxy lines about resets: $resets (one every $RESET_EVERY responses); logs in $out"
