//! The `main` of the lua-seri benches (`benches/seri.rs` at the root, `from_slice` here)
//! and of the node's `echo_services`:
//! measure with criterion, or, with `SERI_REPEAT=group/case:N` in the environment, run one
//! bench's body `N` times and exit, so that under `valgrind --tool=callgrind` the
//! difference between two counts (`N` and 0) divided by `N` is the instructions per call.

use criterion::Criterion;

/// Runs `benches` under criterion, or `repeat("group/case", N)` if `SERI_REPEAT` asks.
pub fn main(benches: fn(&mut Criterion), repeat: fn(&str, u64)) {
    if let Ok(spec) = std::env::var("SERI_REPEAT") {
        let (name, n) = spec
            .rsplit_once(':')
            .and_then(|(name, n)| Some((name, n.parse::<u64>().ok()?)))
            .expect("SERI_REPEAT=group/case:N");
        repeat(name, n);
        return;
    }
    benches(&mut Criterion::default().configure_from_args());
    Criterion::default().configure_from_args().final_summary();
}
