//! Graceful shutdown: a call in progress when it starts gets its answer; no new
//! connection is served after it; it ends within its deadline.

use std::sync::Arc;
use std::time::Duration;

use skywire_node::{service_fn, CallError, Node};
use skywire_seri::Value;
use tokio::sync::Notify;

const GUARD: Duration = Duration::from_secs(20);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_call_in_progress_gets_its_answer() {
    let server = Node::new();
    let started = Arc::new(Notify::new());
    let s = started.clone();
    server
        .register(
            "slow",
            service_fn(move |req| {
                let s = s.clone();
                async move {
                    s.notify_one();
                    tokio::time::sleep(Duration::from_millis(300)).await;
                    Ok(req.args)
                }
            }),
        )
        .unwrap();
    let listener = server.listen("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().to_string();

    let client = Node::new();
    let remote = client.remote_at(&addr);
    let call = tokio::spawn(async move { remote.call("@slow", &["in flight".into()]).await });
    tokio::time::timeout(GUARD, started.notified())
        .await
        .unwrap();

    let stopping = server.clone();
    let shutdown =
        tokio::spawn(async move { stopping.graceful_shutdown(Duration::from_secs(10)).await });
    let got = tokio::time::timeout(GUARD, call).await.unwrap().unwrap();
    assert_eq!(got.unwrap(), [Value::from("in flight")]);
    tokio::time::timeout(GUARD, shutdown)
        .await
        .expect("shutdown hung")
        .unwrap();
    assert!(server.is_shut_down());

    // Nothing is served any more.
    let late = Node::new().remote_at(&addr);
    let r = tokio::time::timeout(GUARD, late.call("@slow", &["late".into()]))
        .await
        .unwrap();
    assert!(
        matches!(
            r,
            Err(CallError::Connect { .. } | CallError::ConnectionLost { .. })
        ),
        "{r:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_service_that_never_answers_is_cut_at_the_deadline() {
    let server = Node::new();
    server
        .register("never", service_fn(|_| std::future::pending()))
        .unwrap();
    let listener = server.listen("127.0.0.1:0").await.unwrap();
    let remote = Node::new().remote_at(&listener.local_addr().to_string());
    let call = tokio::spawn(async move { remote.call("@never", &[]).await });
    tokio::time::sleep(Duration::from_millis(100)).await;
    tokio::time::timeout(GUARD, server.graceful_shutdown(Duration::from_millis(300)))
        .await
        .expect("the deadline did not hold");
    let r = tokio::time::timeout(GUARD, call).await.unwrap().unwrap();
    assert!(matches!(r, Err(CallError::ConnectionLost { .. })), "{r:?}");
}
