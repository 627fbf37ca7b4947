//! Dispositions (wrap-up codes): per task queue, the codes an agent may record when a task ends
//! and whether completing a task of the queue requires one. Twilio has no such resource; the code
//! is stored where Flex Insights reads it, the task attribute `conversations.outcome`, so an
//! integrator may send it in `Attributes` or as the plain `WrapupCode` parameter of a task or
//! reservation update (both end in that attribute).
//!
//! The check runs on the API's wrap-up and completion (task and reservation updates, the agent
//! desktop), not on completions the appliance makes itself (a closed conversation, auto-wrap-up,
//! a supervisor's repair), so a required code can never leave a task stuck in wrapping.

use super::{queues, Error, Result};
use crate::core::Core;
use crate::store::taskrouter::dispositions as db;
use crate::store::taskrouter::tasks::Task;
use rusqlite::Connection;
use serde_json::{json, Value};

pub use crate::store::taskrouter::dispositions::Dispositions;

/// The most codes one queue may list, and the longest code.
pub const MAX_CODES: usize = 100;
pub const MAX_CODE_LEN: usize = 64;

/// A queue's dispositions; a queue never configured has none (and requires none).
pub fn get(conn: &Connection, ws: &str, queue_sid: &str) -> Result<Dispositions> {
    let q = queues::get(conn, ws, queue_sid)?;
    Ok(db::find(conn, &q.sid)?.unwrap_or(Dispositions {
        queue_sid: q.sid,
        workspace_sid: q.workspace_sid,
        codes: Vec::new(),
        required: false,
        created_at: q.created_at,
        updated_at: q.updated_at,
    }))
}

/// Checks a list of codes: each non-blank, at most 64 characters, no repeats, at most 100.
fn check_codes(codes: &[String]) -> Result<()> {
    if codes.len() > MAX_CODES {
        return Err(Error::invalid(
            "Codes",
            format!("at most {MAX_CODES} codes per queue"),
        ));
    }
    for (i, c) in codes.iter().enumerate() {
        if c.trim().is_empty() || c.chars().count() > MAX_CODE_LEN {
            return Err(Error::invalid(
                "Codes",
                format!("code {i} ({c:?}) must be 1 to {MAX_CODE_LEN} characters"),
            ));
        }
        if codes[..i].contains(c) {
            return Err(Error::invalid(
                "Codes",
                format!("code {c:?} is listed twice"),
            ));
        }
    }
    Ok(())
}

/// Sets a queue's codes and/or whether one is required (absent: unchanged).
pub fn set(
    app: &Core,
    ws: &str,
    queue_sid: &str,
    codes: Option<Vec<String>>,
    required: Option<bool>,
) -> Result<Dispositions> {
    if let Some(c) = &codes {
        check_codes(c)?;
    }
    app.store.write(|tx| {
        let mut d = get(tx, ws, queue_sid)?;
        let fresh = db::find(tx, &d.queue_sid)?.is_none();
        let now = app.now_ms();
        if let Some(c) = codes.clone() {
            d.codes = c;
        }
        if let Some(r) = required {
            d.required = r;
        }
        if d.required && d.codes.is_empty() {
            return Err(Error::invalid(
                "Required",
                "a queue with no wrap-up codes cannot require one; give Codes too",
            ));
        }
        if fresh {
            d.created_at = now;
        }
        d.updated_at = now;
        db::put(tx, &d)?;
        Ok(d)
    })
}

/// The wrap-up code recorded on a task (`attributes.conversations.outcome`).
pub fn code_of(t: &Task) -> Option<&str> {
    t.attributes
        .get("conversations")
        .and_then(|c| c.get("outcome"))
        .and_then(Value::as_str)
}

/// Records `code` on the task's attributes (`conversations.outcome`), keeping the rest.
pub fn record(t: &mut Task, code: &str) {
    if !t.attributes.is_object() {
        t.attributes = json!({});
    }
    let attrs = t.attributes.as_object_mut().expect("an object");
    let conv = attrs.entry("conversations").or_insert_with(|| json!({}));
    if !conv.is_object() {
        *conv = json!({});
    }
    conv.as_object_mut()
        .expect("an object")
        .insert("outcome".into(), json!(code));
}

/// Whether the task's code suits its queue: a code given must be one of the queue's (when the
/// queue lists any); with `completing`, a queue that requires a code must have one.
pub fn check(conn: &Connection, t: &Task, completing: bool) -> Result<()> {
    let Some(q) = t.queue_sid.as_deref() else {
        return Ok(());
    };
    let Some(d) = db::find(conn, q)? else {
        return Ok(());
    };
    let name = queues::get(conn, &t.workspace_sid, q)
        .map(|q| q.friendly_name)
        .unwrap_or_else(|_| q.to_string());
    let list = d.codes.join(", ");
    match code_of(t) {
        Some(c) if !d.codes.is_empty() && !d.codes.iter().any(|x| x == c) => Err(Error::invalid(
            "WrapupCode",
            format!("{c:?} is not a wrap-up code of queue {name:?} (one of: {list})"),
        )),
        None if completing && d.required => Err(Error::invalid(
            "WrapupCode",
            format!(
                "queue {name:?} requires a wrap-up code to complete task {} (one of: {list})",
                t.sid
            ),
        )),
        _ => Ok(()),
    }
}
