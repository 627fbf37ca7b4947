//! Calls the appliance answers: recorded when a call enters a flow, linked to the task Send to
//! Flex creates, and moved by the carrier's status callbacks. A caller who hangs up ends the
//! call's execution and cancels a task still waiting (or moves an assigned one to wrapping),
//! in one transaction.
//! https://www.twilio.com/docs/voice/twiml#callstatus-values

use crate::app::App;
use crate::routing::{self, states::TaskStatus};
use crate::store::{self, voice as db};
use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};
use rusqlite::Transaction;

macro_rules! call_status {
    ($($variant:ident => $text:literal,)*) => {
        /// A call's state: Twilio's `CallStatus` values, plus `bridged` (connected to an agent).
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum CallStatus { $($variant,)* }

        impl CallStatus {
            pub fn as_str(self) -> &'static str {
                match self { $(CallStatus::$variant => $text,)* }
            }

            pub fn parse(s: &str) -> Option<CallStatus> {
                match s { $($text => Some(CallStatus::$variant),)* _ => None }
            }
        }
    };
}

call_status! {
    Ringing => "ringing",
    InProgress => "in-progress",
    Queued => "queued",
    Bridged => "bridged",
    Completed => "completed",
    Busy => "busy",
    Failed => "failed",
    NoAnswer => "no-answer",
    Canceled => "canceled",
}

impl CallStatus {
    /// The call is over.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            CallStatus::Completed
                | CallStatus::Busy
                | CallStatus::Failed
                | CallStatus::NoAnswer
                | CallStatus::Canceled
        )
    }
}

impl ToSql for CallStatus {
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::from(self.as_str()))
    }
}

impl FromSql for CallStatus {
    fn column_result(v: ValueRef<'_>) -> FromSqlResult<Self> {
        CallStatus::parse(v.as_str()?).ok_or(FromSqlError::InvalidType)
    }
}

/// Records a call entering `flow_sid`'s execution `execution_sid`.
pub fn record_incoming(
    tx: &Transaction,
    call_sid: &str,
    flow_sid: &str,
    execution_sid: &str,
    from: &str,
    to: &str,
) -> store::Result<()> {
    let now = crate::clock::now_ms();
    db::upsert(
        tx,
        &db::Call {
            sid: call_sid.to_string(),
            flow_sid: flow_sid.to_string(),
            execution_sid: Some(execution_sid.to_string()),
            task_sid: None,
            from_address: from.to_string(),
            to_address: to.to_string(),
            status: CallStatus::Ringing,
            bridged_to: None,
            created_at: now,
            updated_at: now,
        },
    )
}

/// Links the call to the task that now holds it in a queue.
pub fn attach_task(tx: &Transaction, call_sid: &str, task_sid: &str) -> store::Result<()> {
    db::set_task(tx, call_sid, task_sid, crate::clock::now_ms())
}

/// The carrier's status callback. Unknown calls are ignored (the carrier gets its 200 anyway).
/// A final status ends the call's execution and cancels its task while it waits for an agent
/// (reason: the caller hung up), or moves an assigned task to wrapping.
pub fn status_callback(app: &App, call_sid: &str, status: CallStatus) -> store::Result<()> {
    let now = crate::clock::now_ms();
    app.store.write(|tx| {
        let Some(call) = db::fetch(tx, call_sid)? else {
            return Ok(());
        };
        if call.status.is_final() {
            return Ok(());
        }
        // A bridged call reports `in-progress` again; keep `bridged` until it ends.
        if call.status != CallStatus::Bridged || status.is_final() {
            db::set_status(tx, call_sid, status, now)?;
        }
        if !status.is_final() {
            return Ok(());
        }
        if let Some(exec) = &call.execution_sid {
            crate::engine::end_in(app, tx, exec)?;
        }
        let Some(task_sid) = &call.task_sid else {
            return Ok(());
        };
        let Some(mut task) = routing::tasks::fetch(tx, task_sid).map_err(to_store)? else {
            return Ok(());
        };
        let (to, reason) = match task.assignment_status {
            TaskStatus::Pending | TaskStatus::Reserved => (
                TaskStatus::Canceled,
                format!(
                    "The caller hung up while waiting (call {})",
                    status.as_str()
                ),
            ),
            TaskStatus::Assigned => (
                TaskStatus::Wrapping,
                format!("The call ended ({})", status.as_str()),
            ),
            _ => return Ok(()),
        };
        routing::tasks::update_status_in(tx, app, &mut task, to, Some(&reason)).map_err(to_store)
    })
}

fn to_store(e: routing::Error) -> store::Error {
    match e.kind {
        routing::ErrorKind::Store(kind) => store::Error::new(kind, e.message),
        _ => store::Error::internal(format!(
            "TaskRouter refused a call's task change: {}",
            e.message
        )),
    }
}
