//! Conversations v1 `Conversations`: https://www.twilio.com/docs/conversations/api/conversation-resource

use super::{base, both, date, text};
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
    r.push(Route::new(
        Get,
        "/v1/Services",
        Access::Account,
        list_services,
    ));
    r.push(Route::new(
        Get,
        "/v1/Services/{ChatServiceSid}",
        Access::Account,
        fetch_service,
    ));
    r
}

pub fn conversation_json(app: &App, req: &Req, prefix: &str, c: &Conversation) -> Value {
    let path = format!("{prefix}/Conversations/{}", c.sid);
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "chat_service_sid": c.chat_service_sid,
            "messaging_service_sid": c.messaging_service_sid,
            "sid": c.sid,
            "friendly_name": c.friendly_name,
            "unique_name": c.unique_name,
            "attributes": c.attributes,
            "state": c.state,
            "date_created": iso8601(c.created_at),
            "date_updated": iso8601(c.updated_at),
            "timers": c.timers.as_object().map(|t| t.iter().filter(|(k, _)| k.starts_with("date_")).map(|(k, v)| (k.clone(), v.clone())).collect::<serde_json::Map<_, _>>()),
            "bindings": null,
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

fn fields(req: &Req) -> Result<Fields, ApiError> {
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
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let prefix = base(app, req)?;
    let c = conversations::create(app, fields(req)?)?;
    Ok(Reply::created(conversation_json(app, req, &prefix, &c)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let prefix = base(app, req)?;
    let c = app
        .store
        .read(|c| conversations::fetch(c, req.param("ConversationSid")))?;
    Ok(Reply::ok(conversation_json(app, req, &prefix, &c)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let prefix = base(app, req)?;
    let c = conversations::update(app, req.param("ConversationSid"), fields(req)?)?;
    Ok(Reply::ok(conversation_json(app, req, &prefix, &c)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    base(app, req)?;
    conversations::delete(app, req.param("ConversationSid"))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let prefix = base(app, req)?;
    let pr = PageRequest::from_query(&req.query)?;
    let state = req.query.get("State").map(str::to_string);
    if let Some(s) = &state {
        if !conversations::STATES.contains(&s.as_str()) {
            return Err(ApiError::bad_param(
                "State",
                "must be active, inactive or closed",
            ));
        }
    }
    let filter = Filter {
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

fn service_json(app: &App, req: &Req, sid: &str, name: &str, created: i64) -> Value {
    let path = format!("/v1/Services/{sid}");
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "sid": sid,
            "friendly_name": name,
            "date_created": iso8601(created),
            "date_updated": iso8601(created),
        }),
        req,
        &path,
        &[("conversations", format!("{path}/Conversations"))],
    )
}

fn fetch_service(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    base(app, req)?;
    let (sid, name, created) = app
        .store
        .read(crate::store::channels::flex_flows::default_service)?
        .ok_or_else(|| ApiError::not_found(&req.path))?;
    Ok(Reply::ok(service_json(app, req, &sid, &name, created)).into())
}

fn list_services(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let items: Vec<Value> = app
        .store
        .read(crate::store::channels::flex_flows::default_service)?
        .filter(|_| pr.page == 0)
        .map(|(sid, name, created)| service_json(app, req, &sid, &name, created))
        .into_iter()
        .collect();
    let page = crate::store::Page {
        items,
        has_more: false,
    };
    Ok(Reply::ok(list_reply(req, "services", page, pr)).into())
}
