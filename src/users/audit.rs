//! The audit log: who changed which flow, workflow, queue, worker, user or setting, and when (the
//! injected clock). An entry is plain values decided before the write (names as they were, the
//! names of the fields sent, never their values), so writing one runs nothing a user controls.

use crate::core::Core;
use crate::states::{AuditAction, AuditKind};
use crate::store::{self, users as db};
pub use db::{AuditEntry, AuditFilter};
use rusqlite::Connection;

/// Who did something: a user, the account's own credentials or an API key, with a name to show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub sid: String,
    pub name: String,
}

/// Appends an entry in the caller's transaction, at `now` (the injected clock's).
#[allow(clippy::too_many_arguments)]
pub fn record(
    conn: &Connection,
    now: i64,
    actor: &Actor,
    action: AuditAction,
    kind: AuditKind,
    resource_sid: &str,
    resource_name: &str,
    details: &str,
) -> store::Result<()> {
    db::audit(
        conn,
        &AuditEntry {
            seq: 0,
            at: now,
            actor_sid: actor.sid.clone(),
            actor_name: actor.name.clone(),
            action,
            kind,
            resource_sid: (!resource_sid.is_empty()).then(|| resource_sid.to_string()),
            resource_name: (!resource_name.is_empty()).then(|| resource_name.to_string()),
            details: details.to_string(),
        },
    )
}

/// Records a change made elsewhere, right after it committed (REST changes whose domain write
/// does not know who asked). A name the answer did not carry (a deletion) is the one the log
/// last recorded for that resource.
pub fn record_after(
    core: &Core,
    actor: &Actor,
    action: AuditAction,
    kind: AuditKind,
    resource_sid: &str,
    resource_name: Option<&str>,
    details: &str,
) -> store::Result<()> {
    let now = core.now_ms();
    core.store.write(|tx| {
        let name = match resource_name {
            Some(n) => Some(n.to_string()),
            None if !resource_sid.is_empty() => db::last_name(tx, resource_sid)?,
            None => None,
        };
        let name = name.unwrap_or_default();
        record(tx, now, actor, action, kind, resource_sid, &name, details)
    })
}

/// Entries matching the filter, newest first.
pub fn list(core: &Core, f: &AuditFilter) -> store::Result<Vec<AuditEntry>> {
    core.store.read(|c| db::audit_list(c, f))
}

/// Everyone in the log, with their latest name.
pub fn actors(core: &Core) -> store::Result<Vec<(String, String)>> {
    core.store.read(db::audit_actors)
}

/// Logs an audit entry that could not be written after its change committed.
pub fn warn_failed(e: &store::Error) {
    log::warn!("audit entry not written: {e}");
}
