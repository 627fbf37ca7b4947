//! Address configurations (`IG…`): what happens to a message arriving at one of our addresses
//! when no conversation has it yet (`auto_creation`: a new conversation with a webhook or a
//! Studio flow attached).

use super::json_col;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct AddressConfig {
    pub sid: String,
    /// `sms` | `whatsapp` | `messenger` | `gbm` | `email` | `rcs` | `apple` | `chat`.
    pub kind: String,
    pub address: String,
    pub friendly_name: Option<String>,
    /// Twilio's `auto_creation` object (snake_case keys).
    pub auto_creation: Value,
    pub address_country: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, type, address, friendly_name, auto_creation, address_country, \
     created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<AddressConfig> {
    Ok(AddressConfig {
        sid: r.get(0)?,
        kind: r.get(1)?,
        address: r.get(2)?,
        friendly_name: r.get(3)?,
        auto_creation: json_col(r.get(4)?),
        address_country: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn save(conn: &Connection, a: &AddressConfig) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_address_configs ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
    ))?
    .execute(params![
        a.sid,
        a.kind,
        a.address,
        a.friendly_name,
        a.auto_creation.to_string(),
        a.address_country,
        a.created_at,
        a.updated_at
    ])?;
    Ok(())
}

/// By SID or by the address itself.
pub fn find(conn: &Connection, key: &str) -> Result<Option<AddressConfig>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_address_configs WHERE sid = ?1 OR address = ?1 LIMIT 1"
        ))?
        .query_row([key], from_row),
    )
}

pub fn list(conn: &Connection, kind: Option<&str>, w: Window) -> Result<Page<AddressConfig>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_address_configs WHERE (?1 IS NULL OR type = ?1)
         ORDER BY created_at, sid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![kind, w.sql_limit(), w.sql_offset()], from_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM conversation_address_configs WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}
