//! `tr_dispositions`: a task queue's wrap-up codes and whether one is required.

use crate::store::{optional, Result};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, PartialEq)]
pub struct Dispositions {
    pub queue_sid: String,
    pub workspace_sid: String,
    pub codes: Vec<String>,
    pub required: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn find(conn: &Connection, queue_sid: &str) -> Result<Option<Dispositions>> {
    optional(
        conn.prepare_cached(
            "SELECT queue_sid, workspace_sid, codes, required, created_at, updated_at
             FROM tr_dispositions WHERE queue_sid = ?1",
        )?
        .query_row([queue_sid], |r| {
            let codes: String = r.get(2)?;
            Ok(Dispositions {
                queue_sid: r.get(0)?,
                workspace_sid: r.get(1)?,
                codes: serde_json::from_str(&codes).unwrap_or_default(),
                required: r.get(3)?,
                created_at: r.get(4)?,
                updated_at: r.get(5)?,
            })
        }),
    )
}

/// Inserts or replaces the queue's row.
pub fn put(conn: &Connection, d: &Dispositions) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_dispositions (queue_sid, workspace_sid, codes, required, created_at, updated_at)
         VALUES (?1,?2,?3,?4,?5,?6)
         ON CONFLICT(queue_sid) DO UPDATE SET codes = ?3, required = ?4, updated_at = ?6",
    )?
    .execute(params![
        d.queue_sid,
        d.workspace_sid,
        serde_json::to_string(&d.codes).unwrap_or_else(|_| "[]".into()),
        d.required,
        d.created_at,
        d.updated_at
    ])?;
    Ok(())
}
