//! Callbacks that keep their place in line (issue 22, the Flex template's callback-and-voicemail,
//! built in): a caller waiting in a queue presses a key to be called back, or leaves a voicemail,
//! and hangs up. One write cancels the waiting voice task and creates a callback task through the
//! same workflow with the original call's start as its `VirtualStartTime` — so it waits exactly
//! where the call waited — carrying the number, the recording and the original call
//! (`attributes.taskType` = `callback` | `voicemail`, `attributes.callback`).
//!
//! The agent who accepts it calls back through the carrier (`dial`): the request is recorded
//! (`callback.dialing`) and the `dialer` thread asks the carrier's Calls API to ring the customer
//! and connect them to the agent's `contact_uri`. A carrier refusal is recorded on the callback
//! and in the task's `attributes.callback` (`status: failed`, `error`), where the agent sees it.

pub mod dialer;

use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::routing::{self, states::ReservationStatus, states::TaskStatus, tasks::NewTask};
use crate::store::{self, callbacks as db, taskrouter::reservations, voice};
use rusqlite::Connection;
use serde_json::{json, Value};
use std::fmt;

pub use crate::states::{CallbackKind, CallbackStatus};
pub use crate::store::callbacks::Callback;

#[derive(Debug, Clone)]
pub enum Error {
    NotFound(String),
    Invalid { param: String, problem: String },
    Conflict(String),
    Routing(routing::Error),
    Store(store::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    fn invalid(param: &str, problem: impl Into<String>) -> Error {
        Error::Invalid {
            param: param.into(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(w) => write!(f, "{w} was not found"),
            Error::Invalid { param, problem } => write!(f, "Invalid parameter {param}: {problem}"),
            Error::Conflict(m) => f.write_str(m),
            Error::Routing(e) => write!(f, "{e}"),
            Error::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        Error::Store(e)
    }
}

impl From<routing::Error> for Error {
    fn from(e: routing::Error) -> Error {
        Error::Routing(e)
    }
}

/// A caller's request: which call, how, and (voicemail) the recording.
#[derive(Debug, Clone, Default)]
pub struct Request {
    pub call_sid: String,
    pub voicemail: bool,
    /// The number to call back; the call's `From` by default.
    pub number: Option<String>,
    pub recording_url: Option<String>,
    pub recording_sid: Option<String>,
    pub recording_duration: Option<i64>,
    /// The workflow, when the call is not waiting in one (an IVR's own callback option).
    pub workflow_sid: Option<String>,
}

/// The callback's part of the task attributes.
fn attributes_of(c: &Callback) -> Value {
    json!({
        "number": c.number,
        "office_number": c.office_number,
        "call_sid": c.call_sid,
        "original_task_sid": c.original_task_sid,
        "recording_url": c.recording_url,
        "recording_sid": c.recording_sid,
        "recording_duration": c.recording_duration,
        "requested_at": crate::clock::iso8601(c.created_at),
        "status": c.status.as_str(),
        "error": c.error,
    })
}

/// Records the request (once per call: a carrier's retry answers the same callback) — the
/// waiting task canceled, the callback task created in its place in line — in one write.
/// Answers the callback and whether this request made it.
pub fn request(app: &Core, r: Request) -> Result<(Callback, bool)> {
    let kind = if r.voicemail {
        CallbackKind::Voicemail
    } else {
        CallbackKind::Callback
    };
    app.store.write(|tx| {
        if let Some(existing) = db::by_call(tx, &r.call_sid)? {
            return Ok((existing, false));
        }
        let call = voice::fetch(tx, &r.call_sid)?
            .ok_or_else(|| Error::NotFound(format!("The call {}", r.call_sid)))?;
        let original = match &call.task_sid {
            Some(t) => routing::tasks::fetch(tx, t)?,
            None => None,
        };
        let number = r
            .number
            .clone()
            .map(|n| n.trim().to_string())
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| call.from_address.clone());
        if number.is_empty() {
            return Err(Error::invalid(
                "Number",
                "the call has no From number; give Number",
            ));
        }
        let workspace = match &original {
            Some(t) => t.workspace_sid.clone(),
            None => routing::workspaces::default_sid(tx)?
                .ok_or_else(|| Error::NotFound("A TaskRouter workspace".into()))?,
        };
        let workflow = r
            .workflow_sid
            .clone()
            .or_else(|| original.as_ref().and_then(|t| t.workflow_sid.clone()))
            .ok_or_else(|| {
                Error::invalid("WorkflowSid", "the call waits in no workflow; name one")
            })?;
        let now = app.now_ms();
        let start = original
            .as_ref()
            .map(|t| t.start_time())
            .unwrap_or(call.created_at);
        let mut attrs = original
            .as_ref()
            .map(|t| t.attributes.clone())
            .filter(Value::is_object)
            .unwrap_or_else(|| json!({}));
        // The call is over: no bridge to it when an agent accepts the callback.
        let obj = attrs.as_object_mut().expect("an object");
        obj.remove("call_sid");
        obj.insert("taskType".into(), json!(kind.as_str()));
        obj.entry("from").or_insert_with(|| json!(number));
        obj.entry("name").or_insert_with(|| json!(number));
        let mut cb = Callback {
            task_sid: String::new(),
            call_sid: r.call_sid.clone(),
            workspace_sid: workspace.clone(),
            kind,
            number,
            office_number: call.to_address.clone(),
            recording_url: r.recording_url.clone(),
            recording_sid: r.recording_sid.clone(),
            recording_duration: r.recording_duration,
            original_task_sid: original.as_ref().map(|t| t.sid.clone()),
            original_start: start,
            status: CallbackStatus::Waiting,
            error: None,
            dial_call_sid: None,
            worker_sid: None,
            created_at: now,
            updated_at: now,
        };
        attrs["callback"] = attributes_of(&cb);
        if let Some(mut t) = original.clone() {
            if matches!(
                t.assignment_status,
                TaskStatus::Pending | TaskStatus::Reserved
            ) {
                let why = match kind {
                    CallbackKind::Callback => "The caller asked to be called back",
                    CallbackKind::Voicemail => "The caller left a voicemail",
                };
                routing::tasks::update_status_in(tx, app, &mut t, TaskStatus::Canceled, Some(why))?;
            }
        }
        let task = routing::tasks::create_in(
            tx,
            app,
            &workspace,
            NewTask {
                workflow_sid: Some(workflow),
                attributes: attrs,
                task_channel: original
                    .as_ref()
                    .map(|t| t.task_channel_unique_name.clone())
                    .or_else(|| Some("voice".into())),
                priority: original.as_ref().map(|t| t.priority),
                timeout: None,
                virtual_start_time: Some(start),
            },
        )?;
        cb.task_sid = task.sid.clone();
        db::insert(tx, &cb)?;
        let ev = NewEvent::new(EventType::CallbackRequested, "task", &task.sid)
            .describe(format!(
                "{} {} asked for a {} (call {})",
                "The caller", cb.number, kind, cb.call_sid
            ))
            .data(
                json!({"TaskSid": task.sid, "CallSid": cb.call_sid, "Kind": kind.as_str(),
                         "Number": cb.number, "RecordingUrl": cb.recording_url}),
            );
        app.record(tx, &ev)?;
        Ok((cb, true))
    })
}

pub fn get(conn: &Connection, task_sid: &str) -> Result<Callback> {
    db::by_task(conn, task_sid)?
        .ok_or_else(|| Error::NotFound(format!("The callback task {task_sid}")))
}

/// The worker who holds the task now (an accepted or wrapping reservation).
pub fn holder(conn: &Connection, task_sid: &str) -> Result<Option<String>> {
    Ok(reservations::of_task(conn, task_sid)?
        .into_iter()
        .find(|r| {
            matches!(
                r.status,
                ReservationStatus::Accepted | ReservationStatus::Wrapping
            )
        })
        .map(|r| r.worker_sid))
}

/// The agent calls back: refused unless a worker holds the task (`worker`, when given, must be
/// that one); recorded as `dialing`, and the dialer asks the carrier.
pub fn dial(app: &Core, task_sid: &str, worker: Option<&str>) -> Result<Callback> {
    app.store.write(|tx| {
        let mut cb = get(tx, task_sid)?;
        if cb.status == CallbackStatus::Dialing {
            return Err(Error::Conflict(format!(
                "The call back to {} is being placed already",
                cb.number
            )));
        }
        let holder = holder(tx, task_sid)?;
        let who = match (holder, worker) {
            (Some(h), Some(w)) if h != w => {
                return Err(Error::NotFound(format!("The callback task {task_sid}")))
            }
            (Some(h), _) => h,
            (None, _) => {
                return Err(Error::Conflict(
                    "Accept the callback task first: the call back connects the caller to the \
                     agent who holds it"
                        .into(),
                ))
            }
        };
        cb.status = CallbackStatus::Dialing;
        cb.error = None;
        cb.worker_sid = Some(who.clone());
        cb.updated_at = app.now_ms();
        db::set_status(tx, &cb)?;
        let ev = NewEvent::new(EventType::CallbackDialing, "task", task_sid)
            .describe(format!("Calling back {} for task {task_sid}", cb.number))
            .data(json!({"TaskSid": task_sid, "WorkerSid": who, "Number": cb.number}));
        app.record(tx, &ev)?;
        Ok(cb)
    })
}

/// Records the carrier's answer to a call back: placed (`dial_call_sid`) or refused (`error`),
/// on the callback and in the task's `attributes.callback`.
pub fn record_dial(
    app: &Core,
    task_sid: &str,
    result: std::result::Result<String, String>,
) -> Result<()> {
    app.store.write(|tx| {
        let mut cb = get(tx, task_sid)?;
        let now = app.now_ms();
        let (kind, text) = match &result {
            Ok(sid) => {
                cb.status = CallbackStatus::Calling;
                cb.dial_call_sid = Some(sid.clone());
                cb.error = None;
                (
                    EventType::CallbackDialed,
                    format!("Called back {} (call {sid})", cb.number),
                )
            }
            Err(e) => {
                cb.status = CallbackStatus::Failed;
                cb.error = Some(e.clone());
                (
                    EventType::CallbackFailed,
                    format!("The call back to {} failed: {e}", cb.number),
                )
            }
        };
        cb.updated_at = now;
        db::set_status(tx, &cb)?;
        if let Some(mut t) = routing::tasks::fetch(tx, task_sid)? {
            if t.assignment_status.is_live() && t.attributes.is_object() {
                t.attributes["callback"] = attributes_of(&cb);
                routing::tasks::set_attributes_in(tx, app, &mut t)?;
            }
        }
        let ev = NewEvent::new(kind, "task", task_sid).describe(text).data(
            json!({"TaskSid": task_sid, "WorkerSid": cb.worker_sid, "Number": cb.number,
                         "CallSid": cb.dial_call_sid, "Error": cb.error}),
        );
        app.record(tx, &ev)?;
        Ok(())
    })
}

pub fn list(conn: &Connection, w: store::Window) -> Result<store::Page<Callback>> {
    Ok(db::list(conn, w)?)
}
