//! Channel sessions (Flex's "proxy sessions": an external address + our contact identity → the
//! active conversation) and the task ↔ conversation links learnt from `task.created`.

pub use crate::states::MessagingChannel;
use crate::store::{optional, Result};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub sid: String,
    pub flex_flow_sid: String,
    pub channel_type: MessagingChannel,
    /// The customer's address (`From`, or a web chat identity).
    pub contact: String,
    /// Our address: the Flex Flow's contact identity the customer wrote to (`To`).
    pub contact_identity: String,
    pub conversation_sid: String,
    pub task_sid: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "sid, flex_flow_sid, channel_type, contact, contact_identity, \
     conversation_sid, task_sid, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<Session> {
    Ok(Session {
        sid: r.get(0)?,
        flex_flow_sid: r.get(1)?,
        channel_type: r.get(2)?,
        contact: r.get(3)?,
        contact_identity: r.get(4)?,
        conversation_sid: r.get(5)?,
        task_sid: r.get(6)?,
        created_at: r.get(7)?,
        updated_at: r.get(8)?,
    })
}

pub fn insert(conn: &Connection, s: &Session) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO channel_sessions ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)"
    ))?
    .execute(params![
        s.sid,
        s.flex_flow_sid,
        s.channel_type,
        s.contact,
        s.contact_identity,
        s.conversation_sid,
        s.task_sid,
        s.created_at,
        s.updated_at
    ])?;
    Ok(())
}

pub fn find_for_contact(
    conn: &Connection,
    channel_type: MessagingChannel,
    contact: &str,
    contact_identity: &str,
) -> Result<Option<Session>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM channel_sessions
             WHERE channel_type = ?1 AND contact = ?2 AND contact_identity = ?3"
        ))?
        .query_row(params![channel_type, contact, contact_identity], from_row),
    )
}

pub fn for_conversation(conn: &Connection, conversation_sid: &str) -> Result<Vec<Session>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM channel_sessions WHERE conversation_sid = ?1"
    ))?;
    let rows = stmt.query_map([conversation_sid], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn all(conn: &Connection, limit: u32) -> Result<Vec<Session>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM channel_sessions ORDER BY created_at LIMIT ?1"
    ))?;
    let rows = stmt.query_map([limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn set_task(conn: &Connection, sid: &str, task_sid: Option<&str>, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE channel_sessions SET task_sid = ?2, updated_at = ?3 WHERE sid = ?1",
    )?
    .execute(params![sid, task_sid, now])?;
    Ok(())
}

/// Binds every session of a conversation to `task_sid` (the task now serving it).
pub fn set_task_for_conversation(
    conn: &Connection,
    conversation_sid: &str,
    task_sid: &str,
    now: i64,
) -> Result<usize> {
    Ok(conn
        .prepare_cached(
            "UPDATE channel_sessions SET task_sid = ?2, updated_at = ?3 WHERE conversation_sid = ?1",
        )?
        .execute(params![conversation_sid, task_sid, now])?)
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn.execute("DELETE FROM channel_sessions WHERE sid = ?1", [sid])? > 0)
}

/// A task known to serve a conversation.
#[derive(Debug, Clone, PartialEq)]
pub struct TaskLink {
    pub task_sid: String,
    pub conversation_sid: String,
    pub workspace_sid: Option<String>,
    /// Why the task ended (`task.completed`, …), `None` while it lives.
    pub ended: Option<String>,
}

pub fn link_task(
    conn: &Connection,
    task_sid: &str,
    conversation_sid: &str,
    workspace_sid: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO channel_tasks (task_sid, conversation_sid, workspace_sid, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(task_sid) DO NOTHING",
    )?
    .execute(params![task_sid, conversation_sid, workspace_sid, now])?;
    Ok(())
}

pub fn find_task(conn: &Connection, task_sid: &str) -> Result<Option<TaskLink>> {
    optional(
        conn.prepare_cached(
            "SELECT task_sid, conversation_sid, workspace_sid, ended FROM channel_tasks WHERE task_sid = ?1",
        )?
        .query_row([task_sid], |r| {
            Ok(TaskLink {
                task_sid: r.get(0)?,
                conversation_sid: r.get(1)?,
                workspace_sid: r.get(2)?,
                ended: r.get(3)?,
            })
        }),
    )
}

/// Tasks of a conversation not yet seen to end.
pub fn live_tasks(conn: &Connection, conversation_sid: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT task_sid FROM channel_tasks WHERE conversation_sid = ?1 AND ended IS NULL
         ORDER BY created_at",
    )?;
    let rows = stmt.query_map([conversation_sid], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn end_task(conn: &Connection, task_sid: &str, why: &str, now: i64) -> Result<()> {
    conn.prepare_cached(
        "UPDATE channel_tasks SET ended = ?2, updated_at = ?3 WHERE task_sid = ?1 AND ended IS NULL",
    )?
    .execute(params![task_sid, why, now])?;
    Ok(())
}

/// Every task that served a conversation, the oldest first (live or ended).
pub fn tasks_of_conversation(conn: &Connection, conversation_sid: &str) -> Result<Vec<TaskLink>> {
    let mut stmt = conn.prepare_cached(
        "SELECT task_sid, conversation_sid, workspace_sid, ended FROM channel_tasks
         WHERE conversation_sid = ?1 ORDER BY created_at, rowid",
    )?;
    let rows = stmt.query_map([conversation_sid], |r| {
        Ok(TaskLink {
            task_sid: r.get(0)?,
            conversation_sid: r.get(1)?,
            workspace_sid: r.get(2)?,
            ended: r.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
