#!/usr/bin/env bash
# What CI runs (.ci/run): every fuzz target for a short, bounded time from seed corpora cut
# out of tests/captures. Fails on any crash, timeout or out-of-memory, and says how to
# reproduce it. Needs nothing outside this repository but cargo and a C++ compiler.
#
#   bash fuzz/smoke.sh                   # SMOKE_SECONDS per target (default 20)
#
# Builds without a sanitizer and with 16 codegen units, to keep CI short; fuzz/long.sh
# builds with AddressSanitizer for long runs.
set -euo pipefail
source "$(dirname "$0")/targets.sh"
seconds="${SMOKE_SECONDS:-20}"
target_dir="$FUZZ_DIR/target/smoke"
build_flags=(--sanitizer none --codegen-units 16 --target-dir "$target_dir")

cd "$REPO_DIR"
ensure_cargo_fuzz
bash "$FUZZ_DIR/seed.sh"
cargo fuzz build "${build_flags[@]}"

failed=()
for t in "${TARGETS[@]}"; do
  echo "=== fuzz $t for ${seconds}s"
  log="$target_dir/smoke-$t.log"
  # shellcheck disable=SC2046 # the options are words
  if cargo fuzz run "${build_flags[@]}" "$t" -- -max_total_time="$seconds" \
      $(target_options "$t") $COMMON_OPTIONS >"$log" 2>&1; then
    grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | tail -1 || true
  else
    tail -40 "$log"
    echo "!!! $t failed (full log: $log); reproduce with:"
    echo "    RUSTC_BOOTSTRAP=1 cargo fuzz run ${build_flags[*]} $t fuzz/artifacts/$t/<crash file>"
    failed+=("$t")
  fi
done
if [ "${#failed[@]}" -gt 0 ]; then
  echo "fuzz smoke run FAILED: ${failed[*]}"
  exit 1
fi
echo "fuzz smoke run passed: ${TARGETS[*]} (${seconds}s each)"
