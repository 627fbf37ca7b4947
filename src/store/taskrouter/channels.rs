//! `tr_task_channels`.

use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct TaskChannel {
    pub sid: String,
    pub workspace_sid: String,
    pub unique_name: String,
    pub friendly_name: String,
    pub channel_optimized_routing: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, workspace_sid, unique_name, friendly_name, channel_optimized_routing, \
    created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<TaskChannel> {
    Ok(TaskChannel {
        sid: r.get(0)?,
        workspace_sid: r.get(1)?,
        unique_name: r.get(2)?,
        friendly_name: r.get(3)?,
        channel_optimized_routing: r.get(4)?,
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub fn insert(conn: &Connection, c: &TaskChannel) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO tr_task_channels ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7)"
    ))?
    .execute(params![
        c.sid,
        c.workspace_sid,
        c.unique_name,
        c.friendly_name,
        c.channel_optimized_routing,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

/// By SID (`TC…`) or unique name.
pub fn find(conn: &Connection, ws: &str, sid_or_name: &str) -> Result<Option<TaskChannel>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM tr_task_channels
             WHERE workspace_sid = ?1 AND (sid = ?2 OR unique_name = ?2)"
        ))?
        .query_row([ws, sid_or_name], from_row),
    )
}

pub fn list(conn: &Connection, ws: &str, w: Window) -> Result<Page<TaskChannel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM tr_task_channels WHERE workspace_sid = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![ws, w.sql_limit(), w.sql_offset()], from_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn all(conn: &Connection, ws: &str) -> Result<Vec<TaskChannel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM tr_task_channels WHERE workspace_sid = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([ws], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn update(conn: &Connection, c: &TaskChannel) -> Result<()> {
    conn.execute(
        "UPDATE tr_task_channels SET friendly_name = ?2, channel_optimized_routing = ?3,
            updated_at = ?4 WHERE sid = ?1",
        params![
            c.sid,
            c.friendly_name,
            c.channel_optimized_routing,
            c.updated_at
        ],
    )?;
    Ok(())
}

/// How many tasks, live or not, use the channel (a channel in use cannot be deleted).
pub fn tasks_using(conn: &Connection, sid: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM tr_tasks WHERE task_channel_sid = ?1",
        [sid],
        |r| r.get(0),
    )?)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    conn.execute("DELETE FROM tr_task_channels WHERE sid = ?1", [sid])?;
    Ok(())
}
