//! [`EtcdConfig`]: where etcd is, the prefix, the lease TTL, the retry bounds; and the
//! backoff and connection every etcd task shares.

use std::future::Future;
use std::time::Duration;

use etcd_client::{Client, ConnectOptions};

use super::keys;
use super::EtcdError;

/// Where etcd is and how to use it.
#[derive(Clone, Debug)]
pub struct EtcdConfig {
    endpoints: Vec<String>,
    prefix: String,
    ttl: Duration,
    retry_min: Duration,
    retry_max: Duration,
    request_timeout: Duration,
}

impl EtcdConfig {
    /// Default lease TTL: a crashed node disappears after this long.
    pub const DEFAULT_TTL: Duration = Duration::from_secs(10);
    /// Default first retry delay (it doubles on each failure in a row).
    pub const DEFAULT_RETRY_MIN: Duration = Duration::from_millis(100);
    /// Default longest retry delay.
    pub const DEFAULT_RETRY_MAX: Duration = Duration::from_secs(5);
    /// Default time etcd gets to answer one request.
    pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

    /// etcd at `endpoints` (`http://host:2379`), keys under `prefix` (`/skywire`; a `/` is
    /// added at the end when missing).
    pub fn new<E: Into<String>>(endpoints: impl IntoIterator<Item = E>, prefix: &str) -> Self {
        EtcdConfig {
            endpoints: endpoints.into_iter().map(Into::into).collect(),
            prefix: keys::normalize(prefix),
            ttl: Self::DEFAULT_TTL,
            retry_min: Self::DEFAULT_RETRY_MIN,
            retry_max: Self::DEFAULT_RETRY_MAX,
            request_timeout: Self::DEFAULT_REQUEST_TIMEOUT,
        }
    }

    /// The lease TTL of published keys, in whole seconds (rounded up; etcd's own minimum,
    /// about 2 s with its default election timeout, applies).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// Retry delays: the first failure waits `min`, each further one in a row twice as
    /// long, up to `max`.
    pub fn retry(mut self, min: Duration, max: Duration) -> Self {
        self.retry_min = min;
        self.retry_max = max.max(min);
        self
    }

    /// How long etcd gets to answer one request (and the HTTP/2 keep-alive's timeout).
    pub fn request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = timeout;
        self
    }

    /// The prefix, ending with `/`.
    pub fn prefix(&self) -> &str {
        &self.prefix
    }

    /// The endpoints.
    pub fn endpoints(&self) -> &[String] {
        &self.endpoints
    }

    /// The lease TTL in whole seconds (at least 1).
    pub(crate) fn ttl_secs(&self) -> i64 {
        let s = self.ttl.as_secs() + u64::from(self.ttl.subsec_nanos() > 0);
        i64::try_from(s.max(1)).unwrap_or(i64::MAX)
    }

    /// How often a lease is renewed: a third of its TTL.
    pub(crate) fn renew_every(&self) -> Duration {
        Duration::from_secs(u64::try_from(self.ttl_secs()).unwrap_or(1)) / 3
    }

    pub(crate) fn backoff(&self) -> Backoff {
        Backoff {
            min: self.retry_min,
            max: self.retry_max,
            next: self.retry_min,
        }
    }

    /// `fut` within the request timeout, its error tagged with `op`.
    pub(crate) async fn ask<T>(
        &self,
        op: &'static str,
        fut: impl Future<Output = Result<T, etcd_client::Error>>,
    ) -> Result<T, EtcdError> {
        match tokio::time::timeout(self.request_timeout, fut).await {
            Ok(Ok(v)) => Ok(v),
            Ok(Err(source)) => Err(EtcdError::Etcd {
                op,
                endpoints: self.endpoints.join(","),
                source,
            }),
            Err(_) => Err(EtcdError::Timeout {
                op,
                endpoints: self.endpoints.join(","),
                after: self.request_timeout,
            }),
        }
    }

    /// A client, with HTTP/2 keep-alives so a silent etcd is noticed within
    /// about twice the request timeout.
    pub(crate) async fn connect(&self) -> Result<Client, EtcdError> {
        let options = ConnectOptions::new()
            .with_connect_timeout(self.request_timeout)
            .with_keep_alive(self.request_timeout, self.request_timeout)
            .with_keep_alive_while_idle(true);
        self.ask("connect", Client::connect(&self.endpoints, Some(options)))
            .await
    }
}

/// Retry delays, doubling from `min` to `max`; back to `min` after a success.
#[derive(Debug)]
pub(crate) struct Backoff {
    min: Duration,
    max: Duration,
    next: Duration,
}

impl Backoff {
    /// The delay before the next try.
    pub(crate) fn next_delay(&mut self) -> Duration {
        let d = self.next;
        self.next = (self.next * 2).min(self.max);
        d
    }

    /// After a success.
    pub(crate) fn reset(&mut self) {
        self.next = self.min;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_its_bound_and_resets() {
        let c = EtcdConfig::new(["http://127.0.0.1:1"], "/p")
            .retry(Duration::from_millis(100), Duration::from_millis(350));
        let mut b = c.backoff();
        let got: Vec<u128> = (0..5).map(|_| b.next_delay().as_millis()).collect();
        assert_eq!(got, [100, 200, 350, 350, 350]);
        b.reset();
        assert_eq!(b.next_delay(), Duration::from_millis(100));
    }

    #[test]
    fn ttl_rounds_up_to_seconds() {
        let c = EtcdConfig::new(["x"], "/p");
        assert_eq!(c.clone().ttl(Duration::from_millis(2500)).ttl_secs(), 3);
        assert_eq!(c.clone().ttl(Duration::ZERO).ttl_secs(), 1);
        assert_eq!(
            c.ttl(Duration::from_secs(9)).renew_every(),
            Duration::from_secs(3)
        );
    }
}
