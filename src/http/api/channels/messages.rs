//! Conversations v1 `Messages`:
//! https://www.twilio.com/docs/conversations/api/conversation-message-resource

use super::{both, conversation_in, date, quiet, scope, text};
use crate::channels::messages::{self, Message, NewMessage};
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
        "/Conversations/{ConversationSid}/Messages",
        list
    ));
    r.extend(both!(
        Post,
        "/Conversations/{ConversationSid}/Messages",
        create
    ));
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Messages/{MessageSid}",
        fetch
    ));
    r.extend(both!(
        Post,
        "/Conversations/{ConversationSid}/Messages/{MessageSid}",
        update
    ));
    r.extend(both!(
        Delete,
        "/Conversations/{ConversationSid}/Messages/{MessageSid}",
        delete
    ));
    r
}

pub fn message_json(app: &App, req: &Req, prefix: &str, service: &str, m: &Message) -> Value {
    let path = format!(
        "{prefix}/Conversations/{}/Messages/{}",
        m.conversation_sid, m.sid
    );
    with_urls(
        json!({
            "account_sid": app.account_sid,
            "chat_service_sid": service,
            "conversation_sid": m.conversation_sid,
            "sid": m.sid,
            "index": m.index,
            "author": m.author,
            "body": m.body,
            "media": m.media,
            "attributes": m.attributes,
            "participant_sid": m.participant_sid,
            "date_created": iso8601(m.created_at),
            "date_updated": iso8601(m.updated_at),
            "delivery": m.delivery,
            "content_sid": null,
        }),
        req,
        &path,
        &[
            ("delivery_receipts", format!("{path}/Receipts")),
            ("channel_metadata", format!("{path}/ChannelMetadata")),
        ],
    )
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let m = messages::create(
        app,
        &conv,
        NewMessage {
            author: text(req, "Author", 256)?.unwrap_or_else(|| "system".into()),
            body: req.form.get("Body").map(str::to_string),
            attributes: req.form.get("Attributes").map(str::to_string),
            date_created: date(req, "DateCreated")?,
            date_updated: date(req, "DateUpdated")?,
            quiet: quiet(req),
            ..Default::default()
        },
    )?;
    Ok(Reply::created(message_json(app, req, &scope.prefix, &scope.service, &m)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let m = app
        .store
        .read(|c| messages::fetch(c, &conv, req.param("MessageSid")))?;
    Ok(Reply::ok(message_json(app, req, &scope.prefix, &scope.service, &m)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let m = messages::update(
        app,
        &conv,
        req.param("MessageSid"),
        messages::Changes {
            author: text(req, "Author", 256)?,
            body: req.form.get("Body").map(str::to_string),
            attributes: req.form.get("Attributes").map(str::to_string),
            date_created: date(req, "DateCreated")?,
            date_updated: date(req, "DateUpdated")?,
            quiet: quiet(req),
        },
    )?;
    Ok(Reply::ok(message_json(app, req, &scope.prefix, &scope.service, &m)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    messages::delete(app, &conv, req.param("MessageSid"), quiet(req))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let pr = PageRequest::from_query(&req.query)?;
    let desc = match req.query.get("Order") {
        None | Some("asc") => false,
        Some("desc") => true,
        Some(_) => return Err(ApiError::bad_param("Order", "must be asc or desc")),
    };
    let page = app
        .store
        .read(|c| crate::store::channels::messages::list(c, &conv, desc, pr.window()))?;
    let page = page.map(|m| message_json(app, req, &scope.prefix, &scope.service, &m));
    Ok(Reply::ok(list_reply(req, "messages", page, pr)).into())
}
