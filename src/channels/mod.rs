//! Channels: how a customer's message reaches a flow or an agent and back.
//!
//! Owns Flex Flows (message handlers), Conversations (participants, messages, webhooks), channel
//! sessions (an external address → its active conversation), the carrier messaging webhook and
//! the outbound outbox, web chat, Interactions, the Channel Janitor and System Checkup.
//! It knows no HTTP: `http::api::channels` decodes requests and calls the functions here.
//! Tasks and executions belong to `routing` and `engine`; channels only links to them by SID
//! (from `task.created` events) and reacts to their events.

pub mod address_configs;
pub mod api_calls;
pub mod api_messages;
pub mod canned;
pub mod carrier_status;
pub mod chat_channels;
pub mod checkup;
pub mod conversations;
pub mod error;
pub mod flex_config;
pub mod flex_flows;
pub mod inbound;
pub mod integrations;
pub mod interactions;
pub mod invites;
pub mod janitor;
pub mod messages;
pub mod messaging_webhook;
pub mod notes;
pub mod outbound;
pub mod outbox;
pub mod park;
pub mod participants;
pub mod receipts;
pub mod refusals;
pub mod roles;
pub mod services;
pub mod sessions;
pub mod simulated_carrier;
mod studio_conversations;
pub mod test_runs;
mod transfer_workflow;
pub mod transfers;
pub mod typing;
pub mod users;
pub mod webchat;
pub mod webchat_wait;
pub mod webhooks;

pub use error::{Error, Result};

/// In-process state of the channels layer, reached through `Core::state`.
pub struct Shared {
    /// Striped locks that take one contact's due inbound messages one at a time through routing
    /// (`inbound::route_contact`), so a burst cannot start two executions or tasks before the
    /// first one's task exists. Storing a message takes no lock (the store orders the dues).
    contact_locks: Vec<std::sync::Mutex<()>>,
    /// Whether the test build's one-shot failpoint (`inbound::fail_once`) has fired.
    failpoint_tripped: std::sync::atomic::AtomicBool,
}

impl Default for Shared {
    fn default() -> Shared {
        Shared {
            contact_locks: (0..64).map(|_| std::sync::Mutex::new(())).collect(),
            failpoint_tripped: std::sync::atomic::AtomicBool::new(false),
        }
    }
}

impl Shared {
    /// Held while the due messages of `contact` → `identity` are routed.
    pub fn contact_lock(&self, contact: &str, identity: &str) -> std::sync::MutexGuard<'_, ()> {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        (contact, identity).hash(&mut h);
        let i = (h.finish() % self.contact_locks.len() as u64) as usize;
        self.contact_locks[i]
            .lock()
            .unwrap_or_else(|p| p.into_inner())
    }

    /// True from the second call on (the first trips it).
    pub(crate) fn tripped(&self) -> bool {
        self.failpoint_tripped
            .swap(true, std::sync::atomic::Ordering::Relaxed)
    }
}

use crate::core::Core;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Seeds the default handlers and starts the janitor and the outbox sender (called once from `lib::start`).
pub fn start(
    app: &Arc<Core>,
    stop: &crossbeam_channel::Receiver<()>,
) -> std::result::Result<Vec<JoinHandle<()>>, String> {
    flex_flows::seed(app, |conn, channel| {
        let name = if channel == flex_flows::MessagingChannel::Web {
            crate::flows::seed::WEBCHAT_FLOW
        } else {
            crate::flows::seed::MESSAGING_FLOW
        };
        Ok(
            match crate::store::studio::flows::find_by_name(conn, name)? {
                Some(f) => (
                    "studio".to_string(),
                    serde_json::json!({"flow_sid": f.latest.flow_sid}),
                ),
                None => ("task".to_string(), serde_json::json!({})),
            },
        )
    })
    .map_err(|e| format!("cannot seed the Flex Flows: {e}"))?;
    services::seed_all_roles(app)
        .map_err(|e| format!("cannot seed the Conversations roles: {e}"))?;
    app.metrics.register_gauges(outbox::gauges);
    app.timers.register(
        crate::timers::TimerKind::ChatSessionExpiry,
        conversations::on_timer,
    );
    let (wake_tx, wake_rx) = crossbeam_channel::bounded(1);
    app.clock.wake_on_move(wake_tx.clone());
    app.store.add_listener(wake_tx);
    let mut threads = vec![janitor::start(app, stop)?];
    let (a, s) = (app.clone(), stop.clone());
    threads.push(
        std::thread::Builder::new()
            .name("outbox".into())
            .spawn(move || outbox::run(&a, &s, &wake_rx))
            .map_err(|e| format!("cannot start the outbox thread: {e}"))?,
    );
    Ok(threads)
}
