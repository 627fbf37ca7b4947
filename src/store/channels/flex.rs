//! Flex v1's own records: the account's Flex Configuration document (only what was set through
//! `POST /v1/Configuration`; the rest is computed from the box) and the chat channels made
//! through `WebChannels` and the legacy `Channels`.

use super::json_col;
pub use crate::states::ChatChannelKind;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    pub account_sid: String,
    pub flex_instance_sid: String,
    /// The properties set through the API (a JSON object).
    pub doc: Value,
    pub created_at: i64,
    pub updated_at: i64,
}

pub fn configuration(conn: &Connection, account_sid: &str) -> Result<Option<Configuration>> {
    optional(
        conn.prepare_cached(
            "SELECT account_sid, flex_instance_sid, doc, created_at, updated_at
             FROM flex_configuration WHERE account_sid = ?1",
        )?
        .query_row([account_sid], |r| {
            Ok(Configuration {
                account_sid: r.get(0)?,
                flex_instance_sid: r.get(1)?,
                doc: json_col(r.get(2)?),
                created_at: r.get(3)?,
                updated_at: r.get(4)?,
            })
        }),
    )
}

pub fn save_configuration(conn: &Connection, c: &Configuration) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO flex_configuration (account_sid, flex_instance_sid, doc, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5)
         ON CONFLICT(account_sid) DO UPDATE SET doc = excluded.doc, updated_at = excluded.updated_at",
    )?
    .execute(params![
        c.account_sid,
        c.flex_instance_sid,
        c.doc.to_string(),
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

/// A chat channel made through Flex's `WebChannels` (`kind` web) or `Channels` (`kind` chat);
/// its SID is the conversation's.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatChannel {
    pub sid: String,
    pub kind: ChatChannelKind,
    pub flex_flow_sid: String,
    pub identity: String,
    pub user_sid: Option<String>,
    pub task_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const CC_COLUMNS: &str =
    "sid, kind, flex_flow_sid, identity, user_sid, task_sid, created_at, updated_at";

fn chat_channel(r: &Row) -> rusqlite::Result<ChatChannel> {
    Ok(ChatChannel {
        sid: r.get(0)?,
        kind: r.get(1)?,
        flex_flow_sid: r.get(2)?,
        identity: r.get(3)?,
        user_sid: r.get(4)?,
        task_sid: r.get(5)?,
        created_at: r.get(6)?,
        updated_at: r.get(7)?,
    })
}

pub fn save_chat_channel(conn: &Connection, c: &ChatChannel) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO flex_chat_channels ({CC_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)
         ON CONFLICT(sid) DO UPDATE SET task_sid = excluded.task_sid, updated_at = excluded.updated_at"
    ))?
    .execute(params![
        c.sid,
        c.kind,
        c.flex_flow_sid,
        c.identity,
        c.user_sid,
        c.task_sid,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

pub fn chat_channel_find(
    conn: &Connection,
    kind: ChatChannelKind,
    sid: &str,
) -> Result<Option<ChatChannel>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {CC_COLUMNS} FROM flex_chat_channels WHERE kind = ?1 AND sid = ?2"
        ))?
        .query_row(params![kind, sid], chat_channel),
    )
}

pub fn chat_channels(
    conn: &Connection,
    kind: ChatChannelKind,
    w: Window,
) -> Result<Page<ChatChannel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CC_COLUMNS} FROM flex_chat_channels WHERE kind = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![kind, w.sql_limit(), w.sql_offset()], chat_channel)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn delete_chat_channel(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM flex_chat_channels WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}
