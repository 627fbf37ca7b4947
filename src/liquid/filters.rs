//! Twilio's filters, registered with the crate as real filters: the math filters with Shopify
//! Liquid's number coercion (`" 1 " | plus: 1` is 2, nil and non-numbers are 0), `date` on ISO
//! 8601 strings, Studio's `to_json`, and `Bounded`, which wraps every filter so that none
//! builds a string or array beyond the render's output budget.

use std::fmt;

use liquid_core::model::{DateTime, Value, ValueView};
use liquid_core::parser::{FilterArguments, ParameterReflection};
use liquid_core::{Error, Expression, Filter, FilterReflection, ParseFilter, Result, Runtime};

use super::limits::MAX_OUTPUT_BYTES;

/// A number read the way Shopify Liquid reads one.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Number {
    Int(i64),
    Float(f64),
}

impl Number {
    pub fn as_integer(self) -> i64 {
        match self {
            Number::Int(i) => i,
            Number::Float(f) => f as i64,
        }
    }
    pub fn as_float(self) -> f64 {
        match self {
            Number::Int(i) => i as f64,
            Number::Float(f) => f,
        }
    }
    fn value(self) -> Value {
        match self {
            Number::Int(i) => Value::scalar(i),
            Number::Float(f) => Value::scalar(f),
        }
    }
}

/// Integers and floats as they are; text stripped and read as a float (`1.5`) or by its
/// leading integer (`" 12 "`, `"3abc"`); anything else (nil, `true`, arrays) is 0.
pub fn to_number(v: &dyn ValueView) -> Number {
    let Some(s) = v.as_scalar() else {
        return Number::Int(0);
    };
    if s.to_bool().is_some() && s.to_integer().is_none() && s.to_float().is_none() {
        return Number::Int(0);
    }
    if let Some(i) = s.to_integer() {
        return Number::Int(i);
    }
    if v.type_name() == "fractional number" {
        return Number::Float(s.to_float().unwrap_or(0.0));
    }
    let text = s.into_cow_str();
    let t = text.trim();
    let float_like = t.contains('.')
        && t.trim_start_matches('-').split('.').count() == 2
        && t.trim_start_matches('-')
            .split('.')
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    if float_like {
        if let Ok(f) = t.parse::<f64>() {
            return Number::Float(f);
        }
    }
    let sign = usize::from(t.starts_with('-'));
    let end = sign + t[sign..].bytes().take_while(u8::is_ascii_digit).count();
    Number::Int(t[..end].parse().unwrap_or(0))
}

pub type Native = fn(&dyn ValueView, &[Value]) -> std::result::Result<Value, String>;

/// A filter implemented by a function of its input and positional arguments.
#[derive(Clone)]
pub struct Simple {
    pub name: &'static str,
    pub args: std::ops::RangeInclusive<usize>,
    pub f: Native,
}

impl FilterReflection for Simple {
    fn name(&self) -> &str {
        self.name
    }
    fn description(&self) -> &str {
        ""
    }
    fn positional_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
    fn keyword_parameters(&self) -> &'static [ParameterReflection] {
        &[]
    }
}

impl ParseFilter for Simple {
    fn parse(&self, mut arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        if arguments.keyword.next().is_some() {
            return Err(Error::with_msg(format!(
                "{}: unexpected named argument",
                self.name
            )));
        }
        let args: Vec<Expression> = arguments.positional.collect();
        if !self.args.contains(&args.len()) {
            return Err(Error::with_msg(format!(
                "{}: expects {} to {} arguments",
                self.name,
                self.args.start(),
                self.args.end()
            )));
        }
        Ok(Box::new(SimpleCall {
            filter: self.clone(),
            args,
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

struct SimpleCall {
    filter: Simple,
    args: Vec<Expression>,
}

impl fmt::Debug for SimpleCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.filter.name)
    }
}

impl fmt::Display for SimpleCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.filter.name)
    }
}

impl Filter for SimpleCall {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        let args = self
            .args
            .iter()
            .map(|a| a.evaluate(runtime).map(|v| v.into_owned()))
            .collect::<Result<Vec<_>>>()?;
        (self.filter.f)(input, &args)
            .map_err(|e| Error::with_msg(format!("{}: {e}", self.filter.name)))
    }
}

fn arith(
    a: Number,
    b: Number,
    int: fn(i64, i64) -> Option<i64>,
    float: fn(f64, f64) -> f64,
) -> Value {
    match (a, b) {
        (Number::Int(x), Number::Int(y)) => match int(x, y) {
            Some(r) => Value::scalar(r),
            None => Value::scalar(float(x as f64, y as f64)),
        },
        _ => Value::scalar(decimal(float(a.as_float(), b.as_float()))),
    }
}

/// Rounds away binary noise (`10.1 - 2.2` is 7.9, as Liquid's decimal arithmetic gives).
fn decimal(x: f64) -> f64 {
    format!("{x:.10}").parse().unwrap_or(x)
}

fn arg(args: &[Value], i: usize) -> Number {
    args.get(i).map_or(Number::Int(0), |v| to_number(v))
}

fn rounded(input: &dyn ValueView, f: fn(f64) -> f64) -> Value {
    match to_number(input) {
        Number::Int(i) => Value::scalar(i),
        Number::Float(x) => Value::scalar(f(x) as i64),
    }
}

/// Integer division rounding down, as Ruby does (`-7 / 2` is -4).
fn floor_div(x: i64, y: i64) -> Option<i64> {
    let q = x.checked_div(y)?;
    Some(if x % y != 0 && (x < 0) != (y < 0) {
        q - 1
    } else {
        q
    })
}

fn divide(
    input: &dyn ValueView,
    args: &[Value],
    modulo: bool,
) -> std::result::Result<Value, String> {
    let (a, b) = (to_number(input), arg(args, 0));
    if b.as_float() == 0.0 {
        return Err("divided by 0".into());
    }
    Ok(match (a, b, modulo) {
        (Number::Int(x), Number::Int(y), false) => Value::scalar(floor_div(x, y).unwrap_or(0)),
        (Number::Int(x), Number::Int(y), true) => {
            Value::scalar(floor_div(x, y).map_or(0, |q| x - y * q))
        }
        (_, _, false) => Value::scalar(a.as_float() / b.as_float()),
        (_, _, true) => {
            let (x, y) = (a.as_float(), b.as_float());
            Value::scalar(decimal(x - y * (x / y).floor()))
        }
    })
}

fn round(input: &dyn ValueView, args: &[Value]) -> std::result::Result<Value, String> {
    let digits = arg(args, 0).as_integer().clamp(-18, 15) as i32;
    if digits < 0 {
        let p = 10f64.powi(-digits);
        return Ok(Value::scalar(
            ((to_number(input).as_float() / p).round() * p) as i64,
        ));
    }
    Ok(match to_number(input) {
        Number::Int(i) => Value::scalar(i),
        Number::Float(x) if digits == 0 => Value::scalar(x.round() as i64),
        Number::Float(x) => {
            let p = 10f64.powi(digits);
            Value::scalar((x * p).round() / p)
        }
    })
}

/// `date`: a Unix timestamp, `now`/`today`, ISO 8601 (`2024-03-05T10:20:00Z`, with offset or
/// fraction, or a bare date) and the crate's own formats, formatted with strftime in UTC. Input
/// that is not a date is returned unchanged, as Shopify Liquid does.
fn date(input: &dyn ValueView, args: &[Value]) -> std::result::Result<Value, String> {
    let format = args
        .first()
        .map(|f| f.to_kstr().into_owned())
        .unwrap_or_default();
    let text = input.to_kstr();
    if input.is_nil() || text.is_empty() {
        return Ok(Value::Nil);
    }
    // Only digits are a timestamp in text (`'-1152098955'` is not a date).
    if input.type_name() == "string" && text.starts_with('-') {
        return Ok(input.to_value());
    }
    let when = crate::clock::parse_iso8601(&text)
        .and_then(|ms| DateTime::from_str(&ms.div_euclid(1000).to_string()))
        .or_else(|| DateTime::from_str(&text))
        .or_else(|| month_day_year(&text));
    let Some(when) = when else {
        return Ok(input.to_value());
    };
    if format.is_empty() {
        return Ok(input.to_value());
    }
    when.format(&literal_unknown(&format))
        .map(Value::scalar)
        .map_err(|e| format!("bad format {format:?}: {e}"))
}

/// The format with a `%` before a non-ASCII directive (`%🙂`) written `%%`, so it prints as
/// written (Ruby's strftime prints unknown directives as they are; the crate's panics on one
/// that isn't ASCII).
fn literal_unknown(format: &str) -> String {
    let mut out = String::with_capacity(format.len());
    let mut rest = format;
    while let Some(at) = rest.find('%') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('%') {
            out.push_str("%%");
            rest = tail;
            continue;
        }
        let directive = after
            .trim_start_matches(|c: char| c.is_ascii_digit() || "-_0^#:".contains(c))
            .chars()
            .next();
        out.push_str(if directive.is_some_and(|c| c.is_ascii()) {
            "%"
        } else {
            "%%"
        });
        rest = after;
    }
    out.push_str(rest);
    out
}

/// `March 14, 2016` / `Mar 14 2016`.
fn month_day_year(text: &str) -> Option<DateTime> {
    const MONTHS: [&str; 12] = [
        "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
    ];
    let mut words = text
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|w| !w.is_empty());
    let month = words.next()?.to_ascii_lowercase();
    let m = MONTHS.iter().position(|p| month.starts_with(p))? as u8 + 1;
    let d: u8 = words.next()?.parse().ok()?;
    let y: i32 = words.next()?.parse().ok()?;
    (words.next().is_none() && (1..=31).contains(&d)).then(|| DateTime::from_ymd(y, m, d))
}

/// `to_json`: the value as JSON text (nil is `null`, object keys sorted).
fn to_json(input: &dyn ValueView, _: &[Value]) -> std::result::Result<Value, String> {
    // Through serde_json's map, so object keys come out in one (sorted) order.
    serde_json::to_value(input.to_value())
        .map(|json| Value::scalar(json.to_string()))
        .map_err(|e| e.to_string())
}

/// The filters this module defines (each replaces the crate's filter of that name).
pub fn own() -> Vec<Simple> {
    let s = |name, args, f: Native| Simple { name, args, f };
    vec![
        s("plus", 1..=1, |i, a| {
            Ok(arith(to_number(i), arg(a, 0), i64::checked_add, |x, y| {
                x + y
            }))
        }),
        s("minus", 1..=1, |i, a| {
            Ok(arith(to_number(i), arg(a, 0), i64::checked_sub, |x, y| {
                x - y
            }))
        }),
        s("times", 1..=1, |i, a| {
            Ok(arith(to_number(i), arg(a, 0), i64::checked_mul, |x, y| {
                x * y
            }))
        }),
        s("divided_by", 1..=1, |i, a| divide(i, a, false)),
        s("modulo", 1..=1, |i, a| divide(i, a, true)),
        s("abs", 0..=0, |i, _| {
            Ok(match to_number(i) {
                Number::Int(x) => Value::scalar(x.saturating_abs()),
                Number::Float(x) => Value::scalar(x.abs()),
            })
        }),
        s("ceil", 0..=0, |i, _| Ok(rounded(i, f64::ceil))),
        s("floor", 0..=0, |i, _| Ok(rounded(i, f64::floor))),
        s("round", 0..=1, round),
        s("at_least", 1..=1, |i, a| {
            let (x, y) = (to_number(i), arg(a, 0));
            Ok(if x.as_float() < y.as_float() { y } else { x }.value())
        }),
        s("at_most", 1..=1, |i, a| {
            let (x, y) = (to_number(i), arg(a, 0));
            Ok(if x.as_float() > y.as_float() { y } else { x }.value())
        }),
        s("date", 1..=1, date),
        s("to_json", 0..=0, to_json),
    ]
}

/// A value as Shopify Liquid prints it.
pub fn print(v: &dyn ValueView, out: &mut String) {
    if v.is_nil() || v.is_state() {
        return;
    }
    if let Some(items) = v.as_array() {
        items.values().for_each(|x| print(x, out));
        return;
    }
    if v.as_object().is_some_and(|o| o.size() == 0) {
        out.push_str("{}");
        return;
    }
    if v.type_name() == "fractional number" {
        if let Some(f) = v.as_scalar().and_then(|s| s.to_float()) {
            if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e16 {
                out.push_str(&format!("{f:.1}"));
                return;
            }
        }
    }
    out.push_str(&v.render().to_string());
}

/// The value as text, as Shopify Liquid prints it.
pub fn to_text(v: &dyn ValueView) -> String {
    let mut s = String::new();
    print(v, &mut s);
    s
}

/// Wraps a filter: a result longer than the output budget is an error.
#[derive(Clone)]
pub struct Bounded(pub Box<dyn ParseFilter>);

impl ParseFilter for Bounded {
    fn parse(&self, arguments: FilterArguments<'_>) -> Result<Box<dyn Filter>> {
        Ok(Box::new(BoundedCall(self.0.parse(arguments)?)))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self.0.reflection()
    }
}

#[derive(Debug)]
struct BoundedCall(Box<dyn Filter>);

impl fmt::Display for BoundedCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Filter for BoundedCall {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> Result<Value> {
        let out = self.0.evaluate(input, runtime)?;
        let size = match &out {
            Value::Scalar(s) => s.to_kstr().len(),
            Value::Array(a) => a.len(),
            _ => 0,
        };
        if size > MAX_OUTPUT_BYTES {
            return Err(Error::with_msg(format!(
                "{self}: the result is over the {MAX_OUTPUT_BYTES}-byte budget"
            )));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_non_ascii_directive_prints_as_written() {
        assert_eq!(literal_unknown("%Y-%🙂 %-é 100%%"), "%Y-%%🙂 %%-é 100%%");
        assert_eq!(literal_unknown("%"), "%%");
        let when = DateTime::from_str("2024-03-05 10:20:00 +0000").unwrap();
        for f in ["%Y-%m%%%%%\u{fffd}%-%d", "%Y-%🙂🙂m-%\u{fffd}"] {
            assert!(when.format(&literal_unknown(f)).is_ok(), "{f}");
        }
    }

    #[test]
    fn numbers_are_coerced_as_shopify_does() {
        assert_eq!(to_number(&Value::scalar(" 1 ")), Number::Int(1));
        assert_eq!(to_number(&Value::scalar("2.5")), Number::Float(2.5));
        assert_eq!(to_number(&Value::scalar("3abc")), Number::Int(3));
        assert_eq!(to_number(&Value::scalar("abc")), Number::Int(0));
        assert_eq!(to_number(&Value::Nil), Number::Int(0));
        assert_eq!(to_number(&Value::scalar(true)), Number::Int(0));
        assert_eq!(to_number(&Value::scalar(-4i64)), Number::Int(-4));
    }
}
