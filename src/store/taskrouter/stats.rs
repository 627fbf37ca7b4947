//! Counting queries behind TaskRouter's real-time and cumulative statistics.

use crate::store::Result;
use rusqlite::{params, Connection};

/// Which live tasks a real-time figure counts: a workspace's, one queue's or one workflow's.
#[derive(Debug, Clone, Copy)]
pub enum LiveScope<'a> {
    Workspace,
    Queue(&'a str),
    Workflow(&'a str),
}

impl<'a> LiveScope<'a> {
    /// The scope's condition on `tr_tasks` (as `?2`, so each scope keeps its own plan and index).
    fn filter(self) -> (&'static str, Option<&'a str>) {
        match self {
            LiveScope::Workspace => ("?2 IS NULL", None),
            LiveScope::Queue(q) => ("queue_sid = ?2", Some(q)),
            LiveScope::Workflow(w) => ("workflow_sid = ?2", Some(w)),
        }
    }
}

/// Live tasks grouped by `(status, priority)`, in the scope.
pub fn live_tasks(
    conn: &Connection,
    ws: &str,
    scope: LiveScope,
) -> Result<Vec<(String, i64, i64)>> {
    let (filter, sid) = scope.filter();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT assignment_status, priority, COUNT(*) FROM tr_tasks
         WHERE workspace_sid = ?1 AND {filter}
           AND assignment_status IN ('pending','reserved','assigned','wrapping')
         GROUP BY assignment_status, priority"
    ))?;
    let rows = stmt.query_map(params![ws, sid], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The longest-waiting (pending or reserved) task in the scope: `(sid, created_at)`.
pub fn oldest_waiting(
    conn: &Connection,
    ws: &str,
    scope: LiveScope,
) -> Result<Option<(String, i64)>> {
    let (filter, sid) = scope.filter();
    crate::store::optional(
        conn.prepare_cached(&format!(
            "SELECT sid, created_at FROM tr_tasks
             WHERE workspace_sid = ?1 AND {filter}
               AND assignment_status IN ('pending','reserved')
             ORDER BY created_at LIMIT 1"
        ))?
        .query_row(params![ws, sid], |r| Ok((r.get(0)?, r.get(1)?))),
    )
}

/// Workers holding a live task of the workspace (or one queue), by reservation status
/// (`pending`, `accepted`, `wrapping`): `(status, distinct workers)`. Walks the live tasks
/// (`tr_tasks_by_workspace`) and their reservations (`tr_reservations_by_task`), not history.
pub fn busy_workers(
    conn: &Connection,
    ws: &str,
    queue_sid: Option<&str>,
) -> Result<Vec<(crate::states::ReservationStatus, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT r.status, COUNT(DISTINCT r.worker_sid) FROM tr_tasks t
         JOIN tr_reservations r ON r.task_sid = t.sid
         WHERE t.workspace_sid = ?1 AND (?2 IS NULL OR t.queue_sid = ?2)
           AND t.assignment_status IN ('reserved','assigned','wrapping')
           AND r.status IN ('pending','accepted','wrapping')
         GROUP BY r.status",
    )?;
    let rows = stmt.query_map(params![ws, queue_sid], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn event_counts(
    conn: &Connection,
    ws: &str,
    start: i64,
    end: i64,
    related: Option<(&str, &str)>,
) -> Result<Vec<(String, i64)>> {
    // Only the events from the window's first `seq` on are read (`events_by_workspace` is
    // ordered by seq), so the cost follows the window, not the whole outbox.
    let from_seq = first_seq_at(conn, start)?;
    let mut sql = "SELECT event_type, COUNT(*) FROM events
         WHERE workspace_sid = ?1 AND seq >= ?5 AND created_at >= ?2 AND created_at <= ?3"
        .to_string();
    let mut args: Vec<rusqlite::types::Value> =
        vec![ws.to_string().into(), start.into(), end.into()];
    if let Some((field, value)) = related {
        // `field` is chosen by code (TaskQueueSid, WorkerSid), never taken from a request.
        sql.push_str(&format!(" AND json_extract(data, '$.{field}') = ?4"));
        args.push(value.to_string().into());
    } else {
        sql.push_str(" AND ?4 IS NULL");
        args.push(rusqlite::types::Value::Null);
    }
    args.push(from_seq.into());
    sql.push_str(" GROUP BY event_type");
    let mut stmt = conn.prepare_cached(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
        Ok((r.get(0)?, r.get(1)?))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// `(count, sum, min, max)` of accept times (ms) of reservations accepted in the window.
pub fn accept_times(
    conn: &Connection,
    ws: &str,
    start: i64,
    end: i64,
    queue_sid: Option<&str>,
    worker_sid: Option<&str>,
) -> Result<(i64, i64, i64, i64)> {
    Ok(conn.prepare_cached(
        "SELECT COUNT(*), COALESCE(SUM(r.updated_at - r.created_at), 0),
                COALESCE(MIN(r.updated_at - r.created_at), 0), COALESCE(MAX(r.updated_at - r.created_at), 0)
         FROM tr_reservations r JOIN tr_tasks t ON t.sid = r.task_sid
         WHERE r.workspace_sid = ?1 AND r.status IN ('accepted','wrapping','completed')
           AND r.updated_at >= ?2 AND r.updated_at <= ?3
           AND (?4 IS NULL OR t.queue_sid = ?4) AND (?5 IS NULL OR r.worker_sid = ?5)",
    )?
    .query_row(params![ws, start, end, queue_sid, worker_sid], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
    })?)
}

/// The first outbox `seq` whose event is at or after `at` (Unix ms): a binary search over the
/// rowid, since events are appended in time order.
pub fn first_seq_at(conn: &Connection, at: i64) -> Result<i64> {
    let max: i64 = conn
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events")?
        .query_row([], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT seq, created_at FROM events WHERE seq >= ?1 ORDER BY seq LIMIT 1",
    )?;
    let (mut lo, mut hi) = (0i64, max + 1);
    while lo < hi {
        let mid = lo + (hi - lo) / 2;
        let found: Option<(i64, i64)> =
            crate::store::optional(stmt.query_row([mid], |r| Ok((r.get(0)?, r.get(1)?))))?;
        match found {
            Some((_, created)) if created < at => lo = mid + 1,
            _ => hi = mid,
        }
    }
    Ok(lo)
}

/// Live tasks of one workflow grouped by `(status, priority)`.
/// Which tasks a cumulative figure counts: a queue's, a workflow's, a worker's, or all.
#[derive(Debug, Clone, Copy, Default)]
pub struct TaskScope<'a> {
    pub queue_sid: Option<&'a str>,
    pub workflow_sid: Option<&'a str>,
    pub worker_sid: Option<&'a str>,
}

/// `(count, sum, min, max)` of the waits (ms, creation to cancel) of the tasks canceled in the
/// window. A worker scope counts the canceled tasks that had been reserved to the worker.
pub fn cancel_waits(
    conn: &Connection,
    ws: &str,
    start: i64,
    end: i64,
    scope: TaskScope,
) -> Result<(i64, i64, i64, i64)> {
    Ok(conn
        .prepare_cached(
            "SELECT COUNT(*), COALESCE(SUM(updated_at - created_at), 0),
                COALESCE(MIN(updated_at - created_at), 0), COALESCE(MAX(updated_at - created_at), 0)
             FROM tr_tasks t
             WHERE workspace_sid = ?1 AND assignment_status = 'canceled'
               AND updated_at >= ?2 AND updated_at <= ?3
               AND (?4 IS NULL OR queue_sid = ?4) AND (?5 IS NULL OR workflow_sid = ?5)
               AND (?6 IS NULL OR EXISTS (SELECT 1 FROM tr_reservations r
                                          WHERE r.task_sid = t.sid AND r.worker_sid = ?6))",
        )?
        .query_row(
            params![
                ws,
                start,
                end,
                scope.queue_sid,
                scope.workflow_sid,
                scope.worker_sid
            ],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
        )?)
}

/// Around a wait of `threshold_ms` (a task's age when its reservation was accepted, or when it
/// was canceled), in the window: `[accepted below, accepted at or above, canceled below,
/// canceled at or above]`.
pub fn split_by_wait(
    conn: &Connection,
    ws: &str,
    start: i64,
    end: i64,
    scope: TaskScope,
    threshold_ms: i64,
) -> Result<[i64; 4]> {
    let (ab, aa): (i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(r.updated_at - t.created_at < ?7), 0),
                    COALESCE(SUM(r.updated_at - t.created_at >= ?7), 0)
             FROM tr_reservations r JOIN tr_tasks t ON t.sid = r.task_sid
             WHERE r.workspace_sid = ?1 AND r.status IN ('accepted','wrapping','completed')
               AND r.updated_at >= ?2 AND r.updated_at <= ?3
               AND (?4 IS NULL OR t.queue_sid = ?4) AND (?5 IS NULL OR t.workflow_sid = ?5)
               AND (?6 IS NULL OR r.worker_sid = ?6)",
        )?
        .query_row(
            params![
                ws,
                start,
                end,
                scope.queue_sid,
                scope.workflow_sid,
                scope.worker_sid,
                threshold_ms
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
    let (cb, ca): (i64, i64) = conn
        .prepare_cached(
            "SELECT COALESCE(SUM(updated_at - created_at < ?7), 0),
                    COALESCE(SUM(updated_at - created_at >= ?7), 0)
             FROM tr_tasks t
             WHERE workspace_sid = ?1 AND assignment_status = 'canceled'
               AND updated_at >= ?2 AND updated_at <= ?3
               AND (?4 IS NULL OR queue_sid = ?4) AND (?5 IS NULL OR workflow_sid = ?5)
               AND (?6 IS NULL OR EXISTS (SELECT 1 FROM tr_reservations r
                                          WHERE r.task_sid = t.sid AND r.worker_sid = ?6))",
        )?
        .query_row(
            params![
                ws,
                start,
                end,
                scope.queue_sid,
                scope.workflow_sid,
                scope.worker_sid,
                threshold_ms
            ],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
    Ok([ab, aa, cb, ca])
}
