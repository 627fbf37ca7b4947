//! TaskRouter's tables (`tr_*`), one file per aggregate. Plain typed reads and writes; the rules
//! (who may be reserved, which transitions are legal) live in `crate::routing`.

pub mod activities;
pub mod channels;
pub mod queues;
pub mod reservations;
pub mod stats;
pub mod tasks;
pub mod workers;
pub mod workflows;
pub mod workspaces;

use rusqlite::types::Value as SqlValue;

/// Builds `WHERE …` clauses with numbered parameters for list queries with optional filters.
#[derive(Default)]
pub(crate) struct Where {
    pub sql: String,
    pub args: Vec<SqlValue>,
}

impl Where {
    pub fn new(first: &str, value: impl Into<SqlValue>) -> Where {
        let mut w = Where::default();
        w.and(first, value);
        w
    }

    /// Adds `AND <column> = ?n`; `column` is chosen by code, never by a request.
    pub fn and(&mut self, cond: &str, value: impl Into<SqlValue>) {
        self.args.push(value.into());
        let n = self.args.len();
        let clause = if cond.contains('?') {
            cond.replace('?', &format!("?{n}"))
        } else {
            format!("{cond} = ?{n}")
        };
        if self.sql.is_empty() {
            self.sql = format!(" WHERE {clause}");
        } else {
            self.sql.push_str(&format!(" AND {clause}"));
        }
    }

    /// Appends `LIMIT ?n OFFSET ?m` for a window.
    pub fn window(&mut self, w: super::Window) -> String {
        self.args.push(w.sql_limit().into());
        self.args.push(w.sql_offset().into());
        format!(
            " LIMIT ?{} OFFSET ?{}",
            self.args.len() - 1,
            self.args.len()
        )
    }
}

pub(crate) fn json_col(s: String) -> serde_json::Value {
    serde_json::from_str(&s).unwrap_or(serde_json::Value::Object(Default::default()))
}
