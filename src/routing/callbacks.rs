//! Delivery of TaskRouter events to a workspace's `event_callback_url`, honouring its
//! `events_filter`: a durable bus subscriber on its own thread (never a pool thread, never inside
//! a write), form-encoded POSTs as Twilio sends them, up to `ATTEMPTS` tries with backoff.
//! A callback that keeps failing is logged and recorded as `webhook.failed`; routing never waits.

use crate::core::Core;
use crate::events::{Delivery, Event, EventType, NewEvent};
use crate::store::taskrouter::workspaces::{self, Workspace};
use crossbeam_channel::{Receiver, RecvTimeoutError};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

pub const SUBSCRIBER: &str = "taskrouter-callbacks";
const ATTEMPTS: u32 = 3;
const TIMEOUT: Duration = Duration::from_secs(5);
/// How long a workspace's callback settings are trusted before being read again. A cached read
/// serves only events it saw committed (`seq` up to the newest at read time), so an event that
/// follows a settings change (a new `EventCallbackUrl`, say) is never judged by older settings.
const CACHE_FOR: Duration = Duration::from_secs(1);

/// A workspace's settings as read, with the newest event sequence number committed before.
struct Cached {
    at: Instant,
    seen_seq: i64,
    space: Option<Workspace>,
}

impl Cached {
    fn serves(&self, ev: &Event) -> bool {
        ev.seq <= self.seen_seq && self.at.elapsed() < CACHE_FOR
    }
}

/// Reads a workspace's settings. The sequence number is read first: the workspace read after it
/// sees every change committed before any event up to that number.
fn read_settings(app: &Core, ws: &str) -> Cached {
    let at = Instant::now();
    let seen_seq = app
        .store
        .read(crate::store::events::max_seq)
        .unwrap_or(i64::MIN);
    let space = app.store.read(|c| workspaces::find(c, ws)).ok().flatten();
    Cached {
        at,
        seen_seq,
        space,
    }
}

pub fn start(app: Arc<Core>, stop: Receiver<()>) -> Result<JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe(SUBSCRIBER, Delivery::Durable)
        .map_err(|e| format!("cannot subscribe {SUBSCRIBER}: {e}"))?;
    let agent = crate::outbound::guarded_client(
        crate::outbound::Options::within(TIMEOUT),
        app.config.allow_outbound.clone(),
    );
    let mut cache: HashMap<String, Cached> = HashMap::new();
    let retries_stop = stop.clone();
    sub.serve("tr-callbacks", stop, move |ev| {
        let Some(ws) = ev.workspace_sid.as_deref() else {
            return false;
        };
        if !cache.get(ws).is_some_and(|c| c.serves(ev)) {
            cache.insert(ws.to_string(), read_settings(&app, ws));
        }
        match cache.get(ws) {
            Some(Cached {
                space: Some(space), ..
            }) if wanted(space, ev) => {
                deliver(&app, &agent, space, ev, &retries_stop);
                true
            }
            _ => false,
        }
    })
    .map_err(|e| format!("cannot start the callback thread: {e}"))
}

/// Whether the workspace wants this event posted.
pub fn wanted(space: &Workspace, ev: &Event) -> bool {
    let Some(_) = space.event_callback_url.as_deref() else {
        return false;
    };
    if ev.kind == EventType::WebhookFailed || !is_taskrouter(ev.kind) {
        return false;
    }
    match space.events_filter.as_deref() {
        None | Some("") => true,
        Some(f) => f.split(',').any(|n| n.trim() == ev.kind.as_str()),
    }
}

fn is_taskrouter(kind: EventType) -> bool {
    let n = kind.as_str();
    [
        "task.",
        "task-queue.",
        "reservation.",
        "worker.",
        "workflow.",
        "activity.",
    ]
    .iter()
    .any(|p| n.starts_with(p))
}

/// The form Twilio posts for an event.
pub fn form(space: &Workspace, ev: &Event) -> Vec<(String, String)> {
    let mut out = vec![
        ("EventType".to_string(), ev.kind.as_str().to_string()),
        ("EventDescription".into(), ev.description.clone()),
        (
            "ResourceType".into(),
            resource_type(&ev.resource_type).to_string(),
        ),
        ("ResourceSid".into(), ev.resource_sid.clone()),
        ("Sid".into(), ev.sid.clone()),
        ("AccountSid".into(), ev.account_sid.clone()),
        ("WorkspaceSid".into(), space.sid.clone()),
        ("WorkspaceName".into(), space.friendly_name.clone()),
        ("Timestamp".into(), (ev.created_at / 1000).to_string()),
        ("TimestampMs".into(), ev.created_at.to_string()),
    ];
    if let Value::Object(map) = &ev.data {
        for (k, v) in map {
            if out.iter().any(|(n, _)| n == k) {
                continue;
            }
            let text = match v {
                Value::String(s) => s.clone(),
                Value::Null => continue,
                other => other.to_string(),
            };
            out.push((k.clone(), text));
        }
    }
    out
}

/// Twilio's spelling of a resource type (`task` → `Task`).
pub fn resource_type(t: &str) -> &str {
    match t {
        "task" => "Task",
        "reservation" => "Reservation",
        "worker" => "Worker",
        "task_queue" => "TaskQueue",
        "workflow" => "Workflow",
        "activity" => "Activity",
        other => other,
    }
}

fn deliver(app: &Core, agent: &ureq::Agent, space: &Workspace, ev: &Event, stop: &Receiver<()>) {
    let Some(url) = space.event_callback_url.as_deref() else {
        return;
    };
    let fields = form(space, ev);
    let pairs: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            let backoff = Duration::from_millis(250 << attempt);
            if !matches!(stop.recv_timeout(backoff), Err(RecvTimeoutError::Timeout)) {
                return;
            }
        }
        match agent.post(url).send_form(&pairs) {
            Ok(_) => return,
            Err(e) => last = crate::outbound::redact_credentials(&e.to_string()),
        }
    }
    log::warn!(
        "event callback {} to {} failed after {ATTEMPTS} attempts: {last}",
        ev.kind.as_str(),
        crate::outbound::redact_credentials(url)
    );
    let _ = app.store.write(|tx| {
        app.record(
            tx,
            &NewEvent::new(EventType::WebhookFailed, "event", &ev.sid)
                .workspace(&space.sid)
                .describe(format!("event callback to {url} failed: {last}"))
                .data(serde_json::json!({"Url": url, "EventSid": ev.sid, "EventType": ev.kind.as_str(), "Error": last})),
        )
    });
}
