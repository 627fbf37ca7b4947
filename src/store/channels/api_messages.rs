//! The `api_messages` table (schema step 26): messages an integration sent through the Api 2010
//! `Messages.json`, each carried to the carrier by one outbox row (`outbound_sid`).

use super::json_strings;
pub use crate::states::MessageStatus;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row, ToSql};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiMessage {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub body: String,
    pub media_urls: Vec<String>,
    pub messaging_service_sid: Option<String>,
    pub status: MessageStatus,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub status_callback: Option<String>,
    pub outbound_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub sent_at: Option<i64>,
}

/// The list's filters: `To`, `From`, and `DateSent` as a half-open range `[from, until)`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub to: Option<String>,
    pub from: Option<String>,
    pub sent_from: Option<i64>,
    pub sent_until: Option<i64>,
}

const COLUMNS: &str = "sid, from_address, to_address, body, media_urls, messaging_service_sid, \
     status, error_code, error_message, status_callback, outbound_sid, created_at, updated_at, sent_at";

fn from_row(r: &Row) -> rusqlite::Result<ApiMessage> {
    Ok(ApiMessage {
        sid: r.get(0)?,
        from: r.get(1)?,
        to: r.get(2)?,
        body: r.get(3)?,
        media_urls: json_strings(r.get(4)?),
        messaging_service_sid: r.get(5)?,
        status: r.get(6)?,
        error_code: r.get(7)?,
        error_message: r.get(8)?,
        status_callback: r.get(9)?,
        outbound_sid: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        sent_at: r.get(13)?,
    })
}

pub fn insert(conn: &Connection, m: &ApiMessage) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO api_messages ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14)"
    ))?
    .execute(params![
        m.sid,
        m.from,
        m.to,
        m.body,
        Value::from(m.media_urls.clone()).to_string(),
        m.messaging_service_sid,
        m.status,
        m.error_code,
        m.error_message,
        m.status_callback,
        m.outbound_sid,
        m.created_at,
        m.updated_at,
        m.sent_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<ApiMessage>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_messages WHERE sid = ?1"
        ))?
        .query_row([sid], from_row),
    )
}

/// Newest first, as Twilio lists messages.
pub fn list(conn: &Connection, f: &Filter, window: Window) -> Result<Page<ApiMessage>> {
    let mut sql = format!("SELECT {COLUMNS} FROM api_messages WHERE 1 = 1");
    let mut args: Vec<&dyn ToSql> = Vec::new();
    if let Some(to) = &f.to {
        args.push(to);
        sql.push_str(&format!(" AND to_address = ?{}", args.len()));
    }
    if let Some(from) = &f.from {
        args.push(from);
        sql.push_str(&format!(" AND from_address = ?{}", args.len()));
    }
    if let Some(t) = &f.sent_from {
        args.push(t);
        sql.push_str(&format!(" AND sent_at >= ?{}", args.len()));
    }
    if let Some(t) = &f.sent_until {
        args.push(t);
        sql.push_str(&format!(" AND sent_at < ?{}", args.len()));
    }
    let (limit, offset) = (window.sql_limit(), window.sql_offset());
    args.push(&limit);
    args.push(&offset);
    sql.push_str(&format!(
        " ORDER BY created_at DESC, sid DESC LIMIT ?{} OFFSET ?{}",
        args.len() - 1,
        args.len()
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args.as_slice(), from_row)?;
    Ok(Page::from_rows(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
        window,
    ))
}

/// Moves a message to `status` (with the carrier's error, if any); `sent_at` is kept once set.
pub fn set_status(
    conn: &Connection,
    sid: &str,
    status: MessageStatus,
    error: Option<(i64, &str)>,
    sent_at: Option<i64>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE api_messages SET status = ?2, error_code = COALESCE(?3, error_code),
             error_message = COALESCE(?4, error_message), sent_at = COALESCE(sent_at, ?5),
             updated_at = ?6
         WHERE sid = ?1",
    )?
    .execute(params![
        sid,
        status,
        error.map(|e| e.0),
        error.map(|e| e.1),
        sent_at,
        now
    ])?;
    Ok(())
}

/// Empties a message's body (Twilio's redaction).
pub fn redact(conn: &Connection, sid: &str, now: i64) -> Result<()> {
    conn.prepare_cached("UPDATE api_messages SET body = '', updated_at = ?2 WHERE sid = ?1")?
        .execute(params![sid, now])?;
    Ok(())
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM api_messages WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}
