//! Per-source request rate limits for the public endpoints (web chat, carrier webhooks): a token
//! bucket per client address. Exceeding it answers 429 with Twilio's error JSON; nothing else is
//! affected. Authenticated API routes are not limited here.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

pub struct RateLimiter {
    /// Requests a source may make in a burst.
    burst: f64,
    /// Requests per second a source regains.
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Sources not seen for this long are forgotten, so the table cannot grow without bound.
const FORGET_AFTER_SECS: f64 = 600.0;

impl RateLimiter {
    pub fn new(burst: u32, per_second: u32) -> RateLimiter {
        RateLimiter {
            burst: f64::from(burst.max(1)),
            per_second: f64::from(per_second.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `source`; false means the request must be refused.
    pub fn allow(&self, source: IpAddr) -> bool {
        let now = Instant::now();
        let mut buckets = self.buckets.lock().unwrap_or_else(|p| p.into_inner());
        if buckets.len() > 100_000 {
            buckets
                .retain(|_, (_, seen)| now.duration_since(*seen).as_secs_f64() < FORGET_AFTER_SECS);
        }
        let (tokens, last) = buckets.entry(source).or_insert((self.burst, now));
        let refill = now.duration_since(*last).as_secs_f64() * self.per_second;
        *tokens = (*tokens + refill).min(self.burst);
        *last = now;
        if *tokens >= 1.0 {
            *tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_refusal_per_source() {
        let l = RateLimiter::new(3, 1);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        let b: IpAddr = "10.0.0.2".parse().unwrap();
        assert!(l.allow(a) && l.allow(a) && l.allow(a));
        assert!(!l.allow(a));
        assert!(l.allow(b), "another source has its own bucket");
    }
}
