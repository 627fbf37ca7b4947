//! `tr_reservations`.

use crate::states::ReservationStatus;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Reservation {
    pub sid: String,
    pub workspace_sid: String,
    pub task_sid: String,
    pub worker_sid: String,
    pub worker_name: String,
    pub task_channel_sid: String,
    pub status: ReservationStatus,
    /// Seconds the worker has to answer.
    pub timeout: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str =
    "r.sid, r.workspace_sid, r.task_sid, r.worker_sid, COALESCE(w.friendly_name, ''), \
    r.task_channel_sid, r.status, r.timeout, r.created_at, r.updated_at";
const FROM: &str = "tr_reservations r LEFT JOIN tr_workers w ON w.sid = r.worker_sid";

fn from_row(r: &Row) -> rusqlite::Result<Reservation> {
    Ok(Reservation {
        sid: r.get(0)?,
        workspace_sid: r.get(1)?,
        task_sid: r.get(2)?,
        worker_sid: r.get(3)?,
        worker_name: r.get(4)?,
        task_channel_sid: r.get(5)?,
        status: r.get(6)?,
        timeout: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn insert(conn: &Connection, r: &Reservation) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_reservations (sid, workspace_sid, task_sid, worker_sid, task_channel_sid,
            status, timeout, created_at, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    )?
    .execute(params![
        r.sid,
        r.workspace_sid,
        r.task_sid,
        r.worker_sid,
        r.task_channel_sid,
        r.status,
        r.timeout,
        r.created_at,
        r.updated_at
    ])?;
    Ok(())
}

pub fn set_status(conn: &Connection, sid: &str, status: ReservationStatus, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE tr_reservations SET status = ?2, updated_at = ?3 WHERE sid = ?1")?
        .execute(params![sid, status, now])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<Reservation>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM {FROM} WHERE r.sid = ?1"))?
            .query_row([sid], from_row),
    )
}

/// A task's reservations, oldest first.
pub fn of_task(conn: &Connection, task_sid: &str) -> Result<Vec<Reservation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM {FROM} WHERE r.task_sid = ?1 ORDER BY r.created_at, r.rowid"
    ))?;
    let rows = stmt.query_map([task_sid], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A worker's reservations, optionally in one status, newest first.
pub fn of_worker(
    conn: &Connection,
    worker_sid: &str,
    status: Option<ReservationStatus>,
    w: Window,
) -> Result<Page<Reservation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM {FROM} WHERE r.worker_sid = ?1 AND (?2 IS NULL OR r.status = ?2)
         ORDER BY r.created_at DESC, r.rowid DESC LIMIT ?3 OFFSET ?4"
    ))?;
    let rows = stmt.query_map(
        params![worker_sid, status, w.sql_limit(), w.sql_offset()],
        from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

/// A worker's reservations in `status` (all of them).
pub fn of_worker_in(
    conn: &Connection,
    worker_sid: &str,
    status: ReservationStatus,
) -> Result<Vec<Reservation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM {FROM} WHERE r.worker_sid = ?1 AND r.status = ?2 ORDER BY r.created_at"
    ))?;
    let rows = stmt.query_map(params![worker_sid, status], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Whether the worker already rejected (or let time out) a reservation for the task, or holds
/// one now: such a worker is not offered the task again.
pub fn worker_tried(conn: &Connection, task_sid: &str, worker_sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM tr_reservations INDEXED BY tr_reservations_by_task
               WHERE task_sid = ?1 AND worker_sid = ?2
               AND status IN ('rejected','pending','accepted','wrapping'))",
        )?
        .query_row([task_sid, worker_sid], |r| r.get(0))?)
}
