#!/usr/bin/env bash
# etcd_fleet.sh: discovery at scale, measured (not a test). Starts a local etcd (Debian
# etcd-server) in a temporary directory, then crates/skywire-node/examples/etcd_fleet.rs:
# N simulated nodes (default 200; 3 keys each under their own lease) join and leave, one
# watcher process follows them. Prints join/leave visibility p50/p99, keys, the watcher's
# updates and RSS. Needs protoc (Debian protobuf-compiler, libprotobuf-dev) to build.
#   bash bench/etcd_fleet.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-200}
PORT=${ETCD_PORT:-23790}
PEER=${ETCD_PEER:-23800}
work=$(mktemp -d)
url=http://127.0.0.1:$PORT
etcd --name default --data-dir "$work/data" \
	--listen-client-urls $url --advertise-client-urls $url \
	--listen-peer-urls http://127.0.0.1:$PEER --initial-advertise-peer-urls http://127.0.0.1:$PEER \
	--initial-cluster default=http://127.0.0.1:$PEER > "$work/etcd.log" 2>&1 &
etcd_pid=$!
trap 'kill $etcd_pid 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
cargo build --release --quiet -p skywire-node --features etcd --example etcd_fleet
for _ in $(seq 100); do curl -fs $url/health 2>/dev/null | grep -q true && break; sleep 0.1; done
echo "etcd $(etcd --version | head -1 | awk '{print $3}'), $N nodes, $(nproc) cores"
"${CARGO_TARGET_DIR:-target}/release/examples/etcd_fleet" $url "$N"
