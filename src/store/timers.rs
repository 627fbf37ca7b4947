//! Durable timers: due times stored in SQLite so reservation timeouts, task TTLs and waits survive
//! a restart. the `timers` module runs the thread that fires them.

use super::{optional, Result};
use rusqlite::{params, Connection};

/// A stored timer. `kind` names the handler (`timers::TimerKind`).
#[derive(Debug, Clone, PartialEq)]
pub struct TimerRow {
    pub id: i64,
    pub kind: String,
    pub target: String,
    pub due_at: i64,
    pub data: serde_json::Value,
    pub attempts: i64,
}

/// Sets (or moves) the timer for `(kind, target)`.
pub fn schedule(
    conn: &Connection,
    kind: &str,
    target: &str,
    due_at: i64,
    data: &serde_json::Value,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO timers (kind, target, due_at, data) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT(kind, target) DO UPDATE SET due_at = excluded.due_at, data = excluded.data,
                                                 attempts = 0",
    )?
    .execute(params![kind, target, due_at, data.to_string()])?;
    Ok(())
}

/// Removes the timer for `(kind, target)`, if any.
pub fn cancel(conn: &Connection, kind: &str, target: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM timers WHERE kind = ?1 AND target = ?2")?
        .execute(params![kind, target])?;
    Ok(())
}

/// Removes a fired timer unless its handler moved it to a new due time meanwhile.
pub fn delete_if_due(conn: &Connection, id: i64, due_at: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM timers WHERE id = ?1 AND due_at = ?2")?
        .execute(params![id, due_at])?;
    Ok(())
}

/// Pushes a failed timer back by `delay_ms` and counts the attempt.
pub fn retry_later(conn: &Connection, id: i64, due_at: i64) -> Result<()> {
    conn.prepare_cached("UPDATE timers SET due_at = ?2, attempts = attempts + 1 WHERE id = ?1")?
        .execute(params![id, due_at])?;
    Ok(())
}

/// The earliest due time, if any timer is set.
pub fn next_due(conn: &Connection) -> Result<Option<i64>> {
    Ok(conn.query_row("SELECT MIN(due_at) FROM timers", [], |r| r.get(0))?)
}

/// Timers due at or before `now`, earliest first.
pub fn due(conn: &Connection, now: i64, limit: u32) -> Result<Vec<TimerRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT id, kind, target, due_at, data, attempts FROM timers
         WHERE due_at <= ?1 ORDER BY due_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![now, limit], |r| {
        let data: String = r.get(4)?;
        Ok(TimerRow {
            id: r.get(0)?,
            kind: r.get(1)?,
            target: r.get(2)?,
            due_at: r.get(3)?,
            data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
            attempts: r.get(5)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn find(conn: &Connection, kind: &str, target: &str) -> Result<Option<i64>> {
    optional(conn.query_row(
        "SELECT due_at FROM timers WHERE kind = ?1 AND target = ?2",
        params![kind, target],
        |r| r.get(0),
    ))
}
