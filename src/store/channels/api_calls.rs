//! The `api_calls` table (schema step 26): calls an integration placed through the Api 2010
//! `Calls.json`, carried to the carrier by outbox rows (`OutboxKind::CarrierCall`).

use super::json_strings;
pub use crate::states::CallStatus;
use crate::store::{optional, Page, Result, Window};
use rusqlite::{params, Connection, Row, ToSql};
use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
pub struct ApiCall {
    pub sid: String,
    pub from: String,
    pub to: String,
    pub status: CallStatus,
    pub url: Option<String>,
    pub method: String,
    pub twiml: Option<String>,
    pub status_callback: Option<String>,
    /// `initiated`, `ringing`, `answered`, `completed`: the states the callback hears of.
    pub status_callback_events: Vec<String>,
    pub provider_sid: Option<String>,
    pub answered_by: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    pub start_at: Option<i64>,
    pub end_at: Option<i64>,
}

/// The list's filters; times as half-open ranges `[from, until)`.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub to: Option<String>,
    pub from: Option<String>,
    pub status: Option<CallStatus>,
    pub started_from: Option<i64>,
    pub started_until: Option<i64>,
    pub ended_from: Option<i64>,
    pub ended_until: Option<i64>,
}

const COLUMNS: &str = "sid, from_address, to_address, status, url, method, twiml, \
     status_callback, status_callback_events, provider_sid, answered_by, created_at, updated_at, \
     start_at, end_at";

fn from_row(r: &Row) -> rusqlite::Result<ApiCall> {
    Ok(ApiCall {
        sid: r.get(0)?,
        from: r.get(1)?,
        to: r.get(2)?,
        status: r.get(3)?,
        url: r.get(4)?,
        method: r.get(5)?,
        twiml: r.get(6)?,
        status_callback: r.get(7)?,
        status_callback_events: json_strings(r.get(8)?),
        provider_sid: r.get(9)?,
        answered_by: r.get(10)?,
        created_at: r.get(11)?,
        updated_at: r.get(12)?,
        start_at: r.get(13)?,
        end_at: r.get(14)?,
    })
}

pub fn insert(conn: &Connection, c: &ApiCall) -> Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO api_calls ({COLUMNS}) VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9,?10,?11,?12,?13,?14,?15)"
    ))?
    .execute(params![
        c.sid,
        c.from,
        c.to,
        c.status,
        c.url,
        c.method,
        c.twiml,
        c.status_callback,
        Value::from(c.status_callback_events.clone()).to_string(),
        c.provider_sid,
        c.answered_by,
        c.created_at,
        c.updated_at,
        c.start_at,
        c.end_at
    ])?;
    Ok(())
}

pub fn find(conn: &Connection, sid: &str) -> Result<Option<ApiCall>> {
    optional(
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM api_calls WHERE sid = ?1"))?
            .query_row([sid], from_row),
    )
}

pub fn find_by_provider_sid(conn: &Connection, provider_sid: &str) -> Result<Option<ApiCall>> {
    optional(
        conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM api_calls WHERE provider_sid = ?1 LIMIT 1"
        ))?
        .query_row([provider_sid], from_row),
    )
}

/// Records the carrier's SID of call `sid` if none is recorded yet (see
/// `outbox::learn_provider_sid`).
pub fn learn_provider_sid(conn: &Connection, sid: &str, provider_sid: &str) -> Result<()> {
    conn.prepare_cached(
        "UPDATE api_calls SET provider_sid = ?2 WHERE sid = ?1 AND provider_sid IS NULL",
    )?
    .execute(rusqlite::params![sid, provider_sid])?;
    Ok(())
}

/// Newest first, as Twilio lists calls.
pub fn list(conn: &Connection, f: &Filter, window: Window) -> Result<Page<ApiCall>> {
    let mut sql = format!("SELECT {COLUMNS} FROM api_calls WHERE 1 = 1");
    let mut args: Vec<&dyn ToSql> = Vec::new();
    let mut add = |args: &mut Vec<&dyn ToSql>, clause: &str| {
        sql.push_str(&format!(" AND {clause} ?{}", args.len()));
    };
    let conds: [(Option<&dyn ToSql>, &str); 7] = [
        (f.to.as_ref().map(|v| v as &dyn ToSql), "to_address ="),
        (f.from.as_ref().map(|v| v as &dyn ToSql), "from_address ="),
        (f.status.as_ref().map(|v| v as &dyn ToSql), "status ="),
        (
            f.started_from.as_ref().map(|v| v as &dyn ToSql),
            "start_at >=",
        ),
        (
            f.started_until.as_ref().map(|v| v as &dyn ToSql),
            "start_at <",
        ),
        (f.ended_from.as_ref().map(|v| v as &dyn ToSql), "end_at >="),
        (f.ended_until.as_ref().map(|v| v as &dyn ToSql), "end_at <"),
    ];
    for (value, clause) in conds {
        if let Some(v) = value {
            args.push(v);
            add(&mut args, clause);
        }
    }
    let (limit, offset) = (window.sql_limit(), window.sql_offset());
    args.push(&limit);
    args.push(&offset);
    sql.push_str(&format!(
        " ORDER BY created_at DESC, sid DESC LIMIT ?{} OFFSET ?{}",
        args.len() - 1,
        args.len()
    ));
    let mut stmt = conn.prepare(&sql)?;
    let rows = stmt.query_map(args.as_slice(), from_row)?;
    Ok(Page::from_rows(
        rows.collect::<rusqlite::Result<Vec<_>>>()?,
        window,
    ))
}

/// Moves a call to `status`; `start_at` / `end_at` / the carrier's SID are kept once set.
#[allow(clippy::too_many_arguments)]
pub fn set_status(
    conn: &Connection,
    sid: &str,
    status: CallStatus,
    provider_sid: Option<&str>,
    answered_by: Option<&str>,
    start_at: Option<i64>,
    end_at: Option<i64>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE api_calls SET status = ?2, provider_sid = COALESCE(provider_sid, ?3),
             answered_by = COALESCE(?4, answered_by), start_at = COALESCE(start_at, ?5),
             end_at = COALESCE(end_at, ?6), updated_at = ?7
         WHERE sid = ?1",
    )?
    .execute(params![
        sid,
        status,
        provider_sid,
        answered_by,
        start_at,
        end_at,
        now
    ])?;
    Ok(())
}

/// New instructions for a live call: its `Url` (and method) or `Twiml`.
pub fn set_instructions(
    conn: &Connection,
    sid: &str,
    url: Option<&str>,
    method: &str,
    twiml: Option<&str>,
    now: i64,
) -> Result<()> {
    conn.prepare_cached(
        "UPDATE api_calls SET url = ?2, method = ?3, twiml = ?4, updated_at = ?5 WHERE sid = ?1",
    )?
    .execute(params![sid, url, method, twiml, now])?;
    Ok(())
}

pub fn delete(conn: &Connection, sid: &str) -> Result<bool> {
    Ok(conn
        .prepare_cached("DELETE FROM api_calls WHERE sid = ?1")?
        .execute([sid])?
        > 0)
}
