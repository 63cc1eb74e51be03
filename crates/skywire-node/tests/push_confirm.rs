//! Nothing acknowledged is lost at close: against a peer that, like skynet's cluster agent,
//! hands messages on one after another and drops those still waiting when the connection
//! closes, `Remote::close` (and dropping the handle) first confirms the pushes with a name
//! query, which such a peer answers only after the messages before it.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::BytesMut;
use skywire_codec::{Limits, Request, RequestDecoder, Response, Target};
use skywire_node::{CallError, Node, Remote};
use skywire_seri::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// How long the agent takes to hand one message on.
const HAND_OVER: Duration = Duration::from_millis(100);

/// A skynet-like agent on `listener`: each connection's messages are handed on in order,
/// each after [`HAND_OVER`]; pushes are recorded in `taken` when handed on; a query is
/// answered (`name not found`) and a call echoed when its turn comes; when the connection closes, whatever
/// was not handed on yet is dropped. With `answer_queries` false it closes the connection
/// on a query instead.
async fn agent(listener: TcpListener, taken: Arc<Mutex<Vec<Vec<Value>>>>, answer_queries: bool) {
    loop {
        let Ok((sock, _)) = listener.accept().await else {
            return;
        };
        let taken = taken.clone();
        tokio::spawn(async move {
            let (mut rd, mut wr) = sock.into_split();
            let (tx, mut rx) = mpsc::unbounded_channel::<Request>();
            let worker = tokio::spawn(async move {
                while let Some(req) = rx.recv().await {
                    tokio::time::sleep(HAND_OVER).await;
                    let answer = if req.target.is_query() {
                        if !answer_queries {
                            return;
                        }
                        let name = skywire_seri::unpack(&req.payload).unwrap();
                        taken
                            .lock()
                            .unwrap()
                            .push(vec!["query".into(), name[0].clone()]);
                        Response::error(req.session, "name not found")
                    } else if req.push {
                        taken
                            .lock()
                            .unwrap()
                            .push(skywire_seri::unpack(&req.payload).unwrap());
                        continue;
                    } else {
                        Response::ok(req.session, req.payload.clone())
                    };
                    let mut out = Vec::new();
                    answer.write_frames(&mut out).unwrap();
                    if wr.write_all(&out).await.is_err() {
                        return;
                    }
                }
            });
            let mut dec = RequestDecoder::new(Limits::DEFAULT);
            let mut buf = BytesMut::with_capacity(1 << 16);
            loop {
                match rd.read_buf(&mut buf).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
                while let Ok(Some(req)) = dec.decode(&mut buf) {
                    let _ = tx.send(req);
                }
            }
            // The connection closed: the agent goes, with what it had not handed on.
            worker.abort();
        });
    }
}

/// An agent (see [`agent`]) on a port of its own, and a node's handle to it: the node, the
/// handle, and what the agent hands on.
async fn start(answer_queries: bool) -> (Node, Remote, Arc<Mutex<Vec<Vec<Value>>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let taken = Arc::new(Mutex::new(Vec::new()));
    tokio::spawn(agent(listener, taken.clone(), answer_queries));
    let node = Node::new();
    let remote = node.remote_at(&addr);
    (node, remote, taken)
}

/// `remote.close()`, failing the test if it hangs.
async fn close(remote: &Remote) -> Result<(), CallError> {
    tokio::time::timeout(Duration::from_secs(10), remote.close())
        .await
        .expect("close hung")
}

fn large(tag: &str) -> Vec<Value> {
    vec![tag.into(), Value::string(vec![b'p'; 70_000])]
}

/// Through an agent that answers queries: each push of `pushes` (a target and the tag it
/// carries), then each call of `calls` (answered), then `close`; what the agent handed on.
async fn handed_on(pushes: &[(&Target, &str)], calls: &[&Target]) -> Vec<String> {
    let (_node, remote, taken) = start(true).await;
    for (target, tag) in pushes {
        remote.send(*target, &[(*tag).into()]).await.unwrap();
    }
    for target in calls {
        remote.call(*target, &["call".into()]).await.unwrap();
    }
    close(&remote).await.unwrap();
    tags(&taken)
}

/// What the agent handed on: each push's first argument; `query NAME` for each query.
fn tags(taken: &Mutex<Vec<Vec<Value>>>) -> Vec<String> {
    taken
        .lock()
        .unwrap()
        .iter()
        .map(|args| match args[0].as_str() {
            Some("query") => format!("query {}", args[1].as_str().unwrap_or("?")),
            Some(tag) => tag.to_owned(),
            None => "?".to_owned(),
        })
        .filter(|t| t != "call")
        .collect()
}

#[tokio::test]
async fn close_confirms_the_pushes_before_closing() {
    let (_node, remote, taken) = start(true).await;
    remote.send("@echo", &large("first")).await.unwrap();
    remote.send(10, &["small".into()]).await.unwrap();
    remote.send("@other", &large("last")).await.unwrap();
    close(&remote).await.unwrap();
    // (A small push may overtake the parts of a large one on the wire.) One query per
    // @name pushed to; the push to a number needs none of its own.
    let mut got = tags(&taken);
    got.sort();
    assert_eq!(got, ["first", "last", "query echo", "query other", "small"]);
}

#[tokio::test]
async fn confirm_keeps_the_connection() {
    let (_node, remote, taken) = start(true).await;
    remote.send(".echo", &["one".into()]).await.unwrap();
    remote.confirm().await.unwrap();
    assert_eq!(tags(&taken), ["one", "query "]);
    // Nothing new to confirm: no round trip.
    remote.confirm().await.unwrap();
    remote.send("@echo", &["two".into()]).await.unwrap();
    close(&remote).await.unwrap();
    assert_eq!(tags(&taken), ["one", "query ", "two", "query echo"]);
}

#[tokio::test]
async fn dropping_the_handle_confirms_in_the_background() {
    let (node, remote, taken) = start(true).await;
    remote.send("@echo", &large("dropped")).await.unwrap();
    drop(remote);
    drop(node);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while tags(&taken).is_empty() {
        assert!(tokio::time::Instant::now() < deadline, "the push was lost");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(tags(&taken), ["dropped"]);
}

#[tokio::test]
async fn a_push_that_cannot_be_confirmed_is_reported() {
    let (_node, remote, _) = start(false).await;
    remote.send("@echo", &large("maybe lost")).await.unwrap();
    let err = close(&remote).await.unwrap_err();
    assert!(matches!(err, CallError::Unconfirmed { .. }), "{err:?}");
    assert!(err.to_string().contains("may be lost"), "{err}");
}

#[tokio::test]
async fn an_answered_call_to_the_same_name_confirms_without_a_query() {
    let echo = Target::name("@echo").unwrap();
    // A call to @echo, answered after both pushes (as skynet's agent answers it).
    let pushes = [(&echo, "pushed"), (&Target::Address(7), "plain")];
    let taken = handed_on(&pushes, &[&echo]).await;
    assert_eq!(taken, ["pushed", "plain"]);
}

#[tokio::test]
async fn a_call_by_number_or_to_another_name_does_not_confirm_a_push_to_a_name() {
    // skynet's agent may answer a call by number before a push to a @name still being
    // resolved is handed on: only a request to the same name confirms that push.
    let (echo, other) = (
        Target::name("@echo").unwrap(),
        Target::name("@other").unwrap(),
    );
    let taken = handed_on(&[(&echo, "pushed")], &[&Target::Address(10), &other]).await;
    assert_eq!(taken, ["pushed", "query echo"]);
}
