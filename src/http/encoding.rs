//! Twilio's wire conventions: form-encoded PascalCase parameters in, JSON with absolute URLs and
//! paging `meta` out.

use super::error::ApiError;
use crate::store::{Page, Window};
use serde_json::{json, Map, Value};

/// At most this many parameters in a query string or form body.
pub const MAX_PARAMS: usize = 1000;
/// The deepest nesting a JSON-valued parameter may have.
pub const MAX_JSON_DEPTH: usize = 32;
/// The largest JSON object parameter (`Attributes`, `Context`…), in bytes.
pub const MAX_ATTRIBUTES_BYTES: usize = 64 * 1024;

/// Twilio's length limits on descriptive names, in characters: TaskRouter's `FriendlyName` is
/// "up to 64 characters" (error 20002); Conversations, Studio and Flex take up to 256 for names
/// and unique names. A longer one is refused before any handler sees it, so no resource stores
/// a 100 KB name.
pub const NAME_LIMITS: &[(&str, &str, usize)] = &[
    ("/v1/Workspaces", "FriendlyName", 64),
    ("", "FriendlyName", 256),
    ("", "UniqueName", 256),
    ("", "Identity", 256),
];

/// Checks the names in a request's form against [`NAME_LIMITS`] (the first row whose path
/// prefix and parameter match applies).
pub fn check_names(path: &str, form: &Params) -> Result<(), ApiError> {
    for (name, value) in &form.0 {
        let Some((_, _, limit)) = NAME_LIMITS
            .iter()
            .find(|(prefix, param, _)| param == name && path.starts_with(prefix))
        else {
            continue;
        };
        let len = value.chars().count();
        if len > *limit {
            let code = if name == "FriendlyName" {
                super::error::code::INVALID_FRIENDLY_NAME
            } else {
                super::error::code::INVALID_PARAMETER
            };
            return Err(ApiError::new(
                400,
                code,
                format!(
                    "Invalid parameter {name}: it is {len} characters long; the most is {limit}."
                ),
            ));
        }
    }
    Ok(())
}

/// Decoded `name=value` pairs, in order; repeated names make lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params(pub Vec<(String, String)>);

impl Params {
    /// Decodes `application/x-www-form-urlencoded` text strictly: a bad `%` escape or invalid
    /// UTF-8 is an error, not something to guess at.
    pub fn decode(input: &[u8]) -> Result<Params, String> {
        let mut out = Vec::new();
        for part in input.split(|b| *b == b'&') {
            if part.is_empty() {
                continue;
            }
            if out.len() == MAX_PARAMS {
                return Err(format!("more than {MAX_PARAMS} parameters"));
            }
            let (name, value) = match part.iter().position(|b| *b == b'=') {
                Some(i) => (&part[..i], &part[i + 1..]),
                None => (part, &b""[..]),
            };
            out.push((percent_decode(name)?, percent_decode(value)?));
        }
        Ok(Params(out))
    }

    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every value of `name`, in order.
    pub fn get_all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    pub fn has(&self, name: &str) -> bool {
        self.0.iter().any(|(k, _)| k == name)
    }

    pub fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| ApiError::missing_param(name))
    }

    /// A value parsed as `T`; a value that does not parse is a 400 naming the parameter.
    pub fn parse<T: std::str::FromStr>(&self, name: &str) -> Result<Option<T>, ApiError> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v
                .trim()
                .parse()
                .map(Some)
                .map_err(|_| ApiError::bad_param(name, format!("{v:?} is not a valid value"))),
        }
    }

    /// `true`/`false` as Twilio's SDKs send them (also `1`/`0`).
    pub fn bool(&self, name: &str) -> Result<Option<bool>, ApiError> {
        match self.get(name).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(None),
            Some(v) if v == "true" || v == "1" => Ok(Some(true)),
            Some(v) if v == "false" || v == "0" => Ok(Some(false)),
            Some(v) => Err(ApiError::bad_param(
                name,
                format!("{v:?} is not true or false"),
            )),
        }
    }

    /// A JSON-valued parameter (`Definition`, `Configuration`…) parsed; a bad document, or one
    /// nested deeper than `MAX_JSON_DEPTH`, is a 400.
    pub fn json(&self, name: &str) -> Result<Option<Value>, ApiError> {
        let Some(v) = self.get(name) else {
            return Ok(None);
        };
        let value: Value = serde_json::from_str(v)
            .map_err(|e| ApiError::bad_param(name, format!("not valid JSON: {e}")))?;
        if json_depth(&value) > MAX_JSON_DEPTH {
            return Err(ApiError::bad_param(
                name,
                format!("nested deeper than {MAX_JSON_DEPTH} levels"),
            ));
        }
        Ok(Some(value))
    }

    /// Like `json`, but the document must be an object of at most `MAX_ATTRIBUTES_BYTES` (as
    /// `Attributes` must).
    pub fn json_object(&self, name: &str) -> Result<Option<Value>, ApiError> {
        if self
            .get(name)
            .is_some_and(|v| v.len() > MAX_ATTRIBUTES_BYTES)
        {
            return Err(ApiError::bad_param(
                name,
                format!("longer than {MAX_ATTRIBUTES_BYTES} bytes"),
            ));
        }
        match self.json(name)? {
            Some(v) if !v.is_object() => Err(ApiError::bad_param(name, "must be a JSON object")),
            other => Ok(other),
        }
    }
}

/// How deeply `v` nests arrays and objects (a scalar is 0).
pub fn json_depth(v: &Value) -> usize {
    match v {
        Value::Array(items) => 1 + items.iter().map(json_depth).max().unwrap_or(0),
        Value::Object(map) => 1 + map.values().map(json_depth).max().unwrap_or(0),
        _ => 0,
    }
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

pub fn percent_decode(input: &[u8]) -> Result<String, String> {
    let mut bytes = Vec::with_capacity(input.len());
    let mut i = 0;
    while i < input.len() {
        match input[i] {
            b'+' => bytes.push(b' '),
            b'%' => {
                let hi = input.get(i + 1).copied().and_then(hex);
                let lo = input.get(i + 2).copied().and_then(hex);
                match (hi, lo) {
                    (Some(h), Some(l)) => bytes.push(h * 16 + l),
                    _ => return Err(format!("bad percent-escape at byte {i}")),
                }
                i += 2;
            }
            b => bytes.push(b),
        }
        i += 1;
    }
    String::from_utf8(bytes).map_err(|_| "the text is not valid UTF-8".to_string())
}

pub use crate::form::percent_encode;

/// What a list request asked for: `PageSize` (1–1000, default 50), `Page`, `PageToken`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub page_size: u32,
}

impl PageRequest {
    pub fn from_query(q: &Params) -> Result<PageRequest, ApiError> {
        let page_size = match q.parse::<u32>("PageSize")? {
            None => 50,
            Some(n) if (1..=1000).contains(&n) => n,
            Some(_) => return Err(ApiError::bad_param("PageSize", "must be from 1 to 1000")),
        };
        let mut page = q.parse::<u64>("Page")?.unwrap_or(0);
        // Our page tokens are "PT" + the page number; a token wins over `Page` as on Twilio.
        if let Some(token) = q.get("PageToken").filter(|t| !t.is_empty()) {
            page = token
                .strip_prefix("PT")
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| {
                    ApiError::bad_param("PageToken", "not a token this server issued")
                })?;
        }
        if page > 10_000_000 {
            return Err(ApiError::bad_param("Page", "is too large"));
        }
        Ok(PageRequest { page, page_size })
    }

    pub fn window(&self) -> Window {
        Window {
            offset: self.page * u64::from(self.page_size),
            limit: self.page_size,
        }
    }
}

/// The JSON of a list answer: `{key: [...], "meta": {...}}` with Twilio's v1/v2 `meta` fields.
/// `path` is the list's path, `filters` the query parameters to carry into page URLs.
pub fn page_json(
    base: &str,
    path: &str,
    filters: &[(String, String)],
    key: &str,
    page: Page<Value>,
    pr: PageRequest,
) -> Value {
    let url_for = |n: u64| {
        let mut q: Vec<String> = filters
            .iter()
            .filter(|(k, _)| !matches!(k.as_str(), "PageSize" | "Page" | "PageToken"))
            .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
            .collect();
        q.push(format!("PageSize={}", pr.page_size));
        q.push(format!("Page={n}"));
        if n > 0 {
            q.push(format!("PageToken=PT{n}"));
        }
        format!("{base}{path}?{}", q.join("&"))
    };
    let mut meta = Map::new();
    meta.insert("page".into(), json!(pr.page));
    meta.insert("page_size".into(), json!(pr.page_size));
    meta.insert("first_page_url".into(), json!(url_for(0)));
    meta.insert(
        "previous_page_url".into(),
        if pr.page > 0 {
            json!(url_for(pr.page - 1))
        } else {
            Value::Null
        },
    );
    meta.insert("url".into(), json!(url_for(pr.page)));
    meta.insert(
        "next_page_url".into(),
        if page.has_more {
            json!(url_for(pr.page + 1))
        } else {
            Value::Null
        },
    );
    meta.insert("key".into(), json!(key));
    let mut out = Map::new();
    out.insert(key.into(), Value::Array(page.items));
    out.insert("meta".into(), Value::Object(meta));
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_longer_than_twilios_limits_are_refused() {
        let form = |v: &str| Params(vec![("FriendlyName".into(), v.into())]);
        let long = "é".repeat(65);
        assert!(check_names("/v1/Workspaces/WS1/Workers", &form(&"é".repeat(64))).is_ok());
        let e = check_names("/v1/Workspaces/WS1/Workers", &form(&long)).unwrap_err();
        assert_eq!((e.status, e.code), (400, 20002));
        assert!(e.message.contains("64"), "{}", e.message);
        assert!(check_names("/v2/Flows", &form(&long)).is_ok());
        assert!(check_names("/v2/Flows", &form(&"x".repeat(257))).is_err());
        let unique = Params(vec![("UniqueName".into(), "u".repeat(300))]);
        assert_eq!(
            check_names("/v1/Conversations", &unique).unwrap_err().code,
            20001
        );
    }

    #[test]
    fn decodes_forms_strictly() {
        let p = Params::decode(b"FriendlyName=Hello+World&To=%2B15551234&A=1&A=2&Flag").unwrap();
        assert_eq!(p.get("FriendlyName"), Some("Hello World"));
        assert_eq!(p.get("To"), Some("+15551234"));
        assert_eq!(p.get_all("A"), vec!["1", "2"]);
        assert_eq!(p.get("Flag"), Some(""));
        assert!(Params::decode(b"A=%zz").is_err());
        assert!(Params::decode(b"A=%4").is_err());
        assert!(Params::decode(b"A=%ff%fe").is_err());
        assert_eq!(
            percent_decode(percent_encode("a b/é+").as_bytes()).unwrap(),
            "a b/é+"
        );
    }

    #[test]
    fn json_parameters_are_bounded_in_depth_and_size() {
        let deep = format!("{}1{}", "[".repeat(40), "]".repeat(40));
        let ok = format!("{}1{}", "[".repeat(32), "]".repeat(32));
        let big = format!("{{\"a\":\"{}\"}}", "x".repeat(MAX_ATTRIBUTES_BYTES));
        let body = format!(
            "Deep={}&Ok={}&Big={}",
            percent_encode(&deep),
            percent_encode(&ok),
            percent_encode(&big)
        );
        let p = Params::decode(body.as_bytes()).unwrap();
        assert!(p.json("Deep").unwrap_err().message.contains("deeper"));
        assert!(p.json("Ok").unwrap().is_some());
        assert!(p.json_object("Big").unwrap_err().message.contains("longer"));
        assert!(p.json("Big").unwrap().is_some());
    }

    #[test]
    fn paging_meta_links_pages() {
        let pr = PageRequest::from_query(&Params::decode(b"PageSize=2&Page=1").unwrap()).unwrap();
        assert_eq!(
            pr.window(),
            Window {
                offset: 2,
                limit: 2
            }
        );
        let page = Page {
            items: vec![json!(1), json!(2)],
            has_more: true,
        };
        let v = page_json(
            "http://h",
            "/v1/X",
            &[("Status".into(), "a b".into())],
            "xs",
            page,
            pr,
        );
        let meta = &v["meta"];
        assert_eq!(meta["key"], "xs");
        assert_eq!(meta["page"], 1);
        assert_eq!(
            meta["next_page_url"],
            "http://h/v1/X?Status=a%20b&PageSize=2&Page=2&PageToken=PT2"
        );
        assert_eq!(
            meta["previous_page_url"],
            "http://h/v1/X?Status=a%20b&PageSize=2&Page=0"
        );
        let pr2 =
            PageRequest::from_query(&Params::decode(b"PageToken=PT2&PageSize=2").unwrap()).unwrap();
        assert_eq!(pr2.page, 2);
        assert!(PageRequest::from_query(&Params::decode(b"PageSize=0").unwrap()).is_err());
        assert!(PageRequest::from_query(&Params::decode(b"PageToken=zz").unwrap()).is_err());
    }
}
