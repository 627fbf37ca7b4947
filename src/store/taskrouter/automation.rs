//! `tr_automation`: agent automation settings of a workspace or a task queue (`owner_sid`).

use crate::store::{optional, Result};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Automation {
    pub owner_sid: String,
    pub workspace_sid: String,
    pub auto_accept: Option<bool>,
    pub auto_wrapup_seconds: Option<i64>,
    pub wrapup_activity_sid: Option<String>,
    pub after_wrapup_activity_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn find(conn: &Connection, owner_sid: &str) -> Result<Option<Automation>> {
    optional(
        conn.prepare_cached(
            "SELECT owner_sid, workspace_sid, auto_accept, auto_wrapup_seconds, wrapup_activity_sid,
                after_wrapup_activity_sid, created_at, updated_at
             FROM tr_automation WHERE owner_sid = ?1",
        )?
        .query_row([owner_sid], |r| {
            Ok(Automation {
                owner_sid: r.get(0)?,
                workspace_sid: r.get(1)?,
                auto_accept: r.get(2)?,
                auto_wrapup_seconds: r.get(3)?,
                wrapup_activity_sid: r.get(4)?,
                after_wrapup_activity_sid: r.get(5)?,
                created_at: r.get(6)?,
                updated_at: r.get(7)?,
            })
        }),
    )
}

/// Inserts or replaces the owner's row.
pub fn put(conn: &Connection, a: &Automation) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_automation (owner_sid, workspace_sid, auto_accept, auto_wrapup_seconds,
            wrapup_activity_sid, after_wrapup_activity_sid, created_at, updated_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
         ON CONFLICT(owner_sid) DO UPDATE SET auto_accept = ?3, auto_wrapup_seconds = ?4,
            wrapup_activity_sid = ?5, after_wrapup_activity_sid = ?6, updated_at = ?8",
    )?
    .execute(params![
        a.owner_sid,
        a.workspace_sid,
        a.auto_accept,
        a.auto_wrapup_seconds,
        a.wrapup_activity_sid,
        a.after_wrapup_activity_sid,
        a.created_at,
        a.updated_at
    ])?;
    Ok(())
}

pub fn delete(conn: &Connection, owner_sid: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM tr_automation WHERE owner_sid = ?1")?
        .execute([owner_sid])?;
    Ok(())
}
