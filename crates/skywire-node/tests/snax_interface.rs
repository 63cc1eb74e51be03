//! Snax method ids read from Lua files, against skynet's own numbering of the same files.
//!
//! `tests/snax/*.lua` exercise the order rules (system methods, accept and response
//! interleaved, one name in both groups, every way of writing a definition, mentions that
//! are not definitions) and skynet's refusals (duplicates, a value that is not a function,
//! a key that is not a string). `tests/snax/skynet_ids.txt` is what skynet's
//! `lualib/snax/interface.lua` gives for each file, run by `conform/skynet/snax_ids.lua`
//! with skynet's Lua (the command is in the file's header). None of it comes from skywire.
//!
//! `tests/snax/refused/*.lua` are files whose numbering depends on running them (or that
//! are not Lua); the reader refuses them, naming the place.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use skywire_node::{SnaxGroup, SnaxInterface, SnaxInterfaceErrorKind, SnaxSystem};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snax")
}

/// What skynet gave for one file.
#[derive(Debug, Default)]
struct Expected {
    /// (id, group, name) in order, system methods included.
    methods: Vec<(u32, String, String)>,
    error: Option<String>,
}

fn skynet_ids() -> BTreeMap<String, Expected> {
    let text = std::fs::read_to_string(dir().join("skynet_ids.txt")).unwrap();
    let mut out: BTreeMap<String, Expected> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
    {
        let (name, rest) = line.split_once(": ").unwrap();
        let e = out.entry(name.to_owned()).or_default();
        if let Some(msg) = rest.strip_prefix("error: ") {
            e.error = Some(msg.to_owned());
        } else {
            let mut f = rest.split(' ');
            let id = f.next().unwrap().parse().unwrap();
            let group = f.next().unwrap().to_owned();
            let method = f.next().unwrap().to_owned();
            e.methods.push((id, group, method));
        }
    }
    out
}

#[test]
fn ids_are_skynets() {
    let expected = skynet_ids();
    let files: Vec<_> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "lua"))
        .collect();
    assert_eq!(files.len(), expected.len(), "one skynet record per file");
    let mut methods_checked = 0;
    for file in files {
        let name = file.file_stem().unwrap().to_str().unwrap().to_owned();
        let want = &expected[&name];
        match (SnaxInterface::load(&file), &want.error) {
            (Ok(i), None) => {
                // skynet's list starts with the system methods, 1-4.
                let (system, own) = want.methods.split_at(4);
                for (s, (id, group, n)) in SnaxSystem::ALL.iter().zip(system) {
                    assert_eq!(
                        (s.id(), "system", s.name()),
                        (*id, group.as_str(), n.as_str())
                    );
                }
                let got: Vec<_> = i
                    .methods()
                    .iter()
                    .map(|m| (m.id, m.group.to_string(), m.name.clone()))
                    .collect();
                assert_eq!(got, own, "{name}");
                methods_checked += got.len();
            }
            (Err(e), Some(msg)) => {
                // The reader refuses with skynet's text (and a place).
                assert_eq!(e.kind.to_string(), *msg, "{name}");
                assert!(e.line > 0, "{name}: {e}");
            }
            (got, want) => panic!("{name}: got {got:?}, skynet: {want:?}"),
        }
    }
    assert_eq!(methods_checked, 24, "every method of the files compared");
}

#[test]
fn a_duplicate_is_placed_at_its_second_definition() {
    let e = SnaxInterface::load(dir().join("dup_accept.lua")).unwrap_err();
    assert_eq!((e.line, e.column), (3, 10));
    assert!(
        e.to_string()
            .ends_with("dup_accept.lua:3:10: accept.a duplicate definition"),
        "{e}"
    );
}

#[test]
fn files_whose_order_depends_on_running_them_are_refused() {
    use SnaxInterfaceErrorKind as K;
    /// File, the place of the refusal, and what it must be.
    type Case = (&'static str, (usize, usize), fn(&K) -> bool);
    let cases: [Case; 10] = [
        ("conditional", (3, 11), |k| {
            matches!(k, K::Conditional(SnaxGroup::Accept))
        }),
        ("loop", (3, 2), |k| {
            matches!(k, K::Conditional(SnaxGroup::Accept))
        }),
        ("in_function", (2, 11), |k| {
            matches!(k, K::InFunction(SnaxGroup::Accept))
        }),
        ("dynamic", (2, 1), |k| {
            matches!(k, K::Dynamic(SnaxGroup::Accept))
        }),
        ("multiple", (1, 1), |k| {
            matches!(k, K::MultipleAssignment(_))
        }),
        ("local", (1, 7), |k| {
            matches!(k, K::OtherUse(SnaxGroup::Accept))
        }),
        (
            "nested",
            (1, 10),
            |k| matches!(k, K::Nested(SnaxGroup::Accept, n) if n == "a"),
        ),
        ("read", (1, 11), |k| {
            matches!(k, K::OtherUse(SnaxGroup::Accept))
        }),
        ("unbalanced", (2, 1), |k| matches!(k, K::Unbalanced(_))),
        ("bad_string", (1, 22), |k| matches!(k, K::Lua(_))),
    ];
    for (name, place, kind) in cases {
        let e = SnaxInterface::load(dir().join(format!("refused/{name}.lua"))).unwrap_err();
        assert!(kind(&e.kind), "{name}: {e}");
        assert_eq!((e.line, e.column), place, "{name}: {e}");
    }
}

#[test]
fn search_follows_a_skynet_snax_path() {
    let d = dir();
    let path = format!("{0}/nowhere/?.lua;{0}/?.lua;{0}/refused/?.lua", d.display());
    let i = SnaxInterface::search(&path, "interleaved").unwrap();
    assert_eq!(i.id_of(SnaxGroup::Response, "last"), Some(10));
    // The first match wins: refused/ is never reached for a name found before it.
    let e = SnaxInterface::search(&path, "missing").unwrap_err();
    assert!(
        matches!(&e.kind, SnaxInterfaceErrorKind::NotFound { tried, .. } if tried.len() == 3),
        "{e}"
    );
}

#[test]
fn a_stub_reads_back_to_the_same_ids() {
    for name in ["interleaved", "forms", "same_name", "system"] {
        let i = SnaxInterface::load(dir().join(format!("{name}.lua"))).unwrap();
        let stub = i.to_lua_stub(name);
        assert_eq!(
            SnaxInterface::parse_lua(&stub).unwrap(),
            i,
            "{name}:\n{stub}"
        );
    }
    // A name that is not a Lua identifier is written with a key.
    let odd = SnaxInterface::from_list(["accept.two words", "response.end"]).unwrap();
    let stub = odd.to_lua_stub("odd");
    assert!(
        stub.contains("accept[\"two words\"] = function(...) end -- id 5"),
        "{stub}"
    );
    assert!(
        stub.contains("response[\"end\"] = function(...) end -- id 6"),
        "{stub}"
    );
    assert_eq!(SnaxInterface::parse_lua(&stub).unwrap(), odd);
}

proptest::proptest! {
    /// Any text, Lua-looking or not, is read or refused: never a panic or a hang.
    #[test]
    fn any_text_is_read_or_refused(
        parts in proptest::collection::vec(
            proptest::prop_oneof![
                proptest::strategy::Just("function accept.".to_owned()),
                proptest::strategy::Just("response".to_owned()),
                proptest::strategy::Just(" end ".to_owned()),
                proptest::strategy::Just("[[".to_owned()),
                proptest::strategy::Just("--".to_owned()),
                proptest::strategy::Just("= function() ".to_owned()),
                proptest::strategy::Just("\"".to_owned()),
                "[ -~\\n]{0,8}",
                proptest::string::string_regex(".{0,4}").unwrap(),
            ],
            0..24,
        )
    ) {
        let text: String = parts.concat();
        match SnaxInterface::parse_lua(&text) {
            Ok(i) => proptest::prop_assert_eq!(SnaxInterface::parse_lua(&i.to_lua_stub("x")).unwrap(), i),
            Err(e) => proptest::prop_assert!(!e.to_string().is_empty()),
        }
    }
}
