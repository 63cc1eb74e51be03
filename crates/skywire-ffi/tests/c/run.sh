#!/usr/bin/env bash
# Builds libskywire_ffi, compiles the C test against skywire.h and the static library with
# `cc`, and runs it under valgrind (no leak, no invalid access, or it fails); then runs the
# Python ctypes example against the shared library.
#
#   bash crates/skywire-ffi/tests/c/run.sh        # from anywhere; uses $CARGO_TARGET_DIR
set -euo pipefail
root="$(cd "$(dirname "$0")/../../../.." && pwd)"
crate="$root/crates/skywire-ffi"
target="${CARGO_TARGET_DIR:-$root/target}"
lib="$target/debug"

cargo build --locked -p skywire-ffi --manifest-path "$root/Cargo.toml"

# The system libraries the static library needs, as rustc reports them.
native=$(cargo rustc --locked -q -p skywire-ffi --manifest-path "$root/Cargo.toml" \
  --crate-type staticlib -- --print native-static-libs 2>&1 |
  sed -n 's/.*native-static-libs: //p' | tail -1)
native=${native:--lgcc_s -lutil -lrt -lpthread -lm -ldl -lc} # what it reports on Linux

exe="$target/skywire-ffi-c-test"
cc -std=c11 -Wall -Wextra -Werror -g -O1 -I "$crate/include" \
  "$crate/tests/c/test_skywire.c" "$lib/libskywire_ffi.a" $native -o "$exe"

valgrind --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite,possible \
  --quiet "$exe" "$root"

if command -v python3 >/dev/null; then
  python3 "$crate/examples/ctypes_example.py" "$lib/libskywire_ffi.so"
fi
