//! Local customer profiles, which search-for-profile looks up by phone or email.

use super::json_col;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub sid: String,
    pub friendly_name: String,
    pub phone: Option<String>,
    pub email: Option<String>,
    pub traits: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, friendly_name, phone, email, traits, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Profile> {
    Ok(Profile {
        sid: r.get(0)?,
        friendly_name: r.get(1)?,
        phone: r.get(2)?,
        email: r.get(3)?,
        traits: json_col(r.get(4)?),
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

/// Inserts or replaces a profile.
pub fn upsert(conn: &Connection, p: &Profile) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO profiles ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        p.sid,
        p.friendly_name,
        p.phone,
        p.email,
        p.traits.to_string(),
        p.created_at,
        p.updated_at
    ])?;
    Ok(())
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Option<Profile>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM profiles WHERE sid = ?1"))?
            .query_row([sid], from_row),
    )
}

/// The oldest profile with this phone number or (case-insensitively) this email.
pub fn find(
    conn: &Connection,
    phone: Option<&str>,
    email: Option<&str>,
) -> Result<Option<Profile>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM profiles
             WHERE (?1 IS NOT NULL AND phone = ?1) OR (?2 IS NOT NULL AND lower(email) = lower(?2))
             ORDER BY created_at LIMIT 1"
        ))?
        .query_row(params![phone, email], from_row),
    )
}

pub fn list(conn: &Connection, window: Window) -> Result<Page<Profile>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM profiles ORDER BY created_at, sid LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt
        .query_map(params![window.sql_limit(), window.sql_offset()], from_row)?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM profiles WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}
