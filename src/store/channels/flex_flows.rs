//! Flex Flows (message handlers) and the one default Conversations service.

use super::json_col;
pub use crate::states::MessagingChannel;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct FlexFlow {
    pub sid: String,
    pub friendly_name: String,
    pub chat_service_sid: String,
    pub channel_type: MessagingChannel,
    pub contact_identity: String,
    pub enabled: bool,
    pub integration_type: String,
    /// Twilio's `integration` object, snake_case keys (`flow_sid`, `workspace_sid`, `url`, …).
    pub integration: Value,
    pub long_lived: bool,
    pub janitor_enabled: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, friendly_name, chat_service_sid, channel_type, contact_identity, \
     enabled, integration_type, integration, long_lived, janitor_enabled, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<FlexFlow> {
    Ok(FlexFlow {
        sid: r.get(0)?,
        friendly_name: r.get(1)?,
        chat_service_sid: r.get(2)?,
        channel_type: r.get(3)?,
        contact_identity: r.get(4)?,
        enabled: r.get(5)?,
        integration_type: r.get(6)?,
        integration: json_col(r.get(7)?),
        long_lived: r.get(8)?,
        janitor_enabled: r.get(9)?,
        created_at: r.get(10)?,
        updated_at: r.get(11)?,
    })
}

/// Inserts or replaces (by sid) a Flex Flow.
pub fn save(conn: &Connection, f: &FlexFlow) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO flex_flows ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12)"
    ))?
    .execute(params![
        f.sid,
        f.friendly_name,
        f.chat_service_sid,
        f.channel_type,
        f.contact_identity,
        f.enabled,
        f.integration_type,
        f.integration.to_string(),
        f.long_lived,
        f.janitor_enabled,
        f.created_at,
        f.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<FlexFlow>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM flex_flows WHERE sid = ?1"))?
            .query_row([sid], from_row),
    )
}

/// The enabled handler for a channel type and contact identity, if any.
pub fn find_enabled(
    conn: &Connection,
    channel_type: MessagingChannel,
    contact_identity: &str,
) -> Result<Option<FlexFlow>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM flex_flows
             WHERE enabled = 1 AND channel_type = ?1 AND contact_identity = ?2"
        ))?
        .query_row(params![channel_type, contact_identity], from_row),
    )
}

pub fn find_by_name(conn: &Connection, friendly_name: &str) -> Result<Option<FlexFlow>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM flex_flows WHERE friendly_name = ?1 ORDER BY created_at LIMIT 1"
        ))?
        .query_row([friendly_name], from_row),
    )
}

pub fn list(conn: &Connection, friendly_name: Option<&str>, w: Window) -> Result<Page<FlexFlow>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM flex_flows WHERE (?1 IS NULL OR friendly_name = ?1)
         ORDER BY created_at, sid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![friendly_name, w.sql_limit(), w.sql_offset()],
        from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM flex_flows WHERE sid = ?1", [sid])? > 0)
}

/// The default Conversations service (`IS…`), if seeded.
pub fn default_service(conn: &Connection) -> Result<Option<(String, String, i64)>> {
    optional(conn.query_row(
        "SELECT sid, friendly_name, created_at FROM conversation_services ORDER BY created_at LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
    ))
}

pub fn insert_service(conn: &Connection, sid: &str, friendly_name: &str, now: i64) -> Result<()> {
    conn.execute(
        "INSERT INTO conversation_services (sid, friendly_name, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?3)",
        params![sid, friendly_name, now],
    )?;
    Ok(())
}
