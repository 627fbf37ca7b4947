//! Interactions (Flex v1): the interaction, its channels and their participants.

use super::json_col;
pub use crate::states::{
    InteractionChannelStatus, InteractionChannelType, InteractionParticipantStatus,
    InteractionParticipantType,
};
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Interaction {
    pub sid: String,
    pub channel: Value,
    pub routing: Value,
    pub interaction_context_sid: Option<String>,
    /// The interaction-level webhook's identifier (`WebhookTtid`).
    pub webhook_ttid: Option<String>,
    pub created_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Channel {
    pub sid: String,
    pub interaction_sid: String,
    pub channel_type: InteractionChannelType,
    /// `setup` | `active` | `failed` | `closed` | `inactive`.
    pub status: InteractionChannelStatus,
    pub conversation_sid: Option<String>,
    pub task_sid: Option<String>,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ChannelParticipant {
    pub sid: String,
    pub interaction_sid: String,
    pub channel_sid: String,
    /// `customer` | `agent` | `supervisor` | `external` | `unknown`.
    pub participant_type: InteractionParticipantType,
    pub status: Option<InteractionParticipantStatus>,
    /// The conversation participant (`MB…`) it stands for.
    pub participant_sid: Option<String>,
    /// `RoutingProperties` given when the participant was added (a JSON object), if any.
    pub routing_properties: Option<Value>,
    pub created_at: i64,
}

pub fn insert(conn: &Connection, i: &Interaction) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO interactions (sid, channel, routing, interaction_context_sid, webhook_ttid,
             created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6)",
    )?
    .execute(params![
        i.sid,
        i.channel.to_string(),
        i.routing.to_string(),
        i.interaction_context_sid,
        i.webhook_ttid,
        i.created_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<Interaction>> {
    optional(
        conn.prepare_cached(
            "SELECT sid, channel, routing, interaction_context_sid, webhook_ttid, created_at
             FROM interactions WHERE sid = ?1",
        )?
        .query_row([sid], |r| {
            Ok(Interaction {
                sid: r.get(0)?,
                channel: json_col(r.get(1)?),
                routing: json_col(r.get(2)?),
                interaction_context_sid: r.get(3)?,
                webhook_ttid: r.get(4)?,
                created_at: r.get(5)?,
            })
        }),
    )
}

pub fn set_webhook_ttid(conn: &Connection, sid: &str, ttid: Option<&str>, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE interactions SET webhook_ttid = ?2, updated_at = ?3 WHERE sid = ?1",
    )?
    .execute(params![sid, ttid, now])?;
    Ok(())
}

pub fn set_routing(conn: &Connection, sid: &str, routing: &Value) -> Result<()> {
    conn.prepare_cached("UPDATE interactions SET routing = ?2 WHERE sid = ?1")?
        .execute(params![sid, routing.to_string()])?;
    Ok(())
}

const CH_COLUMNS: &str = "sid, interaction_sid, type, status, conversation_sid, task_sid, \
     error_code, error_message, created_at, updated_at";

fn channel_from_row(r: &Row) -> rusqlite::Result<Channel> {
    Ok(Channel {
        sid: r.get(0)?,
        interaction_sid: r.get(1)?,
        channel_type: r.get(2)?,
        status: r.get(3)?,
        conversation_sid: r.get(4)?,
        task_sid: r.get(5)?,
        error_code: r.get(6)?,
        error_message: r.get(7)?,
        created_at: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

/// Inserts or updates (by sid); an update keeps the channel's participants (no REPLACE, whose
/// delete would cascade to them).
pub fn save_channel(conn: &Connection, c: &Channel) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO interaction_channels ({CH_COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10)
         ON CONFLICT(sid) DO UPDATE SET status = excluded.status,
             conversation_sid = excluded.conversation_sid, task_sid = excluded.task_sid,
             error_code = excluded.error_code, error_message = excluded.error_message,
             updated_at = excluded.updated_at"
    ))?
    .execute(params![
        c.sid,
        c.interaction_sid,
        c.channel_type,
        c.status,
        c.conversation_sid,
        c.task_sid,
        c.error_code,
        c.error_message,
        c.created_at,
        c.updated_at
    ])?;
    Ok(())
}

pub fn find_channel(
    conn: &Connection,
    interaction_sid: &str,
    sid: &str,
) -> Result<Option<Channel>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {CH_COLUMNS} FROM interaction_channels WHERE interaction_sid = ?1 AND sid = ?2"
        ))?
        .query_row([interaction_sid, sid], channel_from_row),
    )
}

pub fn channels(conn: &Connection, interaction_sid: &str, w: Window) -> Result<Page<Channel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CH_COLUMNS} FROM interaction_channels WHERE interaction_sid = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![interaction_sid, w.sql_limit(), w.sql_offset()],
        channel_from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn channels_for_conversation(
    conn: &Connection,
    conversation_sid: &str,
) -> Result<Vec<Channel>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CH_COLUMNS} FROM interaction_channels WHERE conversation_sid = ?1"
    ))?;
    let rows = stmt.query_map([conversation_sid], channel_from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

const P_COLUMNS: &str = "sid, interaction_sid, channel_sid, type, status, participant_sid, \
     created_at, routing_properties";

fn participant_from_row(r: &Row) -> rusqlite::Result<ChannelParticipant> {
    Ok(ChannelParticipant {
        sid: r.get(0)?,
        interaction_sid: r.get(1)?,
        channel_sid: r.get(2)?,
        participant_type: r.get(3)?,
        status: r.get(4)?,
        participant_sid: r.get(5)?,
        created_at: r.get(6)?,
        routing_properties: r.get::<_, Option<String>>(7)?.map(|s| json_col(Some(s))),
    })
}

pub fn save_participant(conn: &Connection, p: &ChannelParticipant) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT OR REPLACE INTO interaction_participants ({P_COLUMNS}, updated_at)
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?7)"
    ))?
    .execute(params![
        p.sid,
        p.interaction_sid,
        p.channel_sid,
        p.participant_type,
        p.status,
        p.participant_sid,
        p.created_at,
        p.routing_properties.as_ref().map(Value::to_string)
    ])?;
    Ok(())
}

pub fn find_participant(
    conn: &Connection,
    channel_sid: &str,
    sid: &str,
) -> Result<Option<ChannelParticipant>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {P_COLUMNS} FROM interaction_participants WHERE channel_sid = ?1 AND sid = ?2"
        ))?
        .query_row([channel_sid, sid], participant_from_row),
    )
}

pub fn participants(
    conn: &Connection,
    channel_sid: &str,
    w: Window,
) -> Result<Page<ChannelParticipant>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {P_COLUMNS} FROM interaction_participants WHERE channel_sid = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![channel_sid, w.sql_limit(), w.sql_offset()],
        participant_from_row,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}
