# Shell helpers of the A/B bench scripts (bench/node_ab.sh, bench/metrics_ab.sh); sourced.

tick="$(getconf CLK_TCK)"

# cpu_ticks PID: utime + stime of the process so far, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# start_node LOG COMMAND...: starts the node command in the background, logging to LOG, and
# waits for its `listening on` line; sets pid and addr.
start_node() {
  local log="$1"
  shift
  "$@" >"$log" 2>&1 &
  pid=$!
  for _ in $(seq 400); do grep -q '^listening on' "$log" && break; sleep 0.05; done
  addr="$(sed -n 's/^listening on //p' "$log" | head -1)"
  [ -n "$addr" ] || { echo "node did not start: $(cat "$log")" >&2; exit 1; }
}

# cpu_row DIGITS LABELS BIN SECS [BENCH_ARGS...]: against the node at $addr (process $pid),
# a 1 s warm-up, then `BIN bench $addr --json --duration SECS BENCH_ARGS`; prints one line:
# LABELS (tab-separated), calls/s, node CPU µs per call (utime + stime of the node over the
# measured run), client CPU µs per call, the two CPU figures with DIGITS decimals.
cpu_row() {
  local digits="$1" labels="$2" bin="$3" secs="$4" t0 t1 j
  shift 4
  "$bin" bench "$addr" --duration 1 "$@" >/dev/null
  t0="$(cpu_ticks "$pid")"
  j="$("$bin" bench "$addr" --json --duration "$secs" "$@")"
  t1="$(cpu_ticks "$pid")"
  python3 -c '
import json, sys
j = json.loads(sys.argv[1]); calls = j["calls"]; d = int(sys.argv[5])
node = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4]) * 1e6 / calls
rate, client = j["calls_per_s"], j["client_cpu_s"] * 1e6 / calls
print("\t".join([sys.argv[6], f"{rate:.0f}", f"{node:.{d}f}", f"{client:.{d}f}"]))
' "$j" "$t0" "$t1" "$tick" "$digits" "$labels"
}
