#!/usr/bin/env bash
# Fuzzes one target for a long time, with AddressSanitizer, at low priority:
#
#   bash fuzz/long.sh TARGET MINUTES [libFuzzer options...]
#   bash fuzz/long.sh roundtrip 60
#   bash fuzz/long.sh pcap 10 -jobs=2 -workers=2
#
# Seeds the corpora first (fuzz/seed.sh), keeps everything it finds in fuzz/corpus/TARGET,
# writes crashes to fuzz/artifacts/TARGET, and its log to fuzz/target/long/TARGET-*.log;
# the last lines give the numbers fuzz/README.md records (executions, exec/s, cov, ft,
# corpus size).
set -euo pipefail
source "$(dirname "$0")/targets.sh"
if [ $# -lt 2 ]; then
  echo "usage: bash fuzz/long.sh TARGET MINUTES [libFuzzer options...]  (targets: ${TARGETS[*]})" >&2
  exit 2
fi
target="$1"
minutes="$2"
shift 2
options="$(target_options "$target")"
target_dir="$FUZZ_DIR/target/long"
build_flags=(--target-dir "$target_dir")

cd "$REPO_DIR"
ensure_cargo_fuzz
bash "$FUZZ_DIR/seed.sh"
nice -n 10 cargo fuzz build "${build_flags[@]}" "$target"
mkdir -p "$target_dir"
log="$target_dir/$target-$(date +%Y%m%d-%H%M%S).log"
echo "fuzzing $target for $minutes min; log: $log"
status=0
# shellcheck disable=SC2046,SC2086 # the options are words
nice -n 10 cargo fuzz run "${build_flags[@]}" "$target" -- \
  -max_total_time=$((minutes * 60)) $options $COMMON_OPTIONS "$@" >"$log" 2>&1 || status=$?
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::|panicked|ERROR|SUMMARY|Test unit written' "$log" || true
corpus="$FUZZ_DIR/corpus/$target"
echo "corpus: $(find "$corpus" -type f | wc -l) entries, $(du -sb "$corpus" | cut -f1) bytes"
exit "$status"
