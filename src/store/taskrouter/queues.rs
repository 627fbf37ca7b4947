//! `tr_task_queues`.

use super::Where;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, params_from_iter, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct TaskQueue {
    pub sid: String,
    pub workspace_sid: String,
    pub friendly_name: String,
    pub target_workers: String,
    pub task_order: String,
    pub max_reserved_workers: i64,
    pub assignment_activity_sid: Option<String>,
    pub reservation_activity_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, workspace_sid, friendly_name, target_workers, task_order, \
    max_reserved_workers, assignment_activity_sid, reservation_activity_sid, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<TaskQueue> {
    Ok(TaskQueue {
        sid: r.get(0)?,
        workspace_sid: r.get(1)?,
        friendly_name: r.get(2)?,
        target_workers: r.get(3)?,
        task_order: r.get(4)?,
        max_reserved_workers: r.get(5)?,
        assignment_activity_sid: r.get(6)?,
        reservation_activity_sid: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn insert(conn: &Connection, q: &TaskQueue) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO tr_task_queues ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
    ))?
    .execute(params![
        q.sid,
        q.workspace_sid,
        q.friendly_name,
        q.target_workers,
        q.task_order,
        q.max_reserved_workers,
        q.assignment_activity_sid,
        q.reservation_activity_sid,
        q.created_at,
        q.updated_at
    ])?;
    Ok(())
}

pub fn update(conn: &Connection, q: &TaskQueue) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tr_task_queues SET friendly_name = ?2, target_workers = ?3, task_order = ?4,
            max_reserved_workers = ?5, assignment_activity_sid = ?6, reservation_activity_sid = ?7,
            updated_at = ?8 WHERE sid = ?1",
    )?
    .execute(params![
        q.sid,
        q.friendly_name,
        q.target_workers,
        q.task_order,
        q.max_reserved_workers,
        q.assignment_activity_sid,
        q.reservation_activity_sid,
        q.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, ws: &str, sid: &str) -> Result<Option<TaskQueue>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM tr_task_queues WHERE sid = ?1 AND workspace_sid = ?2"
        ))?
        .query_row([sid, ws], from_row),
    )
}

pub fn find_by_name(conn: &Connection, ws: &str, name: &str) -> Result<Option<TaskQueue>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM tr_task_queues WHERE workspace_sid = ?1 AND friendly_name = ?2"
        ))?
        .query_row([ws, name], from_row),
    )
}

pub fn list(
    conn: &Connection,
    ws: &str,
    friendly_name: Option<&str>,
    w: Window,
) -> Result<Page<TaskQueue>> {
    let mut q = Where::new("workspace_sid", ws.to_string());
    if let Some(n) = friendly_name {
        q.and("friendly_name", n.to_string());
    }
    let limit = q.window(w);
    let sql = format!(
        "SELECT {COLS} FROM tr_task_queues{} ORDER BY created_at, rowid{limit}",
        q.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(q.args), from_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn all(conn: &Connection, ws: &str) -> Result<Vec<TaskQueue>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM tr_task_queues WHERE workspace_sid = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([ws], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    conn.execute("DELETE FROM tr_task_queues WHERE sid = ?1", [sid])?;
    Ok(())
}

/// Flips the waiting order of a queue's tasks when its `task_order` changes.
pub fn negate_order_keys(conn: &Connection, sid: &str) -> Result<()> {
    conn.execute(
        "UPDATE tr_tasks SET order_key = -order_key WHERE queue_sid = ?1 AND assignment_status = 'pending'",
        [sid],
    )?;
    Ok(())
}
