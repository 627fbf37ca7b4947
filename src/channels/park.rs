//! Park / unpark (issue 22, the Flex template's park-interaction, built in): an agent waiting on
//! the customer parks the messaging conversation — its task completes and the agent is freed,
//! while the conversation and its sessions stay open (the janitor leaves a parked conversation
//! alone). The customer's next message (or `unpark`) makes a new task from what was parked —
//! the same workflow, channel, priority and attributes, plus `attributes.parked` — offered first
//! to the agent who parked it when they are available, and linked to the same conversation, so
//! the whole history comes with it.
//!
//! Refused: a task that is not assigned, a task with no conversation, a conversation already
//! parked, and one with a transfer or invite under way (another live task on it).

use super::{Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::routing::{self, states::TaskStatus, tasks::NewTask};
use crate::states::ConversationState;
use crate::store::channels::parks::{self as db, Park};
use crate::store::channels::{conversations as conv_db, sessions as session_db, transfers};
use crate::store::taskrouter::reservations;
use rusqlite::Connection;
use serde_json::{json, Value};

fn routing_error(e: routing::Error) -> Error {
    match e.kind {
        routing::ErrorKind::NotFound => Error::NotFound(e.message),
        routing::ErrorKind::Invalid => Error::invalid("Task", e.message),
        _ => Error::Integration(format!("TaskRouter: {e}")),
    }
}

/// The worker holding the task (an accepted or wrapping reservation).
fn holder(conn: &Connection, task_sid: &str) -> Result<Option<String>> {
    Ok(reservations::of_task(conn, task_sid)?
        .into_iter()
        .find(|r| {
            matches!(
                r.status,
                crate::states::ReservationStatus::Accepted
                    | crate::states::ReservationStatus::Wrapping
            )
        })
        .map(|r| r.worker_sid))
}

/// Parks the conversation of `task_sid`; `worker`, when given (the agent desktop), must hold the
/// task (else it is not found, as for another agent's task).
pub fn park(
    app: &Core,
    task_sid: &str,
    worker: Option<&str>,
    reason: Option<&str>,
) -> Result<Park> {
    app.store.write(|tx| {
        let mut task = routing::tasks::fetch(tx, task_sid)
            .map_err(routing_error)?
            .ok_or_else(|| Error::not_found(format!("The task {task_sid}")))?;
        let holder = holder(tx, task_sid)?;
        if worker.is_some() && holder.as_deref() != worker {
            return Err(Error::not_found(format!("The task {task_sid}")));
        }
        if task.assignment_status != TaskStatus::Assigned {
            return Err(Error::Conflict(format!(
                "Task {task_sid} is {}: only a conversation an agent is on (an assigned task) \
                 can be parked",
                task.assignment_status
            )));
        }
        let link = session_db::find_task(tx, task_sid)?.ok_or_else(|| {
            Error::invalid(
                "TaskSid",
                format!("task {task_sid} serves no messaging conversation"),
            )
        })?;
        let conv = conv_db::find(tx, &link.conversation_sid)?.ok_or_else(|| {
            Error::not_found(format!("The conversation {}", link.conversation_sid))
        })?;
        if conv.state == ConversationState::Closed {
            return Err(Error::Conflict(format!(
                "Conversation {} is closed",
                conv.sid
            )));
        }
        if db::open_for(tx, &conv.sid)?.is_some() {
            return Err(Error::Conflict(format!(
                "Conversation {} is parked already",
                conv.sid
            )));
        }
        let others: Vec<String> = session_db::live_tasks(tx, &conv.sid)?
            .into_iter()
            .filter(|t| t != task_sid)
            .collect();
        if !transfers::active_from_task(tx, task_sid)?.is_empty() || !others.is_empty() {
            return Err(Error::Conflict(format!(
                "Conversation {} has a transfer or invite under way; it can be parked once that \
                 is taken or withdrawn",
                conv.sid
            )));
        }
        let now = app.now_ms();
        let reason = reason
            .map(str::trim)
            .filter(|r| !r.is_empty())
            .map(str::to_string);
        let p = Park {
            sid: new_sid(Prefix::Park),
            conversation_sid: conv.sid.clone(),
            task_sid: task.sid.clone(),
            workspace_sid: task.workspace_sid.clone(),
            workflow_sid: task.workflow_sid.clone(),
            task_channel: task.task_channel_unique_name.clone(),
            priority: task.priority,
            attributes: task.attributes.to_string(),
            worker_sid: holder,
            reason: reason.clone(),
            parked_at: now,
            unparked_at: None,
            new_task_sid: None,
        };
        db::insert(tx, &p)?;
        let why = match &reason {
            Some(r) => format!("Parked, waiting for the customer: {r}"),
            None => "Parked, waiting for the customer".to_string(),
        };
        routing::tasks::update_status_in(tx, app, &mut task, TaskStatus::Completed, Some(&why))
            .map_err(routing_error)?;
        let ev = NewEvent::new(EventType::ConversationParked, "conversation", &conv.sid)
            .workspace(&p.workspace_sid)
            .describe(format!(
                "Conversation {} parked by task {task_sid}",
                conv.sid
            ))
            .data(json!({"ConversationSid": conv.sid, "TaskSid": task_sid,
                         "WorkerSid": p.worker_sid, "Reason": reason}));
        app.record(tx, &ev)?;
        Ok(p)
    })
}

/// Brings a parked conversation back inside the caller's write: the new task (offered to the
/// agent who parked it first), the conversation's sessions pointed at it. None when the
/// conversation is not parked.
pub fn unpark_in(
    tx: &rusqlite::Transaction,
    app: &Core,
    conversation_sid: &str,
) -> Result<Option<String>> {
    let Some(p) = db::open_for(tx, conversation_sid)? else {
        return Ok(None);
    };
    let now = app.now_ms();
    let mut attrs: Value = serde_json::from_str(&p.attributes).unwrap_or_else(|_| json!({}));
    if !attrs.is_object() {
        attrs = json!({});
    }
    attrs["parked"] = json!({
        "previous_task_sid": p.task_sid,
        "previous_worker_sid": p.worker_sid,
        "reason": p.reason,
        "parked_at": crate::clock::iso8601(p.parked_at),
        "unparked_at": crate::clock::iso8601(now),
    });
    let mut task = routing::tasks::create_in(
        tx,
        app,
        &p.workspace_sid,
        NewTask {
            workflow_sid: p.workflow_sid.clone(),
            attributes: attrs,
            task_channel: Some(p.task_channel.clone()),
            priority: Some(p.priority),
            timeout: None,
            virtual_start_time: None,
        },
    )
    .map_err(routing_error)?;
    if let Some(w) = &p.worker_sid {
        routing::repair::prefer_worker_in(
            tx,
            app,
            &mut task,
            w,
            "unparked: back to the agent who parked it",
        )
        .map_err(routing_error)?;
    }
    session_db::set_task_for_conversation(tx, conversation_sid, &task.sid, now)?;
    session_db::link_task(tx, &task.sid, conversation_sid, Some(&p.workspace_sid), now)?;
    db::unpark(tx, &p.sid, now, Some(&task.sid))?;
    let ev = NewEvent::new(
        EventType::ConversationUnparked,
        "conversation",
        conversation_sid,
    )
    .workspace(&p.workspace_sid)
    .describe(format!(
        "Conversation {conversation_sid} unparked as task {}",
        task.sid
    ))
    .data(
        json!({"ConversationSid": conversation_sid, "TaskSid": task.sid,
                     "PreviousTaskSid": p.task_sid, "PreviousWorkerSid": p.worker_sid}),
    );
    app.record(tx, &ev)?;
    Ok(Some(task.sid))
}

/// Unparks now (a supervisor, or the API): the new task, or 404 when it is not parked.
pub fn unpark(app: &Core, conversation_sid: &str) -> Result<String> {
    app.store.write(|tx| {
        unpark_in(tx, app, conversation_sid)?
            .ok_or_else(|| Error::not_found(format!("A park of conversation {conversation_sid}")))
    })
}

/// Whether the conversation is parked now (the janitor then leaves its sessions open).
pub fn is_parked(conn: &Connection, conversation_sid: &str) -> Result<bool> {
    Ok(db::open_for(conn, conversation_sid)?.is_some())
}
