//! The seams to the modules channels hand work to: TaskRouter (tasks, workers) and the Studio
//! engine. Everything channels know of a task or an execution goes through here.

use super::{Error, Result};
use crate::app::App;
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

pub fn task_state(_conn: &Connection, _task_sid: &str) -> Result<TaskState> {
    Ok(TaskState::Missing)
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

pub fn create_task_in(_tx: &Transaction, _app: &App, _spec: TaskSpec) -> Result<String> {
    Err(Error::Integration("TaskRouter is not available yet".into()))
}

/// Moves a task to wrapping or completed (Interactions closing a channel).
pub fn finish_task(_app: &App, _task_sid: &str, _complete: bool) -> Result<()> {
    Ok(())
}

/// How a worker appears in a conversation: its friendly name, else `attributes.contact_uri`.
pub fn worker_identity(_conn: &Connection, _worker_sid: &str) -> Result<Option<String>> {
    Ok(None)
}

/// Which Studio trigger an inbound message fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Trigger {
    Message,
    Conversation,
}

/// Hands a message to a Studio flow: resumes the contact's waiting execution or starts one.
/// Returns the execution's SID.
pub fn studio_inbound(
    app: &App,
    flow_sid: &str,
    trigger: Trigger,
    contact: &str,
    channel_address: &str,
    payload: Value,
) -> Result<String> {
    let trigger = match trigger {
        Trigger::Message => crate::engine::TriggerKind::IncomingMessage,
        Trigger::Conversation => crate::engine::TriggerKind::IncomingConversationMessage,
    };
    crate::engine::handle_inbound(
        app,
        crate::engine::Inbound {
            flow_sid: flow_sid.to_string(),
            trigger,
            contact: contact.to_string(),
            channel_address: channel_address.to_string(),
            payload,
        },
    )
    .map(|h| h.execution_sid)
    .map_err(|e| {
        Error::Integration(format!(
            "Studio flow {flow_sid} did not take the message: {e}"
        ))
    })
}
