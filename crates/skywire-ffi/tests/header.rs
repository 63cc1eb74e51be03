//! The checked-in header `include/skywire.h` is what cbindgen makes of the sources today.
//!
//! When this fails, regenerate it with `UPDATE_HEADER=1 cargo test -p skywire-ffi --test
//! header` and commit the new header (after reading the diff: a changed signature or struct
//! is a change of the ABI).

use std::path::Path;

fn generate() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(dir.join("cbindgen.toml")).expect("cbindgen.toml");
    let mut out = Vec::new();
    cbindgen::Builder::new()
        .with_config(config)
        .with_src(dir.join("src/lib.rs"))
        .generate()
        .expect("cbindgen reads the sources")
        .write(&mut out);
    String::from_utf8(out).expect("the header is UTF-8")
}

#[test]
fn the_checked_in_header_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/skywire.h");
    let fresh = generate();
    if std::env::var_os("UPDATE_HEADER").is_some() {
        std::fs::write(&path, &fresh).expect("write the header");
        return;
    }
    let checked_in = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        checked_in == fresh,
        "{} is stale: regenerate it with `UPDATE_HEADER=1 cargo test -p skywire-ffi --test header`",
        path.display()
    );
}

#[test]
fn sw_status_name_knows_every_code_of_the_header() {
    let header = generate();
    let start = header.find("enum sw_status").expect("the status enum");
    let end = start + header[start..].find("};").expect("its end");
    let mut codes = 0;
    for line in header[start..end].lines() {
        let Some((name, value)) = line.trim().trim_end_matches(',').split_once(" = ") else {
            continue;
        };
        let code: i32 = value.parse().expect("a code");
        let got = skywire_ffi::sw_status_name(code);
        // SAFETY: sw_status_name gives a static NUL-terminated string.
        let got = unsafe { std::ffi::CStr::from_ptr(got) };
        assert_eq!(got.to_str(), Ok(name), "the name of code {code}");
        codes += 1;
    }
    assert!(codes >= 30, "found {codes} codes");
}
