//! Conversation-scoped webhooks (`target` webhook | trigger | studio, with their configuration).

use super::json_col;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Webhook {
    pub sid: String,
    pub conversation_sid: String,
    pub target: String,
    pub configuration: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, conversation_sid, target, configuration, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Webhook> {
    Ok(Webhook {
        sid: r.get(0)?,
        conversation_sid: r.get(1)?,
        target: r.get(2)?,
        configuration: json_col(r.get(3)?),
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

pub fn save(conn: &Connection, w: &Webhook) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_webhooks ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6)"
    ))?
    .execute(params![
        w.sid,
        w.conversation_sid,
        w.target,
        w.configuration.to_string(),
        w.created_at,
        w.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, conversation_sid: &str, sid: &str) -> Result<Option<Webhook>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_webhooks WHERE conversation_sid = ?1 AND sid = ?2"
        ))?
        .query_row([conversation_sid, sid], from_row),
    )
}

pub fn list(conn: &Connection, conversation_sid: &str, w: Window) -> Result<Page<Webhook>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_webhooks WHERE conversation_sid = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![conversation_sid, w.sql_limit(), w.sql_offset()],
        from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

/// Every webhook of a conversation (for delivery).
pub fn all(conn: &Connection, conversation_sid: &str) -> Result<Vec<Webhook>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_webhooks WHERE conversation_sid = ?1 ORDER BY created_at"
    ))?;
    let rows = stmt.query_map([conversation_sid], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM conversation_webhooks WHERE sid = ?1", [sid])? > 0)
}
