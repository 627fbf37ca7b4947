//! Task history (issue 17): one `tr_task_history` row per task, kept from its events —
//! created, queued, answered (the first accepted reservation), wrap-up, ended and how — so
//! reports and the conversation search still know a task after TaskRouter deletes it (its TTL,
//! or a `DELETE`). `payload::emit` records each event here in the transaction that appends it,
//! so the history commits with the change it describes (no thread, no lag: a process keeps
//! within its thread budget, `tests/http_conn.rs`). Tasks from before the schema step that
//! added the table have no history.

use crate::events::EventType;
use crate::store::taskrouter::history as db;
use crate::store::taskrouter::reports as rollup;
use crate::store::Result;
use rusqlite::Connection;
use serde_json::Value;

fn text<'a>(d: &'a Value, k: &str) -> Option<&'a str> {
    d.get(k).and_then(Value::as_str).filter(|s| !s.is_empty())
}

/// The task's attributes from an event's payload (`TaskAttributes` is a JSON string).
fn attributes(d: &Value) -> Value {
    text(d, "TaskAttributes")
        .and_then(|s| serde_json::from_str(s).ok())
        .unwrap_or(Value::Null)
}

/// Records what one event (`kind`, its payload `d`, appended at `at`) says about its task;
/// other events pass.
pub fn record(conn: &Connection, kind: EventType, ws: &str, d: &Value, at: i64) -> Result<()> {
    let Some(task) = text(d, "TaskSid") else {
        return Ok(());
    };
    if !matches!(
        kind,
        EventType::TaskCreated
            | EventType::TaskQueueEntered
            | EventType::TaskQueueMoved
            | EventType::ReservationAccepted
            | EventType::TaskWrapup
            | EventType::ReservationWrapup
            | EventType::TaskCompleted
            | EventType::TaskCanceled
            | EventType::TaskDeleted
            | EventType::TaskSystemDeleted
            | EventType::ReservationCreated
    ) {
        return Ok(());
    }
    if matches!(kind, EventType::ReservationCreated) {
        return change(conn, kind, ws, task, d, at);
    }
    // The report rollups follow the row: what it added before this event is taken back and
    // what it adds now is added, in this transaction (`store::taskrouter::reports`).
    let before = rollup::contribution(conn, task)?;
    change(conn, kind, ws, task, d, at)?;
    let after = rollup::contribution(conn, task)?;
    if before != after {
        if let Some(b) = &before {
            rollup::apply(conn, b, -1)?;
        }
        if let Some(a) = &after {
            rollup::apply(conn, a, 1)?;
        }
    }
    Ok(())
}

fn change(
    conn: &Connection,
    kind: EventType,
    ws: &str,
    task: &str,
    d: &Value,
    at: i64,
) -> Result<()> {
    match kind {
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
            Some(w) => {
                let queue = text(d, "TaskQueueSid");
                let sla_s = super::reports::sla_seconds(conn, ws, queue)?;
                db::answered(conn, task, ws, w, queue, at, sla_s * 1000)
            }
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
