//! Web chat for customers (public, rate-limited, authorised by the per-chat token):
//! - `POST /webchat/start` (`FriendlyName`, optional `Context` JSON object, optional `Body`) →
//!   `{conversation_sid, identity, token}`;
//! - `POST /webchat/{ConversationSid}/messages` (`Body`) — the customer writes;
//! - `GET /webchat/{ConversationSid}/messages?After=N&Wait=S` — messages with an index above
//!   `After`; with none yet, the request is parked (no pool thread held) until one arrives or
//!   `Wait` seconds (default 25, at most 30) pass, then `{"messages": []}`. Every answer carries
//!   the chat's status (`state`, `ended`, `ended_by`, `agent`: display names) and its `status_tag`;
//!   a poll given `Seen=<status_tag>` is also answered when the status changes (the agent joins,
//!   the agent ends the chat);
//! - `POST /webchat/{ConversationSid}/typing` — the customer is typing (204; the page sends it at
//!   most every 3 s while keys are pressed; it lasts 5 s, and the customer's next message ends
//!   it). Reads carry `typing`: the display names of the agents typing now; a parked read is
//!   answered when that changes or is refreshed (its `status_tag` covers it). Nothing is stored;
//! - `POST /webchat/{ConversationSid}/restart` — "Start a new chat" after the end: the same
//!   conversation (its history stays) takes messages again; 409 when it is closed.
//!
//! - `GET /webchat/config` — the office's greeting and pre-chat fields (`webchat_wait`).
//!
//! Reads also carry `queue_position` (1 = next) while the chat waits in a queue for an agent.
//! The token goes in `Authorization: Bearer …` (or a `Token` parameter).

use crate::channels::webchat::{self, ChatStatus};
use crate::channels::webchat_wait;
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
        Route::new(Post, "/webchat/{ConversationSid}/typing", p, typing).limited_as(Limit::WebChat),
        Route::new(Post, "/webchat/{ConversationSid}/restart", p, restart)
            .limited_as(Limit::WebChat),
        Route::new(Get, "/webchat/config", p, config).limited_as(Limit::WebChat),
    ]
}

fn message_json(m: &Message, status: &ChatStatus) -> Value {
    let author_name = status
        .names
        .iter()
        .find(|(identity, _)| *identity == m.author)
        .map(|(_, name)| name.clone());
    json!({
        "sid": m.sid,
        "index": m.index,
        "author": m.author,
        "author_name": author_name,
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
    let status = app.store.read(|c| webchat::status(c, &chat))?;
    let m = received.message.as_ref().map(|m| message_json(m, &status));
    Ok(Reply::created(json!({"message": m})).into())
}

fn typing(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let chat = authorize(app, req)?;
    webchat::typing(app, &chat)?;
    Ok(Reply::no_content().into())
}

fn restart(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let chat = authorize(app, req)?;
    webchat::restart(app, &chat)?;
    let (status, place) = app.store.read(|c| {
        Ok::<_, crate::channels::Error>((
            webchat::status(c, &chat)?,
            webchat_wait::place_in_line(c, &chat)?,
        ))
    })?;
    let typing = webchat::agents_typing(app, &chat, &status);
    Ok(Reply::ok(status_json(&status, place, None, typing, Vec::new())).into())
}

/// `GET /webchat/config`: the greeting and the pre-chat form's fields (public).
fn config(app: &App, _req: &Req) -> Result<Outcome, ApiError> {
    let v = app.store.read(|c| webchat_wait::page_config(c, app))?;
    Ok(Reply::ok(v).into())
}

/// The status tag covers the place in line and the agents' typing too, so a parked read answers
/// when either moves.
fn tag(status: &ChatStatus, place: Option<i64>, typing: &str) -> String {
    let mut tag = status.tag();
    if let Some(n) = place {
        tag = format!("{tag}-{n}");
    }
    if !typing.is_empty() {
        tag = format!("{tag}-t{typing}");
    }
    tag
}

fn status_json(
    status: &ChatStatus,
    place: Option<i64>,
    typical: Option<i64>,
    (typing, typing_tag): (Vec<String>, String),
    messages: Vec<Value>,
) -> Value {
    let waiting = status.agent.is_none() && !status.ended;
    json!({
        "messages": messages,
        "state": status.state,
        "ended": status.ended,
        "ended_by": status.ended_by,
        "agent": status.agent,
        "queue_position": place.filter(|_| waiting),
        "typical_wait": typical.filter(|_| waiting && place.is_some()),
        "typing": typing,
        "status_tag": tag(status, place, &typing_tag),
    })
}

fn receive(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let chat = authorize(app, req)?;
    let after = req.query.parse::<i64>("After")?;
    let wait = req.query.parse::<u64>("Wait")?.unwrap_or(25).min(30);
    let seen = req.query.get("Seen").map(str::to_string);
    // Answers when there are messages, when the status differs from the one the page has seen,
    // or (`now`) at once.
    let read = move |app: &App, chat: &WebChat, now: bool| -> Result<Option<Value>, ApiError> {
        let (status, place, typical, items) = app.store.read(|c| {
            let status = webchat::status(c, chat)?;
            let place = webchat_wait::place_in_line(c, chat)?;
            let typical = match place {
                Some(_) => webchat_wait::typical_wait(c, chat, app.now_ms())?,
                None => None,
            };
            let items = webchat::messages_after(c, chat, after)?;
            Ok::<_, crate::channels::Error>((status, place, typical, items))
        })?;
        let typing = webchat::agents_typing(app, chat, &status);
        let changed = seen
            .as_deref()
            .is_some_and(|s| s != tag(&status, place, &typing.1));
        if items.is_empty() && !changed && !now {
            return Ok(None);
        }
        let items = items.iter().map(|m| message_json(m, &status)).collect();
        Ok(Some(status_json(&status, place, typical, typing, items)))
    };
    if let Some(answer) = read(app, &chat, wait == 0)? {
        return Ok(Reply::ok(answer).into());
    }
    let topics = app.store.read(|c| webchat::topics(c, &chat))?;
    Ok(Outcome::Park(Parked::new(
        topics,
        Duration::from_secs(wait),
        Box::new(move |app, timed_out| match read(app, &chat, timed_out) {
            Ok(Some(answer)) => Some(Ok(Reply::ok(answer))),
            Ok(None) => None,
            Err(e) => Some(Err(e)),
        }),
    )))
}
