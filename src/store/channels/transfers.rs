//! Interaction channel invites (a task routed to bring another agent into the channel) and
//! transfers (an invite that hands the channel over, warm or cold, and what became of it).

use super::json_col;
pub use crate::states::{TransferKind, TransferStatus};
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct Invite {
    pub sid: String,
    pub interaction_sid: String,
    pub channel_sid: String,
    pub routing: Value,
    pub task_sid: Option<String>,
    pub created_at: i64,
}

const I_COLUMNS: &str = "sid, interaction_sid, channel_sid, routing, task_sid, created_at";

fn invite(r: &Row) -> rusqlite::Result<Invite> {
    Ok(Invite {
        sid: r.get(0)?,
        interaction_sid: r.get(1)?,
        channel_sid: r.get(2)?,
        routing: json_col(r.get(3)?),
        task_sid: r.get(4)?,
        created_at: r.get(5)?,
    })
}

pub fn insert_invite(conn: &Connection, i: &Invite) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO interaction_invites ({I_COLUMNS}, updated_at) VALUES (?1,?2,?3,?4,?5,?6,?6)"
    ))?
    .execute(params![
        i.sid,
        i.interaction_sid,
        i.channel_sid,
        i.routing.to_string(),
        i.task_sid,
        i.created_at
    ])?;
    Ok(())
}

pub fn invites(conn: &Connection, channel_sid: &str, w: Window) -> Result<Page<Invite>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {I_COLUMNS} FROM interaction_invites WHERE channel_sid = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(params![channel_sid, w.sql_limit(), w.sql_offset()], invite)?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}

pub fn invite_for_task(conn: &Connection, task_sid: &str) -> Result<Option<Invite>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {I_COLUMNS} FROM interaction_invites WHERE task_sid = ?1"
        ))?
        .query_row([task_sid], invite),
    )
}

#[derive(Debug, Clone, PartialEq)]
pub struct Transfer {
    pub sid: String,
    pub interaction_sid: String,
    pub channel_sid: String,
    pub kind: TransferKind,
    pub status: TransferStatus,
    /// The transferring agent's interaction channel participant (`UT…`).
    pub from_participant_sid: Option<String>,
    pub from_task_sid: String,
    pub from_worker_sid: Option<String>,
    /// The worker (`WK…`) or queue (`WQ…`) it goes to.
    pub to: String,
    pub invite_sid: Option<String>,
    /// The task routed to the receiver.
    pub task_sid: Option<String>,
    pub note: Option<String>,
    pub note_sid: Option<String>,
    pub summary: Option<String>,
    pub summary_sid: Option<String>,
    /// The receiver accepted (joined the conversation).
    pub accepted: bool,
    pub created_at: i64,
    pub updated_at: i64,
}

const T_COLUMNS: &str = "sid, interaction_sid, channel_sid, type, status, from_participant_sid, \
     from_task_sid, from_worker_sid, to_target, invite_sid, task_sid, note, note_sid, summary, \
     summary_sid, accepted, created_at, updated_at";

fn transfer(r: &Row) -> rusqlite::Result<Transfer> {
    Ok(Transfer {
        sid: r.get(0)?,
        interaction_sid: r.get(1)?,
        channel_sid: r.get(2)?,
        kind: r.get(3)?,
        status: r.get(4)?,
        from_participant_sid: r.get(5)?,
        from_task_sid: r.get(6)?,
        from_worker_sid: r.get(7)?,
        to: r.get(8)?,
        invite_sid: r.get(9)?,
        task_sid: r.get(10)?,
        note: r.get(11)?,
        note_sid: r.get(12)?,
        summary: r.get(13)?,
        summary_sid: r.get(14)?,
        accepted: r.get(15)?,
        created_at: r.get(16)?,
        updated_at: r.get(17)?,
    })
}

/// Inserts or updates (by sid).
pub fn save_transfer(conn: &Connection, t: &Transfer) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO interaction_transfers ({T_COLUMNS})
         VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)
         ON CONFLICT(sid) DO UPDATE SET status = excluded.status, task_sid = excluded.task_sid,
             invite_sid = excluded.invite_sid, accepted = excluded.accepted,
             updated_at = excluded.updated_at"
    ))?
    .execute(params![
        t.sid,
        t.interaction_sid,
        t.channel_sid,
        t.kind,
        t.status,
        t.from_participant_sid,
        t.from_task_sid,
        t.from_worker_sid,
        t.to,
        t.invite_sid,
        t.task_sid,
        t.note,
        t.note_sid,
        t.summary,
        t.summary_sid,
        t.accepted,
        t.created_at,
        t.updated_at
    ])?;
    Ok(())
}

pub fn find_transfer(conn: &Connection, channel_sid: &str, sid: &str) -> Result<Option<Transfer>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {T_COLUMNS} FROM interaction_transfers WHERE channel_sid = ?1 AND sid = ?2"
        ))?
        .query_row([channel_sid, sid], transfer),
    )
}

/// The transfer whose routed task is `task_sid`.
pub fn transfer_for_task(conn: &Connection, task_sid: &str) -> Result<Option<Transfer>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {T_COLUMNS} FROM interaction_transfers WHERE task_sid = ?1"
        ))?
        .query_row([task_sid], transfer),
    )
}

/// Active transfers away from `task_sid` (the transferring agent's task).
pub fn active_from_task(conn: &Connection, task_sid: &str) -> Result<Vec<Transfer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {T_COLUMNS} FROM interaction_transfers WHERE from_task_sid = ?1 AND status = 'active'"
    ))?;
    let rows = stmt.query_map([task_sid], transfer)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The channel's active transfer, if one is under way.
pub fn active_on_channel(conn: &Connection, channel_sid: &str) -> Result<Option<Transfer>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {T_COLUMNS} FROM interaction_transfers WHERE channel_sid = ?1 AND status = 'active'
             ORDER BY created_at DESC LIMIT 1"
        ))?
        .query_row([channel_sid], transfer),
    )
}

pub fn transfers(conn: &Connection, channel_sid: &str, w: Window) -> Result<Page<Transfer>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {T_COLUMNS} FROM interaction_transfers WHERE channel_sid = ?1
         ORDER BY created_at, rowid LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt.query_map(
        params![channel_sid, w.sql_limit(), w.sql_offset()],
        transfer,
    )?;
    Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
}
