//! Channels' SQL: Flex Flows, conversations and their participants, messages and webhooks, channel
//! sessions and task links, the outbound HTTP outbox, web chats and interactions. One file per
//! aggregate; the `channels` module holds the rules.

pub mod address_configs;
pub mod api_calls;
pub mod api_messages;
pub mod conversations;
pub mod flex;
pub mod flex_flows;
pub mod inbound_routing;
pub mod interactions;
pub mod messages;
pub mod outbox;
pub mod parks;
pub mod participants;
pub mod receipts;
pub mod roles;
pub mod services;
pub mod sessions;
pub mod transfers;
pub mod users;
pub mod webchats;
pub mod webhooks;

use super::Result;
use rusqlite::{params, Connection};

/// Records that a durable subscriber handled `event_sid`; false if it had already (so the
/// subscriber skips it). Runs in the same transaction as the handling's effects; `now` is the
/// appliance's clock.
pub fn mark_handled(conn: &Connection, event_sid: &str, now: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "INSERT OR IGNORE INTO channel_handled_events (event_sid, handled_at) VALUES (?1, ?2)",
        )?
        .execute(params![event_sid, now])?
        == 1)
}

/// `task.created` events after `after_seq` whose data mentions `conversation_sid` (the caller
/// checks the attributes): tasks the janitor has not linked yet.
pub fn unseen_task_created(
    conn: &Connection,
    after_seq: i64,
    conversation_sid: &str,
) -> Result<Vec<crate::event::Event>> {
    let mut stmt = conn.prepare_cached(
        "SELECT seq FROM events WHERE seq > ?1 AND event_type = 'task.created' AND instr(data, ?2) > 0
         ORDER BY seq LIMIT 100",
    )?;
    let seqs: Vec<i64> = stmt
        .query_map(params![after_seq, conversation_sid], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let mut out = Vec::new();
    for seq in seqs {
        out.extend(super::events::after(conn, seq - 1, 1)?);
    }
    Ok(out)
}

/// Parses a stored JSON column; a damaged value reads as `{}` rather than failing the row.
pub(crate) fn json_col(s: Option<String>) -> serde_json::Value {
    s.and_then(|s| serde_json::from_str(&s).ok())
        .unwrap_or_else(|| serde_json::json!({}))
}

/// A stored JSON list of strings (media URLs, callback events); anything else reads as empty.
pub(crate) fn json_strings(s: Option<String>) -> Vec<String> {
    json_col(s)
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(serde_json::Value::as_str)
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}
