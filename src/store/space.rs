//! The database file's size limit, so tests can make the disk "full" without filling a real disk.

use super::error::Result;
use rusqlite::Connection;

/// Caps the database at `pages` pages (`None`: SQLite's default cap) and returns the pages it
/// holds now. Writes needing a new page then fail with SQLITE_FULL, as on a full disk.
pub fn set_max_page_count(conn: &Connection, pages: Option<i64>) -> Result<i64> {
    let used: i64 = conn.query_row("PRAGMA page_count", [], |r| r.get(0))?;
    let cap = pages.unwrap_or(4_294_967_294).max(used);
    conn.query_row(&format!("PRAGMA max_page_count = {cap}"), [], |r| {
        r.get::<_, i64>(0)
    })?;
    Ok(used)
}
