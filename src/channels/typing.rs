//! Typing indicators: who is typing in which conversation right now. Ephemeral by design — a
//! keystroke is not a state change worth a row, so nothing here touches the store (the single
//! writer never sees typing): a map in `Core::state` (`Typing`), each entry living `TTL_MS` past
//! its last refresh by the injected clock, and gone at once when its author sends a message.
//! Twilio Conversations keeps typing in its client SDK (`conversation.typing()`, the
//! `typingStarted` / `typingEnded` events), not in REST; here the pages report it with a POST
//! and read it in the long-polls they already hold (the web chat's messages poll, the agent
//! desktop's updates), which `watch`ers wake (the parking thread) — no pool thread waits.

use crate::core::Core;
use crossbeam_channel::{Receiver, Sender};
use std::collections::HashMap;
use std::sync::Mutex;

/// How long one "typing" report lasts; the pages refresh it every 3 s while keys are pressed.
pub const TTL_MS: i64 = 5_000;
/// A refresh sooner than this after the last one changes nothing and wakes nobody.
const MIN_REFRESH_MS: i64 = 1_000;
/// Every this many reports, entries that have run out are swept from every conversation.
const SWEEP_EVERY: u64 = 256;

/// Someone typing in a conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Typist {
    /// The participant's identity (the author its messages carry).
    pub identity: String,
    /// Changes with every refresh, so a waiting read can tell a refresh from the same report.
    pub seq: u64,
}

#[derive(Default)]
struct Entry {
    identity: String,
    seq: u64,
    refreshed_at: i64,
}

#[derive(Default)]
struct Inner {
    by_conversation: HashMap<String, Vec<Entry>>,
    watchers: Vec<Sender<String>>,
    seq: u64,
}

/// The typing state of every conversation (in `Core::state`).
#[derive(Default)]
pub struct Typing {
    inner: Mutex<Inner>,
}

impl Typing {
    /// A receiver of the conversation SIDs whose typing changed (the parking thread's).
    pub fn watch(&self) -> Receiver<String> {
        let (tx, rx) = crossbeam_channel::unbounded();
        self.lock().watchers.push(tx);
        rx
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl Inner {
    fn notify(&mut self, conversation_sid: &str) {
        self.watchers
            .retain(|w| w.send(conversation_sid.to_string()).is_ok());
    }

    fn sweep(&mut self, now: i64) {
        self.by_conversation.retain(|_, entries| {
            entries.retain(|e| now - e.refreshed_at < TTL_MS);
            !entries.is_empty()
        });
    }
}

/// `identity` is typing in `conversation_sid` (for the next `TTL_MS`). Waiting reads of the
/// conversation are woken, except for a refresh within a second of the last.
pub fn started(app: &Core, conversation_sid: &str, identity: &str) {
    let now = app.now_ms();
    let typing = app.state::<Typing>();
    let mut inner = typing.lock();
    inner.seq += 1;
    let seq = inner.seq;
    if seq.is_multiple_of(SWEEP_EVERY) {
        inner.sweep(now);
    }
    let entries = inner
        .by_conversation
        .entry(conversation_sid.to_string())
        .or_default();
    entries.retain(|e| now - e.refreshed_at < TTL_MS);
    match entries.iter_mut().find(|e| e.identity == identity) {
        Some(e) if now - e.refreshed_at < MIN_REFRESH_MS => return,
        Some(e) => {
            e.seq = seq;
            e.refreshed_at = now;
        }
        None => entries.push(Entry {
            identity: identity.to_string(),
            seq,
            refreshed_at: now,
        }),
    }
    inner.notify(conversation_sid);
}

/// `identity` stopped typing (they sent their message, or cleared what they typed).
pub fn stopped(app: &Core, conversation_sid: &str, identity: &str) {
    let typing = app.state::<Typing>();
    let mut inner = typing.lock();
    let Some(entries) = inner.by_conversation.get_mut(conversation_sid) else {
        return;
    };
    let before = entries.len();
    entries.retain(|e| e.identity != identity);
    let removed = entries.len() != before;
    if entries.is_empty() {
        inner.by_conversation.remove(conversation_sid);
    }
    if removed {
        inner.notify(conversation_sid);
    }
}

/// Who is typing in `conversation_sid` now, oldest report first.
pub fn who(app: &Core, conversation_sid: &str) -> Vec<Typist> {
    let now = app.now_ms();
    let typing = app.state::<Typing>();
    let inner = typing.lock();
    inner
        .by_conversation
        .get(conversation_sid)
        .map(|entries| {
            entries
                .iter()
                .filter(|e| now - e.refreshed_at < TTL_MS)
                .map(|e| Typist {
                    identity: e.identity.clone(),
                    seq: e.seq,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A short tag of `typists` for a waiting read's "has it changed" (refreshes change it too).
pub fn tag(typists: &[Typist]) -> String {
    typists
        .iter()
        .map(|t| t.seq.to_string())
        .collect::<Vec<_>>()
        .join(".")
}
