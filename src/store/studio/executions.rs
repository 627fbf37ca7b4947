//! Executions of Studio flows and their steps. An active execution that waits (for a reply,
//! digits, a subflow or an HTTP answer) says so in `wait`, so it resumes after a restart.

use super::json_col;
use crate::states::ExecutionStatus;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Execution {
    pub sid: String,
    pub flow_sid: String,
    pub revision: i64,
    /// The customer's address (`contact_channel_address`).
    pub contact: String,
    /// Our address the customer wrote or called to.
    pub channel_address: String,
    pub status: ExecutionStatus,
    pub context: Value,
    /// What the execution waits for (the engine's `Wait`, as JSON), if anything.
    pub wait: Option<Value>,
    pub step_count: i64,
    /// The execution that runs this one as a subflow.
    pub parent_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// Bumped by every `save`: a run computed outside the write checks it before committing.
    pub version: i64,
}

const COLS: &str = "sid, flow_sid, revision, contact, channel_address, status, context, wait, \
     step_count, parent_sid, created_at, updated_at, version";

fn from_row(r: &Row) -> rusqlite::Result<Execution> {
    Ok(Execution {
        sid: r.get(0)?,
        flow_sid: r.get(1)?,
        revision: r.get(2)?,
        contact: r.get(3)?,
        channel_address: r.get(4)?,
        status: r.get(5)?,
        context: json_col(r.get(6)?),
        wait: r.get::<_, Option<String>>(7)?.map(json_col),
        step_count: r.get(8)?,
        parent_sid: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
        version: r.get(12)?,
    })
}

pub fn insert(conn: &Connection, e: &Execution) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO executions ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
    ))?
    .execute(params![
        e.sid,
        e.flow_sid,
        e.revision,
        e.contact,
        e.channel_address,
        e.status,
        e.context.to_string(),
        e.wait.as_ref().map(Value::to_string),
        e.step_count,
        e.parent_sid,
        e.created_at,
        e.updated_at,
        e.version
    ])?;
    Ok(())
}

/// Saves the mutable part of an execution: status, context, wait and step count; bumps its
/// version.
pub fn save(conn: &Connection, e: &Execution) -> Result<()> {
    conn.prepare_cached(
        "UPDATE executions SET status = ?2, context = ?3, wait = ?4, step_count = ?5,
             updated_at = ?6, version = version + 1 WHERE sid = ?1",
    )?
    .execute(params![
        e.sid,
        e.status,
        e.context.to_string(),
        e.wait.as_ref().map(Value::to_string),
        e.step_count,
        e.updated_at
    ])?;
    Ok(())
}

/// The execution's version (`None`: it is gone).
pub fn version(conn: &Connection, sid: &str) -> Result<Option<i64>> {
    optional(
        conn.prepare_cached("SELECT version FROM executions WHERE sid = ?1")?
            .query_row([sid], |r| r.get(0)),
    )
}

/// Whether the contact has an active execution of the flow.
pub fn has_active_for_contact(conn: &Connection, flow_sid: &str, contact: &str) -> Result<bool> {
    Ok(optional(
        conn.prepare_cached(
            "SELECT 1 FROM executions
             WHERE flow_sid = ?1 AND contact = ?2 AND status = 'active' LIMIT 1",
        )?
        .query_row(params![flow_sid, contact], |r| r.get::<_, i64>(0)),
    )?
    .is_some())
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Option<Execution>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM executions WHERE sid = ?1"))?
            .query_row([sid], from_row),
    )
}

/// The contact's active executions of a flow, oldest first.
pub fn active_for_contact(
    conn: &Connection,
    flow_sid: &str,
    contact: &str,
) -> Result<Vec<Execution>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM executions
         WHERE flow_sid = ?1 AND contact = ?2 AND status = 'active' ORDER BY created_at, sid"
    ))?;
    let rows = stmt
        .query_map(params![flow_sid, contact], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A contact's executions (of any flow, ended ones too), oldest first, at most `limit`: a
/// test run's, whose contact is its own (`executions_by_contact`).
pub fn for_contact(conn: &Connection, contact: &str, limit: u32) -> Result<Vec<Execution>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM (SELECT * FROM executions WHERE contact = ?1
         ORDER BY created_at DESC, sid DESC LIMIT ?2) ORDER BY created_at, sid"
    ))?;
    let rows = stmt
        .query_map(params![contact, limit], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// The active subflow executions a parent runs.
pub fn active_children(conn: &Connection, parent_sid: &str) -> Result<Vec<Execution>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM executions WHERE parent_sid = ?1 AND status = 'active'"
    ))?;
    let rows = stmt
        .query_map([parent_sid], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

/// A flow's executions, newest first, optionally created within `[from, to]` (Unix ms).
pub fn list(
    conn: &Connection,
    flow_sid: &str,
    from: Option<i64>,
    to: Option<i64>,
    window: Window,
) -> Result<Page<Execution>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM executions
         WHERE flow_sid = ?1 AND created_at >= ?2 AND created_at <= ?3
         ORDER BY created_at DESC, sid DESC LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt
        .query_map(
            params![
                flow_sid,
                from.unwrap_or(i64::MIN),
                to.unwrap_or(i64::MAX),
                window.sql_limit(),
                window.sql_offset()
            ],
            from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}

/// Every flow's executions in `status`, oldest first (the admin's "who is stuck" list).
pub fn list_by_status(conn: &Connection, status: &str, window: Window) -> Result<Page<Execution>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM executions WHERE status = ?1
         ORDER BY created_at ASC, sid ASC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt
        .query_map(
            params![status, window.sql_limit(), window.sql_offset()],
            from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM executions WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}

/// How many executions are active (a gauge).
pub fn count_active(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM executions WHERE status = 'active'",
        [],
        |r| r.get(0),
    )?)
}

/// One recorded step: the execution moved from one widget to the next on an event.
#[derive(Debug, Clone, PartialEq)]
pub struct Step {
    pub sid: String,
    pub execution_sid: String,
    pub flow_sid: String,
    pub seq: i64,
    /// The event that was taken, e.g. `incomingRequest`, `sent`, `match`.
    pub name: String,
    pub transitioned_from: String,
    pub transitioned_to: String,
    /// The outputs of the widget that was left.
    pub context: Value,
    pub created_at: i64,
}

const STEP_COLS: &str =
    "sid, execution_sid, flow_sid, seq, name, transitioned_from, transitioned_to, context, created_at";

fn step_from_row(r: &Row) -> rusqlite::Result<Step> {
    Ok(Step {
        sid: r.get(0)?,
        execution_sid: r.get(1)?,
        flow_sid: r.get(2)?,
        seq: r.get(3)?,
        name: r.get(4)?,
        transitioned_from: r.get(5)?,
        transitioned_to: r.get(6)?,
        context: json_col(r.get(7)?),
        created_at: r.get(8)?,
    })
}

pub fn insert_step(conn: &Connection, s: &Step) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO execution_steps ({STEP_COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
    ))?
    .execute(params![
        s.sid,
        s.execution_sid,
        s.flow_sid,
        s.seq,
        s.name,
        s.transitioned_from,
        s.transitioned_to,
        s.context.to_string(),
        s.created_at
    ])?;
    Ok(())
}

/// An execution's steps in the order they happened.
pub fn list_steps(conn: &Connection, execution_sid: &str, window: Window) -> Result<Page<Step>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {STEP_COLS} FROM execution_steps WHERE execution_sid = ?1
         ORDER BY seq LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt
        .query_map(
            params![execution_sid, window.sql_limit(), window.sql_offset()],
            step_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}

pub fn fetch_step(conn: &Connection, execution_sid: &str, sid: &str) -> Result<Option<Step>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {STEP_COLS} FROM execution_steps WHERE execution_sid = ?1 AND sid = ?2"
        ))?
        .query_row([execution_sid, sid], step_from_row),
    )
}
