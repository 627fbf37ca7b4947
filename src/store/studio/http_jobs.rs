//! The engine's outbound HTTP jobs (make-http-request, run-function): a waiting execution's
//! request, claimed by an HTTP worker thread, which resumes the execution with the answer.

use crate::store::{optional, Result};
use rusqlite::{params, Connection};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub execution_sid: String,
    /// The execution's wait token when the job was queued (a stale answer is dropped).
    pub token: i64,
    pub request: Value,
}

pub fn enqueue(conn: &Connection, job: &Job, now: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO studio_http_jobs (execution_sid, token, request, running, created_at)
         VALUES (?1, ?2, ?3, 0, ?4)
         ON CONFLICT(execution_sid) DO UPDATE SET token = excluded.token,
             request = excluded.request, running = 0, created_at = excluded.created_at",
    )?
    .execute(params![
        job.execution_sid,
        job.token,
        job.request.to_string(),
        now
    ])?;
    Ok(())
}

/// Marks the oldest pending job as running and returns it.
pub fn claim(conn: &Connection) -> Result<Option<Job>> {
    optional(
        conn.prepare_cached(
            "UPDATE studio_http_jobs SET running = 1
             WHERE execution_sid = (SELECT execution_sid FROM studio_http_jobs WHERE running = 0
                                    ORDER BY created_at LIMIT 1)
             RETURNING execution_sid, token, request",
        )?
        .query_row([], |r| {
            Ok(Job {
                execution_sid: r.get(0)?,
                token: r.get(1)?,
                request: super::json_col(r.get(2)?),
            })
        }),
    )
}

pub fn finish(conn: &Connection, execution_sid: &str, token: i64) -> Result<()> {
    conn.prepare_cached("DELETE FROM studio_http_jobs WHERE execution_sid = ?1 AND token = ?2")?
        .execute(params![execution_sid, token])?;
    Ok(())
}

pub fn cancel(conn: &Connection, execution_sid: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM studio_http_jobs WHERE execution_sid = ?1")?
        .execute([execution_sid])?;
    Ok(())
}

/// After a restart, jobs that were running when the process stopped are run again.
pub fn requeue_running(conn: &Connection) -> Result<usize> {
    Ok(conn
        .prepare_cached("UPDATE studio_http_jobs SET running = 0 WHERE running = 1")?
        .execute([])?)
}
