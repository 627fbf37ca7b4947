//! Business hours, pure: a schedule's weekly hours, holidays and one-off closures in the office's
//! IANA time zone (`jiff`, with its bundled tz database), checked for impossible and overlapping
//! ranges, and evaluated at an instant: open or closed, why, and the next opening and closing.
//!
//! Civil (wall-clock) minutes are turned into instants day by day with the "compatible"
//! disambiguation (RFC 5545 / Temporal): a time in a spring-forward gap moves forward by the gap
//! (02:30 → 03:30), a time in a fall-back fold takes the earlier instant. So "09:00–17:00" means
//! 09:00–17:00 on the office's clock on every day of the year, DST or not.

use jiff::civil::{Date, DateTime};
use jiff::tz::TimeZone;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// Days in the order `Weekday::to_monday_zero_offset` numbers them.
pub const DAYS: [&str; 7] = [
    "monday",
    "tuesday",
    "wednesday",
    "thursday",
    "friday",
    "saturday",
    "sunday",
];
/// How far ahead the next opening or closing is looked for (a schedule closed for longer says
/// "no opening known").
pub const HORIZON_DAYS: i64 = 400;
pub const MAX_RANGES: usize = 70;
pub const MAX_HOLIDAYS: usize = 400;
pub const MAX_CLOSURES: usize = 400;
pub const MAX_NAME_LEN: usize = 100;

/// One opening range of a weekday, as the API gives it: `{"day": "monday", "open": "09:00",
/// "close": "17:00"}` ("24:00" closes at midnight).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub day: String,
    pub open: String,
    pub close: String,
}

/// A whole day closed: `{"date": "2026-12-25", "name": "Christmas"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Holiday {
    pub date: String,
    #[serde(default)]
    pub name: String,
}

/// A one-off closure between two local date-times: `{"start": "2026-12-24T13:00", "end":
/// "2026-12-24T17:00", "name": "Staff party"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Closure {
    pub start: String,
    pub end: String,
    #[serde(default)]
    pub name: String,
}

/// What was wrong, naming the parameter and the range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub param: &'static str,
    pub problem: String,
}

fn invalid(param: &'static str, problem: impl Into<String>) -> Invalid {
    Invalid {
        param,
        problem: problem.into(),
    }
}

/// A schedule checked and ready to evaluate.
#[derive(Debug, Clone)]
pub struct Hours {
    pub tz: TimeZone,
    /// Per weekday (Monday first), sorted minute ranges `[open, close)` within 0..=1440.
    week: [Vec<(u16, u16)>; 7],
    holidays: Vec<(Date, String)>,
    closures: Vec<(DateTime, DateTime, String)>,
}

/// A schedule's state at an instant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub open: bool,
    /// Why it is closed: `"holiday"`, `"closure"` or `"outside_hours"` (None when open).
    pub reason: Option<&'static str>,
    /// The holiday's or closure's name, when one closes it.
    pub reason_name: Option<String>,
    /// The next opening (Unix ms) when closed, or the one after the next closing when open.
    pub next_open: Option<i64>,
    /// The next closing (Unix ms).
    pub next_close: Option<i64>,
}

/// The time zone by its IANA name ("Europe/Paris"), from the bundled database.
pub fn time_zone(name: &str) -> Result<TimeZone, Invalid> {
    let name = name.trim();
    if name.is_empty() {
        return Err(invalid(
            "TimeZone",
            "is required (an IANA name such as Europe/Paris)",
        ));
    }
    TimeZone::get(name).map_err(|_| {
        invalid(
            "TimeZone",
            format!("{name:?} is not a time zone of the IANA database (e.g. America/New_York)"),
        )
    })
}

/// `"monday"` / `"Mon"` → its index and full name.
pub fn day_index(day: &str) -> Option<usize> {
    let d = day.trim().to_ascii_lowercase();
    if d.len() < 3 {
        return None;
    }
    DAYS.iter().position(|full| full.starts_with(&d))
}

/// `"09:30"` → 570; `"24:00"` → 1440 (only where `allow_midnight`).
fn minutes(s: &str, allow_midnight: bool) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    if h.is_empty() || h.len() > 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    match (h, m) {
        (24, 0) if allow_midnight => Some(1440),
        (0..=23, 0..=59) => Some(h * 60 + m),
        _ => None,
    }
}

fn hhmm(m: u16) -> String {
    format!("{:02}:{:02}", m / 60, m % 60)
}

fn label(day: usize, (o, c): (u16, u16)) -> String {
    format!("{} {}-{}", DAYS[day], hhmm(o), hhmm(c))
}

fn name_of(name: &str, what: &str, i: usize) -> Result<String, Invalid> {
    let n = name.trim();
    if n.chars().count() > MAX_NAME_LEN {
        return Err(invalid(
            if what == "holiday" {
                "Holidays"
            } else {
                "Closures"
            },
            format!("{what} {i}: a name is at most {MAX_NAME_LEN} characters"),
        ));
    }
    Ok(n.to_string())
}

/// Checks the weekly ranges: known days, HH:MM times, open before close, no overlap on a day.
/// Returns them normalised (full day names, two-digit times, sorted by day and opening).
pub fn check_ranges(ranges: &[Range]) -> Result<Vec<Range>, Invalid> {
    week_of(ranges).map(|week| {
        let mut out = Vec::new();
        for (d, list) in week.iter().enumerate() {
            for &(o, c) in list {
                out.push(Range {
                    day: DAYS[d].to_string(),
                    open: hhmm(o),
                    close: hhmm(c),
                });
            }
        }
        out
    })
}

fn week_of(ranges: &[Range]) -> Result<[Vec<(u16, u16)>; 7], Invalid> {
    if ranges.len() > MAX_RANGES {
        return Err(invalid("Hours", format!("at most {MAX_RANGES} ranges")));
    }
    let mut week: [Vec<(u16, u16)>; 7] = Default::default();
    for r in ranges {
        let shown = format!("{} {}-{}", r.day, r.open, r.close);
        let d = day_index(&r.day).ok_or_else(|| {
            invalid(
                "Hours",
                format!("{shown}: {:?} is not a day (monday … sunday)", r.day),
            )
        })?;
        let o = minutes(&r.open, false).ok_or_else(|| {
            invalid(
                "Hours",
                format!(
                    "{shown}: opening {:?} is not a time (HH:MM, 00:00 to 23:59)",
                    r.open
                ),
            )
        })?;
        let c = minutes(&r.close, true).ok_or_else(|| {
            invalid(
                "Hours",
                format!(
                    "{shown}: closing {:?} is not a time (HH:MM, 00:01 to 24:00)",
                    r.close
                ),
            )
        })?;
        if c <= o {
            return Err(invalid(
                "Hours",
                format!(
                    "{}: closes before it opens (a range past midnight is two ranges: \
                     until 24:00, and from 00:00 the next day)",
                    label(d, (o, c))
                ),
            ));
        }
        if let Some(&other) = week[d].iter().find(|&&(a, b)| o < b && a < c) {
            return Err(invalid(
                "Hours",
                format!("{} overlaps {}", label(d, (o, c)), label(d, other)),
            ));
        }
        week[d].push((o, c));
    }
    for list in &mut week {
        list.sort();
    }
    Ok(week)
}

fn parse_date(s: &str) -> Option<Date> {
    s.trim().parse::<Date>().ok()
}

fn parse_datetime(s: &str) -> Option<DateTime> {
    let s = s.trim();
    if s.len() == 10 {
        return parse_date(s).map(|d| d.at(0, 0, 0, 0));
    }
    s.parse::<DateTime>().ok()
}

/// Checks the holidays: dates (YYYY-MM-DD), each once. Returns them sorted.
pub fn check_holidays(list: &[Holiday]) -> Result<Vec<Holiday>, Invalid> {
    holidays_of(list).map(|h| {
        h.into_iter()
            .map(|(d, name)| Holiday {
                date: d.to_string(),
                name,
            })
            .collect()
    })
}

fn holidays_of(list: &[Holiday]) -> Result<Vec<(Date, String)>, Invalid> {
    if list.len() > MAX_HOLIDAYS {
        return Err(invalid(
            "Holidays",
            format!("at most {MAX_HOLIDAYS} holidays"),
        ));
    }
    let mut out: Vec<(Date, String)> = Vec::new();
    for (i, h) in list.iter().enumerate() {
        let d = parse_date(&h.date).ok_or_else(|| {
            invalid(
                "Holidays",
                format!(
                    "holiday {i} ({:?}): {:?} is not a date (YYYY-MM-DD)",
                    h.name, h.date
                ),
            )
        })?;
        if let Some((_, other)) = out.iter().find(|(x, _)| *x == d) {
            return Err(invalid(
                "Holidays",
                format!("{d} is listed twice ({other:?} and {:?})", h.name),
            ));
        }
        out.push((d, name_of(&h.name, "holiday", i)?));
    }
    out.sort();
    Ok(out)
}

/// Checks the closures: local date-times (YYYY-MM-DDTHH:MM, or a date for its midnight), start
/// before end, no two overlapping. Returns them sorted.
pub fn check_closures(list: &[Closure]) -> Result<Vec<Closure>, Invalid> {
    closures_of(list).map(|c| {
        c.into_iter()
            .map(|(s, e, name)| Closure {
                start: s.strftime("%Y-%m-%dT%H:%M").to_string(),
                end: e.strftime("%Y-%m-%dT%H:%M").to_string(),
                name,
            })
            .collect()
    })
}

fn closures_of(list: &[Closure]) -> Result<Vec<(DateTime, DateTime, String)>, Invalid> {
    if list.len() > MAX_CLOSURES {
        return Err(invalid(
            "Closures",
            format!("at most {MAX_CLOSURES} closures"),
        ));
    }
    let mut out: Vec<(DateTime, DateTime, String)> = Vec::new();
    for (i, c) in list.iter().enumerate() {
        let shown = format!("closure {i} ({:?}, {} to {})", c.name, c.start, c.end);
        let s = parse_datetime(&c.start).ok_or_else(|| {
            invalid(
                "Closures",
                format!("{shown}: the start is not a date-time (YYYY-MM-DDTHH:MM)"),
            )
        })?;
        let e = parse_datetime(&c.end).ok_or_else(|| {
            invalid(
                "Closures",
                format!("{shown}: the end is not a date-time (YYYY-MM-DDTHH:MM)"),
            )
        })?;
        if e <= s {
            return Err(invalid(
                "Closures",
                format!("{shown}: ends before it starts"),
            ));
        }
        if let Some((_, _, other)) = out.iter().find(|(a, b, _)| s < *b && *a < e) {
            return Err(invalid(
                "Closures",
                format!("{shown} overlaps the closure {other:?}"),
            ));
        }
        out.push((s, e, name_of(&c.name, "closure", i)?));
    }
    out.sort_by_key(|c| c.0);
    Ok(out)
}

impl Hours {
    /// Checks everything (see `check_*`) and builds the evaluable schedule.
    pub fn new(
        time_zone_name: &str,
        ranges: &[Range],
        holidays: &[Holiday],
        closures: &[Closure],
    ) -> Result<Hours, Invalid> {
        Ok(Hours {
            tz: time_zone(time_zone_name)?,
            week: week_of(ranges)?,
            holidays: holidays_of(holidays)?,
            closures: closures_of(closures)?,
        })
    }

    /// The instant (Unix ms) of a civil minute of a day (1440: the next day's midnight).
    fn instant(&self, d: Date, minute: u16) -> Option<i64> {
        let (d, minute) = if minute >= 1440 {
            (d.tomorrow().ok()?, 0)
        } else {
            (d, minute)
        };
        let dt = d.at((minute / 60) as i8, (minute % 60) as i8, 0, 0);
        let ts = self.tz.to_ambiguous_timestamp(dt).compatible().ok()?;
        Some(ts.as_millisecond())
    }

    /// The minute of `dt` within day `d`: 0 before the day, 1440 after it.
    fn minute_in(d: Date, dt: DateTime) -> u16 {
        if dt.date() < d {
            0
        } else if dt.date() > d {
            1440
        } else {
            (dt.hour() as u16) * 60 + dt.minute() as u16
        }
    }

    /// Day `d`'s open ranges as instants: its weekday's hours, none on a holiday, less closures.
    fn day(&self, d: Date) -> Vec<(i64, i64)> {
        if self.holidays.iter().any(|(h, _)| *h == d) {
            return Vec::new();
        }
        let mut civil = self.week[d.weekday().to_monday_zero_offset() as usize].clone();
        for (s, e, _) in &self.closures {
            let (cs, ce) = (Self::minute_in(d, *s), Self::minute_in(d, *e));
            if cs >= ce {
                continue;
            }
            civil = civil
                .into_iter()
                .flat_map(|(o, c)| {
                    let mut parts = Vec::new();
                    if o < cs.min(c) {
                        parts.push((o, cs.min(c)));
                    }
                    if ce.max(o) < c {
                        parts.push((ce.max(o), c));
                    }
                    parts
                })
                .collect();
        }
        civil
            .into_iter()
            .filter_map(|(o, c)| Some((self.instant(d, o)?, self.instant(d, c)?)))
            .filter(|(o, c)| o < c)
            .collect()
    }

    /// Why it is closed at `now` (local `dt`): a holiday, a closure, or its hours.
    fn reason(&self, dt: DateTime) -> (&'static str, Option<String>) {
        if let Some((_, n)) = self.holidays.iter().find(|(h, _)| *h == dt.date()) {
            return ("holiday", Some(n.clone()));
        }
        if let Some((_, _, n)) = self.closures.iter().find(|(s, e, _)| *s <= dt && dt < *e) {
            return ("closure", Some(n.clone()));
        }
        ("outside_hours", None)
    }

    /// The schedule at instant `now_ms`.
    pub fn status(&self, now_ms: i64) -> Status {
        let ts = Timestamp::from_millisecond(now_ms).unwrap_or(Timestamp::UNIX_EPOCH);
        let local = ts.to_zoned_datetime(self.tz.clone()).datetime();
        let today = local.date();
        // Open ranges, adjacent ones merged (Monday until 24:00 + Tuesday from 00:00 is one).
        let mut ranges: Vec<(i64, i64)> = Vec::new();
        let mut d = today.yesterday().unwrap_or(today);
        let mut found = None;
        let mut horizon = now_ms;
        for _ in 0..=HORIZON_DAYS + 1 {
            horizon = self.instant(d, 0).unwrap_or(i64::MAX);
            if let Some(f) = decide(&ranges, now_ms, horizon) {
                found = Some(f);
                break;
            }
            for r in self.day(d) {
                match ranges.last_mut() {
                    Some(last) if last.1 >= r.0 => last.1 = last.1.max(r.1),
                    _ => ranges.push(r),
                }
            }
            match d.tomorrow() {
                Ok(next) => d = next,
                Err(_) => break,
            }
        }
        let (open, next_open, next_close) =
            found.unwrap_or_else(|| partial(&ranges, now_ms, horizon));
        let (reason, reason_name) = if open {
            (None, None)
        } else {
            let (r, n) = self.reason(local);
            (Some(r), n)
        };
        Status {
            open,
            reason,
            reason_name,
            next_open,
            next_close,
        }
    }

    /// An instant in the office's time, for a person: "Monday 7 December 2026, 09:00 CET".
    pub fn local_text(&self, ms: i64) -> String {
        Timestamp::from_millisecond(ms)
            .map(|t| {
                t.to_zoned_datetime(self.tz.clone())
                    .strftime("%A %-d %B %Y, %H:%M %Z")
                    .to_string()
            })
            .unwrap_or_default()
    }

    /// The office's local date-time at an instant, ISO 8601 with its offset.
    pub fn local_iso(&self, ms: i64) -> String {
        Timestamp::from_millisecond(ms)
            .map(|t| {
                t.to_zoned_datetime(self.tz.clone())
                    .strftime("%Y-%m-%dT%H:%M:%S%:z")
                    .to_string()
            })
            .unwrap_or_default()
    }
}

/// Decides the state at `now` from the ranges known so far, those ending before `horizon`
/// being final: `(open, next_open, next_close)`, or None when a later day could still change it.
fn decide(
    ranges: &[(i64, i64)],
    now: i64,
    horizon: i64,
) -> Option<(bool, Option<i64>, Option<i64>)> {
    let i = ranges.iter().position(|r| r.1 > now)?;
    let (s, e) = ranges[i];
    if e >= horizon {
        return None;
    }
    if s <= now {
        let next = ranges.get(i + 1)?;
        Some((true, Some(next.0), Some(e)))
    } else {
        Some((false, Some(s), Some(e)))
    }
}

/// What is known past the horizon: open or not, and the times that are final.
fn partial(ranges: &[(i64, i64)], now: i64, horizon: i64) -> (bool, Option<i64>, Option<i64>) {
    let Some(i) = ranges.iter().position(|r| r.1 > now) else {
        return (false, None, None);
    };
    let (s, e) = ranges[i];
    let end = (e < horizon).then_some(e);
    if s <= now {
        (true, ranges.get(i + 1).map(|r| r.0), end)
    } else {
        (false, Some(s), end)
    }
}

#[cfg(test)]
#[path = "hours_tests.rs"]
mod tests;
