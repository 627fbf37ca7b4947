//! Conversation participants: a chat identity, or a messaging binding (address + proxy address).

use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Participant {
    pub sid: String,
    pub conversation_sid: String,
    pub identity: Option<String>,
    pub attributes: String,
    pub binding_address: Option<String>,
    pub proxy_address: Option<String>,
    pub projected_address: Option<String>,
    pub role_sid: Option<String>,
    pub last_read_message_index: Option<i64>,
    pub last_read_timestamp: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, conversation_sid, identity, attributes, binding_address, proxy_address, \
     projected_address, role_sid, last_read_message_index, last_read_timestamp, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Participant> {
    Ok(Participant {
        sid: r.get(0)?,
        conversation_sid: r.get(1)?,
        identity: r.get(2)?,
        attributes: r.get(3)?,
        binding_address: r.get(4)?,
        proxy_address: r.get(5)?,
        projected_address: r.get(6)?,
        role_sid: r.get(7)?,
        last_read_message_index: r.get(8)?,
        last_read_timestamp: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

/// Inserts or replaces (by sid).
pub fn save(conn: &Connection, p: &Participant) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_participants ({COLUMNS})
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
    ))?
    .execute(params![
        p.sid,
        p.conversation_sid,
        p.identity,
        p.attributes,
        p.binding_address,
        p.proxy_address,
        p.projected_address,
        p.role_sid,
        p.last_read_message_index,
        p.last_read_timestamp,
        p.created_at,
        p.updated_at
    ])?;
    Ok(())
}

/// A participant of `conversation_sid` by SID or identity.
pub fn find(conn: &Connection, conversation_sid: &str, key: &str) -> Result<Option<Participant>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_participants
             WHERE conversation_sid = ?1 AND (sid = ?2 OR identity = ?2) LIMIT 1"
        ))?
        .query_row([conversation_sid, key], from_row),
    )
}

pub fn find_by_address(
    conn: &Connection,
    conversation_sid: &str,
    address: &str,
) -> Result<Option<Participant>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_participants
             WHERE conversation_sid = ?1 AND binding_address = ?2"
        ))?
        .query_row([conversation_sid, address], from_row),
    )
}

pub fn list(conn: &Connection, conversation_sid: &str, w: Window) -> Result<Page<Participant>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_participants WHERE conversation_sid = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![conversation_sid, w.sql_limit(), w.sql_offset()],
        from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

/// Every participant with a messaging binding (the ones the carrier delivers to).
pub fn with_bindings(conn: &Connection, conversation_sid: &str) -> Result<Vec<Participant>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_participants
         WHERE conversation_sid = ?1 AND binding_address IS NOT NULL ORDER BY created_at"
    ))?;
    let rows = stmt.query_map([conversation_sid], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn.execute(
        "DELETE FROM conversation_participants WHERE sid = ?1",
        [sid],
    )? > 0)
}
