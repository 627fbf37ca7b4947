//! An execution's states: `ExecutionStatus` (active | ended, as Studio v2 reports it) and `Wait`,
//! what an active execution is waiting for. Both are stored with the execution, so a waiting
//! execution resumes after a restart.

use serde::{Deserialize, Serialize};

pub use crate::states::ExecutionStatus;

/// What a waiting execution waits for, in which state. `token` is the execution's step count
/// when it started waiting: an answer (timer, HTTP reply, callback) carrying another token is
/// stale and ignored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Wait {
    /// send-and-wait-for-reply: the contact's next message (or the timeout timer).
    Reply { state: String, token: i64 },
    /// A voice widget's carrier callback (gathered digits, a finished dial or recording…).
    Call { state: String, token: i64 },
    /// run-subflow: the child execution's end.
    Subflow {
        state: String,
        token: i64,
        child: String,
    },
    /// make-http-request / run-function: the HTTP worker's answer. During a call the answer is
    /// kept here (`{"event", "outputs"}`) and the run continues on the carrier's next poll, so
    /// the TwiML it produces reaches the caller.
    Http {
        state: String,
        token: i64,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        answer: Option<serde_json::Value>,
    },
}

impl Wait {
    pub fn state(&self) -> &str {
        match self {
            Wait::Reply { state, .. }
            | Wait::Call { state, .. }
            | Wait::Subflow { state, .. }
            | Wait::Http { state, .. } => state,
        }
    }

    pub fn token(&self) -> i64 {
        match self {
            Wait::Reply { token, .. }
            | Wait::Call { token, .. }
            | Wait::Subflow { token, .. }
            | Wait::Http { token, .. } => *token,
        }
    }

    pub fn from_json(v: &serde_json::Value) -> Option<Wait> {
        serde_json::from_value(v.clone()).ok()
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }
}
