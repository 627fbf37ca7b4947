//! Filters that order or cut, as Shopify Liquid defines them: `sort` (numbers with numbers,
//! text with text, nil last, other mixes an error), `sort_natural` (case-insensitive by text,
//! nil last), `slice` (Ruby's `slice(start, length)`: negative start from the end, length 1 by
//! default, a negative length nothing) and `url_encode` (Ruby's `CGI.escape`: a space is `+`).

use std::cmp::Ordering;

use liquid_core::model::{Value, ValueView};

use super::expr::equal;
use super::filters::{to_number, to_text, Native, Simple};

type Out = Result<Value, String>;

/// The items of an array, nested arrays flattened (nil items kept); nil input has none.
fn flat(input: &dyn ValueView, out: &mut Vec<Value>) {
    fn go(v: &dyn ValueView, out: &mut Vec<Value>) {
        match v.as_array() {
            Some(a) => a.values().for_each(|x| go(x, out)),
            None => out.push(v.to_value()),
        }
    }
    if !input.is_nil() {
        go(input, out);
    }
}

/// An integer argument as Ruby's `Integer()` reads one: a whole number or text of one.
fn integer(v: &Value) -> Result<i64, String> {
    let parsed = match v.type_name() {
        "whole number" => v.as_scalar().and_then(|s| s.to_integer()),
        "string" => v.to_kstr().trim().parse().ok(),
        _ => None,
    };
    parsed.ok_or_else(|| format!("invalid integer: {}", v.source()))
}

fn key_of(item: &Value, property: Option<&Value>) -> Value {
    match property.filter(|p| !p.is_nil()) {
        None => item.clone(),
        Some(p) => item
            .as_object()
            .and_then(|o| o.get(p.to_kstr().as_str()))
            .map_or(Value::Nil, |v| v.to_value()),
    }
}

fn is_number(v: &Value) -> bool {
    matches!(v.type_name(), "whole number" | "fractional number")
}

/// Ruby's `<=>` as `sort` uses it; `None` for values that can't be compared.
fn order(a: &Value, b: &Value) -> Option<Ordering> {
    match (a.is_nil(), b.is_nil()) {
        (true, true) => return Some(Ordering::Equal),
        (true, false) => return Some(Ordering::Greater),
        (false, true) => return Some(Ordering::Less),
        _ => {}
    }
    if is_number(a) && is_number(b) {
        return to_number(a)
            .as_float()
            .partial_cmp(&to_number(b).as_float());
    }
    if a.type_name() == "string" && b.type_name() == "string" {
        return Some(a.to_kstr().cmp(&b.to_kstr()));
    }
    equal(a, b).then_some(Ordering::Equal)
}

fn sort_by(input: &dyn ValueView, args: &[Value], natural: bool) -> Out {
    let mut items = Vec::new();
    flat(input, &mut items);
    let mut keyed: Vec<(Value, Value)> = items
        .into_iter()
        .map(|v| (key_of(&v, args.first()), v))
        .collect();
    let mut failed = false;
    keyed.sort_by(|(a, _), (b, _)| {
        if natural {
            return match (a.is_nil(), b.is_nil()) {
                (false, false) => {
                    let (x, y) = (to_text(a).to_lowercase(), to_text(b).to_lowercase());
                    x.cmp(&y)
                }
                (true, _) => Ordering::Greater,
                (false, true) => Ordering::Less,
            };
        }
        order(a, b).unwrap_or_else(|| {
            failed = true;
            Ordering::Equal
        })
    });
    if failed {
        return Err("cannot sort values of incompatible types".into());
    }
    Ok(Value::Array(keyed.into_iter().map(|(_, v)| v).collect()))
}

/// Ruby's `slice(start, length)` on `len` items: the range taken, or `None`.
fn span(len: usize, start: i64, length: i64) -> Option<(usize, usize)> {
    let len = len as i64;
    let start = if start < 0 { start + len } else { start };
    if start < 0 || start > len || length < 0 {
        return None;
    }
    Some((start as usize, (start + length.min(len - start)) as usize))
}

fn slice(input: &dyn ValueView, args: &[Value]) -> Out {
    let start = integer(&args[0])?;
    let length = match args.get(1) {
        Some(l) if !l.is_nil() => integer(l)?,
        _ => 1,
    };
    if let Some(a) = input.as_array() {
        let items: Vec<Value> = a.values().map(|v| v.to_value()).collect();
        let kept =
            span(items.len(), start, length).map_or(Vec::new(), |(s, e)| items[s..e].to_vec());
        return Ok(Value::Array(kept));
    }
    let chars: Vec<char> = to_text(input).chars().collect();
    let kept = span(chars.len(), start, length)
        .map_or(String::new(), |(s, e)| chars[s..e].iter().collect());
    Ok(Value::scalar(kept))
}

fn url_encode(input: &dyn ValueView, _: &[Value]) -> Out {
    if input.is_nil() {
        return Ok(Value::Nil);
    }
    let mut out = String::new();
    for b in to_text(input).bytes() {
        match b {
            b' ' => out.push('+'),
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'_' | b'.' | b'-' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    Ok(Value::scalar(out))
}

/// The filters this module defines.
pub fn own() -> Vec<Simple> {
    let s = |name, args, f: Native| Simple { name, args, f };
    vec![
        s("sort", 0..=1, |i, a| sort_by(i, a, false)),
        s("sort_natural", 0..=1, |i, a| sort_by(i, a, true)),
        s("slice", 1..=2, slice),
        s("url_encode", 0..=0, url_encode),
    ]
}
