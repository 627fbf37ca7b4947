//! The outbound HTTP outbox: carrier messages and external Flex Flow posts, retried until sent.

use super::json_col;
pub use crate::states::{OutboxKind, OutboxStatus};
use crate::store::{optional, Result};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Outbound {
    pub sid: String,
    /// `carrier` (the provider's Messages API) or `external` (a Flex Flow's `Integration.Url`).
    pub kind: OutboxKind,
    pub url: Option<String>,
    /// The form parameters to post.
    pub params: Value,
    pub conversation_sid: Option<String>,
    pub message_sid: Option<String>,
    /// `queued` | `sent` | `failed`.
    pub status: OutboxStatus,
    pub attempts: i64,
    /// `None`: retry until it goes through (carrier messages are never dropped).
    pub max_attempts: Option<i64>,
    pub next_attempt_at: i64,
    pub provider_sid: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, kind, url, params, conversation_sid, message_sid, status, attempts, \
     max_attempts, next_attempt_at, provider_sid, last_error, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Outbound> {
    Ok(Outbound {
        sid: r.get(0)?,
        kind: r.get(1)?,
        url: r.get(2)?,
        params: json_col(r.get(3)?),
        conversation_sid: r.get(4)?,
        message_sid: r.get(5)?,
        status: r.get(6)?,
        attempts: r.get(7)?,
        max_attempts: r.get(8)?,
        next_attempt_at: r.get(9)?,
        provider_sid: r.get(10)?,
        last_error: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
    })
}

pub fn insert(conn: &Connection, o: &Outbound) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO outbound_requests ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
    ))?
    .execute(params![
        o.sid,
        o.kind,
        o.url,
        o.params.to_string(),
        o.conversation_sid,
        o.message_sid,
        o.status,
        o.attempts,
        o.max_attempts,
        o.next_attempt_at,
        o.provider_sid,
        o.last_error,
        o.created_at,
        o.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<Outbound>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbound_requests WHERE sid = ?1"
        ))?
        .query_row([sid], from_row),
    )
}

pub fn find_by_provider_sid(conn: &Connection, provider_sid: &str) -> Result<Option<Outbound>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM outbound_requests WHERE provider_sid = ?1 LIMIT 1"
        ))?
        .query_row([provider_sid], from_row),
    )
}

/// Records the carrier's SID of request `sid` if none is recorded yet (its status report came
/// before its answer); false if it had one already or there is no such request.
pub fn learn_provider_sid(conn: &Connection, sid: &str, provider_sid: &str) -> Result<bool> {
    let n = conn
        .prepare_cached(
            "UPDATE outbound_requests SET provider_sid = ?2 WHERE sid = ?1 AND provider_sid IS NULL",
        )?
        .execute(params![sid, provider_sid])?;
    Ok(n == 1)
}

/// Queued requests due at or before `now`, oldest first — but only the oldest queued request of
/// each conversation, so a conversation's messages leave in the order they were written even
/// while an earlier one waits for its retry.
pub fn due(conn: &Connection, now: i64, limit: u32) -> Result<Vec<Outbound>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbound_requests o WHERE status = 'queued' AND next_attempt_at <= ?1
           AND (conversation_sid IS NULL OR NOT EXISTS (
                SELECT 1 FROM outbound_requests e WHERE e.status = 'queued'
                  AND e.conversation_sid = o.conversation_sid AND e.kind = o.kind
                  AND e.rowid < o.rowid))
         ORDER BY next_attempt_at, created_at LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![now, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Records an attempt's outcome.
pub fn record_attempt(
    conn: &Connection,
    sid: &str,
    status: OutboxStatus,
    next_attempt_at: i64,
    provider_sid: Option<&str>,
    error: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE outbound_requests SET status = ?2, attempts = attempts + 1, next_attempt_at = ?3,
             provider_sid = COALESCE(?4, provider_sid), last_error = ?5, updated_at = ?6
         WHERE sid = ?1 AND status = 'queued'",
    )?
    .execute(params![
        sid,
        status,
        next_attempt_at,
        provider_sid,
        error,
        now
    ])?;
    Ok(())
}

/// Requests waiting for another try after a failed one, by kind (for `/metrics`).
pub fn retrying(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT kind, COUNT(*) FROM outbound_requests
          WHERE status = 'queued' AND attempts > 0 GROUP BY kind",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Counts by status (for `/metrics`).
pub fn counts(conn: &Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt =
        conn.prepare_cached("SELECT status, COUNT(*) FROM outbound_requests GROUP BY status")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Fails a request that has not been sent yet (an API caller canceled it); false if it was
/// already sent, failed or being sent for the last time.
pub fn cancel_queued(conn: &Connection, sid: &str, why: &str, now: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE outbound_requests SET status = 'failed', last_error = ?2, updated_at = ?3
              WHERE sid = ?1 AND status = 'queued'",
        )?
        .execute(params![sid, why, now])?
        > 0)
}

/// The queued requests ordered under `key` (a conversation, or the call or message a request is
/// about), oldest first.
pub fn queued_for(conn: &Connection, key: &str) -> Result<Vec<Outbound>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM outbound_requests WHERE conversation_sid = ?1 AND status = 'queued'
          ORDER BY rowid"
    ))?;
    let rows = stmt.query_map([key], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
