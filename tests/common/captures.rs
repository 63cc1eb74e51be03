//! The capture folders under the repository's `tests/captures/`, for the tests of the root
//! package and of the crates (each includes this file with `#[path]`).

use std::path::{Path, PathBuf};

/// The repository's `tests/captures`: the first found from this package's folder up.
pub fn captures_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|p| p.join("tests/captures"))
        .find(|p| p.is_dir())
        .expect("no tests/captures in or above this package")
}

/// The capture folders that hold every one of `files`, sorted; fails with fewer than
/// `at_least`.
pub fn capture_dirs_with(files: &[&str], at_least: usize) -> Vec<PathBuf> {
    let root = captures_root();
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(&root)
        .unwrap_or_else(|e| panic!("{}: {e}", root.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| files.iter().all(|f| p.join(f).is_file()))
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= at_least,
        "{} capture folders with {files:?} under {}, expected at least {at_least}",
        dirs.len(),
        root.display()
    );
    dirs
}
