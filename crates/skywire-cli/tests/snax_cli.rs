//! `skywire snax` and `skywire node --name`: against `skywire node` as a child process on a
//! free port. (Against live skynet: conform/skynet/snax_live.sh, recorded in the node
//! README.)

mod common;

use std::path::{Path, PathBuf};

use common::child::{skywire, stderr_of, stdout_ok, temp_path, Running};

fn temp(name: &str) -> PathBuf {
    temp_path("snax-cli", name)
}

fn node_tests() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../skywire-node/tests/snax")
}

#[test]
fn ids_are_skynets_numbering() {
    // What skynet's own interface.lua gave for the file (skynet_ids.txt, with "NAME: ").
    let expected: Vec<String> = std::fs::read_to_string(node_tests().join("skynet_ids.txt"))
        .unwrap()
        .lines()
        .filter_map(|l| l.strip_prefix("interleaved: ").map(str::to_owned))
        .collect();
    assert_eq!(expected.len(), 10);
    let file = node_tests().join("interleaved.lua");
    let out = skywire(&["snax", "ids", file.to_str().unwrap()]);
    let got: Vec<String> = stdout_ok(&out).lines().map(str::to_owned).collect();
    assert_eq!(got, expected);
    // A refused file: the place and skynet's text.
    let file = node_tests().join("dup_accept.lua");
    let out = skywire(&["snax", "ids", file.to_str().unwrap()]);
    assert!(!out.status.success());
    assert!(
        stderr_of(&out).contains("dup_accept.lua:3:10: accept.a duplicate definition"),
        "{}",
        stderr_of(&out)
    );
}

#[test]
fn a_stub_numbers_as_its_list_says() {
    let file = temp("counter.lua");
    let out = skywire(&[
        "snax",
        "stub",
        "counter",
        "response.get",
        "accept.add",
        "-o",
        file.to_str().unwrap(),
    ]);
    stdout_ok(&out);
    let out = skywire(&["snax", "ids", file.to_str().unwrap()]);
    let ids = stdout_ok(&out);
    assert!(ids.ends_with("5 response get\n6 accept add\n"), "{ids}");
    let out = skywire(&["snax", "stub", "counter", "add"]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("expected accept.NAME or response.NAME"));
    std::fs::remove_file(&file).unwrap();
}

#[test]
fn req_and_post_reach_the_demo_counter() {
    let stubs = temp("stubs");
    std::fs::create_dir_all(&stubs).unwrap();
    let node = Running::start(&[
        "node",
        "--listen",
        "127.0.0.1:0",
        "--snax-stubs",
        stubs.to_str().unwrap(),
    ]);
    let stub = stubs.join("counter.lua");
    let i = stub.to_str().unwrap();
    let a = node.addr.as_str();
    let snax = |args: &[&str]| {
        let mut all = vec!["snax"];
        all.extend_from_slice(args);
        skywire(&all)
    };
    stdout_ok(&snax(&["post", "--interface", i, a, "counter", "add", "3"]));
    stdout_ok(&snax(&["post", "--interface", i, a, "counter", "add", "4"]));
    assert_eq!(
        stdout_ok(&snax(&["req", "--interface", i, a, "counter", "get"])),
        "7\n"
    );
    let echoed = snax(&[
        "req",
        "--json",
        "--interface",
        i,
        a,
        "counter",
        "echo",
        "x",
        "1",
    ]);
    assert_eq!(stdout_ok(&echoed), "[\"x\",1]\n");
    // By id, with the list form of the interface.
    let list = "accept.add,response.get";
    assert_eq!(
        stdout_ok(&snax(&["req", "--methods", list, a, "counter", "6"])),
        "7\n"
    );
    // An error response: its text, exit status 1.
    let out = snax(&["req", "--interface", i, a, "counter", "fail", "boom"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_of(&out).contains("error response: boom"));
    // Refused before anything is sent.
    let out = snax(&["post", "--interface", i, a, "counter", "get"]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("response.get is not an accept method"));
    // No interface: no numbering.
    let out = snax(&["req", a, "counter", "get"]);
    assert!(stderr_of(&out).contains("--interface FILE or --methods LIST"));
    // A name the node has no snax service of.
    let out = snax(&["req", "--methods", list, a, "kv", "get"]);
    assert!(
        stderr_of(&out).contains("no snax service kv"),
        "{}",
        stderr_of(&out)
    );
    drop(node);
    std::fs::remove_dir_all(&stubs).unwrap();
}

#[test]
fn node_listens_where_its_name_says() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let file = temp("clustername");
    std::fs::write(&file, format!("rust = \"127.0.0.1:{port}\"\nold = false\n")).unwrap();
    let f = file.to_str().unwrap();
    let node = Running::start(&["node", "--name", "rust", "--cluster", f]);
    assert_eq!(node.addr, format!("127.0.0.1:{port}"));
    drop(node);
    for (name, says) in [
        ("old", "cluster node [old] is marked false"),
        ("nosuch", "cluster node [nosuch] is not in the node table"),
    ] {
        let out = skywire(&["node", "--name", name, "--cluster", f]);
        assert!(!out.status.success());
        assert!(
            stderr_of(&out).contains(says),
            "{name}: {}",
            stderr_of(&out)
        );
    }
    // --name needs the table, and is not --listen.
    let out = skywire(&["node", "--name", "rust"]);
    assert!(!out.status.success());
    assert!(stderr_of(&out).contains("--cluster"), "{}", stderr_of(&out));
    let out = skywire(&[
        "node",
        "--name",
        "rust",
        "--cluster",
        f,
        "--listen",
        "127.0.0.1:0",
    ]);
    assert!(!out.status.success());
    std::fs::remove_file(&file).unwrap();
}
