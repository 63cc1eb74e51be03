//! The contract a node under test serves, and a skywire node that serves it.
//!
//! It is the behaviour of the `db` node in `tests/captures/` plus one addition (`"pushes"`),
//! so the same scenario runs against unmodified skynet (`conform/skynet/`), `skywire node
//! --conform` and any other implementation:
//!
//! | request to `echo` (and `echo2`) | answer |
//! |---|---|
//! | any arguments | the same arguments, packed again |
//! | `"fail", ...` | an error response (any text) |
//! | `"big", n` | one string of `n` bytes `R` |
//! | `"sleep", n` | the arguments, after `n` / 100 s |
//! | `"pushes"` | one table per push received since the last `"pushes"` (the push's arguments as an array), in arrival order; nothing when there were none |
//! | a push (`cluster.send`) | kept for `"pushes"`, never answered |

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use bytes::Bytes;
use skywire_node::{service_fn, Node, RegisterError, ServiceError, ServiceRequest, ServiceResult};
use skywire_seri::{Table, Value};

/// The cluster name of the contract's service.
pub const ECHO: &str = "echo";
/// The cluster name of the contract's second, identical service.
pub const ECHO2: &str = "echo2";
/// The address `echo` has in the captures (skynet handed out handle 10); skywire's contract
/// node uses it too, so the caller script's calls by number reach it.
pub const ECHO_ADDRESS: u32 = 10;
/// The address `echo2` has in the captures.
pub const ECHO2_ADDRESS: u32 = 11;
/// The byte the contract's `"big"` strings are made of.
pub const BIG_BYTE: u8 = b'R';
/// The longest `"sleep"` the contract honours, in hundredths of a second (a larger `n`
/// sleeps this long), so a hostile caller cannot park tasks for ever.
pub const MAX_SLEEP: i64 = 60_000;
/// The largest `"big"` string the contract builds (64 MiB).
pub const MAX_BIG: i64 = 64 << 20;

/// One contract service: its pushes since the last `"pushes"`.
#[derive(Clone, Default)]
pub struct ContractEcho {
    pushes: Arc<Mutex<Vec<Vec<Value>>>>,
}

impl ContractEcho {
    /// Answers one request as the contract says.
    pub async fn handle(&self, req: ServiceRequest) -> ServiceResult {
        if req.push {
            self.lock()
                .push(req.args.iter().map(Value::detached).collect());
            return Ok(Vec::new());
        }
        let command = req.args.first().and_then(Value::as_bytes);
        match command {
            Some(b"fail") => Err(ServiceError::from("echo: failed as asked")),
            Some(b"big") => {
                let n = int_arg(&req.args, "big")?.clamp(0, MAX_BIG);
                Ok(vec![Value::string(Bytes::from(vec![BIG_BYTE; n as usize]))])
            }
            Some(b"sleep") => {
                let n = int_arg(&req.args, "sleep")?.clamp(0, MAX_SLEEP);
                tokio::time::sleep(Duration::from_millis(n as u64 * 10)).await;
                Ok(req.args)
            }
            Some(b"pushes") if req.args.len() == 1 => {
                let pushes = std::mem::take(&mut *self.lock());
                Ok(pushes
                    .into_iter()
                    .map(|args| Value::Table(Table::from_array(args)))
                    .collect())
            }
            _ => Ok(req.args),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Vec<Value>>> {
        self.pushes.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// The integer second argument of `"big", n` / `"sleep", n`.
fn int_arg(args: &[Value], what: &str) -> Result<i64, ServiceError> {
    args.get(1)
        .and_then(Value::as_integer)
        .ok_or_else(|| ServiceError::from(format!("echo: usage: \"{what}\", n")))
}

/// Registers the contract's `echo` (at [`ECHO_ADDRESS`]) and `echo2` (at
/// [`ECHO2_ADDRESS`]) on `node`.
pub fn register(node: &Node) -> Result<(), RegisterError> {
    for (name, address) in [(ECHO, ECHO_ADDRESS), (ECHO2, ECHO2_ADDRESS)] {
        let echo = ContractEcho::default();
        node.register_at(
            name,
            address,
            service_fn(move |req| {
                let echo = echo.clone();
                async move { echo.handle(req).await }
            }),
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use skywire_codec::{Session, Target};

    fn req(push: bool, args: Vec<Value>) -> ServiceRequest {
        ServiceRequest {
            target: Target::Address(ECHO_ADDRESS),
            address: ECHO_ADDRESS,
            session: Session::new(u32::from(!push)),
            push,
            trace: None,
            args,
            payload: Bytes::new(),
            peer: ([127, 0, 0, 1], 1).into(),
        }
    }

    #[tokio::test]
    async fn the_contract() {
        let echo = ContractEcho::default();
        let args = vec![Value::from("x"), Value::Nil, Value::from(3)];
        assert_eq!(echo.handle(req(false, args.clone())).await.unwrap(), args);
        assert!(echo.handle(req(false, vec!["fail".into()])).await.is_err());
        let big = echo
            .handle(req(false, vec!["big".into(), 5.into()]))
            .await
            .unwrap();
        assert_eq!(big, [Value::from("RRRRR")]);
        assert!(echo.handle(req(false, vec!["big".into()])).await.is_err());
        // Nothing kept yet: "pushes" returns nothing.
        assert!(echo
            .handle(req(false, vec!["pushes".into()]))
            .await
            .unwrap()
            .is_empty());
        assert!(echo
            .handle(req(true, vec!["p".into(), 1.into()]))
            .await
            .unwrap()
            .is_empty());
        echo.handle(req(true, vec!["q".into()])).await.unwrap();
        let got = echo
            .handle(req(false, vec!["pushes".into()]))
            .await
            .unwrap();
        assert_eq!(
            got,
            [
                Value::Table(Table::from_array(vec!["p".into(), 1.into()])),
                Value::Table(Table::from_array(vec!["q".into()])),
            ]
        );
        // Cleared.
        assert!(echo
            .handle(req(false, vec!["pushes".into()]))
            .await
            .unwrap()
            .is_empty());
    }
}
