//! Counts `/metrics` reads at scrape time (issue 9): tasks, reservations and queue sizes of
//! TaskRouter, the event outbox's backlog behind its slowest durable subscriber, and recorded
//! webhook failures.

use super::Result;
use rusqlite::Connection;

/// `(label, count)` rows of a `GROUP BY` query.
fn grouped(conn: &Connection, sql: &str) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn tasks_by_status(conn: &Connection) -> Result<Vec<(String, i64)>> {
    grouped(
        conn,
        "SELECT assignment_status, COUNT(*) FROM tr_tasks GROUP BY 1",
    )
}

pub fn reservations_by_status(conn: &Connection) -> Result<Vec<(String, i64)>> {
    grouped(
        conn,
        "SELECT status, COUNT(*) FROM tr_reservations
          WHERE status IN ('pending','accepted','wrapping') GROUP BY 1",
    )
}

/// Pending tasks per queue SID.
pub fn queue_sizes(conn: &Connection) -> Result<Vec<(String, i64)>> {
    grouped(
        conn,
        "SELECT q.sid, (SELECT COUNT(*) FROM tr_tasks t WHERE t.queue_sid = q.sid
                          AND t.assignment_status = 'pending') FROM tr_task_queues q",
    )
}

/// Events stored after the cursor of the slowest durable subscriber.
pub fn outbox_backlog(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row(
        "SELECT COALESCE((SELECT MAX(seq) FROM events), 0)
              - COALESCE((SELECT MIN(seq) FROM subscriber_cursors), 0)",
        [],
        |r| r.get(0),
    )?)
}

/// Recorded failures: event callbacks given up on, and outbound requests that failed.
pub fn webhook_failures(conn: &Connection) -> Result<Vec<(String, i64)>> {
    grouped(
        conn,
        "SELECT event_type, COUNT(*) FROM events
          WHERE event_type IN ('webhook.failed','message.outbound.failed') GROUP BY 1",
    )
}
