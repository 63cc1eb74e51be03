#!/usr/bin/env bash
# Reruns every figure of BENCHMARKS.md: the criterion benches (lua-seri, codec) and the
# node-to-node rows (`skywire node` and `skywire bench`, two processes on loopback), then
# a sustained run that watches the node's memory.
#
#   bench/run.sh            everything (about 8 minutes)
#   bench/run.sh --quick    shorter runs, for a look (about 2 minutes)
#   bench/run.sh --node     only the node-to-node rows and the sustained run
#   bench/run.sh --micro    only the criterion benches
#
# Results: a table on stdout, and every raw figure (JSON lines) in bench/results/.
# Environment: CARGO_TARGET_DIR is honoured (default: target/ of the repository).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=all
quick=0
for a in "$@"; do
  case "$a" in
    --quick) quick=1 ;;
    --node) mode=node ;;
    --micro) mode=micro ;;
    *) echo "usage: bench/run.sh [--quick] [--node|--micro]" >&2; exit 2 ;;
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
  cargo bench --bench seri --bench codec -- "${crit[@]}" >"$out_dir/$stamp.criterion.txt" 2>&1 ||
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
}

# ---- node to node ------------------------------------------------------------------

skywire="$target_dir/release/skywire"
node_pid=""

start_node() {
  cargo build --release -p skywire-cli >&2
  "$skywire" node --listen 127.0.0.1:0 >"$out_dir/$stamp.node.log" 2>&1 &
  node_pid=$!
  for _ in $(seq 50); do
    port="$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$out_dir/$stamp.node.log")"
    [ -n "$port" ] && break
    sleep 0.1
  done
  [ -n "$port" ] || { log "node did not start"; cat "$out_dir/$stamp.node.log" >&2; exit 1; }
  log "node pid $node_pid on port $port"
}

stop_node() { [ -n "$node_pid" ] && kill "$node_pid" 2>/dev/null && wait "$node_pid" 2>/dev/null || true; }
trap stop_node EXIT

# CPU seconds (user + system) the node has used so far.
node_cpu() { awk '{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); printf "%.2f", (f[12] + f[13]) / 100 }' "/proc/$node_pid/stat"; }
node_mem() { sed -n "s/^$1:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$node_pid/status"; }

# row NAME ARGS...: one skywire bench run, its JSON line completed with the node's CPU time.
row() {
  local name="$1"; shift
  local before after line
  before="$(node_cpu)"
  line="$("$skywire" bench "127.0.0.1:$port" --json --warmup "$warm" --duration "$secs" "$@")"
  after="$(node_cpu)"
  line="${line%\}},\"row\":\"$name\",\"node_cpu_s\":$(awk -v a="$after" -v b="$before" 'BEGIN{printf "%.2f", a-b}'),\"node_rss_kb\":$(node_mem VmRSS),\"load\":\"$(cut -d' ' -f1 /proc/loadavg)\"}"
  echo "$line" >>"$raw"
  log "$name: $line"
}

node_rows() {
  log "== node to node: skywire node + skywire bench on loopback"
  start_node
  row one_caller_tiny --callers 1
  row callers64_tiny --callers 64
  row callers64_4KiB --callers 64 --size 4096
  row callers8_100000B --callers 8 --size 100000

  stop_node

  log "== sustained: a fresh node, ${sustain}s of 64 callers with 4 KiB arguments, its memory every 5 s"
  start_node
  local hwm_before; hwm_before="$(node_mem VmHWM)"
  "$skywire" bench "127.0.0.1:$port" --json --duration "$sustain" --callers 64 --size 4096 >"$out_dir/$stamp.sustained.json" &
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

machine
case "$mode" in
  all) micro; node_rows ;;
  micro) micro ;;
  node) node_rows ;;
esac
log "== raw figures: $raw"
python3 bench/table.py "$raw"
