//! Conversations: state, attributes, timers, the Flex Flow that opened them, and the next message
//! index.

use super::json_col;
pub use crate::states::ConversationState;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Conversation {
    pub sid: String,
    pub chat_service_sid: String,
    pub messaging_service_sid: Option<String>,
    pub friendly_name: Option<String>,
    pub unique_name: Option<String>,
    /// The attributes as the client sent them (a JSON document, kept as text).
    pub attributes: String,
    pub state: ConversationState,
    pub timers: Value,
    pub flex_flow_sid: Option<String>,
    /// Twilio's `bindings` (`{"email": {"address", "name"}}`), or `None`.
    pub bindings: Option<Value>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, chat_service_sid, messaging_service_sid, friendly_name, unique_name, \
     attributes, state, timers, flex_flow_sid, created_at, updated_at, bindings";

fn from_row(r: &Row) -> rusqlite::Result<Conversation> {
    Ok(Conversation {
        sid: r.get(0)?,
        chat_service_sid: r.get(1)?,
        messaging_service_sid: r.get(2)?,
        friendly_name: r.get(3)?,
        unique_name: r.get(4)?,
        attributes: r.get(5)?,
        state: r.get(6)?,
        timers: json_col(r.get(7)?),
        flex_flow_sid: r.get(8)?,
        created_at: r.get(9)?,
        updated_at: r.get(10)?,
        bindings: r
            .get::<_, Option<String>>(11)?
            .and_then(|b| serde_json::from_str(&b).ok()),
    })
}

pub fn insert(conn: &Connection, c: &Conversation) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO conversations ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
    ))?
    .execute(params![
        c.sid,
        c.chat_service_sid,
        c.messaging_service_sid,
        c.friendly_name,
        c.unique_name,
        c.attributes,
        c.state,
        c.timers.to_string(),
        c.flex_flow_sid,
        c.created_at,
        c.updated_at,
        c.bindings.as_ref().map(Value::to_string)
    ])?;
    Ok(())
}

/// Writes every mutable field of `c` back.
pub fn update(conn: &Connection, c: &Conversation) -> Result<()> {
    conn.prepare_cached(
        "UPDATE conversations SET messaging_service_sid = ?2, friendly_name = ?3, unique_name = ?4,
             attributes = ?5, state = ?6, timers = ?7, updated_at = ?8, created_at = ?9,
             bindings = ?10 WHERE sid = ?1",
    )?
    .execute(params![
        c.sid,
        c.messaging_service_sid,
        c.friendly_name,
        c.unique_name,
        c.attributes,
        c.state,
        c.timers.to_string(),
        c.updated_at,
        c.created_at,
        c.bindings.as_ref().map(Value::to_string)
    ])?;
    Ok(())
}

pub fn set_timers(conn: &Connection, sid: &str, timers: &Value) -> Result<()> {
    conn.prepare_cached("UPDATE conversations SET timers = ?2 WHERE sid = ?1")?
        .execute(params![sid, timers.to_string()])?;
    Ok(())
}

pub fn set_state(conn: &Connection, sid: &str, state: ConversationState, now: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE conversations SET state = ?2, updated_at = ?3 WHERE sid = ?1")?
        .execute(params![sid, state, now])?
        > 0)
}

/// A conversation by SID or, as Twilio allows, by its unique name.
pub fn find(conn: &Connection, sid_or_name: &str) -> Result<Option<Conversation>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversations WHERE sid = ?1 OR unique_name = ?1 LIMIT 1"
        ))?
        .query_row([sid_or_name], from_row),
    )
}

/// Filters of `GET /v1/Conversations`.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    /// Only this Conversations service's (`IS…`); all services when `None`.
    pub chat_service_sid: Option<String>,
    pub state: Option<ConversationState>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

pub fn list(conn: &Connection, f: &Filter, w: Window) -> Result<Page<Conversation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversations
         WHERE (?1 IS NULL OR state = ?1) AND (?2 IS NULL OR created_at >= ?2)
           AND (?3 IS NULL OR created_at <= ?3) AND (?6 IS NULL OR chat_service_sid = ?6)
         ORDER BY created_at, sid LIMIT ?4 OFFSET ?5"
    ))?;
    let rows = stmt.query_map(
        params![
            f.state,
            f.start_ms,
            f.end_ms,
            w.sql_limit(),
            w.sql_offset(),
            f.chat_service_sid
        ],
        from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

/// Active conversations opened by a long-lived Flex Flow with a participant at `address`
/// (the newest first): where the next contact continues.
pub fn find_active_for_contact(
    conn: &Connection,
    flex_flow_sid: &str,
    address: &str,
) -> Result<Option<Conversation>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversations c WHERE flex_flow_sid = ?1 AND state = 'active'
               AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_sid = c.sid
                           AND (p.binding_address = ?2 OR p.identity = ?2))
             ORDER BY created_at DESC LIMIT 1"
        ))?
        .query_row([flex_flow_sid, address], from_row),
    )
}

/// The newest open (not closed) conversation, started over the API or by an Interaction (not by a
/// Flex Flow, whose conversations are reached through sessions), with a participant bound to
/// `address` through our `proxy` address: where Conversations delivers that address's next
/// inbound message.
pub fn find_by_binding(
    conn: &Connection,
    address: &str,
    proxy: &str,
) -> Result<Option<Conversation>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversations c WHERE state != 'closed' AND flex_flow_sid IS NULL
               AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_sid = c.sid
                           AND p.binding_address = ?1 AND p.proxy_address = ?2)
             ORDER BY created_at DESC LIMIT 1"
        ))?
        .query_row([address, proxy], from_row),
    )
}

/// Active conversations with no channel session (candidates for System Checkup).
pub fn active_without_session(conn: &Connection, limit: u32) -> Result<Vec<Conversation>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversations c WHERE state = 'active' AND flex_flow_sid IS NOT NULL
           AND NOT EXISTS (SELECT 1 FROM channel_sessions s WHERE s.conversation_sid = c.sid)
         ORDER BY created_at LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Takes the next message index of a conversation (0, 1, 2, …).
pub fn next_index(conn: &Connection, sid: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "UPDATE conversations SET next_index = next_index + 1 WHERE sid = ?1
             RETURNING next_index - 1",
        )?
        .query_row([sid], |r| r.get(0))?)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    conn.prepare_cached("DELETE FROM channel_sessions WHERE conversation_sid = ?1")?
        .execute([sid])?;
    Ok(conn.execute("DELETE FROM conversations WHERE sid = ?1", [sid])? > 0)
}

/// The newest open (not closed) conversation, however it was opened, with a participant bound to
/// `address` through `proxy` (a binding Twilio lets only one open conversation hold).
pub fn find_by_any_binding(
    conn: &Connection,
    address: &str,
    proxy: &str,
) -> Result<Option<Conversation>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversations c WHERE state != 'closed'
               AND EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_sid = c.sid
                           AND p.binding_address = ?1 AND p.proxy_address = ?2)
             ORDER BY created_at DESC LIMIT 1"
        ))?
        .query_row([address, proxy], from_row),
    )
}
