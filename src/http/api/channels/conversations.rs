//! Conversations v1 `Conversations`: https://www.twilio.com/docs/conversations/api/conversation-resource

use super::{both, conversation_in, date, quiet, scope, text, Scope};
use crate::channels::conversations::{self, Conversation, Fields, Filter};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let mut r = Vec::new();
    r.extend(both!(Get, "/Conversations", list));
    r.extend(both!(Post, "/Conversations", create));
    r.extend(both!(Get, "/Conversations/{ConversationSid}", fetch));
    r.extend(both!(Post, "/Conversations/{ConversationSid}", update));
    r.extend(both!(Delete, "/Conversations/{ConversationSid}", delete));
    r.extend(both!(
        Post,
        "/ConversationWithParticipants",
        create_with_participants
    ));
    r
}

/// Twilio's `timers`: the dates a conversation goes inactive / closed (`date_inactive`,
/// `date_closed`), without our own bookkeeping keys.
pub fn timers_json(c: &Conversation) -> Value {
    let timers: serde_json::Map<_, _> = c
        .timers
        .as_object()
        .map(|t| {
            t.iter()
                .filter(|(k, _)| k.starts_with("date_"))
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        })
        .unwrap_or_default();
    Value::Object(timers)
}

pub fn conversation_json(app: &App, req: &Req, prefix: &str, c: &Conversation) -> Value {
    let path = format!("{prefix}/Conversations/{}", c.sid);
    let timers = timers_json(c);
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "chat_service_sid": c.chat_service_sid,
            "messaging_service_sid": c.messaging_service_sid,
            "sid": c.sid,
            "friendly_name": c.friendly_name,
            "unique_name": c.unique_name,
            "attributes": c.attributes,
            "state": c.state.as_str(),
            "date_created": iso8601(c.created_at),
            "date_updated": iso8601(c.updated_at),
            "timers": timers,
            "bindings": c.bindings,
        }),
        req,
        &path,
        &[
            ("participants", format!("{path}/Participants")),
            ("messages", format!("{path}/Messages")),
            ("webhooks", format!("{path}/Webhooks")),
        ],
    )
}

pub(crate) fn fields(req: &Req) -> Result<Fields, ApiError> {
    let f = &req.form;
    if f.get("Attributes")
        .is_some_and(|a| a.len() > crate::http::encoding::MAX_ATTRIBUTES_BYTES)
    {
        return Err(ApiError::bad_param("Attributes", "is too long"));
    }
    Ok(Fields {
        friendly_name: text(req, "FriendlyName", 256)?,
        unique_name: text(req, "UniqueName", 256)?,
        attributes: f.get("Attributes").map(str::to_string),
        messaging_service_sid: f.get("MessagingServiceSid").map(str::to_string),
        state: f.get("State").map(str::to_string),
        timers_inactive: f.get("Timers.Inactive").map(str::to_string),
        timers_closed: f.get("Timers.Closed").map(str::to_string),
        date_created: date(req, "DateCreated")?,
        date_updated: date(req, "DateUpdated")?,
        chat_service_sid: None,
        email_address: text(req, "Bindings.Email.Address", 256)?,
        email_name: text(req, "Bindings.Email.Name", 256)?,
        quiet: quiet(req),
        sid: None,
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let mut f = fields(req)?;
    f.chat_service_sid = Some(scope.service.clone());
    let c = conversations::create(app, f)?;
    Ok(Reply::created(conversation_json(app, req, &scope.prefix, &c)).into())
}

/// `POST …/ConversationWithParticipants`: `Participant` is repeated, each a JSON object with a
/// participant's parameters (`identity`, `messaging_binding.{address,proxy_address,projected_address}`,
/// `attributes`, `role_sid`).
/// https://www.twilio.com/docs/conversations/api/conversation-with-participants-resource
fn create_with_participants(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let mut f = fields(req)?;
    f.chat_service_sid = Some(scope.service.clone());
    let mut participants = Vec::new();
    for raw in req.form.get_all("Participant") {
        let v: Value = serde_json::from_str(raw)
            .ok()
            .filter(Value::is_object)
            .ok_or_else(|| ApiError::bad_param("Participant", "each must be a JSON object"))?;
        let s = |path: &[&str]| -> Option<String> {
            let mut cur = &v;
            for k in path {
                cur = cur.get(*k)?;
            }
            match cur {
                Value::String(s) => Some(s.clone()),
                Value::Null => None,
                other => Some(other.to_string()),
            }
        };
        let binding = |k: &str| {
            s(&["messaging_binding", k]).or_else(|| s(&[&format!("messaging_binding.{k}")]))
        };
        participants.push(crate::channels::participants::Fields {
            identity: s(&["identity"]),
            binding_address: binding("address"),
            proxy_address: binding("proxy_address"),
            projected_address: binding("projected_address"),
            attributes: s(&["attributes"]),
            role_sid: s(&["role_sid"]),
            quiet: quiet(req),
            ..Default::default()
        });
    }
    let c = conversations::create_with_participants(app, f, participants)?;
    Ok(Reply::created(conversation_json(app, req, &scope.prefix, &c)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let c = conversation_in(app, req, &scope)?;
    Ok(Reply::ok(conversation_json(app, req, &scope.prefix, &c)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let c = conversation_in(app, req, &scope)?;
    let c = conversations::update(app, &c.sid, fields(req)?)?;
    Ok(Reply::ok(conversation_json(app, req, &scope.prefix, &c)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let c = conversation_in(app, req, &scope)?;
    conversations::delete(app, &c.sid, quiet(req))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let Scope { prefix, service } = scope(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let state = match req.query.get("State") {
        None => None,
        Some(s) => Some(crate::states::ConversationState::parse(s).ok_or_else(|| {
            ApiError::bad_param("State", "must be initializing, active, inactive or closed")
        })?),
    };
    let filter = Filter {
        chat_service_sid: Some(service),
        state,
        start_ms: date(req, "StartDate")?,
        end_ms: date(req, "EndDate")?,
    };
    let page = app
        .store
        .read(|c| conversations::list(c, &filter, pr.window()))?;
    let page = page.map(|c| conversation_json(app, req, &prefix, &c));
    Ok(Reply::ok(list_reply(req, "conversations", page, pr)).into())
}
