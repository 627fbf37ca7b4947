//! Voice calls: one row per carrier call the appliance answered.

use super::{optional, Result};
use crate::states::CallStatus;
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Call {
    pub sid: String,
    pub flow_sid: String,
    pub execution_sid: Option<String>,
    pub task_sid: Option<String>,
    pub from_address: String,
    pub to_address: String,
    pub status: CallStatus,
    pub bridged_to: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, flow_sid, execution_sid, task_sid, from_address, to_address, status, \
     bridged_to, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Call> {
    Ok(Call {
        sid: r.get(0)?,
        flow_sid: r.get(1)?,
        execution_sid: r.get(2)?,
        task_sid: r.get(3)?,
        from_address: r.get(4)?,
        to_address: r.get(5)?,
        status: r.get(6)?,
        bridged_to: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

/// Records a call (a carrier retry of the same CallSid points it at the new execution).
pub fn upsert(conn: &Connection, c: &Call) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO calls ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT(sid) DO UPDATE SET flow_sid = excluded.flow_sid,
             execution_sid = excluded.execution_sid, updated_at = excluded.updated_at"
    ))?
    .execute(params![
        c.sid,
        c.flow_sid,
        c.execution_sid,
        c.task_sid,
        c.from_address,
        c.to_address,
        c.status,
        c.bridged_to,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Option<Call>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM calls WHERE sid = ?1"))?
            .query_row([sid], from_row),
    )
}

pub fn set_task(conn: &Connection, sid: &str, task_sid: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE calls SET task_sid = ?2, status = 'queued', updated_at = ?3 WHERE sid = ?1",
    )?
    .execute(params![sid, task_sid, now])?;
    Ok(())
}

pub fn set_status(conn: &Connection, sid: &str, status: CallStatus, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE calls SET status = ?2, updated_at = ?3 WHERE sid = ?1")?
        .execute(params![sid, status, now])?;
    Ok(())
}

pub fn set_bridged(conn: &Connection, sid: &str, to: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE calls SET bridged_to = ?2, status = 'bridged', updated_at = ?3 WHERE sid = ?1",
    )?
    .execute(params![sid, to, now])?;
    Ok(())
}
