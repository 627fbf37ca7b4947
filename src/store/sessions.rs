//! Sign-in sessions of the pages (`web_sessions`: only the hash of each session token is kept)
//! and the agents' passwords (`agent_credentials`, salted and iterated hashes).

use super::{optional, Result};
use rusqlite::{params, Connection};

/// A stored session. `kind` is `admin` or `agent`; `subject` the Account SID or the Worker SID.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub kind: String,
    pub subject: String,
    pub csrf_token: String,
    pub created_at: i64,
    pub expires_at: i64,
}

pub fn insert(conn: &Connection, s: &Session) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO web_sessions (token_hash, kind, subject, csrf_token, created_at, expires_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        s.token_hash,
        s.kind,
        s.subject,
        s.csrf_token,
        s.created_at,
        s.expires_at
    ])?;
    Ok(())
}

/// The session with this token hash, if it has not expired at `now`.
pub fn find_live(conn: &Connection, token_hash: &str, now: i64) -> Result<Option<Session>> {
    optional(
        conn.prepare_cached(
            "SELECT token_hash, kind, subject, csrf_token, created_at, expires_at
             FROM web_sessions WHERE token_hash = ?1 AND expires_at > ?2",
        )?
        .query_row(params![token_hash, now], |r| {
            Ok(Session {
                token_hash: r.get(0)?,
                kind: r.get(1)?,
                subject: r.get(2)?,
                csrf_token: r.get(3)?,
                created_at: r.get(4)?,
                expires_at: r.get(5)?,
            })
        }),
    )
}

pub fn delete(conn: &Connection, token_hash: &str) -> Result<()> {
    conn.prepare_cached("DELETE FROM web_sessions WHERE token_hash = ?1")?
        .execute([token_hash])?;
    Ok(())
}

/// Ends every session of one subject (a worker whose password changed).
pub fn delete_for_subject(conn: &Connection, kind: &str, subject: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM web_sessions WHERE kind = ?1 AND subject = ?2")?
        .execute([kind, subject])?)
}

/// Ends every session of one kind (all admin sessions when the Auth Token is rotated).
pub fn delete_kind(conn: &Connection, kind: &str) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM web_sessions WHERE kind = ?1")?
        .execute([kind])?)
}

/// Removes sessions that expired before `now`.
pub fn purge_expired(conn: &Connection, now: i64) -> Result<usize> {
    Ok(conn
        .prepare_cached("DELETE FROM web_sessions WHERE expires_at <= ?1")?
        .execute([now])?)
}

/// A worker's stored password: `(salt, hash)`.
pub fn agent_password(conn: &Connection, worker_sid: &str) -> Result<Option<(String, String)>> {
    optional(
        conn.prepare_cached(
            "SELECT salt, password_hash FROM agent_credentials WHERE worker_sid = ?1",
        )?
        .query_row([worker_sid], |r| Ok((r.get(0)?, r.get(1)?))),
    )
}

pub fn set_agent_password(
    conn: &Connection,
    worker_sid: &str,
    salt: &str,
    hash: &str,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO agent_credentials (worker_sid, salt, password_hash, updated_at)
         VALUES (?1, ?2, ?3, ?4)
         ON CONFLICT (worker_sid) DO UPDATE SET salt = ?2, password_hash = ?3, updated_at = ?4",
    )?
    .execute(params![worker_sid, salt, hash, now])?;
    Ok(())
}

/// Whether a worker has a password (the admin console shows it).
pub fn has_agent_password(conn: &Connection, worker_sid: &str) -> Result<bool> {
    Ok(agent_password(conn, worker_sid)?.is_some())
}
