//! Conversations as a supervisor looks them up afterwards (issue 17, item 2): found by contact,
//! agent, queue, date and a word in the messages, newest first, paged by a cursor (created, sid)
//! so an export walks any range one page at a time; and what one conversation's page shows
//! beside its messages — its tasks with the agents who took them, and the events of each.

use super::{Result, Window};
use crate::event::Event;
use rusqlite::types::Value as SqlValue;
use rusqlite::{params, params_from_iter, Connection};
use serde_json::Value;

/// What to look for; `None` is "any". Text filters match anywhere, case-insensitively (ASCII).
#[derive(Debug, Default, Clone)]
pub struct Search {
    /// Created at or after (Unix ms).
    pub from: Option<i64>,
    /// Created before (Unix ms).
    pub to: Option<i64>,
    /// The customer's name, address or identity.
    pub contact: Option<String>,
    /// A word or phrase in a message.
    pub text: Option<String>,
    /// A task of the conversation was in this queue (`WQ…`).
    pub queue_sid: Option<String>,
    /// This worker (`WK…`) accepted a task of the conversation.
    pub worker_sid: Option<String>,
}

/// Where a page ends: the last conversation's creation time and SID (the next page is older).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub created_at: i64,
    pub sid: String,
}

/// One conversation found.
#[derive(Debug, Clone)]
pub struct Found {
    pub sid: String,
    pub state: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The customer as a person reads it: the web chat's name, the conversation's name, or
    /// the address they wrote from.
    pub customer: Option<String>,
    pub messages: i64,
    pub last_body: Option<String>,
    /// The first message matching `Search::text`.
    pub matched: Option<String>,
}

/// `%text%` for LIKE, with LIKE's own characters escaped.
fn like(s: &str) -> String {
    let esc = s
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    format!("%{esc}%")
}

/// Conversations matching `s`, newest first, older than `before`, at most `limit`.
pub fn search(
    conn: &Connection,
    s: &Search,
    before: Option<&Cursor>,
    limit: u32,
) -> Result<Vec<Found>> {
    let text = s.text.as_deref().map(like);
    let contact = s.contact.as_deref().map(like);
    let args: Vec<SqlValue> = vec![
        s.from.into(),
        s.to.into(),
        contact.into(),
        text.clone().into(),
        s.queue_sid.clone().into(),
        s.worker_sid.clone().into(),
        before.map(|c| c.created_at).into(),
        before.map(|c| c.sid.clone()).into(),
        i64::from(limit).into(),
    ];
    let mut stmt = conn.prepare_cached(
        "SELECT c.sid, c.state, c.created_at, c.updated_at,
           COALESCE((SELECT w.name FROM webchats w WHERE w.conversation_sid = c.sid), c.friendly_name,
                    (SELECT p.binding_address FROM conversation_participants p
                      WHERE p.conversation_sid = c.sid AND p.binding_address IS NOT NULL LIMIT 1)),
           (SELECT COUNT(*) FROM conversation_messages m WHERE m.conversation_sid = c.sid),
           (SELECT m.body FROM conversation_messages m WHERE m.conversation_sid = c.sid ORDER BY m.idx DESC LIMIT 1),
           CASE WHEN ?4 IS NULL THEN NULL ELSE
             (SELECT m.body FROM conversation_messages m WHERE m.conversation_sid = c.sid
               AND m.body LIKE ?4 ESCAPE '\\' ORDER BY m.idx LIMIT 1) END
         FROM conversations c
         WHERE (?1 IS NULL OR c.created_at >= ?1) AND (?2 IS NULL OR c.created_at < ?2)
           AND (?3 IS NULL OR c.friendly_name LIKE ?3 ESCAPE '\\'
                OR EXISTS (SELECT 1 FROM webchats w WHERE w.conversation_sid = c.sid AND w.name LIKE ?3 ESCAPE '\\')
                OR EXISTS (SELECT 1 FROM conversation_participants p WHERE p.conversation_sid = c.sid
                           AND (p.identity LIKE ?3 ESCAPE '\\' OR p.binding_address LIKE ?3 ESCAPE '\\')))
           AND (?4 IS NULL OR EXISTS (SELECT 1 FROM conversation_messages m
                WHERE m.conversation_sid = c.sid AND m.body LIKE ?4 ESCAPE '\\'))
           AND (?5 IS NULL OR EXISTS (SELECT 1 FROM tr_task_history h
                WHERE h.conversation_sid = c.sid AND h.queue_sid = ?5))
           AND (?6 IS NULL OR EXISTS (SELECT 1 FROM tr_task_history h
                WHERE h.conversation_sid = c.sid AND h.worker_sid = ?6 AND h.answered_at IS NOT NULL))
           AND (?7 IS NULL OR c.created_at < ?7 OR (c.created_at = ?7 AND c.sid < ?8))
         ORDER BY c.created_at DESC, c.sid DESC LIMIT ?9",
    )?;
    let rows = stmt.query_map(params_from_iter(args), |r| {
        Ok(Found {
            sid: r.get(0)?,
            state: r.get(1)?,
            created_at: r.get(2)?,
            updated_at: r.get(3)?,
            customer: r.get(4)?,
            messages: r.get(5)?,
            last_body: r.get(6)?,
            matched: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A task that served a conversation (from the task history, so also after TaskRouter deleted
/// it), with its queue and the agent who answered it.
#[derive(Debug, Clone)]
pub struct TaskLink {
    pub sid: String,
    /// How it ended (`completed`, `canceled`, `deleted`), else its live status.
    pub status: String,
    pub queue: Option<String>,
    pub channel: Option<String>,
    pub execution_sid: Option<String>,
    pub note: Option<String>,
    pub wrapup_code: Option<String>,
    pub created_at: i64,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    /// `(worker friendly name, its attributes)` of the agent who answered it.
    pub agent: Option<(String, Value)>,
    /// Its reservations' SIDs (their events belong to its life cycle).
    pub reservations: Vec<String>,
}

/// The tasks of conversation `sid`, oldest first.
pub fn tasks_of(conn: &Connection, sid: &str) -> Result<Vec<TaskLink>> {
    let mut stmt = conn.prepare_cached(
        "SELECT h.task_sid, COALESCE(h.outcome, t.assignment_status, 'pending'), q.friendly_name,
                h.channel, h.execution_sid, h.note, h.wrapup_code, h.created_at, h.answered_at,
                h.ended_at, w.friendly_name, w.attributes, h.reservations
         FROM tr_task_history h LEFT JOIN tr_tasks t ON t.sid = h.task_sid
         LEFT JOIN tr_task_queues q ON q.sid = h.queue_sid
         LEFT JOIN tr_workers w ON w.sid = h.worker_sid
         WHERE h.conversation_sid = ?1 ORDER BY h.created_at, h.task_sid",
    )?;
    let rows = stmt.query_map([sid], |r| {
        let name: Option<String> = r.get(10)?;
        let attrs: Option<String> = r.get(11)?;
        let res: String = r.get(12)?;
        Ok(TaskLink {
            sid: r.get(0)?,
            status: r.get(1)?,
            queue: r.get(2)?,
            channel: r.get(3)?,
            execution_sid: r.get(4)?,
            note: r.get(5)?,
            wrapup_code: r.get(6)?,
            created_at: r.get(7)?,
            answered_at: r.get(8)?,
            ended_at: r.get(9)?,
            agent: name.map(|n| {
                let a = attrs.and_then(|a| serde_json::from_str(&a).ok());
                (n, a.unwrap_or(Value::Null))
            }),
            reservations: res.split_whitespace().map(str::to_string).collect(),
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The events of a task and of its reservations (`reservations`), oldest first (at most
/// `limit`), through `events_by_resource`.
pub fn task_events(
    conn: &Connection,
    sid: &str,
    reservations: &[String],
    limit: u32,
) -> Result<Vec<Event>> {
    let mut stmt = conn
        .prepare_cached("SELECT seq FROM events WHERE resource_sid = ?1 ORDER BY seq LIMIT ?2")?;
    let mut seqs: Vec<i64> = Vec::new();
    for r in std::iter::once(sid).chain(reservations.iter().map(String::as_str)) {
        let found = stmt.query_map(params![r, limit], |row| row.get(0))?;
        for s in found {
            seqs.push(s?);
        }
    }
    seqs.sort_unstable();
    seqs.truncate(limit as usize);
    let mut out = Vec::with_capacity(seqs.len());
    for s in seqs {
        out.extend(super::events::after(conn, s - 1, 1)?);
    }
    Ok(out)
}

/// The display names and friendly names of a workspace's workers: `(friendly_name, attributes)`.
pub fn worker_names(conn: &Connection) -> Result<Vec<(String, Value)>> {
    let mut stmt = conn.prepare_cached("SELECT friendly_name, attributes FROM tr_workers")?;
    let rows = stmt.query_map([], |r| {
        let a: String = r.get(1)?;
        Ok((r.get(0)?, serde_json::from_str(&a).unwrap_or(Value::Null)))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The web chat's customer of conversation `sid`: `(identity, name)`.
pub fn webchat_customer(conn: &Connection, sid: &str) -> Result<Option<(String, String)>> {
    super::optional(
        conn.prepare_cached("SELECT identity, name FROM webchats WHERE conversation_sid = ?1")?
            .query_row([sid], |r| Ok((r.get(0)?, r.get(1)?))),
    )
}

/// The messages of a conversation oldest first, a window at a time.
pub fn messages(
    conn: &Connection,
    sid: &str,
    w: Window,
) -> Result<super::Page<super::channels::messages::Message>> {
    super::channels::messages::list(conn, sid, false, w)
}
