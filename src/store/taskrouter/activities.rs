//! `tr_activities`.

use super::Where;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, params_from_iter, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Activity {
    pub sid: String,
    pub workspace_sid: String,
    pub friendly_name: String,
    pub available: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, workspace_sid, friendly_name, available, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Activity> {
    Ok(Activity {
        sid: r.get(0)?,
        workspace_sid: r.get(1)?,
        friendly_name: r.get(2)?,
        available: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

pub fn insert(conn: &Connection, a: &Activity) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO tr_activities ({COLS}) VALUES (?1,?2,?3,?4,?5,?6)"
    ))?
    .execute(params![
        a.sid,
        a.workspace_sid,
        a.friendly_name,
        a.available,
        a.created_at,
        a.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, ws: &str, sid: &str) -> Result<Option<Activity>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM tr_activities WHERE sid = ?1 AND workspace_sid = ?2"
        ))?
        .query_row([sid, ws], from_row),
    )
}

pub fn find_by_name(conn: &Connection, ws: &str, name: &str) -> Result<Option<Activity>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM tr_activities WHERE workspace_sid = ?1 AND friendly_name = ?2"
        ))?
        .query_row([ws, name], from_row),
    )
}

pub fn list(
    conn: &Connection,
    ws: &str,
    friendly_name: Option<&str>,
    available: Option<bool>,
    w: Window,
) -> Result<Page<Activity>> {
    let mut q = Where::new("workspace_sid", ws.to_string());
    if let Some(n) = friendly_name {
        q.and("friendly_name", n.to_string());
    }
    if let Some(a) = available {
        q.and("available", a as i64);
    }
    let limit = q.window(w);
    let sql = format!(
        "SELECT {COLS} FROM tr_activities{} ORDER BY created_at, rowid{limit}",
        q.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(q.args), from_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn all(conn: &Connection, ws: &str) -> Result<Vec<Activity>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM tr_activities WHERE workspace_sid = ?1 ORDER BY created_at, rowid"
    ))?;
    let rows = stmt.query_map([ws], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn rename(conn: &Connection, sid: &str, name: &str, now: i64) -> Result<()> {
    conn.execute(
        "UPDATE tr_activities SET friendly_name = ?2, updated_at = ?3 WHERE sid = ?1",
        params![sid, name, now],
    )?;
    Ok(())
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    conn.execute("DELETE FROM tr_activities WHERE sid = ?1", [sid])?;
    Ok(())
}
