//! Writes the C header `include/skywire.h` from the sources with cbindgen (`cbindgen.toml`),
//! so the header is always what the library exports: it is built, not tracked.

use std::path::Path;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let header = cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen reads the sources");
    std::fs::create_dir_all(dir.join("include")).expect("create include/");
    // Writes only when the text changed, so a build leaves an up-to-date header alone.
    header.write_to_file(dir.join("include/skywire.h"));
}
