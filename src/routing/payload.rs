//! Event payloads with the fields Twilio's TaskRouter event callbacks carry (`TaskSid`,
//! `TaskAttributes` as a JSON string, `WorkerSid`, `ReservationSid`, …), and `emit`, which
//! appends the event in the caller's transaction.
//! https://www.twilio.com/docs/taskrouter/api/event#event-callbacks

use super::states::TaskStatus;
use super::Result;
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::store::taskrouter::{reservations::Reservation, tasks::Task, workers::Worker};
use rusqlite::Connection;
use serde_json::{json, Map, Value};

pub type Data = Map<String, Value>;

pub fn task(t: &Task, now: i64) -> Data {
    let mut d = Data::new();
    d.insert("WorkspaceSid".into(), json!(t.workspace_sid));
    d.insert("TaskSid".into(), json!(t.sid));
    d.insert("TaskAttributes".into(), json!(t.attributes.to_string()));
    d.insert("TaskAge".into(), json!((now - t.created_at).max(0) / 1000));
    d.insert("TaskPriority".into(), json!(t.priority));
    d.insert(
        "TaskAssignmentStatus".into(),
        json!(t.assignment_status.as_str()),
    );
    d.insert("TaskChannelSid".into(), json!(t.task_channel_sid));
    d.insert(
        "TaskChannelUniqueName".into(),
        json!(t.task_channel_unique_name),
    );
    d.insert("TaskDateCreated".into(), json!(t.created_at / 1000));
    d.insert("TaskTimeout".into(), json!(t.timeout));
    if let Some(w) = &t.workflow_sid {
        d.insert("WorkflowSid".into(), json!(w));
    }
    if let Some(q) = &t.queue_sid {
        d.insert("TaskQueueSid".into(), json!(q));
    }
    if let Some(r) = &t.reason {
        d.insert("Reason".into(), json!(r));
        match t.assignment_status {
            TaskStatus::Canceled => d.insert("TaskCanceledReason".into(), json!(r)),
            TaskStatus::Completed => d.insert("TaskCompletedReason".into(), json!(r)),
            _ => None,
        };
    }
    d
}

pub fn worker(d: &mut Data, w: &Worker) {
    d.insert("WorkspaceSid".into(), json!(w.workspace_sid));
    d.insert("WorkerSid".into(), json!(w.sid));
    d.insert("WorkerName".into(), json!(w.friendly_name));
    d.insert("WorkerAttributes".into(), json!(w.attributes.to_string()));
    d.insert("WorkerActivitySid".into(), json!(w.activity_sid));
    d.insert("WorkerActivityName".into(), json!(w.activity_name));
    d.insert("WorkerAvailable".into(), json!(w.available));
}

pub fn reservation(d: &mut Data, r: &Reservation) {
    d.insert("ReservationSid".into(), json!(r.sid));
    d.insert("ReservationStatus".into(), json!(r.status.as_str()));
    d.insert("WorkerSid".into(), json!(r.worker_sid));
    if !r.worker_name.is_empty() {
        d.insert("WorkerName".into(), json!(r.worker_name));
    }
    d.insert("ReservationTimeout".into(), json!(r.timeout));
}

#[allow(clippy::too_many_arguments)]
/// Appends one TaskRouter event (`resource_type` as `task`, `reservation`, `worker`, …).
pub fn emit(
    conn: &Connection,
    app: &Core,
    kind: EventType,
    ws: &str,
    resource_type: &'static str,
    resource_sid: &str,
    description: String,
    data: Data,
) -> Result<()> {
    app.record(
        conn,
        &NewEvent::new(kind, resource_type, resource_sid)
            .workspace(ws)
            .describe(description)
            .data(Value::Object(data)),
    )?;
    Ok(())
}
