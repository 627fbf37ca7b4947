//! `tr_task_history`: one row per task, written from its events (`routing::history`) and kept
//! after the task is deleted, for reports and the conversation search. Every write is an upsert
//! that keeps the first answer / wrap-up / end, so replaying an event (a durable subscriber
//! delivers at least once) changes nothing.

use crate::store::Result;
use rusqlite::{params, Connection};

/// What a task's creation says about it.
#[derive(Debug, Default)]
pub struct Created<'a> {
    pub channel: Option<&'a str>,
    pub queue_sid: Option<&'a str>,
    /// `conversationSid` of its attributes.
    pub conversation_sid: Option<&'a str>,
    /// `flow_execution_sid` of its attributes (Studio's Send to Flex).
    pub execution_sid: Option<&'a str>,
    /// `transferNote` of its attributes (a transfer's note to the next agent).
    pub note: Option<&'a str>,
}

/// The task was created at `at`.
pub fn created(conn: &Connection, sid: &str, ws: &str, c: &Created, at: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_task_history (task_sid, workspace_sid, channel, queue_sid, conversation_sid,
            execution_sid, note, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
         ON CONFLICT(task_sid) DO UPDATE SET channel = COALESCE(channel, excluded.channel),
           queue_sid = COALESCE(queue_sid, excluded.queue_sid),
           conversation_sid = COALESCE(conversation_sid, excluded.conversation_sid),
           execution_sid = COALESCE(execution_sid, excluded.execution_sid),
           note = COALESCE(note, excluded.note),
           created_at = MIN(created_at, excluded.created_at)",
    )?
    .execute(params![
        sid,
        ws,
        c.channel,
        c.queue_sid,
        c.conversation_sid,
        c.execution_sid,
        c.note,
        at
    ])?;
    Ok(())
}

/// Inserts the row if an event of the task came before its `task.created` (never, in order;
/// but harmless), so the updates below always find it.
fn ensure(conn: &Connection, sid: &str, ws: &str, at: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_task_history (task_sid, workspace_sid, created_at) VALUES (?1, ?2, ?3)
         ON CONFLICT(task_sid) DO NOTHING",
    )?
    .execute(params![sid, ws, at])?;
    Ok(())
}

/// The task entered (or moved to) a queue: reports count it there.
pub fn queued(conn: &Connection, sid: &str, ws: &str, queue_sid: &str, at: i64) -> Result<()> {
    ensure(conn, sid, ws, at)?;
    conn.prepare_cached("UPDATE tr_task_history SET queue_sid = ?2 WHERE task_sid = ?1")?
        .execute(params![sid, queue_sid])?;
    Ok(())
}

/// A reservation of the task was made (its events are found by its SID later).
pub fn reserved(conn: &Connection, sid: &str, ws: &str, reservation: &str, at: i64) -> Result<()> {
    ensure(conn, sid, ws, at)?;
    conn.prepare_cached(
        "UPDATE tr_task_history SET reservations = reservations || ?2 || ' '
         WHERE task_sid = ?1 AND instr(reservations, ?2) = 0",
    )?
    .execute(params![sid, reservation])?;
    Ok(())
}

/// `worker_sid` accepted the task at `at`; the first answer is the one that counts, and is
/// judged then against the service level threshold `sla_ms` (`sla_met`, schema step 25).
#[allow(clippy::too_many_arguments)]
pub fn answered(
    conn: &Connection,
    sid: &str,
    ws: &str,
    worker_sid: &str,
    queue_sid: Option<&str>,
    at: i64,
    sla_ms: i64,
) -> Result<()> {
    ensure(conn, sid, ws, at)?;
    conn.prepare_cached(
        "UPDATE tr_task_history SET worker_sid = ?2, queue_sid = COALESCE(?3, queue_sid),
           sla_met = CASE WHEN answered_at IS NULL THEN ?4 - created_at <= ?5 ELSE sla_met END,
           answered_at = COALESCE(answered_at, ?4) WHERE task_sid = ?1",
    )?
    .execute(params![sid, worker_sid, queue_sid, at, sla_ms])?;
    Ok(())
}

/// Wrap-up began at `at`.
pub fn wrapping(conn: &Connection, sid: &str, ws: &str, at: i64) -> Result<()> {
    ensure(conn, sid, ws, at)?;
    conn.prepare_cached(
        "UPDATE tr_task_history SET wrapup_at = COALESCE(wrapup_at, ?2) WHERE task_sid = ?1",
    )?
    .execute(params![sid, at])?;
    Ok(())
}

/// The task ended at `at` as `outcome` (`completed`, `canceled`, `deleted`); the first end
/// counts (a completed task deleted later stays completed).
pub fn ended(
    conn: &Connection,
    sid: &str,
    ws: &str,
    outcome: &str,
    wrapup_code: Option<&str>,
    at: i64,
) -> Result<()> {
    ensure(conn, sid, ws, at)?;
    conn.prepare_cached(
        "UPDATE tr_task_history SET outcome = ?2, ended_at = ?3,
           wrapup_code = COALESCE(?4, wrapup_code) WHERE task_sid = ?1 AND outcome IS NULL",
    )?
    .execute(params![sid, outcome, at, wrapup_code])?;
    Ok(())
}
