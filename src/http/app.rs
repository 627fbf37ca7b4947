//! `App`: what an HTTP handler is handed — the `Core` plus the state that belongs to HTTP (the
//! public routes' rate limits, the sign-in backoff, failed Basic auths per address). It derefs
//! to `Core`, so a handler passes `app` straight to a domain function taking `&Core`.

use super::limits::{Backoff, FailureWindow, RouteLimits};
use crate::core::Core;
use std::ops::Deref;
use std::sync::Arc;
use std::time::Duration;

pub struct App {
    pub core: Arc<Core>,
    /// Per-source limits on the public routes marked `limited()`, a bucket per route class.
    pub rate_limits: RouteLimits,
    /// Failed sign-ins per account (admin console, agent desktop).
    pub sign_in_backoff: Backoff,
    /// Failed HTTP Basic authentications per client address, per minute.
    pub basic_failures: FailureWindow,
}

impl App {
    pub fn new(core: Arc<Core>) -> App {
        let c = &core.config;
        let rate_limits = RouteLimits::new(c.public_burst, c.public_rate);
        let sign_in_backoff = Backoff::new(Duration::from_millis(c.signin_backoff_ms));
        let basic_failures =
            FailureWindow::new(c.auth_failures_per_minute, Duration::from_secs(60));
        App {
            core,
            rate_limits,
            sign_in_backoff,
            basic_failures,
        }
    }
}

impl Deref for App {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}
