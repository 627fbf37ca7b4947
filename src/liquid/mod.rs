//! Liquid with Twilio Studio's semantics, built from the `liquid-core` / `liquid-lib` crates
//! through their extension points, never by rewriting template text:
//! - `filters`: Twilio's filters as real filters (numbers coerced as Shopify Liquid does,
//!   `date` on ISO 8601, `to_json`), every filter bounded in the size of what it builds;
//! - `runtime`: unknown variables are nil (a `Runtime` that answers them), and Twilio's `for`
//!   (at most 15 iterations per loop);
//! - `limits`: template size and nesting checked before the crate sees the text, and the
//!   render's budget (iterations, time, output size).
//!
//! The `Liquid` engine owns the language and the cache of parsed templates. The crate is called
//! under `catch_unwind`: a panic inside it on some template is a template error.
//!
//! One lexical allowance remains: Studio accepts spaces around the dots of a variable path
//! (`widgets. name .parsed`), which the crate's grammar refuses; a template the crate refuses is
//! parsed once more with those spaces removed (`tighten_paths`), and only then reported.

mod collections;
mod filters;
mod limits;
mod runtime;

use std::cell::RefCell;
use std::collections::HashMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::rc::Rc;

use liquid_core::runtime::RuntimeBuilder;
use liquid_core::{Language, Renderable, Template};
use serde_json::Value;

pub use limits::{MAX_LOOP_ITERATIONS, MAX_NESTING, MAX_OUTPUT_BYTES, MAX_TEMPLATE_BYTES};

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

/// Twilio's Liquid: the language (tags, blocks, filters) and a cache of parsed templates.
pub struct Liquid {
    language: Language,
    cache: RefCell<HashMap<String, Rc<Template>>>,
}

impl Default for Liquid {
    fn default() -> Self {
        Self::new()
    }
}

impl Liquid {
    /// The tags and filters of Twilio's Liquid page (plus the crate's other standard filters);
    /// no `include`/`render` (Studio has no partials) and no `tablerow`.
    pub fn new() -> Self {
        use liquid_lib::stdlib as s;
        let mut lang = Language::empty();
        let tags: Vec<Box<dyn liquid_core::ParseTag>> = vec![
            Box::new(s::AssignTag),
            Box::new(s::BreakTag),
            Box::new(s::ContinueTag),
            Box::new(s::CycleTag),
            Box::new(s::IncrementTag),
            Box::new(s::DecrementTag),
        ];
        for t in tags {
            lang.tags.register(t.reflection().tag().to_string(), t);
        }
        let blocks: Vec<Box<dyn liquid_core::ParseBlock>> = vec![
            Box::new(s::RawBlock),
            Box::new(s::IfBlock),
            Box::new(s::UnlessBlock),
            Box::new(s::IfChangedBlock),
            Box::new(runtime::ForBlock),
            Box::new(s::CommentBlock),
            Box::new(s::CaptureBlock),
            Box::new(s::CaseBlock),
        ];
        for b in blocks {
            lang.blocks
                .register(b.reflection().start_tag().to_string(), b);
        }
        let stdlib: Vec<Box<dyn liquid_core::ParseFilter>> = vec![
            Box::new(s::Append),
            Box::new(s::Capitalize),
            Box::new(collections::Default),
            Box::new(s::Downcase),
            Box::new(s::Escape),
            Box::new(s::EscapeOnce),
            Box::new(s::Lstrip),
            Box::new(s::Prepend),
            Box::new(s::Remove),
            Box::new(s::RemoveFirst),
            Box::new(s::Replace),
            Box::new(s::ReplaceFirst),
            Box::new(s::Rstrip),
            Box::new(s::Size),
            Box::new(s::Slice),
            Box::new(s::Sort),
            Box::new(s::SortNatural),
            Box::new(s::Strip),
            Box::new(s::StripHtml),
            Box::new(s::StripNewlines),
            Box::new(s::Truncate),
            Box::new(s::Upcase),
            Box::new(s::UrlDecode),
            Box::new(s::UrlEncode),
        ];
        let own = filters::own()
            .into_iter()
            .chain(collections::own())
            .map(|f| Box::new(f) as Box<dyn liquid_core::ParseFilter>);
        for f in stdlib.into_iter().chain(own) {
            let name = f.reflection().name().to_string();
            lang.filters.register(name, Box::new(filters::Bounded(f)));
        }
        Liquid {
            language: lang,
            cache: RefCell::new(HashMap::new()),
        }
    }

    /// Checks that a template parses and is within the size and nesting limits.
    pub fn check(&self, template: &str) -> Result<(), TemplateError> {
        if !has_markup(template) {
            return Ok(());
        }
        self.parse_cached(template).map(|_| ())
    }

    /// Renders a template against an execution context object
    /// (`{"trigger":{...},"widgets":{...},"flow":{...}}`); undefined variables are empty.
    pub fn render(&self, template: &str, ctx: &Value) -> Result<String, TemplateError> {
        if !has_markup(template) {
            return Ok(template.to_string());
        }
        match self.render_strict(template, ctx) {
            Err(e) => match unterminated_tail(template) {
                Some((head, tail)) => Ok(self.render_strict(head, ctx)? + tail),
                None => Err(e),
            },
            ok => ok,
        }
    }

    fn render_strict(&self, template: &str, ctx: &Value) -> Result<String, TemplateError> {
        if !has_markup(template) {
            return Ok(template.to_string());
        }
        let parsed = self.parse_cached(template)?;
        let globals = match ctx {
            Value::Object(_) | Value::Null => liquid_core::to_object(ctx)
                .map_err(|e| TemplateError::new(format!("context is not representable: {e}")))?,
            _ => {
                return Err(TemplateError::new(
                    "the render context must be a JSON object",
                ))
            }
        };
        let mut out = limits::BoundedOutput::default();
        let rendered = catch_unwind(AssertUnwindSafe(|| {
            let runtime = runtime::Lenient(RuntimeBuilder::new().set_globals(&globals).build());
            parsed.render_to(&mut out, &runtime)
        }));
        match rendered {
            Err(_) => Err(TemplateError::new(
                "the template could not be rendered (liquid failed)",
            )),
            Ok(Err(_)) if out.exceeded => Err(TemplateError::new(format!(
                "the rendered text is over the {MAX_OUTPUT_BYTES}-byte budget"
            ))),
            Ok(Err(e)) => Err(TemplateError::new(e.to_string())),
            Ok(Ok(())) => Ok(String::from_utf8_lossy(&out.bytes).into_owned()),
        }
    }

    fn parse_cached(&self, text: &str) -> Result<Rc<Template>, TemplateError> {
        if let Some(t) = self.cache.borrow().get(text) {
            return Ok(Rc::clone(t));
        }
        limits::check_shape(text).map_err(TemplateError::new)?;
        let parsed = match self.parse(text) {
            Err(e) => {
                let tight = tighten_paths(text);
                if tight == text {
                    return Err(e);
                }
                self.parse(&tight).map_err(|_| e)?
            }
            ok => ok?,
        };
        let parsed = Rc::new(parsed);
        let mut cache = self.cache.borrow_mut();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(text.to_string(), Rc::clone(&parsed));
        Ok(parsed)
    }

    fn parse(&self, text: &str) -> Result<Template, TemplateError> {
        catch_unwind(AssertUnwindSafe(|| {
            liquid_core::parser::parse(text, &self.language)
        }))
        .map_err(|_| TemplateError::new("the template could not be parsed (liquid failed)"))?
        .map(Template::new)
        .map_err(|e| TemplateError::new(e.to_string()))
    }
}

thread_local! {
    /// Each thread's engine: parsed templates are not `Send`, so the cache is per thread.
    static ENGINE: Liquid = Liquid::new();
}

/// Whether a string contains Liquid markup at all.
pub fn has_markup(template: &str) -> bool {
    template.contains("{{") || template.contains("{%")
}

/// Checks that a template parses, as Studio does when a flow is published.
pub fn check(template: &str) -> Result<(), TemplateError> {
    ENGINE.with(|e| e.check(template))
}

/// Renders a template with this thread's engine (see `Liquid::render`).
pub fn render(template: &str, ctx: &Value) -> Result<String, TemplateError> {
    ENGINE.with(|e| e.render(template, ctx))
}

/// Splits a template that ends in an unterminated `{{` followed only by a
/// variable path into the part before it and the literal tail, e.g.
/// `"id={{flow.variables.id"` into `("id=", "{{flow.variables.id")`.
/// Real Studio flows contain such values; `check` rejects them, `render`
/// keeps the tail as literal text, and the validator reports a warning.
pub fn unterminated_tail(template: &str) -> Option<(&str, &str)> {
    let at = template.rfind("{{")?;
    let tail = &template[at..];
    let inner = tail[2..].trim();
    let path_char = |c: char| c.is_ascii_alphanumeric() || "_-?.[]'\" ".contains(c);
    let is_path = inner
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && inner.chars().all(path_char)
        && !inner.contains("{%");
    is_path.then(|| (&template[..at], tail))
}

/// Removes the spaces around the single dots of variable paths inside markup
/// (`widgets. name .parsed` → `widgets.name.parsed`), outside quoted strings.
fn tighten_paths(template: &str) -> String {
    let mut out = String::with_capacity(template.len());
    let mut rest = template;
    while let Some(open) = rest.find("{{").or_else(|| rest.find("{%")) {
        let open = rest.find("{%").map_or(open, |t| t.min(open));
        let close = if rest[open..].starts_with("{%") {
            "%}"
        } else {
            "}}"
        };
        let Some(len) = rest[open + 2..].find(close) else {
            break;
        };
        out.push_str(&rest[..open + 2]);
        out.push_str(&tighten_body(&rest[open + 2..open + 2 + len]));
        rest = &rest[open + 2 + len..];
    }
    out.push_str(rest);
    out
}

fn tighten_body(body: &str) -> String {
    let c: Vec<char> = body.chars().collect();
    let (mut out, mut i, mut quote) = (String::with_capacity(body.len()), 0, None);
    while i < c.len() {
        let ch = c[i];
        if let Some(q) = quote {
            quote = (ch != q).then_some(q);
        } else if ch == '"' || ch == '\'' {
            quote = Some(ch);
        } else if ch.is_whitespace() || ch == '.' {
            let skip = |mut j: usize| {
                while c.get(j).is_some_and(|d| d.is_whitespace()) {
                    j += 1;
                }
                j
            };
            let dot = skip(i);
            let after = skip(dot + 1);
            let single = c.get(dot) == Some(&'.')
                && c.get(dot + 1) != Some(&'.')
                && (dot == 0 || c[dot - 1] != '.');
            let left = out
                .chars()
                .last()
                .is_some_and(|p| p.is_ascii_alphanumeric() || "_-?]".contains(p));
            let right = c
                .get(after)
                .is_some_and(|d| d.is_ascii_alphabetic() || *d == '_');
            if single && left && right {
                out.push('.');
                i = after;
                continue;
            }
        }
        out.push(ch);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests;
