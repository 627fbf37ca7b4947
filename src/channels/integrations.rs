//! The seams to the modules channels hand work to: TaskRouter (tasks, workers) and the Studio
//! engine. Everything channels know of a task or an execution goes through here.

use super::{Error, Result};
use crate::core::Core;
use rusqlite::{Connection, Transaction};
use serde_json::Value;

/// What became of a task a session or conversation points at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TaskState {
    /// pending, reserved or assigned: an agent has it or will.
    Live,
    /// wrapping, completed or canceled: nobody will read new messages there.
    Finished,
    /// deleted (by hand or by its TTL) or never existed.
    Missing,
}

pub fn task_state(conn: &Connection, task_sid: &str) -> Result<TaskState> {
    use crate::routing::states::TaskStatus::*;
    let task = crate::routing::tasks::fetch(conn, task_sid).map_err(routing_error)?;
    Ok(match task.map(|t| t.assignment_status) {
        None => TaskState::Missing,
        Some(Pending | Reserved | Assigned) => TaskState::Live,
        Some(_) => TaskState::Finished,
    })
}

fn routing_error(e: crate::routing::Error) -> Error {
    Error::Integration(format!("TaskRouter: {e}"))
}

/// A new task for a conversation, created in the caller's transaction; returns its SID.
pub struct TaskSpec {
    pub workspace_sid: Option<String>,
    pub workflow_sid: Option<String>,
    pub task_channel: Option<String>,
    pub priority: Option<i64>,
    pub timeout: Option<i64>,
    pub attributes: Value,
}

pub fn create_task_in(tx: &Transaction, app: &Core, spec: TaskSpec) -> Result<String> {
    let workspace = match spec.workspace_sid {
        Some(w) => w,
        None => crate::routing::workspaces::default_sid(tx)
            .map_err(routing_error)?
            .ok_or_else(|| {
                Error::Integration("no TaskRouter workspace to create the task in".into())
            })?,
    };
    let task = crate::routing::tasks::create_in(
        tx,
        app,
        &workspace,
        crate::routing::tasks::NewTask {
            workflow_sid: spec.workflow_sid,
            attributes: spec.attributes,
            task_channel: spec.task_channel,
            priority: spec.priority,
            timeout: spec.timeout,
            virtual_start_time: None,
        },
    )
    .map_err(|e| match e.kind {
        crate::routing::ErrorKind::NotFound | crate::routing::ErrorKind::Invalid => {
            Error::invalid("Integration", format!("the task could not be created: {e}"))
        }
        _ => routing_error(e),
    })?;
    Ok(task.sid)
}

/// Moves a task to wrapping or completed (Interactions closing a channel); a task already past
/// that point is left alone.
pub fn finish_task(app: &Core, task_sid: &str, complete: bool) -> Result<()> {
    use crate::routing::states::TaskStatus::*;
    let Some(task) = app
        .store
        .read(|c| crate::routing::tasks::fetch(c, task_sid))
        .map_err(routing_error)?
    else {
        return Ok(());
    };
    let to = match (task.assignment_status, complete) {
        (Pending | Reserved, _) => Canceled,
        (Assigned, false) => Wrapping,
        (Assigned | Wrapping, true) => Completed,
        _ => return Ok(()),
    };
    crate::routing::tasks::update_status(app, task_sid, to, Some("interaction channel closed"))
        .map_err(routing_error)?;
    Ok(())
}

/// How a worker appears in a conversation: its friendly name, else `attributes.contact_uri`.
pub fn worker_identity(conn: &Connection, worker_sid: &str) -> Result<Option<String>> {
    let worker = crate::routing::workers::fetch(conn, worker_sid).map_err(routing_error)?;
    Ok(worker.and_then(|w| {
        Some(w.friendly_name.clone())
            .filter(|n| !n.is_empty())
            .or_else(|| {
                w.attributes
                    .get("contact_uri")
                    .and_then(|v| v.as_str())
                    .map(str::to_string)
            })
    }))
}

/// Which Studio trigger an inbound message fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Message,
    Conversation,
}

/// Hands a message to a Studio flow: resumes the contact's waiting execution or starts one, in
/// the write that runs `claim` first (see `engine::Claim`). Returns the execution's SID, or
/// `None` when the claim declined. The engine's store failures stay `Error::Store` (worth
/// another try); its refusals are `Error::Integration`.
pub fn studio_inbound(
    app: &Core,
    flow_sid: &str,
    trigger: Trigger,
    contact: &str,
    channel_address: &str,
    payload: Value,
    claim: crate::engine::Claim,
) -> Result<Option<String>> {
    let trigger = match trigger {
        Trigger::Message => crate::engine::TriggerKind::IncomingMessage,
        Trigger::Conversation => crate::engine::TriggerKind::IncomingConversationMessage,
    };
    crate::engine::handle_inbound_claimed(
        app,
        crate::engine::Inbound {
            flow_sid: flow_sid.to_string(),
            trigger,
            contact: contact.to_string(),
            channel_address: channel_address.to_string(),
            payload,
            test_revision: None,
        },
        claim,
    )
    .map(|h| h.map(|h| h.execution_sid))
    .map_err(|e| match e {
        crate::engine::Error::Store(e) => Error::Store(e),
        e => Error::Integration(format!(
            "Studio flow {flow_sid} did not take the message: {e}"
        )),
    })
}
