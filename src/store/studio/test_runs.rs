//! Studio test runs (schema step 28): one revision of a flow pinned for an admin's test chat,
//! its conversation (the run's key) and its own contact identity.

use crate::states::TestRunStatus;
use crate::store::{optional, Result};
use rusqlite::{params, Connection, Row};

#[derive(Debug, Clone, PartialEq)]
pub struct TestRun {
    pub conversation_sid: String,
    pub flow_sid: String,
    pub revision: i64,
    /// The test customer's identity: the `contact` of the run's executions.
    pub contact: String,
    pub status: TestRunStatus,
    pub created_at: i64,
    pub ended_at: Option<i64>,
}

const COLS: &str = "conversation_sid, flow_sid, revision, contact, status, created_at, ended_at";

fn from_row(r: &Row) -> rusqlite::Result<TestRun> {
    Ok(TestRun {
        conversation_sid: r.get(0)?,
        flow_sid: r.get(1)?,
        revision: r.get(2)?,
        contact: r.get(3)?,
        status: r.get(4)?,
        created_at: r.get(5)?,
        ended_at: r.get(6)?,
    })
}

pub fn insert(conn: &Connection, t: &TestRun) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO studio_test_runs ({COLS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
    ))?
    .execute(params![
        t.conversation_sid,
        t.flow_sid,
        t.revision,
        t.contact,
        t.status,
        t.created_at,
        t.ended_at
    ])?;
    Ok(())
}

pub fn fetch(conn: &Connection, conversation_sid: &str) -> Result<Option<TestRun>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLS} FROM studio_test_runs WHERE conversation_sid = ?1"
        ))?
        .query_row([conversation_sid], from_row),
    )
}

/// Ends an active run; false when it had ended already.
pub fn end(conn: &Connection, conversation_sid: &str, now: i64) -> Result<bool> {
    Ok(conn
        .prepare_cached(
            "UPDATE studio_test_runs SET status = 'ended', ended_at = ?2
             WHERE conversation_sid = ?1 AND status = 'active'",
        )?
        .execute(params![conversation_sid, now])?
        > 0)
}
