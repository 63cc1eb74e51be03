//! `counter`, the demo snax service of `skywire node`: `conform/skynet/snax_counter.lua`
//! in Rust, the same methods in the same order, so the skynet scenario that calls that
//! service calls this one unchanged (given the stub `skywire node --snax-stubs` writes).
//!
//! | id | method | does |
//! |---|---|---|
//! | 5 | `accept.add(n)` | adds `n` to the total |
//! | 6 | `response.get()` | the total |
//! | 7 | `accept.note(...)` | keeps its arguments |
//! | 8 | `response.echo(...)` | returns its arguments |
//! | 9 | `response.notes()` | the notes kept (one array per note), and forgets them |
//! | 10 | `response.fail(text)` | fails with `text` |

use std::sync::{Arc, Mutex, PoisonError};

use bytes::Bytes;
use skywire_node::{sync_service_fn, ServiceError, SnaxService};
use skywire_seri::Value;

#[derive(Default)]
struct State {
    total: f64,
    integral: bool,
    notes: Vec<Value>,
}

/// The total as Lua would hold it: an integer while only integers were added.
fn total_value(s: &State) -> Value {
    if s.integral && s.total.abs() < 9.0e15 {
        Value::Integer(s.total as i64)
    } else {
        Value::Real(s.total)
    }
}

/// The service.
pub fn counter() -> Result<SnaxService, skywire_node::SnaxInterfaceError> {
    let state = Arc::new(Mutex::new(State {
        integral: true,
        ..State::default()
    }));
    let (add, get, note, notes) = (state.clone(), state.clone(), state.clone(), state);
    SnaxService::builder()
        .accept(
            "add",
            sync_service_fn(move |req| {
                let mut s = add.lock().unwrap_or_else(PoisonError::into_inner);
                match req.args.first() {
                    Some(Value::Integer(i)) => s.total += *i as f64,
                    Some(Value::Real(f)) => {
                        s.total += f;
                        s.integral = false;
                    }
                    other => {
                        let got = other.map_or_else(|| "nothing".into(), Value::to_string);
                        return Err(ServiceError::new(format!("add: a number, got {got}")));
                    }
                }
                Ok(vec![])
            }),
        )
        .response(
            "get",
            sync_service_fn(move |_| {
                let s = get.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(vec![total_value(&s)])
            }),
        )
        .accept(
            "note",
            sync_service_fn(move |req| {
                let kept = req.args.iter().map(Value::detached).collect();
                let mut s = note.lock().unwrap_or_else(PoisonError::into_inner);
                s.notes.push(Value::array(kept));
                Ok(vec![])
            }),
        )
        .response("echo", sync_service_fn(|req| Ok(req.args)))
        .response(
            "notes",
            sync_service_fn(move |_| {
                let mut s = notes.lock().unwrap_or_else(PoisonError::into_inner);
                Ok(vec![Value::array(std::mem::take(&mut s.notes))])
            }),
        )
        .response(
            "fail",
            sync_service_fn(|req| {
                let text = match req.args.first() {
                    Some(Value::String(s)) => s.clone(),
                    Some(other) => Bytes::from(other.to_string()),
                    None => Bytes::from_static(b"fail"),
                };
                Err(ServiceError::new(text))
            }),
        )
        .build()
}
