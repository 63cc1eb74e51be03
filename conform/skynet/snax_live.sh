#!/usr/bin/env bash
# snax_live.sh: cluster.snax in both directions between an unmodified skynet and skywire.
# Run from skynet's root, with this folder copied to scen/ (conform/skynet/README.md, E):
#   SKYWIRE=/path/to/skywire bash scen/snax_live.sh
# 1. skynet -> skynet: the scenario's reference run (scen/snax_caller.lua, snax_counter.lua).
# 2. skynet -> skywire: the same caller, unchanged, against `skywire node`'s snax service
#    `counter`, numbered from the stub the node writes.
# 3. skywire -> skynet: `skywire snax req/post` into the skynet snax service.
# Prints "ok ..." / "FAIL ..." per check and "snax live: N passed, M failed"; exits 1 on a failure.
set -u
. "$(dirname "$0")/live_common.sh"
SKY_PORT=${SKY_PORT:-2538}
RUST_PORT=${RUST_PORT:-2548}
caller_summary() { grep -a '^snax caller:' "$1" | tail -1; }

# skynet's snax node "sky"
SNAX_PORT=$SKY_PORT ./skynet scen/config.snax_serve > "$work/sky.log" 2>&1 &
pids+=($!)
wait_port "$SKY_PORT" || { echo "FAIL: skynet snax node did not start"; cat "$work/sky.log"; exit 1; }

# 1. skynet -> skynet
SNAX_PATH='./scen/?.lua' SNAX_TARGET=127.0.0.1:$SKY_PORT timeout 60 ./skynet scen/config.snax_caller > "$work/c1.log" 2>&1
grep -a '^check\|^info' "$work/c1.log" | sed 's/^/  skynet->skynet: /'
check "skynet cluster.snax -> skynet snax service" "snax caller: 11 passed, 0 failed" "$(caller_summary "$work/c1.log")"

# 2. skynet -> skywire
mkdir -p "$work/stubs"
"$SKYWIRE" node --listen 127.0.0.1:$RUST_PORT --snax-stubs "$work/stubs" > "$work/rust.log" 2>&1 &
pids+=($!)
wait_port "$RUST_PORT" || { echo "FAIL: skywire node did not start"; cat "$work/rust.log"; exit 1; }
SNAX_PATH="$work/stubs/?.lua" SNAX_SERVICE=counter SNAX_TARGET=127.0.0.1:$RUST_PORT timeout 60 ./skynet scen/config.snax_caller > "$work/c2.log" 2>&1
grep -a '^check\|^info' "$work/c2.log" | sed 's/^/  skynet->skywire: /'
check "skynet cluster.snax -> skywire snax service" "snax caller: 11 passed, 0 failed" "$(caller_summary "$work/c2.log")"

# 3. skywire -> skynet (a fresh total: the reference run above added 7 and the node kept it)
I=scen/snax_counter.lua
S=127.0.0.1:$SKY_PORT
snax() { "$SKYWIRE" snax "$@" 2>&1; echo "rc=$?"; }
before=$(snax req --interface $I $S snax_counter get | head -1)
check "post add 3" "rc=0" "$(snax post --interface $I $S snax_counter add 3)"
check "post add 4" "rc=0" "$(snax post --interface $I $S snax_counter add 4)"
check "req get" "$((before + 7))
rc=0" "$(snax req --interface $I $S snax_counter get)"
check "req echo" '"hello", 42, {1, k = "v"}
rc=0' "$(snax req --interface $I $S snax_counter echo hello 42 '{1, k = "v"}')"
check "post note, req notes" '{{"a", 1}}
rc=0' "$(snax post --interface $I $S snax_counter note a 1 >/dev/null; snax req --interface $I $S snax_counter notes)"
check "req fail (skynet sends no reason)" "skywire snax req: error response: ./lualib/skynet.lua:720: call failed
rc=1" "$(snax req --interface $I $S snax_counter fail boom)"
check "req by id (6 = get)" "$((before + 7))
rc=0" "$(snax req --interface $I $S snax_counter 6)"
check "post to a response method: refused before sending" "skywire snax: snax_counter: response.get is not an accept method: req it instead
rc=1" "$(snax post --interface $I $S snax_counter get)"
check "req of a name not in the interface" "skywire snax: request snax_counter:nosuch no exist
rc=1" "$(snax req --interface $I $S snax_counter nosuch)"
profile=$(snax req --interface $I $S snax_counter 4)
case "$profile" in *"add = {"*"count = "*) ok=yes ;; *) ok=no ;; esac
check "req profile (id 4)" "yes" "$ok"
check "--address skips the query" "$((before + 7))
rc=0" "$(snax req --interface $I --address 10 $S snax_counter get)"
check "a name skynet has no service of: no answer (skynet waits for a launch)" "skywire snax: node 127.0.0.1:$SKY_PORT: no response within 2s
rc=1" "$(snax req --interface $I --timeout 2 $S snax_nosuch get)"

echo "snax live: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
