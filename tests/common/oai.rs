//! Twilio's own OpenAPI definitions (the `@twilio/cli-core` npm package that
//! `npm ci --prefix tests/oai` installs) and a validator for the JSON-schema subset they use:
//! `$ref`, `type` (with `nullable`), `enum`, `pattern` (SIDs), `properties`, `items`, and the formats `date-time`,
//! `date-time-rfc-2822`, `date`, `uri`, `uri-map`, `http-method`, `phone-number`.
//!
//! Twilio serializes every property a schema lists (null when it has no value), so a property the
//! schema lists and the answer lacks is a mismatch, whether or not the schema says `required`.
#![allow(dead_code)]

use serde_json::Value;
use std::path::PathBuf;

/// The folder the npm package puts the definitions in.
pub fn spec_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/oai/node_modules/@twilio/cli-core/src/services/twilio-api")
}

/// One definition file, e.g. `twilio_taskrouter_v1.json`.
pub struct Spec {
    pub name: String,
    pub doc: Value,
    patterns: std::cell::RefCell<std::collections::HashMap<String, regex::Regex>>,
}

/// One path + method of a definition.
#[derive(Debug, Clone)]
pub struct Op {
    pub path: String,
    pub method: String,
    pub op: Value,
}

impl Op {
    /// The status codes the definition lists for the operation.
    pub fn statuses(&self) -> Vec<u16> {
        self.op["responses"]
            .as_object()
            .map(|m| m.keys().filter_map(|k| k.parse().ok()).collect())
            .unwrap_or_default()
    }

    /// The JSON schema of the answer with `status`, if the definition gives one.
    pub fn schema(&self, status: u16) -> Option<&Value> {
        let s = &self.op["responses"][status.to_string()]["content"]["application/json"]["schema"];
        (!s.is_null()).then_some(s)
    }
}

impl Spec {
    pub fn load(name: &str) -> Spec {
        let path = spec_dir().join(name);
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "Twilio's OpenAPI definition {} is not there ({e}). Install it with \
                 `npm ci --prefix tests/oai` (the pinned @twilio/cli-core package; .ci/run does this)",
                path.display()
            )
        });
        let doc = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        Spec::from_doc(name, doc)
    }

    /// A definition given as JSON (the validator's own tests).
    pub fn from_doc(name: &str, doc: Value) -> Spec {
        Spec {
            name: name.to_string(),
            doc,
            patterns: Default::default(),
        }
    }

    /// Every path + method (GET, POST, DELETE) the definition lists, in file order.
    pub fn ops(&self) -> Vec<Op> {
        let mut out = Vec::new();
        for (path, item) in self.doc["paths"].as_object().into_iter().flatten() {
            for method in ["get", "post", "delete"] {
                if let Some(op) = item.get(method) {
                    out.push(Op {
                        path: path.clone(),
                        method: method.to_uppercase(),
                        op: op.clone(),
                    });
                }
            }
        }
        out
    }

    /// Whether `v` matches the schema's `pattern` (SIDs: `^WS[0-9a-fA-F]{32}$`, …).
    fn matches(&self, pattern: &str, v: &str) -> bool {
        let mut cache = self.patterns.borrow_mut();
        let re = cache.entry(pattern.to_string()).or_insert_with(|| {
            regex::Regex::new(pattern)
                .unwrap_or_else(|e| panic!("{}: pattern {pattern}: {e}", self.name))
        });
        re.is_match(v)
    }

    fn resolve<'a>(&'a self, schema: &'a Value) -> &'a Value {
        let mut s = schema;
        for _ in 0..8 {
            match s.get("$ref").and_then(Value::as_str) {
                Some(r) => {
                    let name = r.trim_start_matches("#/components/schemas/");
                    s = &self.doc["components"]["schemas"][name];
                    assert!(!s.is_null(), "{}: unresolved $ref {r}", self.name);
                }
                None => break,
            }
        }
        s
    }

    /// Checks `value` against `schema`; each mismatch is pushed as `where: what`.
    pub fn validate(&self, schema: &Value, value: &Value, at: &str, errs: &mut Vec<String>) {
        let nullable_ref = schema.get("nullable").and_then(Value::as_bool) == Some(true);
        let s = self.resolve(schema);
        if value.is_null() {
            if !(nullable_ref || s.get("nullable").and_then(Value::as_bool) == Some(true)) {
                errs.push(format!("{at}: null, the definition does not allow null"));
            }
            return;
        }
        let ty = s.get("type").and_then(Value::as_str);
        let ok = match ty {
            Some("string") => value.is_string(),
            Some("integer") => value.is_i64() || value.is_u64(),
            Some("number") => value.is_number(),
            Some("boolean") => value.is_boolean(),
            Some("array") => value.is_array(),
            Some("object") => value.is_object(),
            _ => true,
        };
        if !ok {
            errs.push(format!(
                "{at}: {} is not of type {}",
                short(value),
                ty.unwrap_or("?")
            ));
            return;
        }
        if let Some(allowed) = s.get("enum").and_then(Value::as_array) {
            if !allowed.contains(value) {
                errs.push(format!(
                    "{at}: {} is not one of {}",
                    short(value),
                    short(&Value::Array(allowed.clone()))
                ));
            }
        }
        if let (Some(f), Some(v)) = (s.get("format").and_then(Value::as_str), value.as_str()) {
            if let Some(why) = check_format(f, v) {
                errs.push(format!("{at}: {v:?} {why}"));
            }
        }
        if let (Some(p), Some(v)) = (s.get("pattern").and_then(Value::as_str), value.as_str()) {
            if !self.matches(p, v) {
                errs.push(format!("{at}: {v:?} does not match the pattern {p}"));
            }
        }
        if s.get("format").and_then(Value::as_str) == Some("uri-map") {
            for (k, v) in value.as_object().into_iter().flatten() {
                match v.as_str() {
                    Some(u) if check_format("uri", u).is_none() => {}
                    _ => errs.push(format!("{at}.{k}: {} is not a URI", short(v))),
                }
            }
        }
        if let (Some(props), Some(obj)) = (
            s.get("properties").and_then(Value::as_object),
            value.as_object(),
        ) {
            for (name, ps) in props {
                match obj.get(name) {
                    Some(v) => self.validate(ps, v, &format!("{at}.{name}"), errs),
                    None => errs.push(format!("{at}.{name}: missing")),
                }
            }
        }
        if let (Some(items), Some(arr)) = (s.get("items"), value.as_array()) {
            for (i, v) in arr.iter().enumerate() {
                self.validate(items, v, &format!("{at}[{i}]"), errs);
            }
        }
    }
}

/// A parameter sent is not dropped: where the answer has the property of the same name
/// (`FriendlyName` → `friendly_name`), it holds the value sent (JSON compared as JSON).
pub fn echoes(params: &[(String, String)], v: &Value, errs: &mut Vec<String>) {
    for (k, sent) in params {
        if k.contains('.') {
            continue;
        }
        let mut snake = String::new();
        for (i, c) in k.chars().enumerate() {
            if c.is_uppercase() && i > 0 {
                snake.push('_');
            }
            snake.push(c.to_ascii_lowercase());
        }
        let Some(got) = v.get(&snake) else { continue };
        let sent_v = serde_json::from_str::<Value>(sent).unwrap_or(Value::String(sent.clone()));
        let got_v = match got {
            Value::String(g) => serde_json::from_str::<Value>(g).unwrap_or(got.clone()),
            other => other.clone(),
        };
        let same = got == &Value::String(sent.clone()) || holds(&got_v, &sent_v);
        if !same {
            errs.push(format!(
                "{k}={sent} was sent, the answer's {snake} is {got}"
            ));
        }
    }
}

/// `got` holds what was sent: equal, an object with at least the keys sent (the answer adds
/// its own, such as a `sid`), or an array with the one value sent among its items.
fn holds(got: &Value, sent: &Value) -> bool {
    match (got, sent) {
        (Value::Object(g), Value::Object(s)) => s
            .iter()
            .all(|(k, v)| g.get(k).is_some_and(|gv| holds(gv, v))),
        (Value::Array(g), s) if !s.is_array() => g.iter().any(|gv| holds(gv, s)),
        (g, s) => g == s,
    }
}

/// Whether the definition's path most specific for `path` (the most literal segments) has a GET;
/// paths it does not list at all are taken as readable (a link to them must resolve).
pub fn gettable(spec: &Spec, path: &str) -> bool {
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let mut best: Option<(usize, bool)> = None;
    for (template, item) in spec.doc["paths"].as_object().into_iter().flatten() {
        let segs: Vec<&str> = template.trim_start_matches('/').split('/').collect();
        if segs.len() != parts.len() {
            continue;
        }
        let mut literals = 0;
        let fits = segs
            .iter()
            .zip(&parts)
            .all(|(seg, part)| match seg.split_once('}') {
                Some((_, suffix)) if seg.starts_with('{') => part.ends_with(suffix),
                _ => {
                    literals += 1;
                    seg == part
                }
            });
        if fits && best.is_none_or(|(l, _)| literals > l) {
            best = Some((literals, item.get("get").is_some()));
        }
    }
    best.is_none_or(|(_, get)| get)
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.len() > 80 {
        format!(
            "{}…",
            &s[..s.char_indices().nth(77).map_or(s.len(), |(i, _)| i)]
        )
    } else {
        s
    }
}

/// Why `v` is not of format `f`, or None when it is (or the format is not checked).
pub fn check_format(f: &str, v: &str) -> Option<&'static str> {
    let re = |p: &str| regex::Regex::new(p).unwrap().is_match(v);
    let ok = match f {
        "date-time" => re(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"),
        "date-time-rfc-2822" => re(
            r"^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}$",
        ),
        "date" => re(r"^\d{4}-\d{2}-\d{2}$"),
        "uri" => v.starts_with("http://") || v.starts_with("https://") || v.starts_with('/'),
        "http-method" => matches!(
            v,
            "GET" | "POST" | "PUT" | "DELETE" | "HEAD" | "PATCH" | "OPTIONS"
        ),
        "phone-number" => re(r"^\+?[0-9]{2,15}$") || v.contains(':'),
        _ => true,
    };
    (!ok).then_some(match f {
        "uri" => "is not a URI",
        "http-method" => "is not an HTTP method",
        _ => "does not have the format the definition gives",
    })
}
