//! Channels' REST surface: Flex v1 `FlexFlows` and `Interactions`, Conversations v1 (also under
//! the default `Services/{IS…}`), the carrier messaging webhook, web chat and System Checkup.
//! Handlers decode, call `crate::channels`, encode.

pub mod checkup;
pub mod conversations;
pub mod flex;
pub mod flex_flows;
pub mod interactions;
pub mod messages;
pub mod messaging;
pub mod participants;
pub mod webchat;
pub mod webhooks;

use crate::http::error::ApiError;
use crate::http::request::Req;
use crate::http::router::Route;
use crate::http::App;
use serde_json::{Map, Value};

pub fn routes() -> Vec<Route> {
    use crate::http::router::Domain::{Conversations, FlexApi};
    let mut r = Vec::new();
    // Flex v1 (`flex-api.twilio.com`).
    r.extend(FlexApi.claim(flex::routes()));
    r.extend(FlexApi.claim(flex_flows::routes()));
    r.extend(FlexApi.claim(interactions::routes()));
    // Conversations v1 (`conversations.twilio.com`).
    r.extend(Conversations.claim(conversations::routes()));
    r.extend(Conversations.claim(participants::routes()));
    r.extend(Conversations.claim(messages::routes()));
    r.extend(Conversations.claim(webhooks::routes()));
    // Switchboard's own: the carrier webhook, web chat, System Checkup.
    r.extend(messaging::routes());
    r.extend(webchat::routes());
    r.extend(checkup::routes());
    r
}

/// Both spellings of a Conversations route: `/v1/…` and `/v1/Services/{ChatServiceSid}/…`.
macro_rules! both {
    ($method:expr, $rest:literal, $handler:expr) => {
        [
            Route::new($method, concat!("/v1", $rest), Access::Account, $handler),
            Route::new(
                $method,
                concat!("/v1/Services/{ChatServiceSid}", $rest),
                Access::Account,
                $handler,
            ),
        ]
    };
}
pub(crate) use both;

/// The Conversations path prefix the request used; a service other than the default one is 404.
pub(crate) fn base(app: &App, req: &Req) -> Result<String, ApiError> {
    let service = req.param("ChatServiceSid");
    if service.is_empty() {
        return Ok("/v1".into());
    }
    let known = app
        .store
        .read(crate::store::channels::flex_flows::default_service)?
        .map(|(sid, _, _)| sid);
    if known.as_deref() != Some(service) {
        return Err(ApiError::not_found(&req.path));
    }
    Ok(format!("/v1/Services/{service}"))
}

/// Collects `Prefix.Name` form parameters as a snake_case object: `Integration.FlowSid=FW1` →
/// `{"flow_sid": "FW1"}`. `ints`/`bools`/`lists` name the keys with typed values.
pub(crate) fn dotted(
    req: &Req,
    prefix: &str,
    ints: &[&str],
    bools: &[&str],
    lists: &[&str],
) -> Result<Map<String, Value>, ApiError> {
    let mut out = Map::new();
    for (k, v) in &req.form.0 {
        let Some(name) = k.strip_prefix(prefix).and_then(|n| n.strip_prefix('.')) else {
            continue;
        };
        let key = snake(name);
        let value = if ints.contains(&name) {
            Value::from(
                v.trim()
                    .parse::<i64>()
                    .map_err(|_| ApiError::bad_param(k, "must be a whole number"))?,
            )
        } else if bools.contains(&name) {
            Value::Bool(req.form.bool(k)?.unwrap_or(false))
        } else if lists.contains(&name) {
            let mut items = out
                .get(&key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            items.push(Value::String(v.clone()));
            Value::Array(items)
        } else {
            Value::String(v.clone())
        };
        out.insert(key, value);
    }
    Ok(out)
}

/// `FlowSid` → `flow_sid`.
pub(crate) fn snake(s: &str) -> String {
    let mut out = String::new();
    for (i, ch) in s.chars().enumerate() {
        if ch.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
        } else {
            out.push(ch);
        }
    }
    out
}

/// A string parameter with a length limit.
pub(crate) fn text(req: &Req, name: &str, max: usize) -> Result<Option<String>, ApiError> {
    match req.form.get(name) {
        Some(v) if v.chars().count() > max => Err(ApiError::bad_param(
            name,
            format!("must be at most {max} characters"),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

/// A query parameter with a length limit.
pub(crate) fn text_query(req: &Req, name: &str, max: usize) -> Result<Option<String>, ApiError> {
    match req.query.get(name) {
        Some(v) if v.chars().count() > max => Err(ApiError::bad_param(
            name,
            format!("must be at most {max} characters"),
        )),
        other => Ok(other.map(str::to_string)),
    }
}

/// An ISO 8601 date parameter as Unix ms.
pub(crate) fn date(req: &Req, name: &str) -> Result<Option<i64>, ApiError> {
    match req.form.get(name).or_else(|| req.query.get(name)) {
        None | Some("") => Ok(None),
        Some(v) => crate::clock::parse_iso8601(v)
            .map(Some)
            .ok_or_else(|| ApiError::bad_param(name, "is not an ISO 8601 date")),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn snake_cases_twilio_names() {
        assert_eq!(super::snake("FlowSid"), "flow_sid");
        assert_eq!(super::snake("CreationOnMessage"), "creation_on_message");
        assert_eq!(super::snake("Url"), "url");
    }
}
