#!/usr/bin/env bash
# Reruns every figure of BENCHMARKS.md: the criterion benches (lua-seri, codec) and the
# node-to-node rows (`skywire node` and `skywire bench`, two processes on loopback), then
# a sustained run that watches the node's memory.
#
#   bench/run.sh            everything (about 30 minutes with SKYNET_ECHO)
#   bench/run.sh --quick    shorter runs, for a look (about 2 minutes)
#   bench/run.sh --node     only the node-to-node rows and the sustained run
#   bench/run.sh --micro    only the criterion benches
#   bench/run.sh --scale    only the rows as connections grow (1 to 1,000 connections, 10,000 idle)
#   bench/run.sh --profile  only the node rows again under `perf record` (where the node's time goes)
#
# SKYNET_DIR=DIR (a skynet built there): the criterion step also times skynet's own
# skynet.pack / skynet.unpack of the same values (bench/skynet/seri_bench.lua).
# Results: a table on stdout, and every raw figure (JSON lines) in bench/results/.
# Environment: CARGO_TARGET_DIR is honoured (default: target/ of the repository).
# Every node-to-node row is followed by its protocol-free floor (benches/tcp_floor.rs: the
# same bytes per call on the wire in each direction, as many in flight, over one loopback
# connection with no protocol), so that skywire / floor is a ratio measured in one run.
# SKYNET_ECHO=HOST:PORT (and SKYNET_PID=pid, for its CPU time): each node-to-node row is
# then also run against that node (a skynet node whose cluster serves "@echo"), with the
# same client, right after its floor, for a same-machine comparison.
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --node) mode=node ;;
    --micro) mode=micro ;;
    --scale) mode=scale ;;
    --profile) mode=profile ;;
    *) echo "usage: bench/run.sh [--quick] [--node|--micro|--scale|--profile]" >&2; exit 2 ;;
  esac
done

target_dir="${CARGO_TARGET_DIR:-$PWD/target}"
stamp="$(date -u +%Y%m%dT%H%M%SZ)"
out_dir="bench/results"
mkdir -p "$out_dir"
raw="$out_dir/$stamp.jsonl"
: >"$raw"

if [ "$quick" = 1 ]; then
  secs=3; warm=1; sustain=20; crit=(--warm-up-time 1 --measurement-time 2)
else
  secs=10; warm=2; sustain=70; crit=(--warm-up-time 3 --measurement-time 10)
fi

log() { printf '%s\n' "$*" >&2; }

# wait_for PATTERN FILE SECONDS: until a line of FILE matches PATTERN (grep), at most SECONDS.
wait_for() {
  for _ in $(seq $(($3 * 10))); do grep -q "$1" "$2" && return 0; sleep 0.1; done
  return 1
}

machine() {
  log "== machine"
  {
    echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p'), $(nproc) CPUs"
    echo "kernel: $(uname -sr)"
    echo "rustc: $(rustc -V)"
    echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
  } | tee "$out_dir/$stamp.machine.txt"
}

# ---- criterion benches -------------------------------------------------------------

micro() {
  log "== criterion benches (cargo bench --bench seri --bench codec)"
  local started="$out_dir/.$stamp.started"
  touch "$started"
  { cargo bench --bench seri --bench codec -- "${crit[@]}" &&
    cargo bench -p skywire-seri --bench from_slice --bench serde_codecs -- "${crit[@]}"; } \
    >"$out_dir/$stamp.criterion.txt" 2>&1 ||
    { cat "$out_dir/$stamp.criterion.txt" >&2; exit 1; }
  # The median of every benchmark this run measured, from criterion's estimates.
  find "$target_dir/criterion" -path '*/new/estimates.json' -newer "$started" | sort |
    python3 -c '
import json, sys
root = sys.argv[1] + "/criterion/"
for f in sys.stdin.read().split():
    bench = f[len(root):-len("/new/estimates.json")]
    median = json.load(open(f))["median"]["point_estimate"]
    print(json.dumps({"bench": bench, "median_ns": median}))
' "$target_dir" >>"$raw"
  rm -f "$started"
  skynet_seri
}

# skynet's own skynet.pack / skynet.unpack of the same rows (bench/skynet/seri_bench.lua),
# timed inside a skynet built at SKYNET_DIR, right after the criterion benches: the seri
# rows' "vs skynet" ratios are then of one sitting.
skynet_seri() {
  [ -n "${SKYNET_DIR:-}" ] || return 0
  cp bench/skynet/seri_bench.lua bench/skynet/config.seri_bench "$SKYNET_DIR/scen/"
  log "== skynet's own pack/unpack ($SKYNET_DIR, scen/config.seri_bench)"
  # skynet.abort() leaves the process running: it is stopped once its last row is out.
  local out="$out_dir/$stamp.skynet_seri.txt"
  (cd "$SKYNET_DIR" && exec ./skynet scen/config.seri_bench) >"$out" 2>&1 &
  local pid=$!
  wait_for 'SERI_BENCH unpack/ping_1' "$out" 120 || log "skynet's seri bench did not finish"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  sed -n 's/.*SERI_BENCH \([^ ]*\) \([0-9.]*\) \([0-9]*\).*/{"skynet_seri":"\1","ns":\2,"bytes":\3}/p' "$out" |
    tee -a "$raw" >&2
}

# ---- node to node ------------------------------------------------------------------

skywire="$target_dir/release/skywire"
node_pid=""  # the node this script started
cpu_pid=""   # the node whose CPU time and memory are read

# start_node [NODE OPTIONS...]: a fresh `skywire node` on a free loopback port.
start_node() {
  cargo build --release -p skywire-cli >&2
  "$skywire" node --listen 127.0.0.1:0 "$@" >"$out_dir/$stamp.node.log" 2>&1 &
  node_pid=$!
  cpu_pid=$node_pid
  for _ in $(seq 50); do
    port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out_dir/$stamp.node.log")"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { log "node did not start"; cat "$out_dir/$stamp.node.log" >&2; exit 1; }
  addr="127.0.0.1:$port"
  log "node pid $node_pid on $addr"
}

stop_node() {
  if [ -n "$node_pid" ]; then
    kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true
  fi
  node_pid=""
  cpu_pid=""
}
trap stop_node EXIT

# CPU seconds (user + system) the node has used so far (0 when its pid is unknown).
node_cpu() {
  [ -n "$cpu_pid" ] || { echo 0; return; }
  awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); printf "%.2f", (f[12] + f[13]) / 100 }' "/proc/$cpu_pid/stat"
}
node_mem() {
  [ -n "$cpu_pid" ] || { echo 0; return; }
  sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$cpu_pid/status"
}

# row NAME ARGS...: one skywire bench run against $addr, its JSON line completed with the
# node's CPU time.
row() {
  local name="$1"; shift
  local before after line
  before="$(node_cpu)"
  line="$("$skywire" bench "$addr" --json --warmup "$warm" --duration "$secs" "$@")"
  after="$(node_cpu)"
  line="${line%\}},\"row\":\"$name\",\"node_cpu_s\":$(awk -v a="$after" -v b="$before" 'BEGIN{printf "%.2f", a-b}'),\"node_rss_kb\":$(node_mem VmRSS),\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
  echo "$line" >>"$raw"
  log "$name: $line"
}

# The floor program, built once by build_floor.
floor_bin=""
build_floor() {
  floor_bin="$(cargo bench --bench tcp_floor --no-run --message-format=json |
    python3 -c '
import json, sys
for line in sys.stdin:
    j = json.loads(line)
    if j.get("reason") == "compiler-artifact" and j["target"]["name"] == "tcp_floor" and j.get("executable"):
        print(j["executable"])
')"
  [ -n "$floor_bin" ] || { log "benches/tcp_floor.rs did not build"; exit 1; }
}

# floor NAME [FLOOR OPTIONS...]: the protocol-free floor of row NAME, which has just run:
# requests and responses of the bytes per call that row put on the wire (frame headers
# included, measured by skywire bench), its callers in flight on one connection.
floor() {
  local name="$1"; shift
  local shape line
  shape="$(python3 -c '
import json, sys
name, raw = sys.argv[1], sys.argv[2]
r = [j for j in map(json.loads, open(raw)) if j.get("row") == name][-1]
if r["connections"] != 1:
    sys.exit("floor %s: the floor has one connection, the row %d" % (name, r["connections"]))
print("--request %d --response %d --in-flight %d"
      % (round(r["bytes_out"] / r["calls"]), round(r["bytes_in"] / r["calls"]), r["callers"]))
' "$name" "$raw")"
  # shellcheck disable=SC2086 # $shape is three flags and their numbers
  line="$("$floor_bin" --row "$name" $shape --seconds "$secs" --warmup "$warm" "$@")"
  line="${line%\}},\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
  echo "$line" >>"$raw"
  log "floor $name: $line"
}

# skynet_row NAME ARGS...: row NAME against the skynet node of SKYNET_ECHO, if given.
skynet_row() {
  [ -n "${SKYNET_ECHO:-}" ] || return 0
  local name="$1"; shift
  at_skynet row "skynet_$name" "$@"
}

# at_skynet CMD ARGS...: CMD run with $addr and $cpu_pid pointing at the skynet node of
# SKYNET_ECHO / SKYNET_PID, then back at ours.
at_skynet() {
  local our_addr="$addr" our_cpu_pid="$cpu_pid"
  addr="$SKYNET_ECHO"
  cpu_pid="${SKYNET_PID:-}"
  "$@"
  addr="$our_addr"
  cpu_pid="$our_cpu_pid"
}

# measure NAME ARGS...: row NAME against the node, then its floor, then against skynet.
measure() {
  row "$@"
  floor "$1"
  skynet_row "$@"
}

node_rows() {
  build_floor
  log "== node to node: skywire node + skywire bench on loopback, each row then its floor${SKYNET_ECHO:+ and skynet at $SKYNET_ECHO}"
  start_node
  measure one_caller_tiny --callers 1
  measure callers64_tiny --callers 64
  measure callers64_4KiB --callers 64 --size 4096
  measure callers8_100000B --callers 8 --size 100000
  stop_node

  log "== the same rows with the node on one thread (skywire node --threads 1: tokio's current-thread runtime), against the floors above"
  start_node --threads 1
  row one_thread_one_caller_tiny --callers 1
  row one_thread_callers64_tiny --callers 64
  row one_thread_callers64_4KiB --callers 64 --size 4096
  row one_thread_callers8_100000B --callers 8 --size 100000
  stop_node

  log "== the one-caller row again, node and client (and the floor's two sides) busy-polling their sockets for 50 us"
  start_node --busy-poll-us 50
  row one_caller_tiny_busy_poll --callers 1 --busy-poll-us 50
  floor one_caller_tiny_busy_poll --busy-poll-us 50
  stop_node

  log "== sustained: a fresh node, ${sustain}s of 64 callers with 4 KiB arguments, its memory every 5 s"
  start_node
  local hwm_before; hwm_before="$(node_mem VmHWM)"
  "$skywire" bench "$addr" --json --duration "$sustain" --callers 64 --size 4096 >"$out_dir/$stamp.sustained.json" &
  local bench_pid=$! t=0
  while kill -0 "$bench_pid" 2>/dev/null; do
    printf '{"sustained_t":%d,"node_rss_kb":%s,"node_hwm_kb":%s}\n' "$t" "$(node_mem VmRSS)" "$(node_mem VmHWM)" >>"$raw"
    sleep 5; t=$((t + 5))
  done
  wait "$bench_pid"
  printf '{"sustained":%s,"node_hwm_before_kb":%s,"node_hwm_after_kb":%s}\n' \
    "$(cat "$out_dir/$stamp.sustained.json")" "$hwm_before" "$(node_mem VmHWM)" >>"$raw"
  stop_node
}

# ---- where the node's time goes ------------------------------------------------------

# profile_rows: each node row again (not measured: perf slows what it watches), with
# `perf record` on the node, and the symbols that took the most of its CPU time kept in
# bench/results/STAMP.profile.ROW.txt. Skipped when perf is missing.
profile_rows() {
  command -v perf >/dev/null || { log "== profiles: perf not found, skipped"; return 0; }
  log "== profiles: perf record -g on the node during each node row (not measured)"
  profile_node ""
  log "== profiles of the node on one thread (--threads 1)"
  profile_node one_thread_ --threads 1
}

# profile_node PREFIX [NODE OPTIONS...]: profile_rows for one node, its files named
# PREFIX + the row.
profile_node() {
  local prefix="$1"; shift
  start_node "$@"
  local name args
  for spec in "one_caller_tiny:--callers 1" "callers64_tiny:--callers 64" \
    "callers64_4KiB:--callers 64 --size 4096" "callers8_100000B:--callers 8 --size 100000"; do
    name="$prefix${spec%%:*}"
    args="${spec#*:}"
    perf record -q -e cpu-clock -F 999 -g -p "$node_pid" -o "$out_dir/.$stamp.perf.data" -- sleep "$((secs / 2 + 1))" \
      2>/dev/null &
    local perf_pid=$!
    # shellcheck disable=SC2086 # $args is the row's flags
    "$skywire" bench "$addr" --warmup 0 --duration "$((secs / 2))" $args >/dev/null
    wait "$perf_pid" || true
    perf report -q -i "$out_dir/.$stamp.perf.data" --no-children --sort dso,sym --percent-limit 1 \
      --stdio -g none 2>/dev/null | sed '/^$/d' | head -40 >"$out_dir/$stamp.profile.$name.txt"
    rm -f "$out_dir/.$stamp.perf.data"
    log "profile $name: $out_dir/$stamp.profile.$name.txt"
  done
  stop_node
}

# ---- as connections grow ----------------------------------------------------------

# The most connections any row opens (the idle row), and the open-files limit they need:
# raised here, for this script and what it starts, not in the node.
IDLE_CONNECTIONS=10000
raise_open_files() {
  local want=$((IDLE_CONNECTIONS * 2 + 1000))
  if [ "$(ulimit -n)" != unlimited ] && [ "$(ulimit -n)" -lt "$want" ]; then
    ulimit -n "$want" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
  fi
  log "open-files limit: $(ulimit -n)"
}

# idle_row NAME: $IDLE_CONNECTIONS connections to $addr that send nothing, and the node's
# resident memory before they open and while they are open.
idle_row() {
  local name="$1" before after pid status
  local file="$out_dir/$stamp.$name.txt"
  before="$(node_mem VmRSS)"
  python3 bench/idle.py "$addr" "$IDLE_CONNECTIONS" >"$file" 2>&1 &
  pid=$!
  # skynet accepts about 100-150 connections a second on this machine (each starts a Lua
  # clusteragent), so 10,000 take well over a minute: wait up to 10 minutes.
  wait_for '^\(open\|failed\)' "$file" 600 || true
  sleep 2 # the node accepts the last ones
  after="$(node_mem VmRSS)"
  status="$(head -1 "$file")"
  kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true
  printf '{"idle_row":"%s","connections":%d,"status":"%s","rss_before_kb":%s,"rss_with_kb":%s}\n' \
    "$name" "$IDLE_CONNECTIONS" "$status" "${before:-0}" "${after:-0}" >>"$raw"
  log "$name: $status, RSS ${before} kB -> ${after} kB"
}

# skynet_idle_row NAME: idle_row against the skynet node of SKYNET_ECHO, if given with its
# SKYNET_PID (its memory is what is read).
skynet_idle_row() {
  [ -n "${SKYNET_ECHO:-}" ] && [ -n "${SKYNET_PID:-}" ] || return 0
  at_skynet idle_row "skynet_$1"
}

scale_rows() {
  raise_open_files
  log "== as connections grow: 64 callers spread over 1 to 1,000 connections, one caller per connection, ${IDLE_CONNECTIONS} idle connections${SKYNET_ECHO:+; and skynet at $SKYNET_ECHO}"
  start_node --max-connections $((IDLE_CONNECTIONS + 1000))
  for c in 1 10 100 1000; do
    row "scale_c${c}_callers64" --connections "$c" --callers 64
    skynet_row "scale_c${c}_callers64" --connections "$c" --callers 64
    row "scale_c${c}_each1" --connections "$c" --callers "$c"
    skynet_row "scale_c${c}_each1" --connections "$c" --callers "$c"
  done
  stop_node
  # A fresh node: what the rows above left in its allocator is not an idle connection's.
  # The skynet node of SKYNET_ECHO should be fresh too for its idle row (start it for
  # this run; skynet keeps what its connections took).
  start_node --max-connections $((IDLE_CONNECTIONS + 1000))
  idle_row scale_idle
  skynet_idle_row scale_idle
  stop_node
}

machine
case "$mode" in
  all) micro; node_rows; profile_rows; scale_rows ;;
  micro) micro ;;
  node) node_rows ;;
  scale) scale_rows ;;
  profile) profile_rows ;;
esac
log "== raw figures: $raw"
python3 bench/table.py "$raw"
