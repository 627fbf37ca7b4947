//! The queries TaskRouter's workspace-scoped tables share: insert, fetch by SID or friendly name,
//! paged lists with filters, all rows, update of named columns, delete. Each aggregate's file
//! describes its table once (`Table`) and keeps its own typed functions over these.

use super::Where;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params_from_iter, Connection, Row, ToSql};

/// A `tr_*` table whose rows belong to a workspace (`sid`, `workspace_sid`, `friendly_name`,
/// `created_at`, `updated_at` columns): its name, its columns in `from_row`'s order, and how a
/// row reads. Names come from code, never from a request.
pub(super) struct Table<T> {
    pub name: &'static str,
    pub cols: &'static str,
    pub from_row: fn(&Row) -> rusqlite::Result<T>,
}

/// `WHERE workspace_sid = ?1`, and `AND friendly_name = ?2` when one is given: where every list
/// starts.
pub(super) fn in_workspace(ws: &str, friendly_name: Option<&str>) -> Where {
    let mut q = Where::new("workspace_sid", ws.to_string());
    if let Some(n) = friendly_name {
        q.and("friendly_name", n.to_string());
    }
    q
}

impl<T> Table<T> {
    /// Inserts one row; `values` in `cols` order.
    pub fn insert(&self, conn: &Connection, values: &[&dyn ToSql]) -> Result<()> {
        let marks: Vec<String> = (1..=values.len()).map(|n| format!("?{n}")).collect();
        conn.prepare_cached(&format!(
            "INSERT INTO {} ({}) VALUES ({})",
            self.name,
            self.cols,
            marks.join(",")
        ))?
        .execute(values)?;
        Ok(())
    }

    pub fn find(&self, conn: &Connection, ws: &str, sid: &str) -> Result<Option<T>> {
        optional(
            conn.prepare_cached(&format!(
                "SELECT {} FROM {} WHERE sid = ?1 AND workspace_sid = ?2",
                self.cols, self.name
            ))?
            .query_row([sid, ws], self.from_row),
        )
    }

    /// The row with this friendly name; the oldest where names may repeat (workflows).
    pub fn find_by_name(&self, conn: &Connection, ws: &str, name: &str) -> Result<Option<T>> {
        optional(
            conn.prepare_cached(&format!(
                "SELECT {} FROM {} WHERE workspace_sid = ?1 AND friendly_name = ?2
                 ORDER BY created_at LIMIT 1",
                self.cols, self.name
            ))?
            .query_row([ws, name], self.from_row),
        )
    }

    /// One page of the rows matching `q`, oldest first.
    pub fn list(&self, conn: &Connection, mut q: Where, w: Window) -> Result<Page<T>> {
        let limit = q.window(w);
        let sql = format!(
            "SELECT {} FROM {}{} ORDER BY created_at, rowid{limit}",
            self.cols, self.name, q.sql
        );
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(q.args), self.from_row)?;
        Ok(Page::from_rows(rows.collect::<rusqlite::Result<_>>()?, w))
    }

    /// All of the workspace's rows, oldest first.
    pub fn all(&self, conn: &Connection, ws: &str) -> Result<Vec<T>> {
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {} FROM {} WHERE workspace_sid = ?1 ORDER BY created_at, rowid",
            self.cols, self.name
        ))?;
        let rows = stmt.query_map([ws], self.from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Sets the named columns and `updated_at` of one row.
    pub fn update(
        &self,
        conn: &Connection,
        sid: &str,
        set: &[(&str, &dyn ToSql)],
        updated_at: i64,
    ) -> Result<()> {
        let mut sql = format!("UPDATE {} SET ", self.name);
        let mut values: Vec<&dyn ToSql> = vec![&sid];
        for (col, value) in set {
            values.push(*value);
            sql.push_str(&format!("{col} = ?{}, ", values.len()));
        }
        values.push(&updated_at);
        sql.push_str(&format!("updated_at = ?{} WHERE sid = ?1", values.len()));
        conn.prepare_cached(&sql)?.execute(&values[..])?;
        Ok(())
    }

    pub fn delete(&self, conn: &Connection, sid: &str) -> Result<()> {
        conn.execute(&format!("DELETE FROM {} WHERE sid = ?1", self.name), [sid])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::super::{activities, workflows};
    use crate::store::Window;

    fn workflow(sid: &str, name: &str, at: i64) -> workflows::Workflow {
        workflows::Workflow {
            sid: sid.into(),
            workspace_sid: "WS1".into(),
            friendly_name: name.into(),
            configuration: "{}".into(),
            assignment_callback_url: None,
            fallback_assignment_callback_url: Some("https://example.com/f".into()),
            task_reservation_timeout: 120,
            created_at: at,
            updated_at: at,
        }
    }

    /// Every shared query over a real schema: insert, find (by SID, by name: the oldest of a
    /// repeated name), list with filters and paging, update of named columns, delete.
    #[test]
    fn shared_queries_read_and_write_the_named_table() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate::migrate(&mut conn).unwrap();
        conn.execute_batch("PRAGMA foreign_keys = OFF").unwrap();
        for (sid, name, at) in [("WW1", "Main", 10), ("WW2", "Main", 5), ("WW3", "Other", 7)] {
            workflows::insert(&conn, &workflow(sid, name, at)).unwrap();
        }
        assert_eq!(
            workflows::find(&conn, "WS1", "WW3").unwrap(),
            Some(workflow("WW3", "Other", 7))
        );
        assert_eq!(workflows::find(&conn, "WS2", "WW3").unwrap(), None);
        let by_name = workflows::find_by_name(&conn, "WS1", "Main").unwrap();
        assert_eq!(by_name.unwrap().sid, "WW2");

        let w = |offset, limit| Window { offset, limit };
        let sids = |p: crate::store::Page<workflows::Workflow>| {
            (
                p.items.into_iter().map(|w| w.sid).collect::<Vec<_>>(),
                p.has_more,
            )
        };
        let all = workflows::list(&conn, "WS1", None, w(0, 50)).unwrap();
        assert_eq!(
            sids(all),
            (vec!["WW2".into(), "WW3".into(), "WW1".into()], false)
        );
        let first = workflows::list(&conn, "WS1", None, w(0, 2)).unwrap();
        assert_eq!(sids(first), (vec!["WW2".into(), "WW3".into()], true));
        let named = workflows::list(&conn, "WS1", Some("Main"), w(1, 50)).unwrap();
        assert_eq!(sids(named), (vec!["WW1".into()], false));

        let mut changed = workflow("WW3", "Renamed", 7);
        changed.configuration = r#"{"task_routing":{}}"#.into();
        changed.assignment_callback_url = Some("https://example.com/a".into());
        changed.fallback_assignment_callback_url = None;
        changed.task_reservation_timeout = 30;
        changed.updated_at = 99;
        workflows::update(&conn, &changed).unwrap();
        assert_eq!(workflows::find(&conn, "WS1", "WW3").unwrap(), Some(changed));
        workflows::delete(&conn, "WW3").unwrap();
        assert_eq!(workflows::find(&conn, "WS1", "WW3").unwrap(), None);

        let a = activities::Activity {
            sid: "WA1".into(),
            workspace_sid: "WS1".into(),
            friendly_name: "Lunch".into(),
            available: false,
            created_at: 1,
            updated_at: 1,
        };
        activities::insert(&conn, &a).unwrap();
        activities::rename(&conn, "WA1", "Break", 2).unwrap();
        let renamed = activities::find_by_name(&conn, "WS1", "Break")
            .unwrap()
            .unwrap();
        assert_eq!((renamed.sid.as_str(), renamed.updated_at), ("WA1", 2));
        let unavailable = activities::list(&conn, "WS1", None, Some(false), w(0, 50)).unwrap();
        assert_eq!(unavailable.items.len(), 1);
        let available = activities::list(&conn, "WS1", Some("Break"), Some(true), w(0, 50));
        assert!(available.unwrap().items.is_empty());
    }
}
