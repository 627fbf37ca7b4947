//! Web chat for customers (public, rate-limited, authorised by the per-chat token):
//! - `POST /webchat/start` (`FriendlyName`, optional `Context` JSON object, optional `Body`) →
//!   `{conversation_sid, identity, token}`;
//! - `POST /webchat/{ConversationSid}/messages` (`Body`) — the customer writes;
//! - `GET /webchat/{ConversationSid}/messages?After=N&Wait=S` — messages with an index above
//!   `After`; with none yet, the request is parked (no pool thread held) until one arrives or
//!   `Wait` seconds (default 25, at most 30) pass, then `{"messages": []}`.
//!
//! The token goes in `Authorization: Bearer …` (or a `Token` parameter).

use crate::channels::webchat;
use crate::clock::iso8601;
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::park::Parked;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::messages::Message;
use crate::store::channels::webchats::WebChat;
use serde_json::{json, Value};
use std::time::Duration;

pub fn routes() -> Vec<Route> {
    use Method::*;
    let p = Access::Public;
    vec![
        Route::new(Post, "/webchat/start", p, start).limited_as(Limit::WebChat),
        Route::new(Post, "/webchat/{ConversationSid}/messages", p, send).limited_as(Limit::WebChat),
        Route::new(Get, "/webchat/{ConversationSid}/messages", p, receive)
            .limited_as(Limit::WebChat),
    ]
}

fn message_json(m: &Message) -> Value {
    json!({
        "sid": m.sid,
        "index": m.index,
        "author": m.author,
        "body": m.body,
        "media": m.media,
        "date_created": iso8601(m.created_at),
    })
}

fn token(req: &Req) -> Option<String> {
    req.header("Authorization")
        .and_then(crate::http::auth::bearer_token)
        .map(str::to_string)
        .or_else(|| {
            req.form
                .get("Token")
                .or(req.query.get("Token"))
                .map(str::to_string)
        })
}

fn authorize(app: &App, req: &Req) -> Result<WebChat, ApiError> {
    let token = token(req).ok_or_else(|| ApiError::forbidden("A chat token is required"))?;
    Ok(app
        .store
        .read(|c| webchat::authorize(c, req.param("ConversationSid"), &token))?)
}

fn start(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let name = req
        .form
        .get("FriendlyName")
        .or(req.form.get("Name"))
        .unwrap_or("Customer");
    let context = req.form.json_object("Context")?;
    let body = req
        .form
        .get("Body")
        .filter(|b| !b.trim().is_empty())
        .map(str::to_string);
    let started = webchat::start(app, name, context, body)?;
    Ok(Reply::created(json!({
        "conversation_sid": started.received.conversation_sid,
        "identity": started.identity,
        "token": started.token,
        "flex_flow_sid": started.received.flex_flow_sid,
    }))
    .into())
}

fn send(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let chat = authorize(app, req)?;
    let body = req.form.require("Body")?;
    let received = webchat::send(app, &chat, body)?;
    let m = received.message.as_ref().map(message_json);
    Ok(Reply::created(json!({"message": m})).into())
}

fn receive(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let chat = authorize(app, req)?;
    let after = req.query.parse::<i64>("After")?;
    let wait = req.query.parse::<u64>("Wait")?.unwrap_or(25).min(30);
    let read = move |app: &App, chat: &WebChat| -> Result<Vec<Value>, ApiError> {
        Ok(app
            .store
            .read(|c| webchat::messages_after(c, chat, after))?
            .iter()
            .map(message_json)
            .collect())
    };
    let now = read(app, &chat)?;
    if !now.is_empty() || wait == 0 {
        return Ok(Reply::ok(json!({"messages": now})).into());
    }
    let topic = chat.conversation_sid.clone();
    Ok(Outcome::Park(Parked::new(
        vec![topic],
        Duration::from_secs(wait),
        Box::new(move |app, timed_out| match read(app, &chat) {
            Ok(items) if !items.is_empty() || timed_out => {
                Some(Ok(Reply::ok(json!({"messages": items}))))
            }
            Ok(_) => None,
            Err(e) => Some(Err(e)),
        }),
    )))
}
