//! Liquid rendering with Twilio Studio semantics, over the `liquid` crate.
//!
//! This module owns the single shared parser, the cache of parsed templates
//! and the two places where Studio's Liquid differs from the crate's:
//! undefined variables render as the empty string instead of failing, and the
//! `to_json` filter (not in the Liquid standard library) serializes a variable
//! as JSON. `to_json` is supported directly after a variable path, which is how
//! every known flow uses it (`{{trigger | to_json}}`, `{{widgets.x.memory | to_json}}`).

use std::collections::HashMap;
use std::fmt;
use std::sync::{Arc, Mutex, OnceLock};

use serde_json::{Map, Value};

/// Why a template could not be parsed or rendered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    /// Human-readable description, including the crate's own message.
    pub message: String,
}

impl TemplateError {
    fn new(message: impl Into<String>) -> Self {
        TemplateError {
            message: message.into(),
        }
    }
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for TemplateError {}

/// Upper bound on cached parsed templates; the cache is emptied when full.
const CACHE_LIMIT: usize = 1024;

/// Prefix of the context keys holding precomputed `to_json` results.
const JSON_VAR_PREFIX: &str = "__sb_to_json_";

fn parser() -> Result<&'static liquid::Parser, TemplateError> {
    static PARSER: OnceLock<Option<liquid::Parser>> = OnceLock::new();
    PARSER
        .get_or_init(|| liquid::ParserBuilder::with_stdlib().build().ok())
        .as_ref()
        .ok_or_else(|| TemplateError::new("the Liquid parser could not be built"))
}

type Cache = Mutex<HashMap<String, Arc<liquid::Template>>>;

fn cache() -> &'static Cache {
    static CACHE: OnceLock<Cache> = OnceLock::new();
    CACHE.get_or_init(|| Mutex::new(HashMap::new()))
}

/// Whether a string contains Liquid markup at all.
pub fn has_markup(template: &str) -> bool {
    template.contains("{{") || template.contains("{%")
}

/// Checks that a template parses, as Studio does when a flow is published.
pub fn check(template: &str) -> Result<(), TemplateError> {
    if !has_markup(template) {
        return Ok(());
    }
    let stripped = strip_to_json(&normalize(template));
    parse_cached(&stripped).map(|_| ())
}

/// Splits a template that ends in an unterminated `{{` followed only by a
/// variable path into the part before it and the literal tail, e.g.
/// `"id={{flow.variables.id"` into `("id=", "{{flow.variables.id")`.
/// Real Studio flows contain such values; `check` rejects them, `render`
/// keeps the tail as literal text, and the validator reports a warning.
pub fn unterminated_tail(template: &str) -> Option<(&str, &str)> {
    let at = template.rfind("{{")?;
    let tail = &template[at..];
    let chars: Vec<char> = tail[2..].trim().chars().collect();
    let is_path =
        chars.first().is_some_and(|&c| is_ident_start(c)) && read_path(&chars, 0).1 == chars.len();
    is_path.then(|| (&template[..at], tail))
}

/// Renders a template against an execution context object
/// (`{"trigger":{...},"widgets":{...},"flow":{...}}`).
pub fn render(template: &str, ctx: &Value) -> Result<String, TemplateError> {
    if !has_markup(template) {
        return Ok(template.to_string());
    }
    match render_strict(template, ctx) {
        Err(e) => match unterminated_tail(template) {
            Some((head, tail)) => Ok(render_strict(head, ctx)? + tail),
            None => Err(e),
        },
        ok => ok,
    }
}

fn render_strict(template: &str, ctx: &Value) -> Result<String, TemplateError> {
    if !has_markup(template) {
        return Ok(template.to_string());
    }
    let template = normalize(template);
    let template = template.as_str();
    let mut data = match ctx {
        Value::Object(map) => map.clone(),
        Value::Null => Map::new(),
        _ => {
            return Err(TemplateError::new(
                "the render context must be a JSON object",
            ))
        }
    };
    let text = rewrite_to_json(template, &mut data)?;
    let parsed = parse_cached(&text)?;
    for found in markup_spans(&text).flat_map(|m| scan_paths(m.body, m.is_tag)) {
        fill_missing(&mut data, &found);
    }
    let mut attempts = 0;
    loop {
        let globals = liquid::model::to_value(&Value::Object(data.clone()))
            .map_err(|e| TemplateError::new(format!("context is not representable: {e}")))?;
        let liquid::model::Value::Object(globals) = globals else {
            return Err(TemplateError::new(
                "the render context must be a JSON object",
            ));
        };
        let rendered = quietly(|| parsed.render(&globals)).ok_or_else(|| {
            TemplateError::new("the template could not be rendered (liquid failed)")
        })?;
        let err = match rendered {
            Ok(out) => return Ok(out),
            Err(e) => e.to_string(),
        };
        attempts += 1;
        if attempts > MAX_INDEX_RETRIES || !fill_unknown_index(&mut data, &err) {
            return Err(TemplateError::new(err));
        }
    }
}

/// How many missing computed indexes (`list[i]`) one render may patch.
const MAX_INDEX_RETRIES: usize = 8;

/// Handles an index computed at render time (`sites[idx]`) into a missing
/// value: the liquid crate fails with "Unknown index" where Studio yields nil.
/// Using the variable and index the error names, inserts a null there and
/// returns whether the render is worth retrying. Arrays are left alone.
fn fill_unknown_index(data: &mut Map<String, Value>, err: &str) -> bool {
    if !err.contains("Unknown index") {
        return false;
    }
    let field = |name: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(str::to_string)
    };
    let (Some(variable), Some(index)) = (field("variable="), field("requested index=")) else {
        return false;
    };
    let mut parts = variable.split('.');
    let Some(mut cur) = parts.next().and_then(|root| data.get_mut(root)) else {
        return false;
    };
    for part in parts {
        let next = match cur {
            Value::Object(map) => map.get_mut(part),
            Value::Array(items) => part.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        };
        let Some(next) = next else {
            return false;
        };
        cur = next;
    }
    if cur.is_null() {
        *cur = Value::Object(Map::new());
    }
    match cur {
        Value::Object(map) if !map.contains_key(&index) => {
            map.insert(index, Value::Null);
            true
        }
        _ => false,
    }
}

thread_local! {
    /// Set while this thread runs the liquid crate inside `quietly`.
    static IN_LIQUID: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs the liquid crate's parse or render, catching its panics (`None`). The crate panics on
/// some user templates (an integer literal beyond i64, a bad `date` format); the caller answers a
/// template error, so the panic hook is told to keep quiet about panics raised in here (logged at
/// `debug`) instead of printing "thread … panicked" to stderr. Panics anywhere else, on this
/// thread or another, still reach the previous hook unchanged.
fn quietly<T>(f: impl FnOnce() -> T) -> Option<T> {
    static HOOK: std::sync::Once = std::sync::Once::new();
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_LIQUID.with(std::cell::Cell::get) {
                log::debug!("the liquid crate panicked on a template (a template error): {info}");
            } else {
                previous(info);
            }
        }));
    });
    let outer = IN_LIQUID.with(|c| c.replace(true));
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f));
    IN_LIQUID.with(|c| c.set(outer));
    result.ok()
}

fn parse_cached(text: &str) -> Result<Arc<liquid::Template>, TemplateError> {
    if let Ok(map) = cache().lock() {
        if let Some(t) = map.get(text) {
            return Ok(Arc::clone(t));
        }
    }
    let parser = parser()?;
    // The liquid crate panics on some input (an integer literal too large for i64); a template is
    // user input, so its panic becomes a template error, never a crashed request.
    let parsed = quietly(|| parser.parse(text))
        .ok_or_else(|| {
            TemplateError::new(
                "the template contains a literal liquid cannot read (a number too large?)",
            )
        })?
        .map_err(|e| TemplateError::new(e.to_string()))?;
    let parsed = Arc::new(parsed);
    if let Ok(mut map) = cache().lock() {
        if map.len() >= CACHE_LIMIT {
            map.clear();
        }
        map.insert(text.to_string(), Arc::clone(&parsed));
    }
    Ok(parsed)
}

/// One `{{ ... }}` or `{% ... %}` region of a template.
#[derive(Debug, Clone, Copy)]
struct Markup<'a> {
    /// Text between the delimiters, without whitespace-control dashes.
    body: &'a str,
    /// Whether this is a `{% %}` tag rather than a `{{ }}` output.
    is_tag: bool,
}

/// Iterates over the markup regions of a template. Unterminated regions are
/// ignored here; the parser reports them.
fn markup_spans(text: &str) -> impl Iterator<Item = Markup<'_>> {
    let mut pos = 0;
    std::iter::from_fn(move || {
        let rest = text.get(pos..)?;
        let open = match (rest.find("{{"), rest.find("{%")) {
            (Some(a), Some(b)) => a.min(b),
            (Some(a), None) => a,
            (None, Some(b)) => b,
            (None, None) => return None,
        };
        let start = pos + open;
        let is_tag = text.get(start..start + 2) == Some("{%");
        let close = if is_tag { "%}" } else { "}}" };
        let inner_start = start + 2;
        let close_at = text.get(inner_start..)?.find(close)? + inner_start;
        let end = close_at + 2;
        pos = end;
        let body = text.get(inner_start..close_at)?;
        let body = body.strip_prefix('-').unwrap_or(body);
        let body = body.strip_suffix('-').unwrap_or(body);
        Some(Markup { body, is_tag })
    })
}

/// Byte offset of `inner` inside `outer`; `inner` must be a subslice.
fn offset_in(outer: &str, inner: &str) -> usize {
    inner.as_ptr() as usize - outer.as_ptr() as usize
}

/// Removes whitespace around the dots of variable paths inside markup
/// (`widgets. name .parsed` becomes `widgets.name.parsed`), which Studio
/// accepts and the liquid crate does not.
fn normalize(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for m in markup_spans(template) {
        let at = offset_in(template, m.body);
        out.push_str(&template[last..at]);
        out.push_str(&tighten_dots(m.body));
        last = at + m.body.len();
    }
    out.push_str(&template[last..]);
    out
}

fn tighten_dots(body: &str) -> String {
    let chars: Vec<char> = body.chars().collect();
    let mut out = String::with_capacity(body.len());
    let mut i = 0;
    let joins_path = |out: &String| {
        out.chars()
            .last()
            .is_some_and(|c| is_ident_char(c) || c == ']')
    };
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            let end = chars[i + 1..]
                .iter()
                .position(|&d| d == c)
                .map_or(chars.len(), |p| i + 1 + p + 1);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        let single_dot = |j: usize| {
            chars.get(j) == Some(&'.')
                && chars.get(j + 1) != Some(&'.')
                && (j == 0 || chars[j - 1] != '.')
        };
        if c.is_whitespace() && joins_path(&out) {
            let j = skip_ws(&chars, i);
            if single_dot(j)
                && chars
                    .get(skip_ws(&chars, j + 1))
                    .is_some_and(|&d| is_ident_start(d))
            {
                i = j;
                continue;
            }
        }
        if single_dot(i) && joins_path(&out) {
            let k = skip_ws(&chars, i + 1);
            if chars.get(k).is_some_and(|&d| is_ident_start(d)) {
                out.push('.');
                i = k;
                continue;
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

/// One step of a variable path.
#[derive(Debug, Clone, PartialEq)]
enum Seg {
    Key(String),
    Index(i64),
}

const KEYWORDS: &[&str] = &[
    "and", "or", "contains", "true", "false", "nil", "null", "empty", "blank", "in", "with", "as",
    "limit", "offset", "reversed", "cols", "by", "for",
];

fn is_ident_start(c: char) -> bool {
    c.is_ascii_alphabetic() || c == '_'
}

fn is_ident_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '?'
}

fn skip_ws(chars: &[char], mut i: usize) -> usize {
    while i < chars.len() && chars[i].is_whitespace() {
        i += 1;
    }
    i
}

fn read_ident(chars: &[char], mut i: usize) -> (String, usize) {
    let start = i;
    while i < chars.len() && is_ident_char(chars[i]) {
        i += 1;
    }
    (chars[start..i].iter().collect(), i)
}

/// Reads `[ "key" ]`, `[ 'key' ]` or `[ 12 ]` at `i` (which holds `[`).
fn read_bracket(chars: &[char], i: usize) -> Option<(Seg, usize)> {
    let mut j = skip_ws(chars, i + 1);
    let c = *chars.get(j)?;
    let seg = if c == '"' || c == '\'' {
        let close = chars[j + 1..].iter().position(|&d| d == c)? + j + 1;
        let key: String = chars[j + 1..close].iter().collect();
        j = close + 1;
        Seg::Key(key)
    } else if c.is_ascii_digit() || c == '-' {
        let start = j;
        j += 1;
        while j < chars.len() && chars[j].is_ascii_digit() {
            j += 1;
        }
        let n: String = chars[start..j].iter().collect();
        Seg::Index(n.parse().ok()?)
    } else {
        return None;
    };
    j = skip_ws(chars, j);
    (chars.get(j) == Some(&']')).then_some((seg, j + 1))
}

/// Reads a variable path starting at an identifier; returns the segments and
/// the index just past the path.
fn read_path(chars: &[char], i: usize) -> (Vec<Seg>, usize) {
    let (first, mut end) = read_ident(chars, i);
    let mut segs = vec![Seg::Key(first)];
    loop {
        let j = skip_ws(chars, end);
        match chars.get(j) {
            Some('.') if chars.get(j + 1) != Some(&'.') => {
                let k = skip_ws(chars, j + 1);
                match chars.get(k) {
                    Some(&c) if is_ident_start(c) => {
                        let (name, e) = read_ident(chars, k);
                        segs.push(Seg::Key(name));
                        end = e;
                    }
                    _ => break,
                }
            }
            Some('[') => match read_bracket(chars, j) {
                Some((seg, e)) => {
                    segs.push(seg);
                    end = e;
                }
                None => break,
            },
            _ => break,
        }
    }
    (segs, end)
}

/// Filters that need a number; Studio treats a nil input or argument as 0.
const NUMERIC_FILTERS: &[&str] = &[
    "plus",
    "minus",
    "times",
    "divided_by",
    "modulo",
    "abs",
    "ceil",
    "floor",
    "round",
    "at_least",
    "at_most",
];

/// A variable read by a template, and whether it feeds a numeric filter.
#[derive(Debug, Clone, PartialEq)]
struct PathUse {
    path: Vec<Seg>,
    numeric: bool,
}

/// Finds the variable paths a markup region reads, skipping literals, tag
/// names, filter names, keyword-argument names and operators.
fn scan_paths(body: &str, is_tag: bool) -> Vec<PathUse> {
    let chars: Vec<char> = body.chars().collect();
    let mut uses = Vec::new();
    let mut i = skip_ws(&chars, 0);
    let mut first_word = is_tag;
    let mut after_pipe = false;
    let mut numeric_filter = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '"' || c == '\'' {
            i = chars[i + 1..]
                .iter()
                .position(|&d| d == c)
                .map_or(chars.len(), |p| i + 1 + p + 1);
        } else if c.is_ascii_digit() {
            while i < chars.len()
                && (chars[i].is_ascii_digit()
                    || (chars[i] == '.' && chars.get(i + 1).is_some_and(char::is_ascii_digit)))
            {
                i += 1;
            }
        } else if is_ident_start(c) {
            let (path, end) = read_path(&chars, i);
            let is_word = |words: &[&str]| {
                path.len() == 1 && matches!(&path[0], Seg::Key(k) if words.contains(&k.as_str()))
            };
            if after_pipe {
                numeric_filter = is_word(NUMERIC_FILTERS);
            } else if first_word {
                // Raw and comment bodies are not expressions.
                if is_word(&["raw", "comment"]) {
                    return uses;
                }
            } else if continues_dynamic_path(&chars, i) {
                // `.name` after `list[i]` belongs to a computed path.
            } else if chars.get(skip_ws(&chars, end)) != Some(&':') && !is_word(KEYWORDS) {
                let in_range = (i >= 2 && chars[i - 2..i] == ['.', '.'])
                    || chars.get(end..end + 2) == Some(&['.', '.'][..]);
                let numeric = numeric_filter || in_range || feeds_numeric_filter(&chars, end);
                uses.push(PathUse { path, numeric });
            }
            first_word = false;
            after_pipe = false;
            i = end;
        } else {
            if c == '|' {
                after_pipe = true;
                numeric_filter = false;
            } else if !c.is_whitespace() {
                after_pipe = false;
                first_word = false;
            }
            if matches!(c, '%' | '=' | '<' | '>' | '!') {
                numeric_filter = false;
            }
            i += 1;
        }
    }
    uses
}

/// Whether the identifier at `i` follows `].`, i.e. continues a path with a
/// computed index.
fn continues_dynamic_path(chars: &[char], i: usize) -> bool {
    let before: String = chars[..i].iter().collect();
    let before = before.trim_end();
    before
        .strip_suffix('.')
        .is_some_and(|b| b.trim_end().ends_with(']'))
}

/// Whether the path ending at `end` is piped straight into a numeric filter.
fn feeds_numeric_filter(chars: &[char], end: usize) -> bool {
    let j = skip_ws(chars, end);
    if chars.get(j) != Some(&'|') {
        return false;
    }
    let k = skip_ws(chars, j + 1);
    let (name, _) = read_ident(chars, k);
    NUMERIC_FILTERS.contains(&name.as_str())
}

/// Makes a missing variable resolve to nil by inserting nulls (and the
/// objects leading to them) into the context, so that undefined variables
/// render as the empty string as they do in Studio. A missing or null value
/// piped into a numeric filter becomes 0 instead, as Studio's `nil | plus: 1`
/// is 1 while the liquid crate rejects nil there.
fn fill_missing(data: &mut Map<String, Value>, found: &PathUse) {
    let Some((Seg::Key(root), rest)) = found.path.split_first() else {
        return;
    };
    let leaf = if found.numeric {
        Value::from(0)
    } else {
        Value::Null
    };
    if rest.is_empty() {
        let slot = data.entry(root.clone()).or_insert(Value::Null);
        if slot.is_null() {
            *slot = leaf;
        }
        return;
    }
    let mut cur = data
        .entry(root.clone())
        .or_insert_with(|| Value::Object(Map::new()));
    for (n, seg) in rest.iter().enumerate() {
        let last = n + 1 == rest.len();
        if cur.is_null() {
            *cur = Value::Object(Map::new());
        }
        cur = match (cur, seg) {
            (Value::Object(map), Seg::Key(k)) => descend(map, k.clone(), last),
            (Value::Object(map), Seg::Index(i)) => descend(map, i.to_string(), last),
            (Value::Array(items), Seg::Index(i)) => {
                let len = items.len() as i64;
                let idx = if *i < 0 { len + i } else { *i };
                match usize::try_from(idx).ok().and_then(|u| items.get_mut(u)) {
                    Some(v) => v,
                    None => return,
                }
            }
            _ => return,
        };
    }
    if cur.is_null() {
        *cur = leaf;
    }
}

fn descend(map: &mut Map<String, Value>, key: String, last: bool) -> &mut Value {
    map.entry(key).or_insert_with(|| {
        if last {
            Value::Null
        } else {
            Value::Object(Map::new())
        }
    })
}

/// Resolves a path in the context, as Liquid would, without modifying it.
fn resolve<'a>(data: &'a Map<String, Value>, path: &[Seg]) -> Option<&'a Value> {
    let (Seg::Key(root), rest) = path.split_first()? else {
        return None;
    };
    let mut cur = data.get(root)?;
    for seg in rest {
        cur = match (cur, seg) {
            (Value::Object(map), Seg::Key(k)) => map.get(k)?,
            (Value::Object(map), Seg::Index(i)) => map.get(&i.to_string())?,
            (Value::Array(items), Seg::Index(i)) => {
                let idx = if *i < 0 { items.len() as i64 + i } else { *i };
                items.get(usize::try_from(idx).ok()?)?
            }
            (Value::Array(items), Seg::Key(k)) if k == "first" => items.first()?,
            (Value::Array(items), Seg::Key(k)) if k == "last" => items.last()?,
            _ => return None,
        };
    }
    Some(cur)
}

/// Finds `| to_json` filters in a markup body: (byte start of the pipe, byte end).
fn to_json_filters(body: &str) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut search = 0;
    while let Some(p) = body.get(search..).and_then(|r| r.find('|')) {
        let pipe = search + p;
        let after = &body[pipe + 1..];
        let trimmed = after.trim_start();
        let name_at = pipe + 1 + (after.len() - trimmed.len());
        let is_to_json = trimmed.starts_with("to_json")
            && !trimmed["to_json".len()..]
                .chars()
                .next()
                .is_some_and(is_ident_char);
        if is_to_json {
            found.push((pipe, name_at + "to_json".len()));
        }
        search = pipe + 1;
    }
    found
}

/// Removes every `| to_json` filter so the rest of the template can be checked.
fn strip_to_json(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    for m in markup_spans(template) {
        let body_offset = offset_in(template, m.body);
        for (s, e) in to_json_filters(m.body) {
            out.push_str(&template[last..body_offset + s]);
            last = body_offset + e;
        }
    }
    out.push_str(&template[last..]);
    out
}

/// Replaces `path | to_json` with a precomputed context variable holding the
/// JSON text of `path`.
fn rewrite_to_json(template: &str, data: &mut Map<String, Value>) -> Result<String, TemplateError> {
    let mut out = String::with_capacity(template.len());
    let mut last = 0;
    let mut counter = 0;
    for m in markup_spans(template) {
        let filters = to_json_filters(m.body);
        if filters.is_empty() {
            continue;
        }
        let chars: Vec<(usize, char)> = m.body.char_indices().collect();
        let plain: Vec<char> = chars.iter().map(|&(_, c)| c).collect();
        let mut replacements = Vec::new();
        let mut i = 0;
        while i < plain.len() {
            let c = plain[i];
            if c == '"' || c == '\'' {
                i = plain[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .map_or(plain.len(), |p| i + 1 + p + 1);
                continue;
            }
            if !is_ident_start(c) || (i > 0 && is_ident_char(plain[i - 1])) {
                i += 1;
                continue;
            }
            let (path, end) = read_path(&plain, i);
            let start_byte = chars[i].0;
            let end_byte = chars.get(end).map_or(m.body.len(), |&(b, _)| b);
            if let Some(&(_, f_end)) = filters.iter().find(|&&(p, _)| {
                p >= end_byte
                    && m.body[end_byte..p].trim().is_empty()
                    && !m.body[..start_byte].trim_end().ends_with('|')
            }) {
                let name = format!("{JSON_VAR_PREFIX}{counter}");
                counter += 1;
                let json =
                    resolve(data, &path).map_or_else(|| "null".to_string(), Value::to_string);
                data.insert(name.clone(), Value::String(json));
                replacements.push((start_byte, f_end, name));
                i = chars
                    .iter()
                    .position(|&(b, _)| b >= f_end)
                    .unwrap_or(plain.len());
            } else {
                i = end.max(i + 1);
            }
        }
        if replacements.len() != filters.len() {
            return Err(TemplateError::new(
                "to_json is only supported directly after a variable, as in {{trigger | to_json}}",
            ));
        }
        let body_offset = offset_in(template, m.body);
        for (s, e, name) in replacements {
            out.push_str(&template[last..body_offset + s]);
            out.push_str(&name);
            last = body_offset + e;
        }
    }
    out.push_str(&template[last..]);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ctx() -> Value {
        json!({
            "trigger": {"message": {"Body": "Hello", "From": "+15550001"}},
            "widgets": {"ask": {"inbound": {"Body": " YES "}}, "get-name": {"parsed": {"name": "Ann", "list": [1, 2]}}},
            "flow": {"variables": {"count": 2}, "data": {}}
        })
    }

    #[test]
    fn integer_literal_overflow_is_an_error_not_a_panic() {
        // Found by tests/fuzz.rs: liquid-core panics on an integer literal beyond i64.
        assert!(check("{{ 99999999999999999999 }}").is_err());
        assert!(render(
            "{% if 99999999999999999999 > 1 %}x{% endif %}",
            &serde_json::json!({})
        )
        .is_err());
    }

    #[test]
    fn renders_trigger_body() {
        assert_eq!(
            render("{{trigger.message.Body}}", &ctx()).as_deref(),
            Ok("Hello")
        );
    }

    #[test]
    fn renders_filters() {
        assert_eq!(
            render("{{flow.variables.count | plus: 1}}", &ctx()).as_deref(),
            Ok("3")
        );
        assert_eq!(
            render("{{widgets.ask.inbound.Body | strip | downcase}}", &ctx()).as_deref(),
            Ok("yes")
        );
    }

    #[test]
    fn renders_if_blocks() {
        let t = "{% if flow.variables.count > 1 %}many{% else %}few{% endif %}";
        assert_eq!(render(t, &ctx()).as_deref(), Ok("many"));
    }

    #[test]
    fn undefined_variables_render_empty() {
        assert_eq!(
            render("a{{trigger.message.Nope}}b", &ctx()).as_deref(),
            Ok("ab")
        );
        assert_eq!(render("a{{nothing.at.all}}b", &ctx()).as_deref(), Ok("ab"));
        assert_eq!(
            render(
                "{% if flow.variables.missing %}x{% else %}y{% endif %}",
                &ctx()
            )
            .as_deref(),
            Ok("y")
        );
        assert_eq!(
            render("{{widgets.get-name.parsed.name}}", &ctx()).as_deref(),
            Ok("Ann")
        );
    }

    #[test]
    fn assign_and_for_still_work() {
        let t = "{% assign x = flow.variables.count | plus: 5 %}{{x}}";
        assert_eq!(render(t, &ctx()).as_deref(), Ok("7"));
        let t = "{% for i in widgets.get-name.parsed.list %}{{forloop.index0}}{{i}};{% endfor %}";
        assert_eq!(render(t, &ctx()).as_deref(), Ok("01;12;"));
    }

    #[test]
    fn to_json_serializes_variables() {
        assert_eq!(
            render("{{flow.variables | to_json}}", &ctx()).as_deref(),
            Ok(r#"{"count":2}"#)
        );
        assert_eq!(
            render("{{ missing | to_json }}", &ctx()).as_deref(),
            Ok("null")
        );
        assert_eq!(
            render("{{flow.variables | to_json | replace: '2','X'}}", &ctx()).as_deref(),
            Ok(r#"{"count":X}"#)
        );
        assert!(render("{{ 'a' | upcase | to_json }}", &ctx()).is_err());
        assert!(check("{{trigger | to_json}}").is_ok());
    }

    #[test]
    fn spaces_around_path_dots_are_accepted() {
        assert!(check("{% if widgets. \nget-name .parsed.name == 'Ann' %}y{% endif %}").is_ok());
        assert_eq!(
            render("{{widgets.get-name.parsed. name}}", &ctx()).as_deref(),
            Ok("Ann")
        );
        assert_eq!(render("{{ 'a. b' }}", &ctx()).as_deref(), Ok("a. b"));
        let t = "{% for i in (1..2) %}{{i}}{% endfor %}";
        assert_eq!(render(t, &ctx()).as_deref(), Ok("12"));
    }

    #[test]
    fn unterminated_trailing_output_is_literal_when_rendering() {
        assert!(check("id={{flow.variables.count").is_err());
        assert_eq!(
            unterminated_tail("id={{flow.variables.count"),
            Some(("id=", "{{flow.variables.count"))
        );
        assert_eq!(unterminated_tail("{{ a }} {% if x %}"), None);
        assert_eq!(unterminated_tail("{{ a }"), None);
        assert_eq!(unterminated_tail("{{ a | upcase"), None);
        assert_eq!(unterminated_tail("{{ a.b[0] "), Some(("", "{{ a.b[0] ")));
        assert_eq!(
            render("{{flow.variables.count}}={{flow.variables.count", &ctx()).as_deref(),
            Ok("2={{flow.variables.count")
        );
    }

    #[test]
    fn nil_is_zero_for_numeric_filters() {
        assert_eq!(
            render("{{ flow.variables.nope | plus: 1 }}", &ctx()).as_deref(),
            Ok("1")
        );
        let t = "{% assign i = flow.variables.idx | minus: 0 %}[{{ widgets.none.parsed.list[i] }}]";
        assert_eq!(render(t, &ctx()).as_deref(), Ok("[]"));
        assert_eq!(
            render("{{ 5 | plus: flow.variables.nope }}", &ctx()).as_deref(),
            Ok("5")
        );
        let t = "{% for i in (1..flow.variables.nope) %}{{i}}{% endfor %}";
        assert_eq!(render(t, &ctx()).as_deref(), Ok(""));
        let t = "{% assign i = 'x' %}[{{ widgets.get-name.parsed[i].y }}]";
        assert_eq!(render(t, &ctx()).as_deref(), Ok("[]"));
        assert_eq!(
            render("[{{ flow.variables.nope | upcase }}]", &ctx()).as_deref(),
            Ok("[]")
        );
    }

    #[test]
    fn odd_inputs_never_panic() {
        let nasty =
            "é{{ a . b[ 'x' ] | to_json }}{% if widgets. \nx[i].y == 1 %}{{ (1..n) }}{% endif %}\
                     {{ x[-1] | plus: y[ }}{{ 'q | to_json }}{% raw %}{{ z {% endraw %}{{";
        let cut_points = nasty.char_indices().map(|(i, _)| i).chain([nasty.len()]);
        for end in cut_points {
            let t = &nasty[..end];
            let _ = check(t);
            let _ = render(t, &ctx());
            let _ = render(&nasty[end..], &ctx());
        }
        for t in [
            "{{",
            "{%",
            "{{}}",
            "{%%}",
            "{{ | to_json }}",
            "{{ a[ }}",
            "}}{{",
            "{{ ... }}",
        ] {
            let _ = check(t);
            let _ = render(t, &ctx());
            let _ = render(t, &Value::Null);
        }
        assert!(render("{{a}}", &json!([1])).is_err());
    }

    #[test]
    fn plain_text_is_returned_as_is() {
        assert_eq!(
            render("no markup { here }", &ctx()).as_deref(),
            Ok("no markup { here }")
        );
    }

    #[test]
    fn syntax_errors_are_errors() {
        assert!(check("{{ foo").is_err());
        assert!(check("{% if x %}open").is_err());
        assert!(check("{% if %}{% endif %}").is_err());
        assert!(check("{{ x | no_such_filter }}").is_err());
        assert!(render("{% if x %}open", &ctx()).is_err());
        assert!(render("{{ a | nope }}", &ctx()).is_err());
        assert!(check("{{ trigger.message.Body | downcase }}").is_ok());
    }
}
