//! Twilio Studio's Liquid. Templates are parsed here (`lexer`: Shopify's tokenizer and a
//! markup's tokens; `expr`: values, filter chains, conditions; `parser` + `tags`: the tags, as
//! Shopify Liquid defines them) into the `liquid-core` crate's `Template`s, and run on its
//! runtime, values and filters, through its extension points and never by rewriting text:
//! - `filters`, `collections`, `ordering`: Twilio's filters as real crate filters (numbers
//!   coerced as Shopify Liquid does, `date` on ISO 8601, `to_json`), every filter bounded in
//!   the size of what it builds;
//! - `runtime`: unknown variables are nil (a `Runtime` that answers them), and Twilio's `for`
//!   (at most 15 iterations per loop);
//! - `limits`: template size and nesting checked before parsing, and the render's budget
//!   (iterations, time, output size).
//!
//! The `Liquid` engine owns the language and the cache of parsed templates. The crate is called
//! under `catch_unwind`: a panic inside it on some template is a template error.

mod collections;
mod expr;
mod filters;
mod lexer;
mod limits;
mod ordering;
mod parser;
mod runtime;
mod tags;

use std::collections::HashMap;
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::{Arc, Mutex, MutexGuard};

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

/// Twilio's Liquid: the language (its filters) and a cache of parsed templates, shared by the
/// threads that render (parsed templates are `Send + Sync`). The Studio engine keeps its one
/// `Liquid` in `Core::state`; the validator makes its own.
pub struct Liquid {
    language: Language,
    cache: Mutex<HashMap<String, Arc<Template>>>,
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
            Box::new(s::Rstrip),
            Box::new(s::Size),
            Box::new(s::Strip),
            Box::new(s::StripHtml),
            Box::new(s::StripNewlines),
            Box::new(s::Truncate),
            Box::new(s::Upcase),
            Box::new(s::UrlDecode),
        ];
        let own = filters::own()
            .into_iter()
            .chain(collections::own())
            .chain(ordering::own())
            .map(|f| Box::new(f) as Box<dyn liquid_core::ParseFilter>);
        for f in stdlib.into_iter().chain(own) {
            let name = f.reflection().name().to_string();
            lang.filters.register(name, Box::new(filters::Bounded(f)));
        }
        Liquid {
            language: lang,
            cache: Mutex::new(HashMap::new()),
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

    fn cache(&self) -> MutexGuard<'_, HashMap<String, Arc<Template>>> {
        // A panic while the lock was held leaves a map of whole entries: still usable.
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn parse_cached(&self, text: &str) -> Result<Arc<Template>, TemplateError> {
        if let Some(t) = self.cache().get(text) {
            return Ok(Arc::clone(t));
        }
        limits::check_shape(text).map_err(TemplateError::new)?;
        let parsed = Arc::new(self.parse(text)?); // outside the lock
        let mut cache = self.cache();
        if cache.len() >= CACHE_LIMIT {
            cache.clear();
        }
        cache.insert(text.to_string(), Arc::clone(&parsed));
        Ok(parsed)
    }

    fn parse(&self, text: &str) -> Result<Template, TemplateError> {
        catch_unwind(AssertUnwindSafe(|| parser::parse(text, &self.language)))
            .map_err(|_| TemplateError::new("the template could not be parsed (liquid failed)"))?
            .map_err(|e| TemplateError::new(e.to_string()))
    }
}

/// Whether a string contains Liquid markup at all.
pub fn has_markup(template: &str) -> bool {
    template.contains("{{") || template.contains("{%")
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

#[cfg(test)]
mod tests;
