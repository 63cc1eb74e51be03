#!/usr/bin/env bash
# discover_live.sh: an unmodified skynet node learns of a Rust node through etcd,
# `skywire discover` and the reload service (reload.lua), and calls it; no hand edit.
# Run from skynet's root, with this folder copied to scen/ (conform/skynet/README.md, E),
# a skywire built with `--features etcd`, and Debian's etcd-server:
#   SKYWIRE=/path/to/skywire bash scen/discover_live.sh
# 1. etcd on free-ish loopback ports, an empty clustername file (`__nowaiting = true`).
# 2. skynet node "sky" (discover_sky.lua): its reload service, then cluster.call("rust")
#    every 200 ms; the first calls fail at once (rust is absent).
# 3. `skywire discover --out FILE --reload-node sky`, then `skywire node --etcd --name rust`.
# 4. sky's call succeeds; the Rust node is killed (-9): sky's calls fail; its 2 s lease
#    expires, discover writes `rust = false` and reloads, sky closes its sender.
# Prints "ok ..." / "FAIL ..." per check and "discover live: N passed, M failed".
set -u
. "$(dirname "$0")/live_common.sh"
SKY_PORT=${SKY_PORT:-2558}
RUST_PORT=${RUST_PORT:-2568}
ETCD_PORT=${ETCD_PORT:-2579}
ETCD_PEER=${ETCD_PEER:-2580}
wait_line() { # wait_line FILE PATTERN: the first matching line, within 30 s
	for _ in $(seq 300); do grep -a -m1 "$2" "$1" && return 0; sleep 0.1; done; return 1
}

# 1. etcd and the empty table
URL=http://127.0.0.1:$ETCD_PORT
etcd --name default --data-dir "$work/etcd" \
	--listen-client-urls $URL --advertise-client-urls $URL \
	--listen-peer-urls http://127.0.0.1:$ETCD_PEER --initial-advertise-peer-urls http://127.0.0.1:$ETCD_PEER \
	--initial-cluster default=http://127.0.0.1:$ETCD_PEER > "$work/etcd.log" 2>&1 &
pids+=($!)
wait_port "$ETCD_PORT" || { echo "FAIL: etcd did not start"; cat "$work/etcd.log"; exit 1; }
echo "__nowaiting = true" > "$work/clustername"

# 2. skynet
DISCOVER_CLUSTER="$work/clustername" DISCOVER_PORT=$SKY_PORT ./skynet scen/config.discover > "$work/sky.log" 2>&1 &
sky=$!
pids+=($sky)
wait_port "$SKY_PORT" || { echo "FAIL: skynet did not start"; cat "$work/sky.log"; exit 1; }
before=$(wait_line "$work/sky.log" '^sky: before')
case "$before" in *"(a call succeeded?)"*|"") ok="no: $before" ;; *) ok=yes ;; esac
check "before discovery, calls to rust fail at once" "yes" "$ok"

# 3. discover, then the Rust node
"$SKYWIRE" discover --etcd $URL --prefix /live --out "$work/clustername" \
	--reload-node 127.0.0.1:$SKY_PORT > "$work/discover.log" 2>&1 &
pids+=($!)
"$SKYWIRE" node --listen 127.0.0.1:$RUST_PORT --etcd $URL --etcd-prefix /live --etcd-ttl 2 \
	--name rust > "$work/rust.log" 2>&1 &
rust=$!
pids+=($rust)
check "sky called rust" "sky: called rust: hello from skynet 42" \
	"$(wait_line "$work/sky.log" '^sky: called')"
check "the file discover wrote" "rust = \"127.0.0.1:$RUST_PORT\"
__nowaiting = true" "$(cat "$work/clustername")"
check "discover reloaded sky" "reloaded 127.0.0.1:$SKY_PORT" "$(wait_line "$work/discover.log" '^reloaded')"

# 4. the Rust node dies
kill -9 $rust
gone=$(wait_line "$work/sky.log" '^sky: rust gone')
case "$gone" in *"still answering"*|"") ok="no: $gone" ;; *) ok=yes ;; esac
check "sky's calls fail once rust died" "yes" "$ok"
check "discover marked it down" "wrote $work/clustername: 0 nodes, 1 down" \
	"$(wait_line "$work/discover.log" 'nodes, 1 down')"
check "the file after" "rust = false
__nowaiting = true" "$(cat "$work/clustername")"
# skynet's clusterd turns the node's sender off on `false` (changenode false).
closed=$(wait_line "$work/sky.log" 'Close cluster sender')
case "$closed" in *"Close cluster sender 127.0.0.1:$RUST_PORT"*) ok=yes ;; *) ok="no: $closed" ;; esac
check "sky took rust = false (its sender closed)" "yes" "$ok"

echo "--- discover.log"; cat "$work/discover.log"
echo "--- sky.log"; grep -a '^sky:' "$work/sky.log"
echo "discover live: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
