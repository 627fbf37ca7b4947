//! `tr_channel_rules`: which task channels a worker busy on another is not offered.

use crate::store::Result;
use rusqlite::{params, Connection};

/// `(busy_channel_sid, blocked_channel_sid)` of the workspace, ordered.
pub fn all(conn: &Connection, ws: &str) -> Result<Vec<(String, String)>> {
    let mut stmt = conn.prepare_cached(
        "SELECT busy_channel_sid, blocked_channel_sid FROM tr_channel_rules
         WHERE workspace_sid = ?1 ORDER BY busy_channel_sid, blocked_channel_sid",
    )?;
    let rows = stmt.query_map([ws], |r| Ok((r.get(0)?, r.get(1)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Replaces every rule of the workspace.
pub fn replace(conn: &Connection, ws: &str, rules: &[(String, String)]) -> Result<()> {
    conn.prepare_cached("DELETE FROM tr_channel_rules WHERE workspace_sid = ?1")?
        .execute([ws])?;
    let mut ins = conn.prepare_cached(
        "INSERT OR IGNORE INTO tr_channel_rules (workspace_sid, busy_channel_sid, blocked_channel_sid)
         VALUES (?1, ?2, ?3)",
    )?;
    for (busy, blocked) in rules {
        ins.execute(params![ws, busy, blocked])?;
    }
    Ok(())
}
