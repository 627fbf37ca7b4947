//! `tr_workflows`.

use super::common::{in_workspace, Table};
use crate::store::{Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Workflow {
    pub sid: String,
    pub workspace_sid: String,
    pub friendly_name: String,
    pub configuration: String,
    pub assignment_callback_url: Option<String>,
    pub fallback_assignment_callback_url: Option<String>,
    pub task_reservation_timeout: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, workspace_sid, friendly_name, configuration, assignment_callback_url, \
    fallback_assignment_callback_url, task_reservation_timeout, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Workflow> {
    Ok(Workflow {
        sid: r.get(0)?,
        workspace_sid: r.get(1)?,
        friendly_name: r.get(2)?,
        configuration: r.get(3)?,
        assignment_callback_url: r.get(4)?,
        fallback_assignment_callback_url: r.get(5)?,
        task_reservation_timeout: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

const TABLE: Table<Workflow> = Table {
    name: "tr_workflows",
    cols: COLS,
    from_row,
};

pub fn insert(conn: &Connection, w: &Workflow) -> Result<()> {
    TABLE.insert(
        conn,
        &[
            &w.sid,
            &w.workspace_sid,
            &w.friendly_name,
            &w.configuration,
            &w.assignment_callback_url,
            &w.fallback_assignment_callback_url,
            &w.task_reservation_timeout,
            &w.created_at,
            &w.updated_at,
        ],
    )
}

pub fn update(conn: &Connection, w: &Workflow) -> Result<()> {
    TABLE.update(
        conn,
        &w.sid,
        &[
            ("friendly_name", &w.friendly_name),
            ("configuration", &w.configuration),
            ("assignment_callback_url", &w.assignment_callback_url),
            (
                "fallback_assignment_callback_url",
                &w.fallback_assignment_callback_url,
            ),
            ("task_reservation_timeout", &w.task_reservation_timeout),
        ],
        w.updated_at,
    )
}

pub fn find(conn: &Connection, ws: &str, sid: &str) -> Result<Option<Workflow>> {
    TABLE.find(conn, ws, sid)
}

/// The oldest workflow with this name (workflow names may repeat).
pub fn find_by_name(conn: &Connection, ws: &str, name: &str) -> Result<Option<Workflow>> {
    TABLE.find_by_name(conn, ws, name)
}

pub fn list(
    conn: &Connection,
    ws: &str,
    friendly_name: Option<&str>,
    w: Window,
) -> Result<Page<Workflow>> {
    TABLE.list(conn, in_workspace(ws, friendly_name), w)
}

/// The workspace's workflows, oldest first (at most `limit`).
pub fn first(conn: &Connection, ws: &str, limit: i64) -> Result<Vec<Workflow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM tr_workflows WHERE workspace_sid = ?1 ORDER BY created_at, rowid LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![ws, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    TABLE.delete(conn, sid)
}

/// Live tasks routed by the workflow (a workflow with live tasks cannot be deleted).
pub fn live_tasks(conn: &Connection, sid: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM tr_tasks WHERE workflow_sid = ?1
           AND assignment_status IN ('pending','reserved','assigned','wrapping')",
        [sid],
        |r| r.get(0),
    )?)
}
