//! Flows and their revisions. A flow row holds the number of its latest revision and of its
//! latest published one; everything else a flow shows comes from its latest revision.

use super::json_col;
use crate::states::FlowStatus;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row};
use serde_json::Value;

/// One revision of a flow, as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct Revision {
    pub flow_sid: String,
    pub revision: i64,
    pub friendly_name: String,
    pub status: FlowStatus,
    /// The definition JSON text, as the client sent it (re-serialized).
    pub definition: String,
    pub commit_message: Option<String>,
    pub valid: bool,
    pub errors: Value,
    pub warnings: Value,
    pub created_at: i64,
}

/// A flow: its latest revision plus when the flow itself was created.
#[derive(Debug, Clone, PartialEq)]
pub struct Flow {
    pub latest: Revision,
    pub published_revision: Option<i64>,
    pub created_at: i64,
}

impl Flow {
    pub fn sid(&self) -> &str {
        &self.latest.flow_sid
    }
}

const REVISION_COLS: &str = "r.flow_sid, r.revision, r.friendly_name, r.status, r.definition, \
     r.commit_message, r.valid, r.errors, r.warnings, r.created_at";

fn revision_from_row(r: &Row) -> rusqlite::Result<Revision> {
    Ok(Revision {
        flow_sid: r.get(0)?,
        revision: r.get(1)?,
        friendly_name: r.get(2)?,
        status: r.get(3)?,
        definition: r.get(4)?,
        commit_message: r.get(5)?,
        valid: r.get(6)?,
        errors: json_col(r.get(7)?),
        warnings: json_col(r.get(8)?),
        created_at: r.get(9)?,
    })
}

fn flow_from_row(r: &Row) -> rusqlite::Result<Flow> {
    Ok(Flow {
        latest: revision_from_row(r)?,
        published_revision: r.get(10)?,
        created_at: r.get(11)?,
    })
}

fn flow_query(filter: &str) -> String {
    format!(
        "SELECT {REVISION_COLS}, f.published_revision, f.created_at FROM flows f
         JOIN flow_revisions r ON r.flow_sid = f.sid AND r.revision = f.revision {filter}"
    )
}

/// Creates a flow with its first revision.
pub fn insert(conn: &Connection, rev: &Revision) -> Result<()> {
    let published = (rev.status == FlowStatus::Published).then_some(rev.revision);
    conn.prepare_cached(
        "INSERT INTO flows (sid, revision, published_revision, created_at) VALUES (?1, ?2, ?3, ?4)",
    )?
    .execute(params![
        rev.flow_sid,
        rev.revision,
        published,
        rev.created_at
    ])?;
    insert_revision(conn, rev)
}

/// Adds a revision and makes it the flow's latest (and latest published, when it is).
pub fn add_revision(conn: &Connection, rev: &Revision) -> Result<()> {
    insert_revision(conn, rev)?;
    conn.prepare_cached(
        "UPDATE flows SET revision = ?2,
             published_revision = CASE WHEN ?3 THEN ?2 ELSE published_revision END
         WHERE sid = ?1",
    )?
    .execute(params![
        rev.flow_sid,
        rev.revision,
        rev.status == FlowStatus::Published
    ])?;
    Ok(())
}

fn insert_revision(conn: &Connection, rev: &Revision) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO flow_revisions (flow_sid, revision, friendly_name, status, definition,
             commit_message, valid, errors, warnings, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        rev.flow_sid,
        rev.revision,
        rev.friendly_name,
        rev.status,
        rev.definition,
        rev.commit_message,
        rev.valid,
        rev.errors.to_string(),
        rev.warnings.to_string(),
        rev.created_at
    ])?;
    Ok(())
}

pub fn fetch(conn: &Connection, sid: &str) -> Result<Option<Flow>> {
    optional(
        conn.prepare_cached(&flow_query("WHERE f.sid = ?1"))?
            .query_row([sid], flow_from_row),
    )
}

/// The first flow with this friendly name (seeding looks its defaults up by name).
pub fn find_by_name(conn: &Connection, name: &str) -> Result<Option<Flow>> {
    optional(
        conn.prepare_cached(&flow_query(
            "WHERE r.friendly_name = ?1 ORDER BY f.created_at LIMIT 1",
        ))?
        .query_row([name], flow_from_row),
    )
}

pub fn list(conn: &Connection, window: Window) -> Result<Page<Flow>> {
    let mut stmt = conn.prepare_cached(&flow_query(
        "ORDER BY f.created_at, f.sid LIMIT ?1 OFFSET ?2",
    ))?;
    let rows = stmt
        .query_map(
            params![window.sql_limit(), window.sql_offset()],
            flow_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM flows WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}

pub fn fetch_revision(conn: &Connection, sid: &str, revision: i64) -> Result<Option<Revision>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {REVISION_COLS} FROM flow_revisions r WHERE r.flow_sid = ?1 AND r.revision = ?2"
        ))?
        .query_row(params![sid, revision], revision_from_row),
    )
}

/// The revision executions run: the latest published one.
pub fn published(conn: &Connection, sid: &str) -> Result<Option<Revision>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {REVISION_COLS} FROM flows f JOIN flow_revisions r
                 ON r.flow_sid = f.sid AND r.revision = f.published_revision
             WHERE f.sid = ?1"
        ))?
        .query_row([sid], revision_from_row),
    )
}

/// Revisions, newest first (as Studio lists them).
pub fn list_revisions(conn: &Connection, sid: &str, window: Window) -> Result<Page<Revision>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {REVISION_COLS} FROM flow_revisions r WHERE r.flow_sid = ?1
         ORDER BY r.revision DESC LIMIT ?2 OFFSET ?3"
    ))?;
    let rows = stmt
        .query_map(
            params![sid, window.sql_limit(), window.sql_offset()],
            revision_from_row,
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(Page::from_rows(rows, window))
}

/// The flow's test users (`/v2/Flows/{Sid}/TestUsers`); `None` when the flow does not exist.
pub fn test_users(conn: &Connection, sid: &str) -> Result<Option<Value>> {
    optional(
        conn.prepare_cached("SELECT test_users FROM flows WHERE sid = ?1")?
            .query_row([sid], |r| r.get::<_, String>(0)),
    )
    .map(|t| t.map(json_col))
}

pub fn set_test_users(conn: &Connection, sid: &str, users: &Value) -> Result<bool> {
    Ok(conn
        .prepare_cached("UPDATE flows SET test_users = ?2 WHERE sid = ?1")?
        .execute(params![sid, users.to_string()])?
        > 0)
}
