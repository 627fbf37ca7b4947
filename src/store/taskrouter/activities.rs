//! `tr_activities`.

use super::common::{in_workspace, Table};
use crate::store::{Page, Result, Window};
use rusqlite::{Connection, Row};

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

const TABLE: Table<Activity> = Table {
    name: "tr_activities",
    cols: COLS,
    from_row,
};

pub fn insert(conn: &Connection, a: &Activity) -> Result<()> {
    TABLE.insert(
        conn,
        &[
            &a.sid,
            &a.workspace_sid,
            &a.friendly_name,
            &a.available,
            &a.created_at,
            &a.updated_at,
        ],
    )
}

pub fn find(conn: &Connection, ws: &str, sid: &str) -> Result<Option<Activity>> {
    TABLE.find(conn, ws, sid)
}

pub fn find_by_name(conn: &Connection, ws: &str, name: &str) -> Result<Option<Activity>> {
    TABLE.find_by_name(conn, ws, name)
}

pub fn list(
    conn: &Connection,
    ws: &str,
    friendly_name: Option<&str>,
    available: Option<bool>,
    w: Window,
) -> Result<Page<Activity>> {
    let mut q = in_workspace(ws, friendly_name);
    if let Some(a) = available {
        q.and("available", a as i64);
    }
    TABLE.list(conn, q, w)
}

pub fn all(conn: &Connection, ws: &str) -> Result<Vec<Activity>> {
    TABLE.all(conn, ws)
}

pub fn rename(conn: &Connection, sid: &str, name: &str, now: i64) -> Result<()> {
    TABLE.update(conn, sid, &[("friendly_name", &name)], now)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    TABLE.delete(conn, sid)
}
