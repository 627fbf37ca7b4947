//! `tr_workspaces`.

use super::Where;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, params_from_iter, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Workspace {
    pub sid: String,
    pub account_sid: String,
    pub friendly_name: String,
    pub event_callback_url: Option<String>,
    pub events_filter: Option<String>,
    pub default_activity_sid: Option<String>,
    pub timeout_activity_sid: Option<String>,
    pub prioritize_queue_order: String,
    pub multi_task_enabled: bool,
    pub is_default: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, account_sid, friendly_name, event_callback_url, events_filter, \
    default_activity_sid, timeout_activity_sid, prioritize_queue_order, multi_task_enabled, \
    is_default, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Workspace> {
    Ok(Workspace {
        sid: r.get(0)?,
        account_sid: r.get(1)?,
        friendly_name: r.get(2)?,
        event_callback_url: r.get(3)?,
        events_filter: r.get(4)?,
        default_activity_sid: r.get(5)?,
        timeout_activity_sid: r.get(6)?,
        prioritize_queue_order: r.get(7)?,
        multi_task_enabled: r.get(8)?,
        is_default: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub fn insert(conn: &Connection, w: &Workspace) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO tr_workspaces ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
    ))?
    .execute(params![
        w.sid,
        w.account_sid,
        w.friendly_name,
        w.event_callback_url,
        w.events_filter,
        w.default_activity_sid,
        w.timeout_activity_sid,
        w.prioritize_queue_order,
        w.multi_task_enabled,
        w.is_default,
        w.created_at,
        w.updated_at
    ])?;
    Ok(())
}

/// Writes every mutable field of `w`.
pub fn update(conn: &Connection, w: &Workspace) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tr_workspaces SET friendly_name = ?2, event_callback_url = ?3, events_filter = ?4,
            default_activity_sid = ?5, timeout_activity_sid = ?6, prioritize_queue_order = ?7,
            multi_task_enabled = ?8, updated_at = ?9 WHERE sid = ?1",
    )?
    .execute(params![
        w.sid,
        w.friendly_name,
        w.event_callback_url,
        w.events_filter,
        w.default_activity_sid,
        w.timeout_activity_sid,
        w.prioritize_queue_order,
        w.multi_task_enabled,
        w.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<Workspace>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM tr_workspaces WHERE sid = ?1"))?
            .query_row([sid], from_row),
    )
}

pub fn default_sid(conn: &Connection) -> Result<Option<String>> {
    optional(
        conn.prepare_cached("SELECT sid FROM tr_workspaces WHERE is_default = 1 LIMIT 1")?
            .query_row([], |r| r.get(0)),
    )
}

pub fn list(conn: &Connection, friendly_name: Option<&str>, w: Window) -> Result<Page<Workspace>> {
    let mut q = Where::default();
    if let Some(n) = friendly_name {
        q.and("friendly_name", n.to_string());
    }
    let limit = q.window(w);
    let sql = format!(
        "SELECT {COLS} FROM tr_workspaces{} ORDER BY created_at, sid{limit}",
        q.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(q.args), from_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    conn.execute("DELETE FROM tr_workspaces WHERE sid = ?1", [sid])?;
    Ok(())
}
