//! Inbound messages whose routing to Studio is due: written in the transaction that stores the
//! message, deleted in the one that hands it to the execution. What is left after a crash is
//! routed again (`channels::inbound`), oldest first per contact.

pub use crate::states::{InboundTrigger, MessagingChannel};
use crate::store::{optional, Result};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Due {
    /// The conversation message (`IM…`) to route.
    pub message_sid: String,
    pub channel_type: MessagingChannel,
    pub contact: String,
    pub contact_identity: String,
    /// The Studio flow that takes it.
    pub flow_sid: String,
    /// The trigger payload (`trigger.message` / `trigger.conversation`).
    pub payload: Value,
    pub created_at: i64,
    /// `Conversation` when the flow must fire `incomingConversationMessage` whatever the channel
    /// (an address configuration's SMS); `None`: decided by `channel_type` (web: conversation).
    pub trigger: Option<InboundTrigger>,
}

const COLUMNS: &str = "message_sid, channel_type, contact, contact_identity, \
     flow_sid, payload, created_at, trigger";

fn from_row(r: &Row) -> rusqlite::Result<Due> {
    let payload: String = r.get(5)?;
    Ok(Due {
        message_sid: r.get(0)?,
        channel_type: r.get(1)?,
        contact: r.get(2)?,
        contact_identity: r.get(3)?,
        flow_sid: r.get(4)?,
        payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        created_at: r.get(6)?,
        trigger: r.get(7)?,
    })
}

pub fn insert(conn: &Connection, d: &Due) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO inbound_routing ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
    ))?
    .execute(params![
        d.message_sid,
        d.channel_type,
        d.contact,
        d.contact_identity,
        d.flow_sid,
        d.payload.to_string(),
        d.created_at,
        d.trigger
    ])?;
    Ok(())
}

/// Whether the message's routing is still due.
pub fn is_due(conn: &Connection, message_sid: &str) -> Result<bool> {
    Ok(optional(
        conn.prepare_cached("SELECT 1 FROM inbound_routing WHERE message_sid = ?1")?
            .query_row([message_sid], |r| r.get::<_, i64>(0)),
    )?
    .is_some())
}

/// Marks the message routed; false if it was not due (routed already).
pub fn take(conn: &Connection, message_sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM inbound_routing WHERE message_sid = ?1")?
        .execute([message_sid])?
        == 1)
}

/// The contact's oldest message whose routing is due.
pub fn oldest_for_contact(
    conn: &Connection,
    contact: &str,
    contact_identity: &str,
) -> Result<Option<Due>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM inbound_routing WHERE contact = ?1 AND contact_identity = ?2
             ORDER BY rowid LIMIT 1"
        ))?
        .query_row(params![contact, contact_identity], from_row),
    )
}

/// Every (contact, contact identity) with a message due since `due_before` or earlier, in the
/// order their oldest arrived.
pub fn contacts(conn: &Connection, due_before: i64, limit: i64) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT contact, contact_identity FROM inbound_routing WHERE created_at <= ?1
         GROUP BY contact, contact_identity ORDER BY min(rowid) LIMIT ?2",
    )?;
    let rows = stmt
        .query_map(params![due_before, limit], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}
