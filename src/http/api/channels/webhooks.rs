//! Conversations v1 conversation-scoped `Webhooks`:
//! https://www.twilio.com/docs/conversations/api/conversation-scoped-webhook-resource

use super::{both, conversation_in, dotted, scope};
use crate::channels::webhooks::{self, Webhook};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use serde_json::{json, Map, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let mut r = Vec::new();
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Webhooks",
        list
    ));
    r.extend(both!(
        Post,
        "/Conversations/{ConversationSid}/Webhooks",
        create
    ));
    r.extend(both!(
        Get,
        "/Conversations/{ConversationSid}/Webhooks/{WebhookSid}",
        fetch
    ));
    r.extend(both!(
        Post,
        "/Conversations/{ConversationSid}/Webhooks/{WebhookSid}",
        update
    ));
    r.extend(both!(
        Delete,
        "/Conversations/{ConversationSid}/Webhooks/{WebhookSid}",
        delete
    ));
    r
}

fn webhook_json(app: &App, req: &Req, prefix: &str, service: &str, w: &Webhook) -> Value {
    with_urls(
        json!({
            "sid": w.sid,
            "account_sid": app.account_sid,
            "chat_service_sid": service,
            "conversation_sid": w.conversation_sid,
            "target": w.target,
            "configuration": w.configuration,
            "date_created": iso8601(w.created_at),
            "date_updated": iso8601(w.updated_at),
        }),
        req,
        &format!(
            "{prefix}/Conversations/{}/Webhooks/{}",
            w.conversation_sid, w.sid
        ),
        &[],
    )
}

fn configuration(req: &Req) -> Result<Map<String, Value>, ApiError> {
    let mut c = dotted(
        req,
        "Configuration",
        &["ReplayAfter"],
        &[],
        &["Filters", "Triggers"],
    )?;
    if let Some(m) = c.get("method").and_then(Value::as_str) {
        let m = m.to_ascii_uppercase();
        if m != "GET" && m != "POST" {
            return Err(ApiError::bad_param(
                "Configuration.Method",
                "must be GET or POST",
            ));
        }
        c.insert("method".into(), json!(m));
    }
    Ok(c)
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let target = req.form.require("Target")?;
    let w = webhooks::create(app, &conv, target, configuration(req)?)?;
    Ok(Reply::created(webhook_json(app, req, &scope.prefix, &scope.service, &w)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let w = app
        .store
        .read(|c| webhooks::fetch(c, &conv, req.param("WebhookSid")))?;
    Ok(Reply::ok(webhook_json(app, req, &scope.prefix, &scope.service, &w)).into())
}

fn update(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let w = webhooks::update(app, &conv, req.param("WebhookSid"), configuration(req)?)?;
    Ok(Reply::ok(webhook_json(app, req, &scope.prefix, &scope.service, &w)).into())
}

fn delete(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    webhooks::delete(app, &conv, req.param("WebhookSid"))?;
    Ok(Reply::no_content().into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let scope = scope(app, req)?;
    let conv = conversation_in(app, req, &scope)?.sid;
    let pr = PageRequest::from_query(&req.query)?;
    let page = app
        .store
        .read(|c| crate::store::channels::webhooks::list(c, &conv, pr.window()))?;
    let page = page.map(|w| webhook_json(app, req, &scope.prefix, &scope.service, &w));
    Ok(Reply::ok(list_reply(req, "webhooks", page, pr)).into())
}
