//! `parked_conversations`: a messaging conversation an agent parked, and what its task was.

use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Park {
    pub sid: String,
    pub conversation_sid: String,
    /// The task that ended when it was parked.
    pub task_sid: String,
    pub workspace_sid: String,
    pub workflow_sid: Option<String>,
    pub task_channel: String,
    pub priority: i64,
    /// The parked task's attributes (JSON text), which the new task starts from.
    pub attributes: String,
    /// The agent who parked it (offered the conversation first when it comes back).
    pub worker_sid: Option<String>,
    pub reason: Option<String>,
    pub parked_at: i64,
    pub unparked_at: Option<i64>,
    pub new_task_sid: Option<String>,
}

const COLS: &str = "sid, conversation_sid, task_sid, workspace_sid, workflow_sid, task_channel, \
     priority, attributes, worker_sid, reason, parked_at, unparked_at, new_task_sid";

fn from_row(r: &Row) -> rusqlite::Result<Park> {
    Ok(Park {
        sid: r.get(0)?,
        conversation_sid: r.get(1)?,
        task_sid: r.get(2)?,
        workspace_sid: r.get(3)?,
        workflow_sid: r.get(4)?,
        task_channel: r.get(5)?,
        priority: r.get(6)?,
        attributes: r.get(7)?,
        worker_sid: r.get(8)?,
        reason: r.get(9)?,
        parked_at: r.get(10)?,
        unparked_at: r.get(11)?,
        new_task_sid: r.get(12)?,
    })
}

pub fn insert(conn: &Connection, p: &Park) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO parked_conversations ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)"
    ))?
    .execute(params![
        p.sid,
        p.conversation_sid,
        p.task_sid,
        p.workspace_sid,
        p.workflow_sid,
        p.task_channel,
        p.priority,
        p.attributes,
        p.worker_sid,
        p.reason,
        p.parked_at,
        p.unparked_at,
        p.new_task_sid
    ])?;
    Ok(())
}

/// The conversation's open park, if it is parked.
pub fn open_for(conn: &Connection, conversation_sid: &str) -> Result<Option<Park>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM parked_conversations
             WHERE conversation_sid = ?1 AND unparked_at IS NULL"
        ))?
        .query_row([conversation_sid], from_row),
    )
}

/// The conversation's latest park, open or not.
pub fn latest_for(conn: &Connection, conversation_sid: &str) -> Result<Option<Park>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM parked_conversations WHERE conversation_sid = ?1
             ORDER BY parked_at DESC, sid DESC LIMIT 1"
        ))?
        .query_row([conversation_sid], from_row),
    )
}

/// The park whose task is `task_sid` (the task that ended when it was parked).
pub fn by_task(conn: &Connection, task_sid: &str) -> Result<Option<Park>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM parked_conversations WHERE task_sid = ?1"
        ))?
        .query_row([task_sid], from_row),
    )
}

pub fn unpark(conn: &Connection, sid: &str, at: i64, new_task_sid: Option<&str>) -> Result<()> {
    conn.prepare_cached(
        "UPDATE parked_conversations SET unparked_at = ?2, new_task_sid = ?3 WHERE sid = ?1",
    )?
    .execute(params![sid, at, new_task_sid])?;
    Ok(())
}

/// Parked now, the longest parked first.
pub fn open(conn: &Connection, window: Window) -> Result<Page<Park>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM parked_conversations WHERE unparked_at IS NULL
         ORDER BY parked_at, sid LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt
        .query_map(params![window.sql_limit(), window.sql_offset()], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}
