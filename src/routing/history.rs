//! Task history (issue 17): a durable bus subscriber that keeps one `tr_task_history` row per
//! task from its events — created, queued, answered (the first accepted reservation), wrap-up,
//! ended and how — so reports and the conversation search still know a task after TaskRouter
//! deletes it (its TTL, or a `DELETE`). A new database's subscriber starts at the first event,
//! so an upgraded appliance fills the history of everything its outbox still has.

use crate::core::Core;
use crate::events::{Delivery, Event, EventType};
use crate::store::taskrouter::history as db;
use crate::store::Result;
use rusqlite::Connection;
use serde_json::Value;
use std::sync::Arc;

pub const SUBSCRIBER: &str = "task-history";

/// Subscribes (durably) and starts the history thread.
pub fn start(
    app: &Arc<Core>,
    stop: crossbeam_channel::Receiver<()>,
) -> std::result::Result<std::thread::JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe(SUBSCRIBER, Delivery::Durable)
        .map_err(|e| format!("the task history cannot subscribe: {e}"))?;
    let app = app.clone();
    std::thread::Builder::new()
        .name("task-history".into())
        .spawn(move || loop {
            let first = crossbeam_channel::select! {
                recv(sub.events) -> ev => match ev { Ok(ev) => ev, Err(_) => return },
                recv(stop) -> _ => return,
            };
            let mut batch = vec![first];
            while batch.len() < 1000 {
                match sub.events.try_recv() {
                    Ok(ev) => batch.push(ev),
                    Err(_) => break,
                }
            }
            let last = batch.last().map(|e| e.seq).unwrap_or(0);
            let together = app.store.write(|tx| -> Result<()> {
                for ev in &batch {
                    apply(tx, ev)?;
                }
                sub.ack_in(tx, last)
            });
            if let Err(e) = together {
                // One event the store refuses must not stop the history: each is tried alone,
                // and one that still fails is logged and passed over.
                log::warn!("task history: a batch failed ({e}); applying its events one by one");
                for ev in &batch {
                    if let Err(e) = app.store.write(|tx| apply(tx, ev)) {
                        log::error!(
                            "task history: event {} {} skipped: {e}",
                            ev.seq,
                            ev.kind.as_str()
                        );
                    }
                }
                if let Err(e) = sub.ack(last) {
                    log::error!("task history: cannot ack event {last}: {e}");
                }
            }
        })
        .map_err(|e| format!("cannot start the task history thread: {e}"))
}

fn text<'a>(d: &'a Value, k: &str) -> Option<&'a str> {
    d.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The task's attributes from an event's payload (`TaskAttributes` is a JSON string).
fn attributes(d: &Value) -> Value {
    text(d, "TaskAttributes")
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// Records what one event says about its task; other events pass.
pub fn apply(conn: &Connection, ev: &Event) -> Result<()> {
    let d = &ev.data;
    let (Some(ws), Some(task)) = (ev.workspace_sid.as_deref(), text(d, "TaskSid")) else {
        return Ok(());
    };
    let at = ev.created_at;
    match ev.kind {
        EventType::TaskCreated => {
            let a = attributes(d);
            let attr = |k: &str| a.get(k).and_then(Value::as_str);
            let c = db::Created {
                channel: text(d, "TaskChannelUniqueName"),
                queue_sid: text(d, "TaskQueueSid"),
                conversation_sid: attr("conversationSid"),
                execution_sid: attr("flow_execution_sid"),
                note: attr("transferNote"),
            };
            db::created(conn, task, ws, &c, at)
        }
        EventType::TaskQueueEntered | EventType::TaskQueueMoved => match text(d, "TaskQueueSid") {
            Some(q) => db::queued(conn, task, ws, q, at),
            None => Ok(()),
        },
        EventType::ReservationCreated => match text(d, "ReservationSid") {
            Some(r) => db::reserved(conn, task, ws, r, at),
            None => Ok(()),
        },
        EventType::ReservationAccepted => match text(d, "WorkerSid") {
            Some(w) => db::answered(conn, task, ws, w, text(d, "TaskQueueSid"), at),
            None => Ok(()),
        },
        EventType::TaskWrapup | EventType::ReservationWrapup => db::wrapping(conn, task, ws, at),
        EventType::TaskCompleted => {
            let a = attributes(d);
            let code = a.pointer("/conversations/outcome").and_then(Value::as_str);
            db::ended(conn, task, ws, "completed", code, at)
        }
        EventType::TaskCanceled => db::ended(conn, task, ws, "canceled", None, at),
        EventType::TaskDeleted | EventType::TaskSystemDeleted => {
            db::ended(conn, task, ws, "deleted", None, at)
        }
        _ => Ok(()),
    }
}
