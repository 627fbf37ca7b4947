//! Evaluation of split-based-on conditions, as Twilio Studio defines them.
//!
//! This module owns the comparison semantics only: the caller renders the
//! widget's `input` template first and passes the resulting text. Text
//! comparisons are case-insensitive like Studio's; numeric comparisons parse
//! both sides as numbers and never match when either side is not a number.

use std::fmt;

use crate::flows::definition::{Condition, Transition};

/// Why a condition could not be evaluated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SplitError {
    /// The condition type is not one Studio defines.
    UnknownType(String),
    /// The `regex` value does not compile.
    BadRegex(String),
}

impl fmt::Display for SplitError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SplitError::UnknownType(t) => write!(f, "unknown condition type {t:?}"),
            SplitError::BadRegex(e) => write!(f, "invalid regex: {e}"),
        }
    }
}

impl std::error::Error for SplitError {}

/// Every condition type string Studio uses.
pub const CONDITION_TYPES: &[&str] = &[
    "equal_to",
    "not_equal_to",
    "matches_any_of",
    "does_not_match_any_of",
    "contains",
    "does_not_contain",
    "starts_with",
    "does_not_start_with",
    "less_than",
    "greater_than",
    "is_blank",
    "is_not_blank",
    "regex",
    "is_before_time",
    "is_after_time",
    "is_before_date",
    "is_after_date",
];

/// Whether a condition type string is one Studio defines.
pub fn is_known_type(kind: &str) -> bool {
    CONDITION_TYPES.contains(&kind)
}

/// Evaluates one condition against the rendered split input. The condition's
/// `value` is compared as written; a caller that allows Liquid in values
/// renders it first.
pub fn evaluate(condition: &Condition, input: &str) -> Result<bool, SplitError> {
    let value = condition.value.as_str();
    let matched = match condition.kind.as_str() {
        "equal_to" => eq(input, value),
        "not_equal_to" => !eq(input, value),
        "matches_any_of" => any_of(input, value),
        "does_not_match_any_of" => !any_of(input, value),
        "contains" => lower(input).contains(&lower(value)),
        "does_not_contain" => !lower(input).contains(&lower(value)),
        "starts_with" => lower(input).starts_with(&lower(value)),
        "does_not_start_with" => !lower(input).starts_with(&lower(value)),
        "less_than" => numbers(input, value).is_some_and(|(a, b)| a < b),
        "greater_than" => numbers(input, value).is_some_and(|(a, b)| a > b),
        "is_blank" => input.trim().is_empty(),
        "is_not_blank" => !input.trim().is_empty(),
        "regex" => regex_match(input, value)?,
        "is_before_time" => times(input, value).is_some_and(|(a, b)| a < b),
        "is_after_time" => times(input, value).is_some_and(|(a, b)| a > b),
        "is_before_date" => dates(input, value).is_some_and(|(a, b)| a < b),
        "is_after_date" => dates(input, value).is_some_and(|(a, b)| a > b),
        other => return Err(SplitError::UnknownType(other.to_string())),
    };
    Ok(matched)
}

/// Returns the first `match` transition all of whose conditions hold.
/// Conditions that cannot be evaluated count as not holding.
pub fn first_match<'a>(input: &str, transitions: &'a [Transition]) -> Option<&'a Transition> {
    transitions.iter().filter(|t| t.event == "match").find(|t| {
        let conditions = t.conditions.as_deref().unwrap_or_default();
        !conditions.is_empty()
            && conditions
                .iter()
                .all(|c| evaluate(c, input).unwrap_or(false))
    })
}

/// Picks the transition a split takes: the first matching `match`
/// transition, else the `noMatch` one (if the flow defines it).
pub fn choose<'a>(input: &str, transitions: &'a [Transition]) -> Option<&'a Transition> {
    first_match(input, transitions).or_else(|| transitions.iter().find(|t| t.event == "noMatch"))
}

/// The event a split emits for `input`: `match` or `noMatch`.
pub fn event_for(input: &str, transitions: &[Transition]) -> &'static str {
    if first_match(input, transitions).is_some() {
        "match"
    } else {
        "noMatch"
    }
}

fn lower(s: &str) -> String {
    s.to_lowercase()
}

fn eq(a: &str, b: &str) -> bool {
    a == b || lower(a) == lower(b)
}

fn any_of(input: &str, list: &str) -> bool {
    list.split(',').any(|item| eq(input.trim(), item.trim()))
}

fn numbers(a: &str, b: &str) -> Option<(f64, f64)> {
    let a = a.trim().parse::<f64>().ok()?;
    let b = b.trim().parse::<f64>().ok()?;
    (!a.is_nan() && !b.is_nan()).then_some((a, b))
}

fn regex_match(input: &str, pattern: &str) -> Result<bool, SplitError> {
    let re = regex::Regex::new(pattern).map_err(|e| SplitError::BadRegex(e.to_string()))?;
    Ok(re.is_match(input))
}

/// Checks a regex value the way `evaluate` will compile it.
pub fn check_regex(pattern: &str) -> Result<(), SplitError> {
    regex_match("", pattern).map(|_| ())
}

/// Parses a time of day (`13:30`, `13:30:15`, `1:30 PM`, or the time part of
/// an ISO 8601 timestamp) into seconds since midnight.
fn time_of_day(s: &str) -> Option<u32> {
    let s = s.trim();
    let s = match s.find('T') {
        Some(t) if s[..t].contains('-') => &s[t + 1..],
        _ => s,
    };
    let upper = s.to_ascii_uppercase();
    let (clock, pm) = if let Some(c) = upper.strip_suffix("PM") {
        (c.trim().to_string(), Some(true))
    } else if let Some(c) = upper.strip_suffix("AM") {
        (c.trim().to_string(), Some(false))
    } else {
        (upper, None)
    };
    let clock = clock.trim_end_matches('Z');
    let clock = clock.split(['+', '.']).next()?;
    let clock = clock.rsplit(' ').next()?;
    let mut parts = clock.split(':');
    let h: u32 = parts.next()?.trim().parse().ok()?;
    let m: u32 = parts.next()?.trim().parse().ok()?;
    let sec: u32 = parts.next().map_or(Some(0), |p| p.trim().parse().ok())?;
    let h = match pm {
        Some(true) if h < 12 => h + 12,
        Some(false) if h == 12 => 0,
        _ => h,
    };
    (h < 24 && m < 60 && sec < 61).then_some(h * 3600 + m * 60 + sec)
}

fn times(input: &str, value: &str) -> Option<(u32, u32)> {
    Some((time_of_day(input)?, time_of_day(value)?))
}

/// A calendar date as (year, month, day), ordered chronologically.
type Ymd = (i32, u32, u32);

/// Parses `YYYY-MM-DD` (optionally followed by a time) or `MM/DD/YYYY`.
fn date(s: &str) -> Option<Ymd> {
    let s = s.trim();
    let head = s.split(['T', ' ']).next()?;
    let parts: Vec<&str> = if head.contains('-') {
        head.split('-').collect()
    } else {
        head.split('/').collect()
    };
    let [a, b, c] = parts.as_slice() else {
        return None;
    };
    let (y, m, d) = if head.contains('-') {
        (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?)
    } else {
        (c.parse().ok()?, a.parse().ok()?, b.parse().ok()?)
    };
    ((1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

fn dates(input: &str, value: &str) -> Option<(Ymd, Ymd)> {
    Some((date(input)?, date(value)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::Map;

    fn cond(kind: &str, value: &str) -> Condition {
        Condition {
            friendly_name: None,
            arguments: vec!["{{widgets.x.inbound.Body}}".into()],
            kind: kind.into(),
            value: value.into(),
            extra: Map::new(),
        }
    }

    fn ev(kind: &str, value: &str, input: &str) -> bool {
        evaluate(&cond(kind, value), input).expect("evaluates")
    }

    #[test]
    fn equality_is_case_insensitive() {
        assert!(ev("equal_to", "Yes", "yes"));
        assert!(!ev("equal_to", "Yes", "no"));
        assert!(ev("not_equal_to", "Yes", "no"));
        assert!(!ev("not_equal_to", "Yes", "YES"));
    }

    #[test]
    fn any_of_splits_on_commas() {
        assert!(ev("matches_any_of", "yes, y,Yeah", "Y"));
        assert!(!ev("matches_any_of", "yes,y", "no"));
        assert!(ev("does_not_match_any_of", "yes,y", "no"));
    }

    #[test]
    fn substring_tests() {
        assert!(ev("contains", "help", "I need HELP now"));
        assert!(ev("does_not_contain", "help", "hi"));
        assert!(ev("starts_with", "bot", "Bot123"));
        assert!(ev("does_not_start_with", "bot", "robot"));
    }

    #[test]
    fn numeric_tests() {
        assert!(ev("greater_than", "2", "3"));
        assert!(!ev("greater_than", "2", "2"));
        assert!(ev("less_than", "10", " 9.5 "));
        assert!(!ev("less_than", "10", "abc"));
        assert!(!ev("greater_than", "0", ""));
    }

    #[test]
    fn blank_tests() {
        assert!(ev("is_blank", "Is Blank", "  "));
        assert!(!ev("is_blank", "", "x"));
        assert!(ev("is_not_blank", "", "x"));
    }

    #[test]
    fn regex_tests() {
        assert!(ev("regex", ".*(s(i|í)|y).*", "sí"));
        assert!(!ev("regex", "^\\d+$", "12a"));
        assert!(matches!(
            evaluate(&cond("regex", "(?=x)"), "x"),
            Err(SplitError::BadRegex(_))
        ));
    }

    #[test]
    fn time_and_date_tests() {
        assert!(ev("is_before_time", "13:30", "09:15"));
        assert!(!ev("is_before_time", "13:30", "14:00"));
        assert!(ev("is_after_time", "13:30", "2024-05-01T14:00:00Z"));
        assert!(ev("is_after_time", "1:00 PM", "13:01"));
        assert!(ev("is_before_date", "2024-06-01", "2024-05-31"));
        assert!(ev("is_after_date", "05/31/2024", "2024-06-01T00:00:00Z"));
        assert!(!ev("is_after_date", "2024-06-01", "not a date"));
    }

    #[test]
    fn unknown_type_is_an_error() {
        assert_eq!(
            evaluate(&cond("sounds_like", "x"), "x"),
            Err(SplitError::UnknownType("sounds_like".into()))
        );
    }

    fn transition(event: &str, next: &str, conditions: Option<Vec<Condition>>) -> Transition {
        Transition {
            event: event.into(),
            next: Some(next.into()),
            conditions,
            uuid: None,
            extra: Map::new(),
        }
    }

    #[test]
    fn first_match_picks_in_order_and_falls_back() {
        let ts = vec![
            transition("noMatch", "other", None),
            transition("match", "yes", Some(vec![cond("equal_to", "yes")])),
            transition("match", "y", Some(vec![cond("starts_with", "y")])),
        ];
        assert_eq!(
            first_match("YES", &ts).and_then(|t| t.next.as_deref()),
            Some("yes")
        );
        assert_eq!(
            first_match("yup", &ts).and_then(|t| t.next.as_deref()),
            Some("y")
        );
        assert!(first_match("no", &ts).is_none());
        assert_eq!(
            choose("no", &ts).and_then(|t| t.next.as_deref()),
            Some("other")
        );
        assert_eq!(event_for("no", &ts), "noMatch");
        assert_eq!(event_for("yes", &ts), "match");
    }
}
