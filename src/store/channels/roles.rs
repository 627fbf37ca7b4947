//! Conversations roles (`RL…`, per service, with their permission lists) and push credentials
//! (`CR…`, per account; kept as given, never used to send).

use super::json_col;
pub use crate::states::RoleKind;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Role {
    pub sid: String,
    pub chat_service_sid: String,
    pub friendly_name: String,
    pub kind: RoleKind,
    /// A JSON array of permission names.
    pub permissions: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

const ROLE_COLUMNS: &str =
    "sid, chat_service_sid, friendly_name, type, permissions, created_at, updated_at";

fn role_row(r: &Row) -> rusqlite::Result<Role> {
    Ok(Role {
        sid: r.get(0)?,
        chat_service_sid: r.get(1)?,
        friendly_name: r.get(2)?,
        kind: r.get(3)?,
        permissions: json_col(r.get(4)?),
        created_at: r.get(5)?,
        updated_at: r.get(6)?,
    })
}

pub fn save_role(conn: &Connection, r: &Role) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_roles ({ROLE_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7)"
    ))?
    .execute(params![
        r.sid,
        r.chat_service_sid,
        r.friendly_name,
        r.kind,
        r.permissions.to_string(),
        r.created_at,
        r.updated_at
    ])?;
    Ok(())
}

pub fn find_role(conn: &Connection, service: &str, sid: &str) -> Result<Option<Role>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {ROLE_COLUMNS} FROM conversation_roles WHERE chat_service_sid = ?1 AND sid = ?2"
        ))?
        .query_row([service, sid], role_row),
    )
}

pub fn find_role_by_name(conn: &Connection, service: &str, name: &str) -> Result<Option<Role>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {ROLE_COLUMNS} FROM conversation_roles
             WHERE chat_service_sid = ?1 AND friendly_name = ?2"
        ))?
        .query_row([service, name], role_row),
    )
}

pub fn list_roles(conn: &Connection, service: &str, w: Window) -> Result<Page<Role>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {ROLE_COLUMNS} FROM conversation_roles WHERE chat_service_sid = ?1
         ORDER BY created_at, sid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![service, w.sql_limit(), w.sql_offset()], role_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn delete_role(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM conversation_roles WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}

/// Whether any user or participant of `service` holds the role.
pub fn role_in_use(conn: &Connection, service: &str, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM conversation_users WHERE chat_service_sid = ?1 AND role_sid = ?2)
               OR EXISTS (SELECT 1 FROM conversation_participants p JOIN conversations c
                          ON c.sid = p.conversation_sid WHERE c.chat_service_sid = ?1 AND p.role_sid = ?2)",
        )?
        .query_row([service, sid], |r| r.get(0))?)
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct Credential {
    pub sid: String,
    pub friendly_name: Option<String>,
    /// `apn` | `gcm` | `fcm`.
    pub kind: String,
    pub sandbox: bool,
    pub certificate: Option<String>,
    pub private_key: Option<String>,
    pub api_key: Option<String>,
    pub secret: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const CREDENTIAL_COLUMNS: &str = "sid, friendly_name, type, sandbox, certificate, private_key, \
     api_key, secret, created_at, updated_at";

fn credential_row(r: &Row) -> rusqlite::Result<Credential> {
    Ok(Credential {
        sid: r.get(0)?,
        friendly_name: r.get(1)?,
        kind: r.get(2)?,
        sandbox: r.get(3)?,
        certificate: r.get(4)?,
        private_key: r.get(5)?,
        api_key: r.get(6)?,
        secret: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

pub fn save_credential(conn: &Connection, c: &Credential) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_credentials ({CREDENTIAL_COLUMNS})
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)"
    ))?
    .execute(params![
        c.sid,
        c.friendly_name,
        c.kind,
        c.sandbox,
        c.certificate,
        c.private_key,
        c.api_key,
        c.secret,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

pub fn find_credential(conn: &Connection, sid: &str) -> Result<Option<Credential>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {CREDENTIAL_COLUMNS} FROM conversation_credentials WHERE sid = ?1"
        ))?
        .query_row([sid], credential_row),
    )
}

pub fn list_credentials(conn: &Connection, w: Window) -> Result<Page<Credential>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CREDENTIAL_COLUMNS} FROM conversation_credentials
         ORDER BY created_at, sid LIMIT ?1 OFFSET ?2"
    ))?;
    let rows = stmt.query_map(params![w.sql_limit(), w.sql_offset()], credential_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn delete_credential(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM conversation_credentials WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}
