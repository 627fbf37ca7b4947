//! Conversations services (`IS…`) and the configuration documents kept per scope: the account's
//! (`scope` = `account`) and each service's (`scope` = the service SID), one JSON document per
//! `kind` (`configuration`, `webhooks`, `notifications`).

use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Service {
    pub sid: String,
    pub friendly_name: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn from_row(r: &Row) -> rusqlite::Result<Service> {
    Ok(Service {
        sid: r.get(0)?,
        friendly_name: r.get(1)?,
        created_at: r.get(2)?,
        updated_at: r.get(3)?,
    })
}

const COLUMNS: &str = "sid, friendly_name, created_at, updated_at";

pub fn find(conn: &Connection, sid: &str) -> Result<Option<Service>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_services WHERE sid = ?1"
        ))?
        .query_row([sid], from_row),
    )
}

/// The oldest service (the one seeded with the Flex Flows).
pub fn oldest(conn: &Connection) -> Result<Option<Service>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_services ORDER BY created_at, sid LIMIT 1"
        ))?
        .query_row([], from_row),
    )
}

pub fn list(conn: &Connection, w: Window) -> Result<Page<Service>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_services ORDER BY created_at, sid LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![w.sql_limit(), w.sql_offset()], from_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn all_sids(conn: &Connection) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT sid FROM conversation_services ORDER BY created_at")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The Flex Flows that open their conversations in `sid` (a service they use cannot go).
pub fn flex_flows_using(conn: &Connection, sid: &str) -> Result<Vec<String>> {
    let mut stmt =
        conn.prepare_cached("SELECT sid FROM flex_flows WHERE chat_service_sid = ?1 ORDER BY sid")?;
    let rows = stmt.query_map([sid], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Deletes a service with its conversations (their participants, messages and webhooks go by
/// cascade), users, roles and configuration documents.
pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    conn.prepare_cached(
        "DELETE FROM channel_sessions WHERE conversation_sid IN
           (SELECT sid FROM conversations WHERE chat_service_sid = ?1)",
    )?
    .execute([sid])?;
    conn.prepare_cached("DELETE FROM conversations WHERE chat_service_sid = ?1")?
        .execute([sid])?;
    conn.prepare_cached("DELETE FROM conversation_settings WHERE scope = ?1")?
        .execute([sid])?;
    Ok(conn
        .prepare_cached("DELETE FROM conversation_services WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}

/// A configuration document, or `None` when it was never written.
pub fn setting(conn: &Connection, scope: &str, kind: &str) -> Result<Option<Value>> {
    let doc: Option<String> = optional(
        conn.prepare_cached(
            "SELECT document FROM conversation_settings WHERE scope = ?1 AND kind = ?2",
        )?
        .query_row([scope, kind], |r| r.get(0)),
    )?;
    Ok(doc.and_then(|d| serde_json::from_str(&d).ok()))
}

pub fn put_setting(
    conn: &Connection,
    scope: &str,
    kind: &str,
    doc: &Value,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO conversation_settings (scope, kind, document, updated_at) VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (scope, kind) DO UPDATE SET document = excluded.document,
           updated_at = excluded.updated_at",
    )?
    .execute(params![scope, kind, doc.to_string(), now])?;
    Ok(())
}
