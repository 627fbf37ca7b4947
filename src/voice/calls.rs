//! Calls the appliance answers: recorded when a call enters a flow, linked to the task Send to
//! Flex creates, and moved by the carrier's status callbacks (`engine::calls`, which also ends
//! the call's execution and its task in the same transaction).
//! https://www.twilio.com/docs/voice/twiml#callstatus-values

use crate::store::{self, voice as db};
use rusqlite::Transaction;

pub use crate::states::CallStatus;

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

/// Records a call entering `flow_sid`'s execution `execution_sid`, at `now`.
pub fn record_incoming(
    tx: &Transaction,
    call_sid: &str,
    flow_sid: &str,
    execution_sid: &str,
    from: &str,
    to: &str,
    now: i64,
) -> store::Result<()> {
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

/// Links the call to the task that now holds it in a queue (at `now`).
pub fn attach_task(
    tx: &Transaction,
    call_sid: &str,
    task_sid: &str,
    now: i64,
) -> store::Result<()> {
    db::set_task(tx, call_sid, task_sid, now)
}
