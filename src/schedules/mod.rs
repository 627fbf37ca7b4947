//! Business hours (issue 22, the Flex template's schedule-manager, built in): named schedules of
//! weekly hours in an office's time zone, holidays and one-off closures (`hours`, pure), stored
//! in `schedules`, and their state at the injected clock's now. A change is in force at once:
//! every reader evaluates the stored schedule at its own now, nothing is published or cached.
//!
//! Read by Studio (`flow.schedules.NAME.open` in every template), by TaskRouter workflow filters
//! (`schedules.NAME.open == true`), by the customer's web chat (the schedule marked `web_chat`:
//! "closed, we open again …"), and through the API (`/v1/Schedules`).

pub mod hours;

use crate::core::Core;
use crate::ids::{new_sid, Prefix};
use crate::store::{self, schedules as db};
use hours::{Closure, Holiday, Hours, Range, Status};
use rusqlite::Connection;
use serde_json::{json, Map, Value};
use std::fmt;

pub use crate::store::schedules::Schedule;

pub const MAX_SCHEDULES: usize = 200;

#[derive(Debug, Clone)]
pub enum Error {
    NotFound(String),
    Invalid { param: String, problem: String },
    Conflict(String),
    Store(store::Error),
}

pub type Result<T> = std::result::Result<T, Error>;

impl Error {
    fn invalid(param: &str, problem: impl Into<String>) -> Error {
        Error::Invalid {
            param: param.to_string(),
            problem: problem.into(),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::NotFound(w) => write!(f, "{w} was not found"),
            Error::Invalid { param, problem } => write!(f, "Invalid parameter {param}: {problem}"),
            Error::Conflict(m) => f.write_str(m),
            Error::Store(e) => write!(f, "{e}"),
        }
    }
}

impl std::error::Error for Error {}

impl From<store::Error> for Error {
    fn from(e: store::Error) -> Error {
        Error::Store(e)
    }
}

impl From<hours::Invalid> for Error {
    fn from(e: hours::Invalid) -> Error {
        Error::invalid(e.param, e.problem)
    }
}

/// A create or an update: each field absent is kept (or, on create, empty).
#[derive(Debug, Clone, Default)]
pub struct Change {
    pub name: Option<String>,
    pub time_zone: Option<String>,
    pub hours: Option<Vec<Range>>,
    pub holidays: Option<Vec<Holiday>>,
    pub closures: Option<Vec<Closure>>,
    pub web_chat: Option<bool>,
}

/// A name usable in Liquid and in TaskRouter expressions: a letter, then letters, digits, `_`.
fn check_name(name: &str) -> Result<String> {
    let n = name.trim();
    let ok = n.len() <= 64
        && n.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && n.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !ok {
        return Err(Error::invalid(
            "Name",
            format!(
                "{n:?} must be 1 to 64 letters, digits or underscores, starting with a letter \
                 (it is used as flow.schedules.NAME.open)"
            ),
        ));
    }
    Ok(n.to_string())
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string(v).unwrap_or_else(|_| "[]".into())
}

/// The schedule's lists as the API shows them.
pub fn ranges(s: &Schedule) -> Vec<Range> {
    serde_json::from_str(&s.hours).unwrap_or_default()
}
pub fn holidays(s: &Schedule) -> Vec<Holiday> {
    serde_json::from_str(&s.holidays).unwrap_or_default()
}
pub fn closures(s: &Schedule) -> Vec<Closure> {
    serde_json::from_str(&s.closures).unwrap_or_default()
}

/// The evaluable hours of a stored schedule (checked when stored; a time zone the database no
/// longer knows reads as UTC).
pub fn hours_of(s: &Schedule) -> Hours {
    Hours::new(&s.time_zone, &ranges(s), &holidays(s), &closures(s))
        .or_else(|_| Hours::new("UTC", &ranges(s), &holidays(s), &closures(s)))
        .unwrap_or_else(|_| Hours::new("UTC", &[], &[], &[]).expect("an empty schedule"))
}

/// Applies a change to `s` after checking every field (nothing is stored on a refusal).
fn apply(s: &mut Schedule, c: Change) -> Result<()> {
    if let Some(n) = c.name {
        s.name = check_name(&n)?;
    }
    if let Some(tz) = c.time_zone {
        hours::time_zone(&tz)?;
        s.time_zone = tz.trim().to_string();
    }
    if let Some(h) = c.hours {
        s.hours = to_json(&hours::check_ranges(&h)?);
    }
    if let Some(h) = c.holidays {
        s.holidays = to_json(&hours::check_holidays(&h)?);
    }
    if let Some(h) = c.closures {
        s.closures = to_json(&hours::check_closures(&h)?);
    }
    if let Some(w) = c.web_chat {
        s.web_chat = w;
    }
    Ok(())
}

fn store_checked(conn: &Connection, s: &Schedule) -> Result<()> {
    if let Some(other) = db::find(conn, &s.name)? {
        if other.sid != s.sid {
            return Err(Error::Conflict(format!(
                "A schedule named {:?} already exists",
                other.name
            )));
        }
    }
    db::put(conn, s)?;
    if s.web_chat {
        db::clear_web_chat(conn, &s.sid)?;
    }
    Ok(())
}

pub fn create(app: &Core, c: Change) -> Result<Schedule> {
    if c.name.is_none() {
        return Err(Error::invalid("Name", "is required"));
    }
    if c.time_zone.is_none() {
        return Err(Error::invalid(
            "TimeZone",
            "is required (an IANA name such as Europe/Paris)",
        ));
    }
    let now = app.now_ms();
    let mut s = Schedule {
        sid: new_sid(Prefix::Schedule),
        name: String::new(),
        time_zone: String::new(),
        hours: "[]".into(),
        holidays: "[]".into(),
        closures: "[]".into(),
        web_chat: false,
        created_at: now,
        updated_at: now,
    };
    apply(&mut s, c)?;
    app.store.write(|tx| {
        if db::all(tx)?.len() >= MAX_SCHEDULES {
            return Err(Error::Conflict(format!(
                "at most {MAX_SCHEDULES} schedules; delete one first"
            )));
        }
        store_checked(tx, &s)?;
        Ok(s)
    })
}

pub fn get(conn: &Connection, sid_or_name: &str) -> Result<Schedule> {
    db::find(conn, sid_or_name)?
        .ok_or_else(|| Error::NotFound(format!("The schedule {sid_or_name}")))
}

pub fn update(app: &Core, sid_or_name: &str, c: Change) -> Result<Schedule> {
    app.store.write(|tx| {
        let mut s = get(tx, sid_or_name)?;
        apply(&mut s, c)?;
        s.updated_at = app.now_ms();
        store_checked(tx, &s)?;
        Ok(s)
    })
}

pub fn delete(app: &Core, sid_or_name: &str) -> Result<()> {
    app.store.write(|tx| {
        let s = get(tx, sid_or_name)?;
        db::delete(tx, &s.sid)?;
        Ok(())
    })
}

pub fn list(conn: &Connection) -> Result<Vec<Schedule>> {
    Ok(db::all(conn)?)
}

/// A schedule's state at `now` as every reader sees it: `{open, reason, reason_name, next_open,
/// next_open_local, next_close, next_close_local, local_time, time_zone}` (instants ISO 8601 in
/// UTC; `*_local` in the office's words: "Monday 7 December 2026, 09:00 CET").
pub fn status_json(s: &Schedule, now: i64) -> Value {
    let h = hours_of(s);
    let st: Status = h.status(now);
    let iso = |ms: Option<i64>| ms.map(crate::clock::iso8601);
    let local = |ms: Option<i64>| ms.map(|m| h.local_text(m));
    json!({
        "name": s.name,
        "open": st.open,
        "reason": st.reason,
        "reason_name": st.reason_name,
        "time_zone": s.time_zone,
        "local_time": h.local_iso(now),
        "next_open": iso(st.next_open),
        "next_open_local": local(st.next_open),
        "next_close": iso(st.next_close),
        "next_close_local": local(st.next_close),
    })
}

/// Which schedules a flow or an expression reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Wanted {
    Nothing,
    Named(Vec<String>),
    /// `schedules` without a plain `.NAME` after it (a loop, a bracket): every schedule.
    All,
}

/// The schedules `text` refers to as `schedules.NAME` (Liquid's `flow.schedules.NAME`, a
/// workflow filter's `schedules.NAME`), so a reader evaluates only those.
pub fn wanted_in(text: &str) -> Wanted {
    let mut names: Vec<String> = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find("schedules").map(|i| i + from) {
        let before = text[..i].trim_end();
        from = i + "schedules".len();
        let glued = text[..i]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        if glued {
            continue;
        }
        let after = text[from..].trim_start();
        match after.strip_prefix('.') {
            Some(tail) => {
                let name: String = tail
                    .trim_start()
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() && !names.iter().any(|n| n.eq_ignore_ascii_case(&name)) {
                    names.push(name);
                }
            }
            // `flow.schedules` itself (a loop, a bracket, printed whole): every schedule.
            None if before.ends_with('.')
                && before[..before.len() - 1].trim_end().ends_with("flow") =>
            {
                return Wanted::All
            }
            None => {}
        }
    }
    if names.is_empty() {
        Wanted::Nothing
    } else {
        Wanted::Named(names)
    }
}

/// The state at `now` of the schedules wanted, by name: Studio's `flow.schedules` and the
/// workflow filters' `schedules` (empty when none is wanted or none exists).
pub fn states_of(
    conn: &Connection,
    now: i64,
    wanted: &Wanted,
) -> store::Result<Map<String, Value>> {
    let list = match wanted {
        Wanted::Nothing => Vec::new(),
        Wanted::All => db::all(conn)?,
        Wanted::Named(names) => {
            let mut v = Vec::new();
            for n in names {
                if let Some(s) = db::find(conn, n)? {
                    v.push(s);
                }
            }
            v
        }
    };
    Ok(list
        .iter()
        .map(|s| (s.name.clone(), status_json(s, now)))
        .collect())
}

/// Every schedule's state at `now`, by name.
pub fn states(conn: &Connection, now: i64) -> store::Result<Map<String, Value>> {
    states_of(conn, now, &Wanted::All)
}

/// The web chat's schedule and its state at `now`, when one is marked.
pub fn web_chat(conn: &Connection, now: i64) -> store::Result<Option<Value>> {
    Ok(db::web_chat(conn)?.map(|s| status_json(&s, now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readers_name_the_schedules_they_read() {
        assert_eq!(
            wanted_in(
                r#"{"input": "{{flow.schedules.office.open}} {{ flow.schedules . Support.next_open }}"}"#
            ),
            Wanted::Named(vec!["office".into(), "Support".into()])
        );
        assert_eq!(
            wanted_in("schedules.office.open == true"),
            Wanted::Named(vec!["office".into()])
        );
        assert_eq!(wanted_in("{% for s in flow.schedules %}"), Wanted::All);
        assert_eq!(wanted_in("{{flow.schedules[\"x\"].open}}"), Wanted::All);
        assert_eq!(
            wanted_in("our business_schedules and myschedules.x"),
            Wanted::Nothing
        );
        assert_eq!(wanted_in("no hours here"), Wanted::Nothing);
    }
}
