//! The HTTP edge's limits on what one stranger can do, all in memory (a restart forgets them):
//!
//! - `RateLimiter`: a token bucket per client address; `RouteLimits` keeps one per route class
//!   (`Limit`: sign-in, web chat, carrier webhooks — signed ones apart from unsigned ones — and
//!   the rest), so a flood of wrong sign-ins does not silence web chat or the carrier's webhooks.
//!   Exceeding a bucket answers 429 with Twilio's error JSON.
//! - `Backoff`: failed sign-ins per account (the admin's credentials, an agent's login): after
//!   `FREE_FAILURES`, each next attempt must wait twice as long as the last, up to `MAX_BACKOFF`;
//!   a success or an admin's unlock clears it.
//! - `FailureWindow`: failed HTTP Basic authentications per client address per minute.
//!
//! Each table forgets entries it no longer needs, so none grows without bound.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The bucket a rate-limited public route draws from (`Route::limited_as`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Admin and agent sign-in.
    SignIn,
    /// The customers' web chat (`/webchat/...`).
    WebChat,
    /// Carrier webhooks: signed requests (a valid `X-Twilio-Signature`) draw from their own
    /// bucket, so unsigned traffic from the same address never limits them.
    Webhook,
    /// Every other public route marked `limited()`.
    Other,
}

pub struct RateLimiter {
    /// Requests a source may make in a burst.
    burst: f64,
    /// Requests per second a source regains.
    per_second: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

/// Sources not seen for this long are forgotten, so the table cannot grow without bound.
const FORGET_AFTER_SECS: f64 = 600.0;
/// A table this large is swept of entries it no longer needs before it grows further.
const SWEEP_AT: usize = 100_000;

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
        if buckets.len() > SWEEP_AT {
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

/// One `RateLimiter` per route class, each with the same burst and rate per address.
pub struct RouteLimits {
    sign_in: RateLimiter,
    web_chat: RateLimiter,
    webhook_signed: RateLimiter,
    webhook_unsigned: RateLimiter,
    other: RateLimiter,
}

impl RouteLimits {
    pub fn new(burst: u32, per_second: u32) -> RouteLimits {
        let new = || RateLimiter::new(burst, per_second);
        RouteLimits {
            sign_in: new(),
            web_chat: new(),
            webhook_signed: new(),
            webhook_unsigned: new(),
            other: new(),
        }
    }

    /// Takes one token from `client`'s bucket of `class`; `signed` picks the signed webhooks'
    /// bucket (ignored for the other classes).
    pub fn allow(&self, class: Limit, signed: bool, client: IpAddr) -> bool {
        let bucket = match class {
            Limit::SignIn => &self.sign_in,
            Limit::WebChat => &self.web_chat,
            Limit::Webhook if signed => &self.webhook_signed,
            Limit::Webhook => &self.webhook_unsigned,
            Limit::Other => &self.other,
        };
        bucket.allow(client)
    }
}

/// Failed attempts an account may make before it must wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait between two attempts on one account.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// Longer keys are cut: a key names an account, and the table's memory stays bounded.
const MAX_KEY: usize = 80;

/// Failed sign-ins per account, with the wait they impose.
pub struct Backoff {
    base: Duration,
    accounts: Mutex<HashMap<String, Strikes>>,
}

struct Strikes {
    failures: u32,
    /// No attempt is checked before this.
    until: Instant,
}

impl Backoff {
    /// `base`: the wait after the `FREE_FAILURES`th failure, doubled with each further one.
    pub fn new(base: Duration) -> Backoff {
        Backoff {
            base,
            accounts: Mutex::new(HashMap::new()),
        }
    }

    fn key(account: &str) -> &str {
        match account.char_indices().nth(MAX_KEY) {
            Some((i, _)) => &account[..i],
            None => account,
        }
    }

    /// How long `account` must still wait before an attempt is checked (`None`: go ahead).
    pub fn wait(&self, account: &str) -> Option<Duration> {
        let accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        let left = accounts
            .get(Self::key(account))?
            .until
            .saturating_duration_since(Instant::now());
        (!left.is_zero()).then_some(left)
    }

    /// Records a failed attempt; returns the wait it imposes from now (zero while still free).
    pub fn failed(&self, account: &str) -> Duration {
        let now = Instant::now();
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        if accounts.len() > SWEEP_AT {
            // Forget accounts whose wait is over and that have not failed in the longest wait.
            accounts.retain(|_, s| now.saturating_duration_since(s.until) < MAX_BACKOFF);
        }
        let strikes = accounts
            .entry(Self::key(account).to_string())
            .or_insert(Strikes {
                failures: 0,
                until: now,
            });
        strikes.failures = strikes.failures.saturating_add(1);
        let wait = self.after(strikes.failures);
        strikes.until = now + wait;
        wait
    }

    /// The wait after `failures` failed attempts.
    fn after(&self, failures: u32) -> Duration {
        if failures < FREE_FAILURES {
            return Duration::ZERO;
        }
        let doublings = (failures - FREE_FAILURES).min(30);
        self.base.saturating_mul(1u32 << doublings).min(MAX_BACKOFF)
    }

    /// A successful sign-in or an admin's unlock: the account starts afresh.
    pub fn clear(&self, account: &str) {
        let mut accounts = self.accounts.lock().unwrap_or_else(|p| p.into_inner());
        accounts.remove(Self::key(account));
    }
}

/// Failures per client address within a fixed window (one minute for HTTP Basic).
pub struct FailureWindow {
    limit: u32,
    window: Duration,
    sources: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

impl FailureWindow {
    pub fn new(limit: u32, window: Duration) -> FailureWindow {
        FailureWindow {
            limit: limit.max(1),
            window,
            sources: Mutex::new(HashMap::new()),
        }
    }

    /// How long `source` must wait before its next attempt counts (`None`: go ahead).
    pub fn blocked(&self, source: IpAddr) -> Option<Duration> {
        let sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        let (count, started) = sources.get(&source)?;
        let left = self.window.saturating_sub(started.elapsed());
        (*count >= self.limit && !left.is_zero()).then_some(left)
    }

    /// Counts a failure of `source`.
    pub fn failed(&self, source: IpAddr) {
        let now = Instant::now();
        let mut sources = self.sources.lock().unwrap_or_else(|p| p.into_inner());
        if sources.len() > SWEEP_AT {
            let window = self.window;
            sources.retain(|_, (_, started)| now.duration_since(*started) < window);
        }
        let (count, started) = sources.entry(source).or_insert((0, now));
        if now.duration_since(*started) >= self.window {
            *count = 0;
            *started = now;
        }
        *count += 1;
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

    #[test]
    fn each_route_class_has_its_own_bucket() {
        let l = RouteLimits::new(2, 1);
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        assert!(l.allow(Limit::SignIn, false, a) && l.allow(Limit::SignIn, false, a));
        assert!(!l.allow(Limit::SignIn, false, a));
        assert!(l.allow(Limit::WebChat, false, a));
        assert!(l.allow(Limit::Webhook, false, a) && l.allow(Limit::Webhook, false, a));
        assert!(
            !l.allow(Limit::Webhook, false, a),
            "unsigned webhooks run out"
        );
        assert!(
            l.allow(Limit::Webhook, true, a),
            "signed ones have their own"
        );
        assert!(l.allow(Limit::Other, true, a));
    }

    #[test]
    fn backoff_doubles_after_the_free_failures_and_clears() {
        let b = Backoff::new(Duration::from_secs(1));
        for _ in 1..FREE_FAILURES {
            assert_eq!(b.failed("agent:WK1"), Duration::ZERO);
        }
        assert_eq!(b.wait("agent:WK1"), None);
        assert_eq!(b.failed("agent:WK1"), Duration::from_secs(1));
        assert_eq!(b.failed("agent:WK1"), Duration::from_secs(2));
        assert_eq!(b.failed("agent:WK1"), Duration::from_secs(4));
        assert!(b
            .wait("agent:WK1")
            .is_some_and(|w| w > Duration::from_secs(3)));
        assert_eq!(b.wait("agent:WK2"), None, "another account is not affected");
        for _ in 0..100 {
            b.failed("agent:WK1");
        }
        assert_eq!(b.failed("agent:WK1"), MAX_BACKOFF, "capped");
        b.clear("agent:WK1");
        assert_eq!(b.wait("agent:WK1"), None);
        assert_eq!(b.failed("agent:WK1"), Duration::ZERO, "starts afresh");
        let long = "x".repeat(1000);
        b.failed(&long);
        assert_eq!(
            b.accounts.lock().unwrap().keys().map(|k| k.len()).max(),
            Some(MAX_KEY)
        );
    }

    #[test]
    fn failures_per_window_block_until_it_ends() {
        let w = FailureWindow::new(3, Duration::from_millis(200));
        let a: IpAddr = "10.0.0.1".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(w.blocked(a), None);
            w.failed(a);
        }
        assert!(w.blocked(a).is_some());
        assert_eq!(w.blocked("10.0.0.2".parse().unwrap()), None);
        std::thread::sleep(Duration::from_millis(250));
        assert_eq!(w.blocked(a), None, "a new window");
        w.failed(a);
        assert_eq!(w.blocked(a), None);
    }
}
