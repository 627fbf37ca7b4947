//! Channels' REST surface: Flex v1 `FlexFlows` and `Interactions`, Conversations v1 (also under
//! the default `Services/{IS…}`), the carrier messaging webhook, web chat and System Checkup.
//! Handlers decode, call `crate::channels`, encode.

pub mod address_configs;
pub mod checkup;
pub mod configuration;
pub mod conversations;
pub mod flex;
pub mod flex_flows;
pub mod interactions;
pub mod messages;
pub mod messaging;
pub mod participants;
pub mod receipts;
pub mod roles;
pub mod services;
pub mod users;
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
    r.extend(Conversations.claim(services::routes()));
    r.extend(Conversations.claim(configuration::routes()));
    r.extend(Conversations.claim(address_configs::routes()));
    r.extend(Conversations.claim(users::routes()));
    r.extend(Conversations.claim(roles::routes()));
    r.extend(Conversations.claim(receipts::routes()));
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

/// The Conversations service a request acts in: the one in its path (`/v1/Services/{IS…}/…`,
/// 404 when there is no such service), else the account's default service (`/v1/…`).
#[derive(Debug, Clone)]
pub(crate) struct Scope {
    /// `/v1` or `/v1/Services/{IS…}`: where this request's resources' URLs live.
    pub prefix: String,
    pub service: String,
}

pub(crate) fn scope(app: &App, req: &Req) -> Result<Scope, ApiError> {
    let service = req.param("ChatServiceSid");
    if service.is_empty() {
        let default = app
            .store
            .read(crate::channels::services::current_default)?
            .ok_or_else(|| ApiError::not_found(&req.path))?;
        return Ok(Scope {
            prefix: "/v1".into(),
            service: default,
        });
    }
    if app
        .store
        .read(|c| crate::store::channels::services::find(c, service))?
        .is_none()
    {
        return Err(ApiError::not_found(&req.path));
    }
    Ok(Scope {
        prefix: format!("/v1/Services/{service}"),
        service: service.to_string(),
    })
}

/// The path's `{ConversationSid}` (a SID or unique name) in the request's service.
pub(crate) fn conversation_in(
    app: &App,
    req: &Req,
    scope: &Scope,
) -> Result<crate::channels::conversations::Conversation, ApiError> {
    Ok(app.store.read(|c| {
        crate::channels::conversations::fetch_in(c, &scope.service, req.param("ConversationSid"))
    })?)
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

/// Whether a REST call asks for the service's webhooks (`X-Twilio-Webhook-Enabled: true`);
/// without it Twilio calls none for actions taken through the API.
pub(crate) fn quiet(req: &Req) -> bool {
    !req.header("X-Twilio-Webhook-Enabled")
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("true"))
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
