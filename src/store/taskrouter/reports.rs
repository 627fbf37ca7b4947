//! The report rollups (issue 17 item 3, schema steps 25 and 27): `tr_report_slots` holds what the
//! tasks created in one quarter hour add to their queue's row and to their agent's row, their
//! wrap-up codes counted in the row's `codes`. `routing::history` keeps them with the history row in
//! one transaction: it reads the row's `Contribution` before and after a change and applies the
//! difference, so a replayed event (no change) writes nothing. A month's report reads at most
//! (slots × queues + slots × agents) small rows instead of a million tasks.

use crate::store::{optional, Result};
use rusqlite::{params, Connection};

/// Width of a rollup slot: a quarter hour, so any time zone whose offset is a multiple of
/// 15 minutes (all of today's) cuts days and hours on slot boundaries.
pub const SLOT_MS: i64 = 900_000;

/// The sums one slot of one queue or agent holds (milliseconds for the times).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Sums {
    pub offered: i64,
    pub handled: i64,
    pub abandoned: i64,
    pub within_sla: i64,
    pub wait_ms: i64,
    pub handle_n: i64,
    pub handle_ms: i64,
    pub wrap_n: i64,
    pub wrap_ms: i64,
}

impl Sums {
    pub fn add(&mut self, o: &Sums) {
        self.offered += o.offered;
        self.handled += o.handled;
        self.abandoned += o.abandoned;
        self.within_sla += o.within_sla;
        self.wait_ms += o.wait_ms;
        self.handle_n += o.handle_n;
        self.handle_ms += o.handle_ms;
        self.wrap_n += o.wrap_n;
        self.wrap_ms += o.wrap_ms;
    }

    fn scaled(&self, k: i64) -> Sums {
        Sums {
            offered: self.offered * k,
            handled: self.handled * k,
            abandoned: self.abandoned * k,
            within_sla: self.within_sla * k,
            wait_ms: self.wait_ms * k,
            handle_n: self.handle_n * k,
            handle_ms: self.handle_ms * k,
            wrap_n: self.wrap_n * k,
            wrap_ms: self.wrap_ms * k,
        }
    }
}

/// What one history row adds to the rollups.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contribution {
    pub workspace_sid: String,
    pub slot: i64,
    pub queue_sid: String,
    pub worker_sid: Option<String>,
    pub sums: Sums,
    pub code: Option<String>,
}

/// The contribution of task `sid`'s history row, if it has one.
pub fn contribution(conn: &Connection, sid: &str) -> Result<Option<Contribution>> {
    optional(
        conn.prepare_cached(
            "SELECT workspace_sid, created_at, COALESCE(queue_sid, ''), worker_sid, answered_at,
                    wrapup_at, ended_at, sla_met, wrapup_code
             FROM tr_task_history WHERE task_sid = ?1",
        )?
        .query_row([sid], |r| {
            let created: i64 = r.get(1)?;
            let answered: Option<i64> = r.get(4)?;
            let wrapup: Option<i64> = r.get(5)?;
            let ended: Option<i64> = r.get(6)?;
            let sla_met: Option<bool> = r.get(7)?;
            let mut s = Sums {
                offered: 1,
                ..Sums::default()
            };
            match answered {
                None => s.abandoned = ended.is_some() as i64,
                Some(a) => {
                    s.handled = 1;
                    s.within_sla = sla_met.unwrap_or(false) as i64;
                    s.wait_ms = a - created;
                    if let Some(e) = ended {
                        s.handle_n = 1;
                        s.handle_ms = e - a;
                        if let Some(w) = wrapup {
                            s.wrap_n = 1;
                            s.wrap_ms = e - w;
                        }
                    }
                }
            }
            Ok(Contribution {
                workspace_sid: r.get(0)?,
                slot: created.div_euclid(SLOT_MS),
                queue_sid: r.get(2)?,
                worker_sid: r.get(3)?,
                sums: s,
                code: r.get(8)?,
            })
        }),
    )
}

fn add_slot(
    conn: &Connection,
    c: &Contribution,
    by_worker: bool,
    subject: &str,
    s: &Sums,
) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO tr_report_slots (workspace_sid, by_worker, subject, slot, offered, handled,
            abandoned, within_sla, wait_ms, handle_n, handle_ms, wrap_n, wrap_ms)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)
         ON CONFLICT (workspace_sid, by_worker, slot, subject) DO UPDATE SET
           offered = offered + excluded.offered, handled = handled + excluded.handled,
           abandoned = abandoned + excluded.abandoned, within_sla = within_sla + excluded.within_sla,
           wait_ms = wait_ms + excluded.wait_ms, handle_n = handle_n + excluded.handle_n,
           handle_ms = handle_ms + excluded.handle_ms, wrap_n = wrap_n + excluded.wrap_n,
           wrap_ms = wrap_ms + excluded.wrap_ms",
    )?
    .execute(params![
        c.workspace_sid,
        by_worker,
        subject,
        c.slot,
        s.offered,
        s.handled,
        s.abandoned,
        s.within_sla,
        s.wait_ms,
        s.handle_n,
        s.handle_ms,
        s.wrap_n,
        s.wrap_ms
    ])?;
    Ok(())
}

/// Adds `k` tasks of wrap-up code `code` to a slot row's `codes` (a JSON object, code → tasks;
/// NULL once none is left). Read and written back here, in the caller's transaction.
fn add_code(
    conn: &Connection,
    c: &Contribution,
    by_worker: bool,
    subject: &str,
    code: &str,
    k: i64,
) -> Result<()> {
    let key = params![c.workspace_sid, by_worker, subject, c.slot];
    let text: Option<Option<String>> = optional(
        conn.prepare_cached(
            "SELECT codes FROM tr_report_slots
             WHERE workspace_sid = ?1 AND by_worker = ?2 AND subject = ?3 AND slot = ?4",
        )?
        .query_row(key, |r| r.get(0)),
    )?;
    let mut codes = parse_codes(text.flatten().as_deref());
    match codes.iter_mut().find(|x| x.0 == code) {
        Some(x) => x.1 += k,
        None => codes.push((code.to_string(), k)),
    }
    codes.retain(|x| x.1 != 0);
    let json = (!codes.is_empty()).then(|| {
        serde_json::Value::Object(codes.into_iter().map(|(c, n)| (c, n.into())).collect())
            .to_string()
    });
    conn.prepare_cached(
        "UPDATE tr_report_slots SET codes = ?5
         WHERE workspace_sid = ?1 AND by_worker = ?2 AND subject = ?3 AND slot = ?4",
    )?
    .execute(params![c.workspace_sid, by_worker, subject, c.slot, json])?;
    Ok(())
}

/// A slot row's `codes` as `(code, tasks)` pairs.
fn parse_codes(text: Option<&str>) -> Vec<(String, i64)> {
    match text
        .and_then(|t| serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(t).ok())
    {
        Some(m) => m
            .into_iter()
            .map(|(c, n)| (c, n.as_i64().unwrap_or(0)))
            .collect(),
        None => Vec::new(),
    }
}

/// Adds `c` to the rollups `k` times (`1` to add, `-1` to take it back): to its queue's row, and
/// to its agent's row (without offered or abandoned, which are the queue's) when answered.
pub fn apply(conn: &Connection, c: &Contribution, k: i64) -> Result<()> {
    add_slot(conn, c, false, &c.queue_sid, &c.sums.scaled(k))?;
    if let Some(code) = &c.code {
        add_code(conn, c, false, &c.queue_sid, code, k)?;
    }
    if let Some(w) = &c.worker_sid {
        let agent = Sums {
            offered: 0,
            abandoned: 0,
            ..c.sums
        };
        add_slot(conn, c, true, w, &agent.scaled(k))?;
        if let Some(code) = &c.code {
            add_code(conn, c, true, w, code, k)?;
        }
    }
    Ok(())
}

/// Computes workspace `ws`'s rollups again from its history rows (what schema steps 25 and 27 did
/// for the rows before them), in a few statements: for a history loaded in bulk (the benchmark
/// suite) or a repair. `sla_met` is kept as the rows have it.
pub fn rebuild(conn: &Connection, ws: &str) -> Result<()> {
    conn.execute("DELETE FROM tr_report_slots WHERE workspace_sid = ?1", [ws])?;
    for (by_worker, subject, only) in [
        (0, "COALESCE(queue_sid, '')", ""),
        (1, "worker_sid", "AND worker_sid IS NOT NULL"),
    ] {
        let offered = if by_worker == 0 { "COUNT(*)" } else { "0" };
        let abandoned = if by_worker == 0 {
            "SUM(answered_at IS NULL AND ended_at IS NOT NULL)"
        } else {
            "0"
        };
        conn.execute(
            &format!(
                "INSERT INTO tr_report_slots (workspace_sid, by_worker, subject, slot, offered,
                    handled, abandoned, within_sla, wait_ms, handle_n, handle_ms, wrap_n, wrap_ms)
                 SELECT workspace_sid, {by_worker}, {subject}, created_at / {SLOT_MS}, {offered},
                    COUNT(answered_at), {abandoned}, SUM(sla_met IS 1),
                    TOTAL(answered_at - created_at),
                    SUM(answered_at IS NOT NULL AND ended_at IS NOT NULL),
                    TOTAL(CASE WHEN answered_at IS NOT NULL THEN ended_at - answered_at END),
                    SUM(answered_at IS NOT NULL AND wrapup_at IS NOT NULL AND ended_at IS NOT NULL),
                    TOTAL(CASE WHEN answered_at IS NOT NULL AND wrapup_at IS NOT NULL
                               THEN ended_at - wrapup_at END)
                 FROM tr_task_history WHERE workspace_sid = ?1 {only} GROUP BY 3, 4"
            ),
            [ws],
        )?;
        conn.execute(
            &format!(
                "WITH c AS (
                   SELECT subject, slot, json_group_object(code, n) AS codes FROM (
                     SELECT {subject} AS subject, created_at / {SLOT_MS} AS slot, wrapup_code AS code,
                            COUNT(*) AS n
                     FROM tr_task_history
                     WHERE workspace_sid = ?1 AND wrapup_code IS NOT NULL {only}
                     GROUP BY 1, 2, 3)
                   GROUP BY 1, 2)
                 UPDATE tr_report_slots SET codes = c.codes FROM c
                 WHERE tr_report_slots.workspace_sid = ?1 AND tr_report_slots.by_worker = {by_worker}
                   AND tr_report_slots.subject = c.subject AND tr_report_slots.slot = c.slot"
            ),
            [ws],
        )?;
    }
    Ok(())
}

/// One rollup row read back: `(slot, subject, sums, wrap-up codes as (code, tasks))`.
pub type SlotRow = (i64, String, Sums, Vec<(String, i64)>);

/// The rollup rows of workspace `ws` by queue (`by_worker` false) or by agent, for the slots in
/// `[from, to)`, in slot order. Rows a task moved out of (created before it entered its queue)
/// are left at zero and skipped: every task of a queue row is offered, every one of an agent's
/// row handled.
pub fn slots(
    conn: &Connection,
    ws: &str,
    by_worker: bool,
    from: i64,
    to: i64,
) -> Result<Vec<SlotRow>> {
    let mut stmt = conn.prepare_cached(
        "SELECT slot, subject, offered, handled, abandoned, within_sla, wait_ms, handle_n,
                handle_ms, wrap_n, wrap_ms, codes
         FROM tr_report_slots
         WHERE workspace_sid = ?1 AND by_worker = ?2 AND slot >= ?3 AND slot < ?4
           AND (offered != 0 OR handled != 0)
         ORDER BY slot",
    )?;
    let rows = stmt.query_map(params![ws, by_worker, from, to], |r| {
        Ok((
            r.get(0)?,
            r.get(1)?,
            Sums {
                offered: r.get(2)?,
                handled: r.get(3)?,
                abandoned: r.get(4)?,
                within_sla: r.get(5)?,
                wait_ms: r.get(6)?,
                handle_n: r.get(7)?,
                handle_ms: r.get(8)?,
                wrap_n: r.get(9)?,
                wrap_ms: r.get(10)?,
            },
            match r.get_ref(11)? {
                rusqlite::types::ValueRef::Text(t) => parse_codes(std::str::from_utf8(t).ok()),
                _ => Vec::new(),
            },
        ))
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// The service level threshold (seconds) the account's Flex Configuration sets for queue
/// `queue_sid` of workspace `ws`: its `queue_stats_configuration.queue_configurations` entry,
/// else the configuration's `default`; `None` when neither says.
pub fn sla_threshold(conn: &Connection, ws: &str, queue_sid: &str) -> Result<Option<i64>> {
    let v: Option<Option<i64>> = optional(
        conn.prepare_cached(
            "SELECT COALESCE(
               (SELECT json_extract(q.value, '$.service_level_threshold')
                  FROM json_each(f.doc, '$.queue_stats_configuration.queue_configurations') q
                 WHERE json_extract(q.value, '$.queue_sid') = ?2
                   AND json_type(q.value, '$.service_level_threshold') = 'integer'),
               CASE WHEN json_type(f.doc, '$.queue_stats_configuration.default.service_level_threshold') = 'integer'
                    THEN json_extract(f.doc, '$.queue_stats_configuration.default.service_level_threshold') END)
             FROM flex_configuration f JOIN tr_workspaces w ON w.account_sid = f.account_sid
             WHERE w.sid = ?1 AND json_valid(f.doc)",
        )?
        .query_row(params![ws, queue_sid], |r| r.get(0)),
    )?;
    Ok(v.flatten())
}

#[cfg(test)]
#[path = "reports_tests.rs"]
mod tests;
