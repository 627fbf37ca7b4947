//! Twilio's array and word filters where Shopify Liquid is more forgiving than the crate:
//! `first`/`last`/`join`/`map` accept any input (a non-array is nil or itself, not an error),
//! `split` splits as Ruby does (a single space splits on runs of whitespace, trailing empty
//! items dropped), `truncatewords` counts whitespace-separated words, `newline_to_br` takes
//! `\r\n`, `replace`/`replace_first` read any input as text (a hash as `{}`), and
//! `uniq`/`compact`/`concat`/`reverse` take a non-array as one item (nil as none) and, for
//! `uniq`/`compact`, a property name; `where` with Liquid's truth and `default` with
//! `allow_false:`.

use std::fmt;

use liquid_core::model::{Value, ValueView};
use liquid_core::parser::{FilterArguments, ParameterReflection};
use liquid_core::{Error, Expression, Filter, FilterReflection, ParseFilter, Runtime};

use super::filters::{to_text, Native, Simple};

type Out = Result<Value, String>;

/// The items of an array input, nested arrays flattened; an object is one item; nil none.
fn items(input: &dyn ValueView) -> Vec<Value> {
    fn flatten(v: &dyn ValueView, out: &mut Vec<Value>) {
        match v.as_array() {
            Some(a) => a.values().for_each(|x| flatten(x, out)),
            None => out.push(v.to_value()),
        }
    }
    let mut out = Vec::new();
    if !input.is_nil() {
        flatten(input, &mut out);
    }
    out
}

fn end(input: &dyn ValueView, last: bool) -> Out {
    if let Some(a) = input.as_array() {
        let v = if last { a.last() } else { a.first() };
        return Ok(v.map_or(Value::Nil, |v| v.to_value()));
    }
    // `first` of a hash is its first pair; a hash has no `last` in Shopify Liquid.
    if let Some(o) = input.as_object().filter(|_| !last) {
        return Ok(o.iter().next().map_or(Value::Nil, |(k, v)| {
            Value::Array(vec![Value::scalar(k.into_owned()), v.to_value()])
        }));
    }
    Ok(Value::Nil)
}

fn join(input: &dyn ValueView, args: &[Value]) -> Out {
    let sep = args.first().map_or(" ".into(), |s| s.to_kstr().to_string());
    if input.as_array().is_none() {
        return Ok(Value::scalar(input.to_kstr().to_string()));
    }
    let parts: Vec<String> = items(input).iter().map(|v| to_text(v)).collect();
    Ok(Value::scalar(parts.join(sep.as_str())))
}

fn map(input: &dyn ValueView, args: &[Value]) -> Out {
    let key = args
        .first()
        .map(|k| k.to_kstr().to_string())
        .unwrap_or_default();
    items(input)
        .iter()
        .map(|item| match item.as_object() {
            Some(o) => Ok(o.get(key.as_str()).map_or(Value::Nil, |v| v.to_value())),
            None => Err(format!("cannot map {:?} of a {}", key, item.type_name())),
        })
        .collect::<Result<Vec<_>, _>>()
        .map(Value::Array)
}

fn split(input: &dyn ValueView, args: &[Value]) -> Out {
    let text = if input.is_nil() {
        String::new()
    } else {
        input.to_kstr().to_string()
    };
    let pattern = match args.first() {
        Some(p) if !p.is_nil() => p.to_kstr().to_string(),
        _ => String::new(),
    };
    let mut parts: Vec<String> = match pattern.as_str() {
        " " => text.split_whitespace().map(str::to_string).collect(),
        "" => text.chars().map(String::from).collect(),
        p => text.split(p).map(str::to_string).collect(),
    };
    while parts.last().is_some_and(String::is_empty) {
        parts.pop();
    }
    Ok(Value::Array(parts.into_iter().map(Value::scalar).collect()))
}

fn truncatewords(input: &dyn ValueView, args: &[Value]) -> Out {
    let n = match args.first() {
        None => 15,
        Some(v) if v.is_nil() => return Err("expects a number of words".into()),
        Some(v) => super::filters::to_number(v).as_integer().max(1) as usize,
    };
    let ellipsis = args
        .get(1)
        .map_or("...".into(), |e| e.to_kstr().to_string());
    let text = input.to_kstr();
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() <= n {
        return Ok(Value::scalar(text.into_owned()));
    }
    Ok(Value::scalar(words[..n].join(" ") + ellipsis.as_str()))
}

/// `replace` / `replace_first` on the input's text (a hash is `{}`), nil arguments empty.
fn replace(input: &dyn ValueView, args: &[Value], first: bool) -> Out {
    let text = to_text(input);
    let from = args.first().map(|v| to_text(v)).unwrap_or_default();
    let to = args.get(1).map(|v| to_text(v)).unwrap_or_default();
    Ok(Value::scalar(if first {
        text.replacen(from.as_str(), &to, 1)
    } else {
        text.replace(from.as_str(), &to)
    }))
}

fn newline_to_br(input: &dyn ValueView, _: &[Value]) -> Out {
    let text = input.to_kstr().replace("\r\n", "\n");
    Ok(Value::scalar(text.replace('\n', "<br />\n")))
}

/// The item's property `key` (an empty key: the item itself).
fn property(item: &Value, key: Option<&Value>) -> Value {
    match key.filter(|k| !k.is_nil()) {
        None => item.clone(),
        Some(k) => item
            .as_object()
            .and_then(|o| o.get(k.to_kstr().as_str()))
            .map_or(Value::Nil, |v| v.to_value()),
    }
}

fn uniq(input: &dyn ValueView, args: &[Value]) -> Out {
    let mut seen = std::collections::HashSet::new();
    let kept = items(input)
        .into_iter()
        .filter(|v| {
            let key = property(v, args.first());
            seen.insert(serde_json::to_string(&key).unwrap_or_default())
        })
        .collect();
    Ok(Value::Array(kept))
}

fn compact(input: &dyn ValueView, args: &[Value]) -> Out {
    let kept = items(input)
        .into_iter()
        .filter(|v| !property(v, args.first()).is_nil())
        .collect();
    Ok(Value::Array(kept))
}

fn concat(input: &dyn ValueView, args: &[Value]) -> Out {
    let mut all = items(input);
    match args.first() {
        Some(a) if a.as_array().is_some() => all.extend(items(a)),
        Some(a) => return Err(format!("expects an array, got {}", a.type_name())),
        None => {}
    }
    Ok(Value::Array(all))
}

/// Liquid's truth: only nil and false are false.
fn truthy(v: &dyn ValueView) -> bool {
    !v.is_nil() && v.as_scalar().and_then(|s| s.to_bool()) != Some(false)
}

/// `where: property[, value]`: the items whose property is truthy, or equals `value` (a nil
/// value is the one-argument form).
fn where_(input: &dyn ValueView, args: &[Value]) -> Out {
    if !input.is_nil() && input.as_array().is_none() {
        return Err(format!("expects an array, got {}", input.type_name()));
    }
    let key = args.first().filter(|k| !k.is_nil());
    let kept = items(input)
        .into_iter()
        .filter(|item| {
            let got = match key {
                Some(_) => property(item, key),
                None => Value::Nil,
            };
            match args.get(1).filter(|v| !v.is_nil()) {
                None => truthy(&got),
                Some(want) => !got.is_nil() && got == *want,
            }
        })
        .collect();
    Ok(Value::Array(kept))
}

/// `default: value[, allow_false: bool]`: `value` when the input is nil, false (unless
/// `allow_false`) or empty.
#[derive(Clone, Copy)]
pub struct Default;

impl FilterReflection for Default {
    fn name(&self) -> &str {
        "default"
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

impl ParseFilter for Default {
    fn parse(&self, arguments: FilterArguments<'_>) -> liquid_core::Result<Box<dyn Filter>> {
        let mut allow_false = None;
        for (name, e) in arguments.keyword {
            match name {
                "allow_false" => allow_false = Some(e),
                other => {
                    return Err(Error::with_msg(format!(
                        "default: unexpected named argument `{other}`"
                    )))
                }
            }
        }
        let mut positional: Vec<Expression> = arguments.positional.collect();
        if positional.len() > 1 {
            return Err(Error::with_msg("default: expects one value"));
        }
        Ok(Box::new(DefaultCall {
            value: positional.pop(),
            allow_false,
        }))
    }
    fn reflection(&self) -> &dyn FilterReflection {
        self
    }
}

#[derive(Debug)]
struct DefaultCall {
    value: Option<Expression>,
    allow_false: Option<Expression>,
}

impl fmt::Display for DefaultCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("default")
    }
}

impl Filter for DefaultCall {
    fn evaluate(&self, input: &dyn ValueView, runtime: &dyn Runtime) -> liquid_core::Result<Value> {
        let allow_false = match &self.allow_false {
            Some(e) => truthy(e.evaluate(runtime)?.as_view()),
            None => false,
        };
        let is_false = input.as_scalar().and_then(|s| s.to_bool()) == Some(false);
        let empty = input.as_array().is_some_and(|a| a.size() == 0)
            || input.as_object().is_some_and(|o| o.size() == 0)
            || (input.as_scalar().is_some() && input.to_kstr().is_empty());
        if input.is_nil() || (is_false && !allow_false) || empty {
            return match &self.value {
                Some(e) => Ok(e.evaluate(runtime)?.into_owned()),
                None => Ok(Value::scalar("")),
            };
        }
        Ok(input.to_value())
    }
}

/// The filters this module defines.
pub fn own() -> Vec<Simple> {
    let s = |name, args, f: Native| Simple { name, args, f };
    vec![
        s("first", 0..=0, |i, _| end(i, false)),
        s("last", 0..=0, |i, _| end(i, true)),
        s("join", 0..=1, join),
        s("map", 1..=1, map),
        s("split", 1..=1, split),
        s("truncatewords", 0..=2, truncatewords),
        s("newline_to_br", 0..=0, newline_to_br),
        s("replace", 1..=2, |i, a| replace(i, a, false)),
        s("replace_first", 1..=2, |i, a| replace(i, a, true)),
        s("uniq", 0..=1, uniq),
        s("where", 1..=2, where_),
        s("compact", 0..=1, compact),
        s("concat", 1..=1, concat),
        s("reverse", 0..=0, |i, _| {
            Ok(Value::Array(items(i).into_iter().rev().collect()))
        }),
    ]
}
