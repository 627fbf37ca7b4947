//! The event outbox and the subscribers' cursors.

use super::{optional, Page, Result, Window};
use crate::event::{Event, EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use rusqlite::{params, Connection, Row};

/// Appends `event` inside the caller's transaction, created at `now` (Unix ms, the appliance's
/// clock); returns its sid.
pub fn append(conn: &Connection, account_sid: &str, event: &NewEvent, now: i64) -> Result<String> {
    let sid = new_sid(Prefix::Event);
    conn.prepare_cached(
        "INSERT INTO events (sid, account_sid, workspace_sid, event_type, resource_type,
                             resource_sid, actor_sid, description, data, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?
    .execute(params![
        sid,
        account_sid,
        event.workspace_sid,
        event.kind.as_str(),
        event.resource_type,
        event.resource_sid,
        event.actor_sid,
        event.description,
        event.data.to_string(),
        now,
    ])?;
    Ok(sid)
}

const COLUMNS: &str =
    "seq, sid, account_sid, workspace_sid, event_type, resource_type, resource_sid, \
                       actor_sid, description, data, created_at";

fn from_row(row: &Row) -> rusqlite::Result<Event> {
    let kind: String = row.get(4)?;
    let data: String = row.get(9)?;
    Ok(Event {
        seq: row.get(0)?,
        sid: row.get(1)?,
        account_sid: row.get(2)?,
        workspace_sid: row.get(3)?,
        kind: EventType::parse(&kind).ok_or_else(|| {
            rusqlite::Error::FromSqlConversionFailure(
                4,
                rusqlite::types::Type::Text,
                format!("unknown event type {kind}").into(),
            )
        })?,
        resource_type: row.get(5)?,
        resource_sid: row.get(6)?,
        actor_sid: row.get(7)?,
        description: row.get(8)?,
        data: serde_json::from_str(&data).unwrap_or(serde_json::Value::Null),
        created_at: row.get(10)?,
    })
}

/// Events with `seq > after`, oldest first.
pub fn after(conn: &Connection, after: i64, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2"
    ))?;
    let rows = stmt.query_map(params![after, limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

/// The newest failed deliveries (`webhook.failed`, `message.outbound.failed`), newest first.
/// The event types are literals so the planner uses the partial index `events_failures`.
pub fn recent_failures(conn: &Connection, limit: u32) -> Result<Vec<Event>> {
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {COLUMNS} FROM events
         WHERE event_type IN ('webhook.failed', 'message.outbound.failed')
         ORDER BY seq DESC LIMIT ?1"
    ))?;
    let rows = stmt.query_map(params![limit], from_row)?;
    Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
}

pub fn max_seq(conn: &Connection) -> Result<i64> {
    Ok(conn.query_row("SELECT COALESCE(MAX(seq), 0) FROM events", [], |r| r.get(0))?)
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<Event>> {
    optional(conn.query_row(
        &format!("SELECT {COLUMNS} FROM events WHERE sid = ?1"),
        [sid],
        from_row,
    ))
}

/// Filters for listing events; `None` means "any".
#[derive(Debug, Default, Clone)]
pub struct EventFilter {
    pub workspace_sid: Option<String>,
    pub event_types: Vec<String>,
    pub resource_sid: Option<String>,
    /// Matches events whose payload names this sid in any of the usual fields (TaskSid, WorkerSid…).
    pub related_sid: Option<(String, String)>,
    pub start_ms: Option<i64>,
    pub end_ms: Option<i64>,
}

/// Lists events newest first, as Twilio lists them.
pub fn list(conn: &Connection, filter: &EventFilter, window: Window) -> Result<Page<Event>> {
    let mut sql = format!("SELECT {COLUMNS} FROM events WHERE 1=1");
    let mut args: Vec<rusqlite::types::Value> = Vec::new();
    if let Some(ws) = &filter.workspace_sid {
        args.push(ws.clone().into());
        sql.push_str(&format!(" AND workspace_sid = ?{}", args.len()));
    }
    if !filter.event_types.is_empty() {
        let mut marks = Vec::new();
        for t in &filter.event_types {
            args.push(t.clone().into());
            marks.push(format!("?{}", args.len()));
        }
        sql.push_str(&format!(" AND event_type IN ({})", marks.join(",")));
    }
    if let Some(r) = &filter.resource_sid {
        args.push(r.clone().into());
        sql.push_str(&format!(" AND resource_sid = ?{}", args.len()));
    }
    if let Some((field, sid)) = &filter.related_sid {
        args.push(sid.clone().into());
        let n = args.len();
        // `field` is chosen by code (e.g. "TaskSid"), never taken from the request.
        sql.push_str(&format!(
            " AND (resource_sid = ?{n} OR json_extract(data, '$.{field}') = ?{n})"
        ));
    }
    if let Some(s) = filter.start_ms {
        args.push(s.into());
        sql.push_str(&format!(" AND created_at >= ?{}", args.len()));
    }
    if let Some(e) = filter.end_ms {
        args.push(e.into());
        sql.push_str(&format!(" AND created_at <= ?{}", args.len()));
    }
    args.push(window.sql_limit().into());
    args.push(window.sql_offset().into());
    sql.push_str(&format!(
        " ORDER BY seq DESC LIMIT ?{} OFFSET ?{}",
        args.len() - 1,
        args.len()
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(rusqlite::params_from_iter(args), from_row)?;
    Ok(Page::from_rows(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
        window,
    ))
}

pub fn cursor(conn: &Connection, name: &str) -> Result<Option<i64>> {
    optional(conn.query_row(
        "SELECT seq FROM subscriber_cursors WHERE name = ?1",
        [name],
        |r| r.get(0),
    ))
}

pub fn set_cursor(conn: &Connection, name: &str, seq: i64) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO subscriber_cursors (name, seq) VALUES (?1, ?2)
         ON CONFLICT(name) DO UPDATE SET seq = MAX(seq, excluded.seq)",
    )?
    .execute(params![name, seq])?;
    Ok(())
}

/// How many events are stored, and how many timers are pending (for `/metrics`).
pub fn backlog_stats(conn: &Connection) -> Result<(i64, i64)> {
    Ok(conn.query_row(
        "SELECT (SELECT COALESCE(MAX(seq), 0) FROM events), (SELECT COUNT(*) FROM timers)",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?)
}
