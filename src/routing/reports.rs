//! Reports (issue 17 item 3, what Flex Insights gives a small center): per day or hour of the
//! office's time zone, per queue or per agent — offered, handled, abandoned, average speed of
//! answer, average handle time, average wrap-up time, service level and wrap-up codes. Read from
//! the rollups `routing::history` keeps with each task's history row
//! (`store::taskrouter::reports`, quarter-hour slots), so a month is a few thousand small rows
//! whatever the number of tasks.
//!
//! What the figures mean (a task belongs to the interval it was created in):
//! - offered: tasks that entered the queue; handled: those an agent accepted; abandoned: those
//!   that ended (canceled, deleted) without an agent. An agent's row has no offered or abandoned.
//! - average speed of answer: creation → first accepted reservation, over handled tasks.
//! - average handle time: first answer → end, over handled tasks that ended; average wrap-up
//!   time: wrap-up → end, over handled tasks that wrapped up and ended.
//! - service level: answered within the queue's threshold (Flex Configuration's
//!   `queue_stats_configuration`, judged when the task is answered) over offered; an agent's is
//!   over the tasks they handled.

use super::{Error, Result};
use crate::store::taskrouter::reports::{self as db, Sums, SLOT_MS};
use crate::store::taskrouter::{queues, workers};
use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::{Span, ZonedDateTime};
use rusqlite::Connection;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};

/// How many intervals one JSON report covers at most (a month of hours is 744).
pub const MAX_BUCKETS: usize = 1_000;

/// The length of a report's intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Day,
    Hour,
}

impl Interval {
    pub fn parse(s: &str) -> Option<Interval> {
        match s {
            "day" => Some(Interval::Day),
            "hour" => Some(Interval::Hour),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Interval::Day => "day",
            Interval::Hour => "hour",
        }
    }

    fn span(self) -> Span {
        match self {
            Interval::Day => Span::new().days(1),
            Interval::Hour => Span::new().hours(1),
        }
    }
}

/// What a report's rows are.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum By {
    Queue,
    Agent,
}

impl By {
    pub fn as_str(self) -> &'static str {
        match self {
            By::Queue => "queues",
            By::Agent => "agents",
        }
    }
}

/// One interval: `[start, end)` in Unix ms, and how a person reads its start.
#[derive(Debug, Clone)]
pub struct Bucket {
    pub start: i64,
    pub end: i64,
    pub label: String,
    pub iso: String,
}

/// A checked range cut into intervals; `next` is where the following page starts (local
/// `YYYY-MM-DDTHH:MM`) when more intervals were asked for than `limit`.
#[derive(Debug, Clone)]
pub struct Range {
    pub interval: Interval,
    pub time_zone: String,
    pub start: String,
    pub end: String,
    pub buckets: Vec<Bucket>,
    pub next: Option<String>,
}

fn local(param: &str, v: &str) -> Result<DateTime> {
    let v = v.trim();
    if v.is_empty() {
        return Err(Error::invalid(
            param,
            "is required (a local date such as 2026-12-01, or 2026-12-01T13:00)",
        ));
    }
    // A bare date is its midnight (jiff would read a date-time as a date, so tell them apart).
    if !v.contains('T') {
        if let Ok(d) = v.parse::<Date>() {
            return Ok(d.at(0, 0, 0, 0));
        }
    }
    v.parse::<DateTime>().map_err(|_| {
        Error::invalid(
            param,
            format!(
                "{v:?} is not a local date or date and time; use 2026-12-01 or 2026-12-01T13:00"
            ),
        )
    })
}

fn zoned(param: &str, dt: DateTime, tz: &TimeZone) -> Result<ZonedDateTime> {
    let z = dt
        .to_zoned_datetime(tz.clone())
        .map_err(|e| Error::invalid(param, format!("{dt} is not a time in that zone: {e}")))?;
    if z.timestamp().as_millisecond().rem_euclid(SLOT_MS) != 0 {
        return Err(Error::invalid(
            param,
            "reports count whole quarter hours; give a time on the quarter hour (13:00, 13:15)",
        ));
    }
    Ok(z)
}

/// Checks a range given as local dates or date-times in IANA zone `tz` (`end` exclusive) and
/// cuts it into intervals, at most `limit` of them. An empty or reversed range is refused with
/// the parameter at fault.
pub fn range(start: &str, end: &str, interval: Interval, tz: &str, limit: usize) -> Result<Range> {
    let tz_name = if tz.trim().is_empty() {
        "UTC"
    } else {
        tz.trim()
    };
    let zone = TimeZone::get(tz_name).map_err(|_| {
        Error::invalid(
            "TimeZone",
            format!("{tz_name:?} is not a time zone of the IANA database (e.g. Europe/Paris)"),
        )
    })?;
    let (s, e) = (local("Start", start)?, local("End", end)?);
    let (sz, ez) = (zoned("Start", s, &zone)?, zoned("End", e, &zone)?);
    let fmt = |d: &DateTime| d.strftime("%Y-%m-%dT%H:%M").to_string();
    if ez.timestamp() == sz.timestamp() {
        return Err(Error::invalid(
            "End",
            format!(
                "the range is empty: End {} is Start; End is exclusive, so give a later one",
                fmt(&e)
            ),
        ));
    }
    if ez.timestamp() < sz.timestamp() {
        return Err(Error::invalid(
            "End",
            format!(
                "the range is reversed: End {} is before Start {}",
                fmt(&e),
                fmt(&s)
            ),
        ));
    }
    let end_ms = ez.timestamp().as_millisecond();
    let mut buckets = Vec::new();
    let mut cursor = sz;
    let mut next = None;
    while cursor.timestamp().as_millisecond() < end_ms {
        if buckets.len() == limit {
            next = Some(cursor.strftime("%Y-%m-%dT%H:%M").to_string());
            break;
        }
        let after = cursor
            .checked_add(interval.span())
            .map_err(|e| Error::invalid("End", format!("is out of range: {e}")))?;
        let start_ms = cursor.timestamp().as_millisecond();
        let label = match interval {
            Interval::Day => cursor.strftime("%Y-%m-%d").to_string(),
            Interval::Hour => cursor.strftime("%Y-%m-%d %H:%M").to_string(),
        };
        buckets.push(Bucket {
            start: start_ms,
            end: after.timestamp().as_millisecond().min(end_ms),
            label,
            iso: cursor.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string(),
        });
        cursor = after;
    }
    Ok(Range {
        interval,
        time_zone: tz_name.to_string(),
        start: fmt(&s),
        end: fmt(&e),
        buckets,
        next,
    })
}

/// The service level threshold (seconds) of queue `queue_sid`: the Flex Configuration's, else
/// Flex's default (`floor::DEFAULT_SLA_SECONDS`).
pub fn sla_seconds(
    conn: &Connection,
    ws: &str,
    queue_sid: Option<&str>,
) -> crate::store::Result<i64> {
    Ok(db::sla_threshold(conn, ws, queue_sid.unwrap_or(""))?
        .filter(|s| *s >= 0)
        .unwrap_or(super::floor::DEFAULT_SLA_SECONDS))
}

/// One subject's sums and wrap-up codes over some slots.
#[derive(Debug, Default, Clone)]
pub struct Figures {
    pub sums: Sums,
    pub codes: BTreeMap<String, i64>,
}

impl Figures {
    fn add(&mut self, o: &Figures) {
        self.sums.add(&o.sums);
        for (c, n) in &o.codes {
            *self.codes.entry(c.clone()).or_default() += n;
        }
    }
}

/// A report: per interval, the figures of each queue or agent that had any, and the totals.
#[derive(Debug)]
pub struct Report {
    pub by: By,
    pub range: Range,
    /// `(sid, name, threshold seconds for a queue)` of every subject with figures, by name.
    pub subjects: Vec<(String, String, Option<i64>)>,
    pub buckets: Vec<BTreeMap<String, Figures>>,
}

/// Reads the figures of workspace `ws` by queue or agent over `range`.
pub fn report(conn: &Connection, ws: &str, by: By, range: Range) -> Result<Report> {
    let mut buckets: Vec<BTreeMap<String, Figures>> = vec![BTreeMap::new(); range.buckets.len()];
    if let (Some(first), Some(last)) = (range.buckets.first(), range.buckets.last()) {
        let (from, to) = (first.start / SLOT_MS, last.end / SLOT_MS);
        let by_worker = by == By::Agent;
        let mut at = 0;
        for (slot, subject, sums, codes) in db::slots(conn, ws, by_worker, from, to)? {
            // Rows come in slot order: the interval only moves on.
            while at < range.buckets.len() && range.buckets[at].end <= slot * SLOT_MS {
                at += 1;
            }
            let Some(b) = buckets.get_mut(at) else { break };
            let f = match b.get_mut(&subject) {
                Some(f) => f,
                None => b.entry(subject).or_default(),
            };
            f.sums.add(&sums);
            for (code, n) in codes {
                *f.codes.entry(code).or_default() += n;
            }
        }
    }
    let names = subject_names(conn, ws, by)?;
    let mut subjects: Vec<(String, String, Option<i64>)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for b in &buckets {
        for sid in b.keys() {
            if seen.insert(sid.clone()) {
                let name = names
                    .get(sid)
                    .cloned()
                    .unwrap_or_else(|| match (by, sid.is_empty()) {
                        (By::Queue, true) => "No queue".into(),
                        (By::Queue, false) => "(deleted queue)".into(),
                        (By::Agent, _) => "(deleted agent)".into(),
                    });
                let sla = match by {
                    By::Queue => Some(sla_seconds(conn, ws, Some(sid))?),
                    By::Agent => None,
                };
                subjects.push((sid.clone(), name, sla));
            }
        }
    }
    subjects.sort_by(|a, b| {
        a.1.to_lowercase()
            .cmp(&b.1.to_lowercase())
            .then(a.0.cmp(&b.0))
    });
    Ok(Report {
        by,
        range,
        subjects,
        buckets,
    })
}

fn subject_names(conn: &Connection, ws: &str, by: By) -> Result<HashMap<String, String>> {
    Ok(match by {
        By::Queue => queues::all(conn, ws)?
            .into_iter()
            .map(|q| (q.sid, q.friendly_name))
            .collect(),
        By::Agent => workers::list(conn, ws, &Default::default(), None)?
            .items
            .into_iter()
            .map(|w| {
                let name = super::floor::display_name(&w.friendly_name, &w.attributes);
                (w.sid, name)
            })
            .collect(),
    })
}

/// Seconds with one decimal from a sum of milliseconds over `n`; `None` over nothing.
fn average_s(ms: i64, n: i64) -> Option<f64> {
    (n > 0).then(|| (ms as f64 / n as f64 / 100.0).round() / 10.0)
}

/// A percentage with one decimal; `None` over nothing.
fn percent(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// The figures as the API and the CSV give them.
pub fn figures_json(by: By, f: &Figures) -> Value {
    let s = &f.sums;
    let mut codes: Vec<(&String, &i64)> = f.codes.iter().filter(|c| *c.1 != 0).collect();
    codes.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
    let queue = by == By::Queue;
    json!({
        "offered": queue.then_some(s.offered),
        "handled": s.handled,
        "abandoned": queue.then_some(s.abandoned),
        "answered_within_sla": s.within_sla,
        "service_level": percent(s.within_sla, if queue { s.offered } else { s.handled }),
        "average_speed_of_answer": average_s(s.wait_ms, s.handled),
        "average_handle_time": average_s(s.handle_ms, s.handle_n),
        "average_wrapup_time": average_s(s.wrap_ms, s.wrap_n),
        "wrapup_codes": codes.iter().map(|(c, n)| json!({"code": c, "tasks": n})).collect::<Vec<_>>(),
    })
}

impl Report {
    /// One subject's row: its name (never only a SID), threshold and figures.
    pub fn row_json(&self, sid: &str, f: &Figures) -> Value {
        let mut v = figures_json(self.by, f);
        if let Some((_, name, sla)) = self.subjects.iter().find(|s| s.0 == sid) {
            v["sid"] = json!(sid);
            v["name"] = json!(name);
            if let Some(sla) = sla {
                v["sla_seconds"] = json!(sla);
            }
        }
        v
    }

    /// The whole report as JSON: the totals per subject and overall, then every interval.
    pub fn to_json(&self, ws: &str) -> Value {
        let mut per: BTreeMap<&str, Figures> = BTreeMap::new();
        let mut all = Figures::default();
        for b in &self.buckets {
            for (sid, f) in b {
                per.entry(sid).or_default().add(f);
                all.add(f);
            }
        }
        let rows: Vec<Value> = self
            .subjects
            .iter()
            .map(|(sid, _, _)| self.row_json(sid, &per[sid.as_str()]))
            .collect();
        let buckets: Vec<Value> = self
            .range
            .buckets
            .iter()
            .zip(&self.buckets)
            .map(|(b, m)| {
                let mut total = Figures::default();
                m.values().for_each(|f| total.add(f));
                json!({
                    "start": b.iso,
                    "label": b.label,
                    "total": figures_json(self.by, &total),
                    "rows": self.subjects.iter().filter_map(|(sid, _, _)| m.get(sid).map(|f| self.row_json(sid, f))).collect::<Vec<_>>(),
                })
            })
            .collect();
        json!({
            "workspace_sid": ws,
            "by": self.by.as_str(),
            "interval": self.range.interval.as_str(),
            "time_zone": self.range.time_zone,
            "start": self.range.start,
            "end": self.range.end,
            "total": figures_json(self.by, &all),
            "rows": rows,
            "intervals": buckets,
        })
    }
}
