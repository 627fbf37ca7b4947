//! `App`: what an HTTP handler is handed — the `Core` plus the state that belongs to HTTP (the
//! public routes' rate limiter). It derefs to `Core`, so a handler passes `app` straight to a
//! domain function taking `&Core`.

use crate::core::Core;
use std::ops::Deref;
use std::sync::Arc;

pub struct App {
    pub core: Arc<Core>,
    /// Per-source limit on the public routes marked `limited()`.
    pub public_limiter: super::limits::RateLimiter,
}

impl App {
    pub fn new(core: Arc<Core>) -> App {
        let public_limiter =
            super::limits::RateLimiter::new(core.config.public_burst, core.config.public_rate);
        App {
            core,
            public_limiter,
        }
    }
}

impl Deref for App {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}
