# Sourced by smoke.sh and long.sh: the fuzz targets and the libFuzzer options each one runs
# with. Not meant to be run on its own.

# The pinned cargo-fuzz (installed by smoke.sh / long.sh when `cargo fuzz` is missing).
CARGO_FUZZ_VERSION=0.13.2

# Every target, in the order the scripts run them.
TARGETS=(seri_unpack seri_pack request_stream response_stream roundtrip pcap lua_literal)

# libFuzzer options of one target (besides time and memory limits).
target_options() {
  local dict="$FUZZ_DIR/dict"
  case "$1" in
    seri_unpack) echo "-max_len=8192" ;;
    seri_pack) echo "-max_len=4096" ;;
    request_stream | response_stream) echo "-max_len=8192 -dict=$dict/codec.dict" ;;
    # Room for multi-part messages of a few parts (the seeds hold real ones).
    roundtrip) echo "-max_len=69632 -dict=$dict/codec.dict" ;;
    pcap) echo "-max_len=65536 -dict=$dict/pcap.dict" ;;
    lua_literal) echo "-max_len=4096 -dict=$dict/lua.dict" ;;
    *) echo "unknown fuzz target '$1' (one of: ${TARGETS[*]})" >&2; return 1 ;;
  esac
}

# What every run has: a memory limit, a per-input hang guard, and value profiling (guidance
# by comparison operands: it finds the off-by-one boundaries the oracles check much sooner).
COMMON_OPTIONS="-rss_limit_mb=2048 -timeout=10 -use_value_profile=1 -print_final_stats=1"

# Installs the pinned cargo-fuzz if `cargo fuzz` is not there.
ensure_cargo_fuzz() {
  if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "installing cargo-fuzz $CARGO_FUZZ_VERSION"
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
  fi
}

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_DIR="$(dirname "$FUZZ_DIR")"
# cargo-fuzz needs nightly features; this stable toolchain allows them with RUSTC_BOOTSTRAP.
export RUSTC_BOOTSTRAP=1
