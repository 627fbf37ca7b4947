//! `tr_workers` and `tr_worker_channels` (a worker's capacity per task channel).

use super::{json_col, Where};
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, params_from_iter, Connection, Row};
use serde_json::Value;
use std::ops::ControlFlow;

#[derive(Debug, Clone, PartialEq)]
pub struct Worker {
    pub sid: String,
    pub workspace_sid: String,
    pub friendly_name: String,
    pub attributes: Value,
    pub activity_sid: String,
    pub activity_name: String,
    pub available: bool,
    pub status_changed_at: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "w.sid, w.workspace_sid, w.friendly_name, w.attributes, w.activity_sid, \
    COALESCE(a.friendly_name, ''), w.available, w.status_changed_at, w.created_at, w.updated_at";
const FROM: &str = "tr_workers w LEFT JOIN tr_activities a ON a.sid = w.activity_sid";

fn from_row(r: &Row) -> rusqlite::Result<Worker> {
    Ok(Worker {
        sid: r.get(0)?,
        workspace_sid: r.get(1)?,
        friendly_name: r.get(2)?,
        attributes: json_col(r.get(3)?),
        activity_sid: r.get(4)?,
        activity_name: r.get(5)?,
        available: r.get(6)?,
        status_changed_at: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn insert(conn: &Connection, w: &Worker) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_workers (sid, workspace_sid, friendly_name, attributes, activity_sid,
            available, status_changed_at, created_at, updated_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)",
    )?
    .execute(params![
        w.sid,
        w.workspace_sid,
        w.friendly_name,
        w.attributes.to_string(),
        w.activity_sid,
        w.available,
        w.status_changed_at,
        w.created_at,
        w.updated_at
    ])?;
    Ok(())
}

/// Writes name, attributes, activity and availability.
pub fn update(conn: &Connection, w: &Worker) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tr_workers SET friendly_name = ?2, attributes = ?3, activity_sid = ?4,
            available = ?5, status_changed_at = ?6, updated_at = ?7 WHERE sid = ?1",
    )?
    .execute(params![
        w.sid,
        w.friendly_name,
        w.attributes.to_string(),
        w.activity_sid,
        w.available,
        w.status_changed_at,
        w.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<Worker>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM {FROM} WHERE w.sid = ?1"))?
            .query_row([sid], from_row),
    )
}

#[derive(Debug, Default, Clone)]
pub struct WorkerFilter {
    pub activity_sid: Option<String>,
    pub activity_name: Option<String>,
    pub available: Option<bool>,
    pub friendly_name: Option<String>,
}

pub fn list(
    conn: &Connection,
    ws: &str,
    f: &WorkerFilter,
    w: Option<Window>,
) -> Result<Page<Worker>> {
    let mut q = Where::new("w.workspace_sid", ws.to_string());
    if let Some(v) = &f.activity_sid {
        q.and("w.activity_sid", v.clone());
    }
    if let Some(v) = &f.activity_name {
        q.and("a.friendly_name", v.clone());
    }
    if let Some(v) = f.available {
        q.and("w.available", v as i64);
    }
    if let Some(v) = &f.friendly_name {
        q.and("w.friendly_name", v.clone());
    }
    let limit = match w {
        Some(w) => q.window(w),
        None => String::new(),
    };
    let sql = format!(
        "SELECT {COLS} FROM {FROM}{} ORDER BY w.created_at, w.rowid{limit}",
        q.sql
    );
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(params_from_iter(q.args), from_row)?;
    let items: Vec<Worker> = rows.collect::<rusqlite::Result<_>>()?;
    Ok(match w {
        Some(w) => Page::from_rows(items, w),
        None => Page {
            items,
            has_more: false,
        },
    })
}

pub fn delete(conn: &Connection, sid: &str) -> Result<()> {
    conn.execute("DELETE FROM tr_workers WHERE sid = ?1", [sid])?;
    Ok(())
}

/// Workers per activity in a workspace: `(activity_sid, count)`.
pub fn count_by_activity(conn: &Connection, ws: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT activity_sid, COUNT(*) FROM tr_workers WHERE workspace_sid = ?1 GROUP BY activity_sid",
    )?;
    let rows = stmt.query_map([ws], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn count_in_activity(conn: &Connection, activity_sid: &str) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COUNT(*) FROM tr_workers WHERE activity_sid = ?1",
        [activity_sid],
        |r| r.get(0),
    )?)
}

#[derive(Debug, Clone, PartialEq)]
pub struct WorkerChannel {
    pub sid: String,
    pub worker_sid: String,
    pub task_channel_sid: String,
    pub task_channel_unique_name: String,
    pub workspace_sid: String,
    pub configured_capacity: i64,
    pub available: bool,
    pub active: i64,
    pub free: bool,
    pub idle_since: i64,
    pub created_at: i64,
    pub updated_at: i64,
}

const WC_COLS: &str = "wc.sid, wc.worker_sid, wc.task_channel_sid, COALESCE(tc.unique_name, ''), \
    wc.workspace_sid, wc.configured_capacity, wc.available, wc.active, wc.free, wc.idle_since, \
    wc.created_at, wc.updated_at";
const WC_FROM: &str =
    "tr_worker_channels wc LEFT JOIN tr_task_channels tc ON tc.sid = wc.task_channel_sid";

fn wc_from_row(r: &Row) -> rusqlite::Result<WorkerChannel> {
    Ok(WorkerChannel {
        sid: r.get(0)?,
        worker_sid: r.get(1)?,
        task_channel_sid: r.get(2)?,
        task_channel_unique_name: r.get(3)?,
        workspace_sid: r.get(4)?,
        configured_capacity: r.get(5)?,
        available: r.get(6)?,
        active: r.get(7)?,
        free: r.get(8)?,
        idle_since: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

pub fn insert_channel(conn: &Connection, c: &WorkerChannel) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_worker_channels (sid, worker_sid, task_channel_sid, workspace_sid,
            configured_capacity, available, active, free, idle_since, created_at, updated_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11)",
    )?
    .execute(params![
        c.sid,
        c.worker_sid,
        c.task_channel_sid,
        c.workspace_sid,
        c.configured_capacity,
        c.available,
        c.active,
        c.free,
        c.idle_since,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

pub fn channels_of(conn: &Connection, worker_sid: &str) -> Result<Vec<WorkerChannel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {WC_COLS} FROM {WC_FROM} WHERE wc.worker_sid = ?1 ORDER BY wc.created_at, wc.rowid"
    ))?;
    let rows = stmt.query_map([worker_sid], wc_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A worker's channel by the channel's SID (`TC…`), unique name, or the WorkerChannel's own SID.
pub fn find_channel(
    conn: &Connection,
    worker_sid: &str,
    key: &str,
) -> Result<Option<WorkerChannel>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {WC_COLS} FROM {WC_FROM} WHERE wc.worker_sid = ?1
               AND (wc.task_channel_sid = ?2 OR tc.unique_name = ?2 OR wc.sid = ?2)"
        ))?
        .query_row([worker_sid, key], wc_from_row),
    )
}

/// Sets capacity and per-channel availability.
pub fn set_channel(conn: &Connection, c: &WorkerChannel) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tr_worker_channels SET configured_capacity = ?3, available = ?4, updated_at = ?5
         WHERE worker_sid = ?1 AND task_channel_sid = ?2",
    )?
    .execute(params![
        c.worker_sid,
        c.task_channel_sid,
        c.configured_capacity,
        c.available,
        c.updated_at
    ])?;
    Ok(())
}

/// Adds `delta` to the active reservation count of one channel (never below zero).
pub fn add_active(
    conn: &Connection,
    worker_sid: &str,
    channel_sid: &str,
    delta: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE tr_worker_channels SET active = MAX(0, active + ?3)
         WHERE worker_sid = ?1 AND task_channel_sid = ?2",
    )?
    .execute(params![worker_sid, channel_sid, delta])?;
    Ok(())
}

/// Marks the worker busy from `now` on one channel (longest-idle ordering).
pub fn touch_idle(
    conn: &Connection,
    worker_sid: &str,
    channel_sid: Option<&str>,
    now: i64,
) -> Result<()> {
    match channel_sid {
        Some(c) => conn
            .prepare_cached(
                "UPDATE tr_worker_channels SET idle_since = ?3 WHERE worker_sid = ?1 AND task_channel_sid = ?2",
            )?
            .execute(params![worker_sid, c, now])?,
        None => conn
            .prepare_cached("UPDATE tr_worker_channels SET idle_since = ?2 WHERE worker_sid = ?1")?
            .execute(params![worker_sid, now])?,
    };
    Ok(())
}

/// Recomputes `free` on every channel of a worker: its activity is available, the channel is
/// available, and it holds fewer reservations than its capacity (and, without multitasking, none
/// at all on any channel), and no capacity rule blocks the channel while the worker holds a task
/// on another (`tr_channel_rules`). Returns whether any channel is free.
pub fn refresh_free(
    conn: &Connection,
    worker_sid: &str,
    worker_available: bool,
    multi_task: bool,
) -> Result<bool> {
    conn.prepare_cached(
        "UPDATE tr_worker_channels SET free = (?2 AND available AND active < configured_capacity
            AND (?3 OR (SELECT COALESCE(SUM(active), 0) FROM tr_worker_channels x
                        WHERE x.worker_sid = ?1) = 0)
            AND NOT EXISTS (SELECT 1 FROM tr_channel_rules b
                JOIN tr_worker_channels y ON y.worker_sid = ?1 AND y.task_channel_sid = b.busy_channel_sid
                WHERE b.blocked_channel_sid = tr_worker_channels.task_channel_sid AND y.active > 0))
         WHERE worker_sid = ?1",
    )?
    .execute(params![worker_sid, worker_available, multi_task])?;
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM tr_worker_channels WHERE worker_sid = ?1 AND free = 1)",
        )?
        .query_row([worker_sid], |r| r.get(0))?)
}

/// A free worker as the matcher sees it.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub sid: String,
    pub friendly_name: String,
    pub attributes: Value,
    pub idle_since: i64,
}

/// Visits the workers free on `channel_sid`, longest idle first, until `f` breaks.
pub fn for_each_free(
    conn: &Connection,
    channel_sid: &str,
    mut f: impl FnMut(Candidate) -> ControlFlow<()>,
) -> Result<()> {
    let mut stmt = conn.prepare_cached(
        "SELECT w.sid, w.friendly_name, w.attributes, wc.idle_since
         FROM tr_worker_channels wc INDEXED BY tr_worker_channels_free
         JOIN tr_workers w ON w.sid = wc.worker_sid
         WHERE wc.task_channel_sid = ?1 AND wc.free = 1 ORDER BY wc.idle_since, wc.worker_sid",
    )?;
    let mut rows = stmt.query([channel_sid])?;
    while let Some(r) = rows.next()? {
        let c = Candidate {
            sid: r.get(0)?,
            friendly_name: r.get(1)?,
            attributes: json_col(r.get(2)?),
            idle_since: r.get(3)?,
        };
        if f(c).is_break() {
            break;
        }
    }
    Ok(())
}

/// Every worker of the workspace that is free on at least one channel.
pub fn free_worker_sids(conn: &Connection, ws: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT DISTINCT worker_sid FROM tr_worker_channels WHERE workspace_sid = ?1 AND free = 1",
    )?;
    let rows = stmt.query_map([ws], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `(sid, attributes, available)` of every worker in a workspace (statistics, skip_if).
pub fn all_attributes(conn: &Connection, ws: &str) -> Result<Vec<(String, Value, bool)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sid, attributes, available FROM tr_workers WHERE workspace_sid = ?1",
    )?;
    let rows = stmt.query_map([ws], |r| Ok((r.get(0)?, json_col(r.get(1)?), r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
