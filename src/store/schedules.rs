//! `schedules`: named business hours (src/schedules checks the lists before they are stored).

use crate::store::{optional, Result};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Schedule {
    pub sid: String,
    pub name: String,
    pub time_zone: String,
    /// JSON lists as src/schedules normalised them.
    pub hours: String,
    pub holidays: String,
    pub closures: String,
    pub web_chat: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str =
    "sid, name, time_zone, hours, holidays, closures, web_chat, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Schedule> {
    Ok(Schedule {
        sid: r.get(0)?,
        name: r.get(1)?,
        time_zone: r.get(2)?,
        hours: r.get(3)?,
        holidays: r.get(4)?,
        closures: r.get(5)?,
        web_chat: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

/// Inserts or replaces a schedule (a name another schedule has is a Conflict).
pub fn put(conn: &Connection, s: &Schedule) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO schedules ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)
         ON CONFLICT(sid) DO UPDATE SET name = ?2, time_zone = ?3, hours = ?4, holidays = ?5,
           closures = ?6, web_chat = ?7, updated_at = ?9"
    ))?
    .execute(params![
        s.sid,
        s.name,
        s.time_zone,
        s.hours,
        s.holidays,
        s.closures,
        s.web_chat,
        s.created_at,
        s.updated_at
    ])?;
    Ok(())
}

/// By SID, or else by name (case-insensitive).
pub fn find(conn: &Connection, sid_or_name: &str) -> Result<Option<Schedule>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM schedules WHERE sid = ?1
             UNION ALL SELECT {COLS} FROM schedules WHERE name = ?1 AND sid <> ?1 LIMIT 1"
        ))?
        .query_row([sid_or_name], from_row),
    )
}

/// Every schedule, by name.
pub fn all(conn: &Connection) -> Result<Vec<Schedule>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {COLS} FROM schedules ORDER BY name"))?;
    let rows = stmt
        .query_map([], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The schedule the web chat shows, if one is marked.
pub fn web_chat(conn: &Connection) -> Result<Option<Schedule>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM schedules WHERE web_chat = 1 ORDER BY name LIMIT 1"
        ))?
        .query_row([], from_row),
    )
}

/// Unmarks every schedule but `sid` as the web chat's.
pub fn clear_web_chat(conn: &Connection, except_sid: &str) -> Result<()> {
    conn.prepare_cached("UPDATE schedules SET web_chat = 0 WHERE web_chat = 1 AND sid <> ?1")?
        .execute([except_sid])?;
    Ok(())
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM schedules WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}
