//! A call's status callback, where voice meets Studio and TaskRouter: a caller who hangs up ends
//! the call's execution and cancels a task still waiting (or moves an assigned one to wrapping),
//! in one transaction with the call's new status. It lives above `voice` (which only records
//! calls) so that `voice` stays below the engine.
//! https://www.twilio.com/docs/voice/twiml#callstatus-values

use crate::core::Core;
use crate::routing::{self, states::TaskStatus};
use crate::store::{self, voice as db};
use crate::voice::calls::CallStatus;

/// The carrier's status callback. Unknown calls are ignored (the carrier gets its 200 anyway).
/// A final status ends the call's execution and cancels its task while it waits for an agent
/// (reason: the caller hung up), or moves an assigned task to wrapping.
pub fn status_callback(app: &Core, call_sid: &str, status: CallStatus) -> store::Result<()> {
    let now = app.now_ms();
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
            super::end_in(app, tx, exec)?;
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
