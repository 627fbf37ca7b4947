//! `tr_task_queues`.

use super::common::{in_workspace, Table};
use crate::store::{Page, Result, Window};
use rusqlite::{Connection, Row};

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

const TABLE: Table<TaskQueue> = Table {
    name: "tr_task_queues",
    cols: COLS,
    from_row,
};

pub fn insert(conn: &Connection, q: &TaskQueue) -> Result<()> {
    TABLE.insert(
        conn,
        &[
            &q.sid,
            &q.workspace_sid,
            &q.friendly_name,
            &q.target_workers,
            &q.task_order,
            &q.max_reserved_workers,
            &q.assignment_activity_sid,
            &q.reservation_activity_sid,
            &q.created_at,
            &q.updated_at,
        ],
    )
}

pub fn update(conn: &Connection, q: &TaskQueue) -> Result<()> {
    TABLE.update(
        conn,
        &q.sid,
        &[
            ("friendly_name", &q.friendly_name),
            ("target_workers", &q.target_workers),
            ("task_order", &q.task_order),
            ("max_reserved_workers", &q.max_reserved_workers),
            ("assignment_activity_sid", &q.assignment_activity_sid),
            ("reservation_activity_sid", &q.reservation_activity_sid),
        ],
        q.updated_at,
    )
}

pub fn find(conn: &Connection, ws: &str, sid: &str) -> Result<Option<TaskQueue>> {
    TABLE.find(conn, ws, sid)
}

pub fn find_by_name(conn: &Connection, ws: &str, name: &str) -> Result<Option<TaskQueue>> {
    TABLE.find_by_name(conn, ws, name)
}

pub fn list(
    conn: &Connection,
    ws: &str,
    friendly_name: Option<&str>,
    w: Window,
) -> Result<Page<TaskQueue>> {
    TABLE.list(conn, in_workspace(ws, friendly_name), w)
}

pub fn all(conn: &Connection, ws: &str) -> Result<Vec<TaskQueue>> {
    TABLE.all(conn, ws)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    TABLE.delete(conn, sid)
}

/// Flips the waiting order of a queue's tasks when its `task_order` changes.
pub fn negate_order_keys(conn: &Connection, sid: &str) -> Result<()> {
    conn.execute(
        "UPDATE tr_tasks SET order_key = -order_key WHERE queue_sid = ?1 AND assignment_status = 'pending'",
        [sid],
    )?;
    Ok(())
}
