//! Web chats: the customer's identity in a conversation and the hash of their chat token.

use crate::store::{optional, Result};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, PartialEq)]
pub struct WebChat {
    pub conversation_sid: String,
    pub identity: String,
    pub name: String,
    pub token_hash: String,
    pub created_at: i64,
}

pub fn insert(conn: &Connection, w: &WebChat) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO webchats (conversation_sid, identity, name, token_hash, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        w.conversation_sid,
        w.identity,
        w.name,
        w.token_hash,
        w.created_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, conversation_sid: &str) -> Result<Option<WebChat>> {
    optional(
        conn.prepare_cached(
            "SELECT conversation_sid, identity, name, token_hash, created_at FROM webchats
             WHERE conversation_sid = ?1",
        )?
        .query_row([conversation_sid], |r| {
            Ok(WebChat {
                conversation_sid: r.get(0)?,
                identity: r.get(1)?,
                name: r.get(2)?,
                token_hash: r.get(3)?,
                created_at: r.get(4)?,
            })
        }),
    )
}
