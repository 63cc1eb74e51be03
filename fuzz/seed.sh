#!/usr/bin/env bash
# Builds the seed corpora of every fuzz target from tests/captures into fuzz/corpus/<target>/.
# Needs only this repository and cargo. Safe to run again: seeds are named by content, and
# whatever the fuzzer added to a corpus directory is kept.
#
#   bash fuzz/seed.sh
set -euo pipefail
fuzz="$(cd "$(dirname "$0")" && pwd)"
repo="$(dirname "$fuzz")"
# The seed tool is an ordinary (uninstrumented) build; keep it beside cargo-fuzz's output.
CARGO_TARGET_DIR="${SEED_TARGET_DIR:-$fuzz/target/seed}" \
  cargo run --quiet --manifest-path "$fuzz/Cargo.toml" -p skywire-fuzz-seed -- \
  "$repo/tests/captures" "$fuzz/corpus"
for d in "$fuzz"/corpus/*/; do
  printf '%-16s %5d seeds %9d bytes\n' "$(basename "$d")" \
    "$(find "$d" -type f | wc -l)" "$(find "$d" -type f -printf '%s\n' | awk '{s+=$1} END {print s+0}')"
done
