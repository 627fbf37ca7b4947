//! TaskRouter's tables (`tr_*`), one file per aggregate. Plain typed reads and writes; the rules
//! (who may be reserved, which transitions are legal) live in the `routing` module.

pub mod activities;
pub mod automation;
pub mod channel_rules;
pub mod channels;
mod common;
pub mod dispositions;
pub mod floor;
pub mod history;
pub mod queues;
pub mod reports;
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

#[cfg(test)]
mod tests {
    /// The matching queries walk indexes (never a table scan), so their cost follows the free
    /// workers and the queue heads rather than the backlog.
    #[test]
    fn hot_routing_queries_use_their_indexes() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate::migrate(&mut conn).unwrap();
        let plans = [
            "SELECT w.sid FROM tr_worker_channels wc INDEXED BY tr_worker_channels_free
             JOIN tr_workers w ON w.sid = wc.worker_sid
             WHERE wc.task_channel_sid = 'TC' AND wc.free = 1 ORDER BY wc.idle_since, wc.worker_sid",
            "SELECT sid FROM tr_tasks INDEXED BY tr_tasks_waiting
             WHERE queue_sid = 'WQ' AND task_channel_sid = 'TC' AND assignment_status = 'pending'
             ORDER BY route_priority DESC, order_key LIMIT 10",
            "SELECT EXISTS (SELECT 1 FROM tr_reservations INDEXED BY tr_reservations_by_task
               WHERE task_sid = 'WT' AND worker_sid = 'WK' AND status IN ('rejected','pending','accepted','wrapping'))",
            "SELECT COALESCE(SUM(active), 0) FROM tr_worker_channels x WHERE x.worker_sid = 'WK'",
            "SELECT 1 FROM tr_channel_rules b JOIN tr_worker_channels y ON y.worker_sid = 'WK'
               AND y.task_channel_sid = b.busy_channel_sid
             WHERE b.blocked_channel_sid = 'TC' AND y.active > 0",
        ];
        for sql in plans {
            let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let steps: Vec<String> = stmt
                .query_map([], |r| r.get::<_, String>(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            for s in &steps {
                let scan =
                    s.starts_with("SCAN") && !s.contains("USING") && s != "SCAN CONSTANT ROW";
                assert!(!scan, "{sql}\n→ {steps:?}");
            }
        }
    }

    #[test]
    fn first_seq_at_finds_the_window_start_by_binary_search() {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate::migrate(&mut conn).unwrap();
        assert_eq!(super::stats::first_seq_at(&conn, 5).unwrap(), 0);
        for (i, at) in [10, 20, 20, 30, 40].iter().enumerate() {
            conn.execute(
                "INSERT INTO events (sid, account_sid, event_type, resource_type, resource_sid,
                    description, data, created_at) VALUES (?1, 'AC', 'task.created', 'task', 'WT', '', '{}', ?2)",
                rusqlite::params![format!("EV{i}"), at],
            )
            .unwrap();
        }
        let at = |ms| super::stats::first_seq_at(&conn, ms).unwrap();
        assert!(at(0) <= 1);
        assert_eq!(at(20), 2);
        assert_eq!(at(21), 4);
        assert_eq!(at(40), 5);
        assert_eq!(at(41), 6);
    }
}
