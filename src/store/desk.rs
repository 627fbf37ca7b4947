//! The agent desktop's own rows: private notes on a conversation, the office's canned
//! responses, and the look-ups the customer panel and "My work" make.

use crate::store::{optional, Result};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub sid: String,
    pub conversation_sid: String,
    pub task_sid: Option<String>,
    pub author_sid: Option<String>,
    pub author_name: String,
    /// `note` (written in the chat) or `wrapup` (written when completing).
    pub kind: String,
    pub body: String,
    pub created_at: i64,
}

pub fn insert_note(conn: &Connection, n: &Note) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO desk_notes (sid, conversation_sid, task_sid, author_sid, author_name, kind,
             body, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    )?
    .execute(params![
        n.sid,
        n.conversation_sid,
        n.task_sid,
        n.author_sid,
        n.author_name,
        n.kind,
        n.body,
        n.created_at
    ])?;
    Ok(())
}

/// The conversation's notes, oldest first (at most `limit`).
pub fn notes(conn: &Connection, conversation_sid: &str, limit: u32) -> Result<Vec<Note>> {
    let mut stmt = conn.prepare_cached(
        "SELECT sid, conversation_sid, task_sid, author_sid, author_name, kind, body, created_at
         FROM desk_notes WHERE conversation_sid = ?1 ORDER BY created_at, rowid LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![conversation_sid, limit], |r| {
        Ok(Note {
            sid: r.get(0)?,
            conversation_sid: r.get(1)?,
            task_sid: r.get(2)?,
            author_sid: r.get(3)?,
            author_name: r.get(4)?,
            kind: r.get(5)?,
            body: r.get(6)?,
            created_at: r.get(7)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[derive(Debug, Clone, PartialEq)]
pub struct Canned {
    pub id: i64,
    pub workspace_sid: String,
    pub shortcut: String,
    pub body: String,
    pub created_at: i64,
    pub updated_at: i64,
}

fn canned_row(r: &Row) -> rusqlite::Result<Canned> {
    Ok(Canned {
        id: r.get(0)?,
        workspace_sid: r.get(1)?,
        shortcut: r.get(2)?,
        body: r.get(3)?,
        created_at: r.get(4)?,
        updated_at: r.get(5)?,
    })
}

const CANNED: &str = "id, workspace_sid, shortcut, body, created_at, updated_at";

/// The office's canned responses by shortcut.
pub fn canned(conn: &Connection, workspace_sid: &str) -> Result<Vec<Canned>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CANNED} FROM desk_canned_responses WHERE workspace_sid = ?1 ORDER BY shortcut"
    ))?;
    let rows = stmt.query_map([workspace_sid], canned_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

pub fn find_canned(conn: &Connection, workspace_sid: &str, id: i64) -> Result<Option<Canned>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {CANNED} FROM desk_canned_responses WHERE workspace_sid = ?1 AND id = ?2"
        ))?
        .query_row(params![workspace_sid, id], canned_row),
    )
}

pub fn canned_by_shortcut(
    conn: &Connection,
    workspace_sid: &str,
    shortcut: &str,
) -> Result<Option<Canned>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {CANNED} FROM desk_canned_responses WHERE workspace_sid = ?1 AND shortcut = ?2"
        ))?
        .query_row(params![workspace_sid, shortcut], canned_row),
    )
}

/// Inserts (`id` 0) or updates one; answers its id.
pub fn save_canned(conn: &Connection, c: &Canned) -> Result<i64> {
    if c.id == 0 {
        conn.prepare_cached(
            "INSERT INTO desk_canned_responses (workspace_sid, shortcut, body, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            c.workspace_sid,
            c.shortcut,
            c.body,
            c.created_at,
            c.updated_at
        ])?;
        return Ok(conn.last_insert_rowid());
    }
    conn.prepare_cached(
        "UPDATE desk_canned_responses SET shortcut = ?2, body = ?3, updated_at = ?4 WHERE id = ?1",
    )?
    .execute(params![c.id, c.shortcut, c.body, c.updated_at])?;
    Ok(c.id)
}

pub fn delete_canned(conn: &Connection, workspace_sid: &str, id: i64) -> Result<bool> {
    let n = conn
        .prepare_cached("DELETE FROM desk_canned_responses WHERE workspace_sid = ?1 AND id = ?2")?
        .execute(params![workspace_sid, id])?;
    Ok(n > 0)
}

/// Other conversations with a participant of this identity or binding address, newest first.
pub fn contact_conversations(
    conn: &Connection,
    contact: &str,
    except: &str,
    limit: u32,
) -> Result<Vec<String>> {
    let mut stmt = conn.prepare_cached(
        "SELECT c.sid FROM conversations c
         WHERE c.sid != ?2 AND EXISTS (SELECT 1 FROM conversation_participants p
             WHERE p.conversation_sid = c.sid AND (p.identity = ?1 OR p.binding_address = ?1))
         ORDER BY c.created_at DESC LIMIT ?3",
    )?;
    let rows = stmt.query_map(params![contact, except, limit], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The tasks a worker finished (their reservation completed), newest first: (task, when).
pub fn finished_tasks(
    conn: &Connection,
    worker_sid: &str,
    limit: u32,
) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT task_sid, MAX(updated_at) AS t FROM tr_reservations
         WHERE worker_sid = ?1 AND status = 'completed'
         GROUP BY task_sid ORDER BY t DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![worker_sid, limit], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// A waiting task's place in its queue (1 = next): the tasks of the same queue and task channel,
/// pending or being offered, ahead of it in the queue's order. `None` unless it is pending.
pub fn queue_position(conn: &Connection, task_sid: &str) -> Result<Option<i64>> {
    optional(
        conn.prepare_cached(
            "SELECT 1 + (SELECT COUNT(*) FROM tr_tasks o
                 WHERE o.queue_sid = t.queue_sid AND o.task_channel_sid = t.task_channel_sid
                   AND o.sid != t.sid AND o.assignment_status IN ('pending', 'reserved')
                   AND (o.route_priority > t.route_priority
                        OR (o.route_priority = t.route_priority AND o.order_key < t.order_key)))
             FROM tr_tasks t
             WHERE t.sid = ?1 AND t.assignment_status = 'pending' AND t.queue_sid IS NOT NULL",
        )?
        .query_row([task_sid], |r| r.get(0)),
    )
}
