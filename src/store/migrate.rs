//! Forward-only schema migrations. `schema.sql` is split on its `-- step N:` markers; every step
//! above the file's `PRAGMA user_version` is applied in its own transaction, which also bumps the
//! version. A database from a newer switchboard (a higher version than we know) is refused.

use super::error::{Error, ErrorKind, Result};
use rusqlite::Connection;

/// The schema, compiled in so the binary runs from any folder.
pub const SCHEMA: &str = include_str!("../../schema.sql");

/// One numbered step of `schema.sql`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    pub number: u32,
    pub sql: String,
}

/// Splits the schema into its numbered steps, in file order.
pub fn steps() -> Vec<Step> {
    let mut steps: Vec<Step> = Vec::new();
    for line in SCHEMA.lines() {
        if let Some(rest) = line.strip_prefix("-- step ") {
            let number = rest
                .split(':')
                .next()
                .and_then(|n| n.trim().parse().ok())
                .unwrap_or(0);
            steps.push(Step {
                number,
                sql: String::new(),
            });
        } else if let Some(step) = steps.last_mut() {
            step.sql.push_str(line);
            step.sql.push('\n');
        }
    }
    steps
}

/// The version a fully migrated database has.
pub fn latest_version() -> u32 {
    steps().last().map(|s| s.number).unwrap_or(0)
}

pub fn current_version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Applies the steps up to and including `target` (used by tests to build old databases).
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<u32> {
    let current = current_version(conn)?;
    if current > latest_version() {
        return Err(Error::new(
            ErrorKind::TooNew,
            format!(
                "the database is at schema version {current}, newer than this binary's {}; \
                 upgrade switchboard instead",
                latest_version()
            ),
        ));
    }
    for step in steps()
        .into_iter()
        .filter(|s| s.number > current && s.number <= target)
    {
        let tx = conn.transaction()?;
        tx.execute_batch(&step.sql)
            .map_err(|e| Error::internal(format!("schema step {} failed: {e}", step.number)))?;
        tx.pragma_update(None, "user_version", step.number)?;
        tx.commit()?;
        log::info!("schema upgraded to version {}", step.number);
    }
    current_version(conn)
}

/// Brings the database to the latest version.
pub fn migrate(conn: &mut Connection) -> Result<u32> {
    migrate_to(conn, latest_version())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_numbered_from_one_without_gaps() {
        let numbers: Vec<u32> = steps().iter().map(|s| s.number).collect();
        let expected: Vec<u32> = (1..=numbers.len() as u32).collect();
        assert_eq!(numbers, expected);
    }

    #[test]
    fn fresh_database_reaches_latest_version() {
        let mut conn = Connection::open_in_memory().unwrap();
        assert_eq!(migrate(&mut conn).unwrap(), latest_version());
        // A second run is a no-op.
        assert_eq!(migrate(&mut conn).unwrap(), latest_version());
    }

    #[test]
    fn newer_database_is_refused() {
        let mut conn = Connection::open_in_memory().unwrap();
        conn.pragma_update(None, "user_version", latest_version() + 1)
            .unwrap();
        let err = migrate(&mut conn).unwrap_err();
        assert_eq!(err.kind, ErrorKind::TooNew);
    }
}
