//! Conversations v1 `Participants`:
//! https://www.twilio.com/docs/conversations/api/conversation-participant-resource

use super::{both, conversation_in, date, quiet, scope, text};
use crate::channels::participants::{self, Fields, Participant};
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
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Participants",
        list
    ));
    r.extend(both!(
        Post,
        "/Conversations/{ConversationSid}/Participants",
        create
    ));
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Participants/{ParticipantSid}",
        fetch
    ));
    r.extend(both!(
        Post,
        "/Conversations/{ConversationSid}/Participants/{ParticipantSid}",
        update
    ));
    r.extend(both!(
        Delete,
        "/Conversations/{ConversationSid}/Participants/{ParticipantSid}",
        delete
    ));
    r
}

/// Twilio's `messaging_binding` of a participant (`None` for a chat-only participant).
pub fn messaging_binding(p: &Participant) -> Option<Value> {
    p.binding_address
        .as_ref()
        .map(|a| {
            json!({"type": participants::binding_type(a), "address": a,
                   "proxy_address": p.proxy_address})
        })
        .or_else(|| {
            p.projected_address
                .as_ref()
                .map(|a| json!({"type": participants::binding_type(a), "projected_address": a}))
        })
}

pub fn participant_json(
    app: &App,
    req: &Req,
    prefix: &str,
    service: &str,
    p: &Participant,
) -> Value {
    let binding = messaging_binding(p);
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "chat_service_sid": service,
            "conversation_sid": p.conversation_sid,
            "sid": p.sid,
            "identity": p.identity,
            "attributes": p.attributes,
            "messaging_binding": binding,
            "role_sid": p.role_sid,
            "date_created": iso8601(p.created_at),
            "date_updated": iso8601(p.updated_at),
            "last_read_message_index": p.last_read_message_index,
            "last_read_timestamp": p.last_read_timestamp,
        }),
        req,
        &format!(
            "{prefix}/Conversations/{}/Participants/{}",
            p.conversation_sid, p.sid
        ),
        &[],
    )
}

fn fields(req: &Req) -> Result<Fields, ApiError> {
    let f = &req.form;
    Ok(Fields {
        identity: text(req, "Identity", 256)?,
        binding_address: text(req, "MessagingBinding.Address", 256)?,
        proxy_address: text(req, "MessagingBinding.ProxyAddress", 256)?,
        projected_address: text(req, "MessagingBinding.ProjectedAddress", 256)?,
        attributes: f.get("Attributes").map(str::to_string),
        role_sid: f.get("RoleSid").map(str::to_string),
        last_read_message_index: f.parse("LastReadMessageIndex")?,
        last_read_timestamp: f.get("LastReadTimestamp").map(str::to_string),
        date_created: date(req, "DateCreated")?,
        date_updated: date(req, "DateUpdated")?,
        quiet: quiet(req),
    })
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?;
    let p = participants::add(app, &conv.sid, fields(req)?)?;
    Ok(Reply::created(participant_json(
        app,
        req,
        &scope.prefix,
        &scope.service,
        &p,
    ))
    .into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?;
    let p = app
        .store
        .read(|c| participants::fetch(c, &conv.sid, req.param("ParticipantSid")))?;
    Ok(Reply::ok(participant_json(
        app,
        req,
        &scope.prefix,
        &scope.service,
        &p,
    ))
    .into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?;
    let p = participants::update(app, &conv.sid, req.param("ParticipantSid"), fields(req)?)?;
    Ok(Reply::ok(participant_json(
        app,
        req,
        &scope.prefix,
        &scope.service,
        &p,
    ))
    .into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?;
    participants::remove(app, &conv.sid, req.param("ParticipantSid"), quiet(req))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| crate::store::channels::participants::list(c, &conv.sid, pr.window()))?;
    let page = page.map(|p| participant_json(app, req, &scope.prefix, &scope.service, &p));
    Ok(Reply::ok(list_reply(req, "participants", page, pr)).into())
}
