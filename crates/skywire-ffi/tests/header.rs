//! The header `include/skywire.h`, which build.rs writes with cbindgen on every build of the
//! crate, against the library: every status code it declares has its name.

use std::path::Path;

#[test]
fn sw_status_name_knows_every_code_of_the_header() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/skywire.h");
    let header = std::fs::read_to_string(&path).expect("build.rs wrote the header");
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
