# live_common.sh: what the *_live.sh scripts share (sourced): SKYWIRE, a work directory
# and the processes to kill at exit, `check NAME EXPECTED ACTUAL` with its counts,
# `wait_port PORT` (10 s).
SKYWIRE=${SKYWIRE:-skywire}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
passed=0 failed=0
check() { # check NAME EXPECTED ACTUAL
	if [ "$2" == "$3" ]; then passed=$((passed + 1)); echo "ok $1"
	else failed=$((failed + 1)); echo "FAIL $1: expected [$2], got [$3]"; fi
}
wait_port() { for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; return 1; }
