//! `callbacks`: a caller's request to be called back (or voicemail), keyed by its callback task.

use crate::states::{CallbackKind, CallbackStatus};
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Callback {
    pub task_sid: String,
    pub call_sid: String,
    pub workspace_sid: String,
    pub kind: CallbackKind,
    /// The number to call back (E.164 or whatever the carrier gave as `From`).
    pub number: String,
    /// The office's number the caller dialled (the call back's caller ID).
    pub office_number: String,
    pub recording_url: Option<String>,
    pub recording_sid: Option<String>,
    pub recording_duration: Option<i64>,
    pub original_task_sid: Option<String>,
    /// When the original call started waiting (Unix ms): the callback task's VirtualStartTime.
    pub original_start: i64,
    pub status: CallbackStatus,
    pub error: Option<String>,
    pub dial_call_sid: Option<String>,
    pub worker_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "task_sid, call_sid, workspace_sid, kind, number, office_number, \
     recording_url, recording_sid, recording_duration, original_task_sid, original_start, status, \
     error, dial_call_sid, worker_sid, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Callback> {
    Ok(Callback {
        task_sid: r.get(0)?,
        call_sid: r.get(1)?,
        workspace_sid: r.get(2)?,
        kind: r.get(3)?,
        number: r.get(4)?,
        office_number: r.get(5)?,
        recording_url: r.get(6)?,
        recording_sid: r.get(7)?,
        recording_duration: r.get(8)?,
        original_task_sid: r.get(9)?,
        original_start: r.get(10)?,
        status: r.get(11)?,
        error: r.get(12)?,
        dial_call_sid: r.get(13)?,
        worker_sid: r.get(14)?,
        created_at: r.get(15)?,
        updated_at: r.get(16)?,
    })
}

pub fn insert(conn: &Connection, c: &Callback) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO callbacks ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17)"
    ))?
    .execute(params![
        c.task_sid,
        c.call_sid,
        c.workspace_sid,
        c.kind,
        c.number,
        c.office_number,
        c.recording_url,
        c.recording_sid,
        c.recording_duration,
        c.original_task_sid,
        c.original_start,
        c.status,
        c.error,
        c.dial_call_sid,
        c.worker_sid,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

/// Records where the call back is (status, error, the carrier's call, who placed it).
pub fn set_status(conn: &Connection, c: &Callback) -> Result<()> {
    conn.prepare_cached(
        "UPDATE callbacks SET status = ?2, error = ?3, dial_call_sid = ?4, worker_sid = ?5,
           updated_at = ?6 WHERE task_sid = ?1",
    )?
    .execute(params![
        c.task_sid,
        c.status,
        c.error,
        c.dial_call_sid,
        c.worker_sid,
        c.updated_at
    ])?;
    Ok(())
}

pub fn by_task(conn: &Connection, task_sid: &str) -> Result<Option<Callback>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM callbacks WHERE task_sid = ?1"))?
            .query_row([task_sid], from_row),
    )
}

pub fn by_call(conn: &Connection, call_sid: &str) -> Result<Option<Callback>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM callbacks WHERE call_sid = ?1"))?
            .query_row([call_sid], from_row),
    )
}

/// Newest first.
pub fn list(conn: &Connection, window: Window) -> Result<Page<Callback>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM callbacks ORDER BY created_at DESC, task_sid LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt
        .query_map(params![window.sql_limit(), window.sql_offset()], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}
