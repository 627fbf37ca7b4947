//! Conversations users (`US…`, one per identity and service), a user's own settings per
//! conversation (notification level), and the conversations a user or an address takes part in
//! (through a participant with that identity or messaging-binding address).

use super::conversations::Conversation;
use super::participants::Participant;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub sid: String,
    pub chat_service_sid: String,
    pub identity: String,
    pub friendly_name: Option<String>,
    pub attributes: String,
    pub role_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str =
    "sid, chat_service_sid, identity, friendly_name, attributes, role_sid, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        sid: r.get(0)?,
        chat_service_sid: r.get(1)?,
        identity: r.get(2)?,
        friendly_name: r.get(3)?,
        attributes: r.get(4)?,
        role_sid: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn save(conn: &Connection, u: &User) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO conversation_users ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
    ))?
    .execute(params![
        u.sid,
        u.chat_service_sid,
        u.identity,
        u.friendly_name,
        u.attributes,
        u.role_sid,
        u.created_at,
        u.updated_at
    ])?;
    Ok(())
}

/// A user of `service` by SID or identity.
pub fn find(conn: &Connection, service: &str, key: &str) -> Result<Option<User>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM conversation_users
             WHERE chat_service_sid = ?1 AND (sid = ?2 OR identity = ?2) LIMIT 1"
        ))?
        .query_row([service, key], from_row),
    )
}

pub fn list(conn: &Connection, service: &str, w: Window) -> Result<Page<User>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM conversation_users WHERE chat_service_sid = ?1
         ORDER BY created_at, sid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![service, w.sql_limit(), w.sql_offset()], from_row)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM conversation_users WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}

/// The user's notification level in a conversation (`None`: never set, so `default`).
pub fn notification_level(conn: &Connection, user: &str, conv: &str) -> Result<Option<String>> {
    optional(
        conn.prepare_cached(
            "SELECT notification_level FROM conversation_user_settings
             WHERE user_sid = ?1 AND conversation_sid = ?2",
        )?
        .query_row([user, conv], |r| r.get(0)),
    )
}

pub fn set_notification_level(
    conn: &Connection,
    user: &str,
    conv: &str,
    level: &str,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO conversation_user_settings (user_sid, conversation_sid, notification_level)
         VALUES (?1, ?2, ?3) ON CONFLICT (user_sid, conversation_sid)
         DO UPDATE SET notification_level = excluded.notification_level",
    )?
    .execute([user, conv, level])?;
    Ok(())
}

pub fn clear_settings(conn: &Connection, user: &str, conv: &str) -> Result<()> {
    conn.prepare_cached(
        "DELETE FROM conversation_user_settings WHERE user_sid = ?1 AND conversation_sid = ?2",
    )?
    .execute([user, conv])?;
    Ok(())
}

/// Who to look for in `membership`: an identity or a messaging-binding address.
#[derive(Debug, Clone, Copy)]
pub enum Member<'a> {
    Identity(&'a str),
    Address(&'a str),
}

/// The conversations of `service` where a participant is `who`, with that participant and the
/// number of messages after its last read index; oldest conversation first.
pub fn membership(
    conn: &Connection,
    service: &str,
    who: Member<'_>,
    w: Window,
) -> Result<Page<(Conversation, Participant, i64)>> {
    let (identity, address) = match who {
        Member::Identity(i) => (Some(i), None),
        Member::Address(a) => (None, Some(a)),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT p.conversation_sid, p.sid,
           (SELECT count(*) FROM conversation_messages m WHERE m.conversation_sid = c.sid
              AND m.idx > coalesce(p.last_read_message_index, -1))
         FROM conversation_participants p JOIN conversations c ON c.sid = p.conversation_sid
         WHERE c.chat_service_sid = ?1 AND (?2 IS NULL OR p.identity = ?2)
           AND (?3 IS NULL OR p.binding_address = ?3)
         ORDER BY c.created_at, c.sid LIMIT ?4 OFFSET ?5",
    )?;
    let keys: Vec<(String, String, i64)> = stmt
        .query_map(
            params![service, identity, address, w.sql_limit(), w.sql_offset()],
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )?
        .collect::<rusqlite::Result<_>>()?;
    let mut rows = Vec::with_capacity(keys.len());
    for (conv, participant, unread) in keys {
        let c = super::conversations::find(conn, &conv)?;
        let p = super::participants::find(conn, &conv, &participant)?;
        if let (Some(c), Some(p)) = (c, p) {
            rows.push((c, p, unread));
        }
    }
    Ok(Page::from_rows(rows, w))
}

/// Messages of a conversation after index `last_read` (all of them when `None`).
pub fn unread(conn: &Connection, conversation_sid: &str, last_read: Option<i64>) -> Result<i64> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM conversation_messages WHERE conversation_sid = ?1 AND idx > ?2",
        )?
        .query_row(params![conversation_sid, last_read.unwrap_or(-1)], |r| {
            r.get(0)
        })?)
}
