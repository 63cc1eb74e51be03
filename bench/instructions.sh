#!/usr/bin/env bash
# Instructions per call of lua-seri benches, exact and independent of the machine's load:
# each bench body run N times under callgrind (SERI_REPEAT=NAME:N), minus the same run with
# N = 0 (process start, payload set-up), divided by N.
#
#   bench/instructions.sh BENCH_BINARY NAME...     e.g.
#   bench/instructions.sh target/release/deps/seri-1234abcd unpack/cmd_msg pack/ping_1
#
# The binary is one of the bench executables that understand SERI_REPEAT (`benches/seri.rs`,
# `crates/skywire-seri/benches/from_slice.rs`); `cargo bench --no-run` prints their paths.
# Prints one line per name: `NAME INSTRUCTIONS`. Needs valgrind.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: bench/instructions.sh BENCH_BINARY NAME..." >&2; exit 2; }
bin="$1"
shift
n="${SERI_N:-10000}"

collected() { # NAME N -> total instructions of the run
  SERI_REPEAT="$1:$2" valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" 2>&1 \
    | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}

for name in "$@"; do
  base="$(collected "$name" 0)"
  run="$(collected "$name" "$n")"
  echo "$name $(((run - base) / n))"
done
