//! `console_users` (the console's admins, supervisors and agents, schema step 24) and
//! `audit_log` (who changed what, and when). Passwords and invite codes are kept only as hashes.

use crate::states::{AuditAction, AuditKind, UserRole, UserStatus};
use crate::store::{optional, Result};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub sid: String,
    pub login: String,
    pub name: String,
    pub role: UserRole,
    pub status: UserStatus,
    pub worker_sid: Option<String>,
    pub salt: Option<String>,
    pub password_hash: Option<String>,
    pub invite_hash: Option<String>,
    pub invite_expires_at: Option<i64>,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
}

const COLS: &str = "sid, login, name, role, status, worker_sid, salt, password_hash, invite_hash, \
                    invite_expires_at, created_by, created_at, updated_at";

fn from_row(r: &Row) -> rusqlite::Result<User> {
    Ok(User {
        sid: r.get(0)?,
        login: r.get(1)?,
        name: r.get(2)?,
        role: r.get(3)?,
        status: r.get(4)?,
        worker_sid: r.get(5)?,
        salt: r.get(6)?,
        password_hash: r.get(7)?,
        invite_hash: r.get(8)?,
        invite_expires_at: r.get(9)?,
        created_by: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
    })
}

/// Inserts or replaces a user (a login another user has is a Conflict).
pub fn put(conn: &Connection, u: &User) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO console_users ({COLS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13)
         ON CONFLICT (sid) DO UPDATE SET login = ?2, name = ?3, role = ?4, status = ?5,
           worker_sid = ?6, salt = ?7, password_hash = ?8, invite_hash = ?9,
           invite_expires_at = ?10, updated_at = ?13"
    ))?
    .execute(params![
        u.sid,
        u.login,
        u.name,
        u.role,
        u.status,
        u.worker_sid,
        u.salt,
        u.password_hash,
        u.invite_hash,
        u.invite_expires_at,
        u.created_by,
        u.created_at,
        u.updated_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<User>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLS} FROM console_users WHERE sid = ?1"))?
            .query_row([sid], from_row),
    )
}

pub fn find_by_login(conn: &Connection, login: &str) -> Result<Option<User>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM console_users WHERE login = ?1"
        ))?
        .query_row([login], from_row),
    )
}

pub fn find_by_invite(conn: &Connection, invite_hash: &str) -> Result<Option<User>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM console_users WHERE invite_hash = ?1"
        ))?
        .query_row([invite_hash], from_row),
    )
}

/// Every user, by name.
pub fn list(conn: &Connection) -> Result<Vec<User>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLS} FROM console_users ORDER BY name COLLATE NOCASE, sid"
    ))?;
    let rows = stmt.query_map([], from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// How many active users have `role` (the last active admin is never demoted).
pub fn count_active(conn: &Connection, role: UserRole) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT COUNT(*) FROM console_users WHERE role = ?1 AND status = 'active'")?
        .query_row([role], |r| r.get(0))?)
}

/// One audit entry as written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor_sid: String,
    pub actor_name: String,
    pub action: AuditAction,
    pub kind: AuditKind,
    pub resource_sid: Option<String>,
    pub resource_name: Option<String>,
    pub details: String,
}

/// Appends an audit entry (its `seq` is given by the table).
/// The actor of what an administrator does on the box itself (`switchboard rotate-token`,
/// `checkup --fix`, `restore`): the audit log shows it as such.
pub const COMMAND_LINE: (&str, &str) = ("command-line", "Command line on the server");

/// An entry for a command run on the server, at `now`.
pub fn audit_command(
    conn: &Connection,
    now: i64,
    kind: AuditKind,
    resource: (&str, &str),
    details: &str,
) -> Result<()> {
    audit(
        conn,
        &AuditEntry {
            seq: 0,
            at: now,
            actor_sid: COMMAND_LINE.0.into(),
            actor_name: COMMAND_LINE.1.into(),
            action: AuditAction::Updated,
            kind,
            resource_sid: (!resource.0.is_empty()).then(|| resource.0.to_string()),
            resource_name: (!resource.1.is_empty()).then(|| resource.1.to_string()),
            details: details.into(),
        },
    )
}

pub fn audit(conn: &Connection, e: &AuditEntry) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, actor_sid, actor_name, action, kind, resource_sid,
           resource_name, details) VALUES (?1,?2,?3,?4,?5,?6,?7,?8)",
    )?
    .execute(params![
        e.at,
        e.actor_sid,
        e.actor_name,
        e.action,
        e.kind,
        e.resource_sid,
        e.resource_name,
        e.details
    ])?;
    Ok(())
}

/// The name the audit log last recorded for a resource (a deletion names what it deleted).
pub fn last_name(conn: &Connection, resource_sid: &str) -> Result<Option<String>> {
    Ok(optional(
        conn.prepare_cached(
            "SELECT resource_name FROM audit_log WHERE resource_sid = ?1
               AND resource_name IS NOT NULL ORDER BY seq DESC LIMIT 1",
        )?
        .query_row([resource_sid], |r| r.get(0)),
    )?
    .flatten())
}

/// What the audit page filters on; `None` matches anything.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub actor_sid: Option<String>,
    pub kind: Option<AuditKind>,
    /// A word in the resource's name or SID (LIKE, escaped).
    pub text: Option<String>,
    /// Entries before this `seq` (the next page).
    pub before: Option<i64>,
    pub limit: u32,
}

/// Entries matching `f`, newest first.
pub fn audit_list(conn: &Connection, f: &AuditFilter) -> Result<Vec<AuditEntry>> {
    let like = f.text.as_ref().map(|t| {
        let escaped = t
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let mut stmt = conn.prepare_cached(
        "SELECT seq, at, actor_sid, actor_name, action, kind, resource_sid, resource_name, details
         FROM audit_log
         WHERE (?1 IS NULL OR actor_sid = ?1) AND (?2 IS NULL OR kind = ?2)
           AND (?3 IS NULL OR resource_name LIKE ?3 ESCAPE '\\' OR resource_sid LIKE ?3 ESCAPE '\\'
                OR details LIKE ?3 ESCAPE '\\')
           AND (?4 IS NULL OR seq < ?4)
         ORDER BY seq DESC LIMIT ?5",
    )?;
    let rows = stmt.query_map(params![f.actor_sid, f.kind, like, f.before, f.limit], |r| {
        Ok(AuditEntry {
            seq: r.get(0)?,
            at: r.get(1)?,
            actor_sid: r.get(2)?,
            actor_name: r.get(3)?,
            action: r.get(4)?,
            kind: r.get(5)?,
            resource_sid: r.get(6)?,
            resource_name: r.get(7)?,
            details: r.get(8)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Everyone who appears in the log, with the newest name each had (the page's "who" filter).
pub fn audit_actors(conn: &Connection) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT actor_sid, actor_name FROM audit_log WHERE seq IN
           (SELECT MAX(seq) FROM audit_log GROUP BY actor_sid) ORDER BY actor_name",
    )?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}
