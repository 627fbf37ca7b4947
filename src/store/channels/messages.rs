//! Conversation messages: author, body, attributes, media, index and delivery state.

use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub sid: String,
    pub conversation_sid: String,
    pub index: i64,
    pub author: String,
    pub body: Option<String>,
    pub attributes: String,
    /// Twilio's `media` array, or `None`.
    pub media: Option<Value>,
    pub participant_sid: Option<String>,
    /// The carrier's `MessageSid` of an inbound message (a retried webhook is recognised by it).
    pub external_sid: Option<String>,
    /// `{total, sent, delivered, read, undelivered, failed}` for messages sent over a carrier.
    pub delivery: Option<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, conversation_sid, idx, author, body, attributes, media, \
     participant_sid, external_sid, delivery, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Message> {
    let media: Option<String> = r.get(6)?;
    let delivery: Option<String> = r.get(9)?;
    Ok(Message {
        sid: r.get(0)?,
        conversation_sid: r.get(1)?,
        index: r.get(2)?,
        author: r.get(3)?,
        body: r.get(4)?,
        attributes: r.get(5)?,
        media: media.and_then(|m| serde_json::from_str(&m).ok()),
        participant_sid: r.get(7)?,
        external_sid: r.get(8)?,
        delivery: delivery.and_then(|d| serde_json::from_str(&d).ok()),
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

/// Inserts or replaces (by sid).
pub fn save(conn: &Connection, m: &Message) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_messages ({COLUMNS})
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
    ))?
    .execute(params![
        m.sid,
        m.conversation_sid,
        m.index,
        m.author,
        m.body,
        m.attributes,
        m.media.as_ref().map(|v| v.to_string()),
        m.participant_sid,
        m.external_sid,
        m.delivery.as_ref().map(|v| v.to_string()),
        m.created_at,
        m.updated_at
    ])?;
    Ok(())
}

/// A message of `conversation_sid` by SID or by its index.
pub fn find(conn: &Connection, conversation_sid: &str, key: &str) -> Result<Option<Message>> {
    let index: Option<i64> = key.parse().ok();
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_messages
             WHERE conversation_sid = ?1 AND (sid = ?2 OR idx = ?3) LIMIT 1"
        ))?
        .query_row(params![conversation_sid, key, index], from_row),
    )
}

pub fn find_by_sid(conn: &Connection, sid: &str) -> Result<Option<Message>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_messages WHERE sid = ?1"
        ))?
        .query_row([sid], from_row),
    )
}

pub fn find_by_external(conn: &Connection, external_sid: &str) -> Result<Option<Message>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_messages WHERE external_sid = ?1"
        ))?
        .query_row([external_sid], from_row),
    )
}

/// A page in index order (`desc` for newest first).
pub fn list(
    conn: &Connection,
    conversation_sid: &str,
    desc: bool,
    w: Window,
) -> Result<Page<Message>> {
    let order = if desc { "DESC" } else { "ASC" };
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_messages WHERE conversation_sid = ?1
         ORDER BY idx {order} LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![conversation_sid, w.sql_limit(), w.sql_offset()],
        from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

/// Messages with an index above `after` (all when `None`), oldest first, at most `limit`.
pub fn after(
    conn: &Connection,
    conversation_sid: &str,
    after: Option<i64>,
    limit: u32,
) -> Result<Vec<Message>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_messages WHERE conversation_sid = ?1 AND idx > ?2
         ORDER BY idx LIMIT ?3"
    ))?;
    let rows = stmt.query_map(
        params![conversation_sid, after.unwrap_or(-1), limit],
        from_row,
    )?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_delivery(conn: &Connection, sid: &str, delivery: &Value, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE conversation_messages SET delivery = ?2, updated_at = ?3 WHERE sid = ?1",
    )?
    .execute(params![sid, delivery.to_string(), now])?;
    Ok(())
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM conversation_messages WHERE sid = ?1", [sid])? > 0)
}
