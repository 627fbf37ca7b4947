//! The reads behind the supervisor's floor (issue 17): every live task with the agent holding
//! it, every worker channel's capacity, and today's answers per queue for the service level.
//! Each walks what is live (`tr_tasks_by_workspace`) or today's events (`events_by_workspace`
//! from the day's first `seq`), never the whole history.

use super::json_col;
use crate::states::{ReservationStatus, TaskStatus};
use crate::store::Result;
use rusqlite::{params, Connection};
use serde_json::Value;

/// A live task and, when one holds it, the reservation's worker.
#[derive(Debug, Clone)]
pub struct LiveTask {
    pub sid: String,
    pub status: TaskStatus,
    pub queue_sid: Option<String>,
    pub channel: String,
    pub attributes: Value,
    pub created_at: i64,
    pub updated_at: i64,
    pub version: i64,
    /// `(worker_sid, reservation status, reservation updated_at)` of the reservation holding it.
    pub holder: Option<(String, ReservationStatus, i64)>,
}

/// Every pending, reserved, assigned or wrapping task of the workspace, oldest first (at most
/// `limit`), each with the reservation that holds capacity for it, if any.
pub fn live_tasks(conn: &Connection, ws: &str, limit: u32) -> Result<Vec<LiveTask>> {
    let mut stmt = conn.prepare_cached(
        "SELECT t.sid, t.assignment_status, t.queue_sid, t.task_channel_unique_name, t.attributes,
                t.created_at, t.updated_at, t.version,
                (SELECT r.worker_sid || ' ' || r.status || ' ' || r.updated_at FROM tr_reservations r
                  WHERE r.task_sid = t.sid AND r.status IN ('pending','accepted','wrapping')
                  ORDER BY r.created_at DESC LIMIT 1)
         FROM tr_tasks t
         WHERE t.workspace_sid = ?1 AND t.assignment_status IN ('pending','reserved','assigned','wrapping')
         ORDER BY t.created_at LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![ws, limit], |r| {
        let holder: Option<String> = r.get(8)?;
        Ok(LiveTask {
            sid: r.get(0)?,
            status: r.get(1)?,
            queue_sid: r.get(2)?,
            channel: r.get(3)?,
            attributes: json_col(r.get(4)?),
            created_at: r.get(5)?,
            updated_at: r.get(6)?,
            version: r.get(7)?,
            holder: holder.and_then(|h| {
                let mut it = h.split(' ');
                let worker = it.next()?.to_string();
                let status = ReservationStatus::parse(it.next()?)?;
                let at = it.next()?.parse().ok()?;
                Some((worker, status, at))
            }),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// One worker channel's capacity: `(worker_sid, channel unique name, capacity, active, free)`.
pub type ChannelLoad = (String, String, i64, i64, bool);

/// Every worker channel of the workspace with its capacity and use.
pub fn channel_loads(conn: &Connection, ws: &str) -> Result<Vec<ChannelLoad>> {
    let mut stmt = conn.prepare_cached(
        "SELECT wc.worker_sid, COALESCE(tc.unique_name, ''), wc.configured_capacity, wc.active, wc.free
         FROM tr_worker_channels wc LEFT JOIN tr_task_channels tc ON tc.sid = wc.task_channel_sid
         WHERE wc.workspace_sid = ?1 ORDER BY wc.worker_sid, tc.unique_name",
    )?;
    let rows = stmt.query_map([ws], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tasks created at or after `since` per queue they are in now: `(queue_sid, tasks)`.
pub fn offered_since(conn: &Connection, ws: &str, since: i64) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT queue_sid, COUNT(*) FROM tr_tasks
         WHERE workspace_sid = ?1 AND created_at >= ?2 AND queue_sid IS NOT NULL
         GROUP BY queue_sid",
    )?;
    let rows = stmt.query_map(params![ws, since], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Tasks answered (a reservation accepted) at or after `since`, per queue, and how many of them
/// were answered within their queue's threshold (`thresholds`: a JSON object, queue SID →
/// seconds) or else `within_s` seconds of their creation: `(queue_sid, answered, within)`.
/// Reads the day's `reservation.accepted` events, from the first `seq` at `since` on.
pub fn answered_since(
    conn: &Connection,
    ws: &str,
    since: i64,
    within_s: i64,
    thresholds: &str,
) -> Result<Vec<(String, i64, i64)>> {
    let from_seq = super::stats::first_seq_at(conn, since)?;
    let mut stmt = conn.prepare_cached(
        "SELECT q, COUNT(DISTINCT task),
                COUNT(DISTINCT CASE WHEN age <= COALESCE(json_extract(?5, '$.' || q), ?4) THEN task END) FROM (
           SELECT json_extract(data, '$.TaskQueueSid') AS q, json_extract(data, '$.TaskSid') AS task,
                  json_extract(data, '$.TaskAge') AS age
           FROM events WHERE workspace_sid = ?1 AND seq >= ?2 AND created_at >= ?3
             AND event_type = 'reservation.accepted')
         WHERE q IS NOT NULL GROUP BY q",
    )?;
    let rows = stmt.query_map(params![ws, from_seq, since, within_s, thresholds], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
