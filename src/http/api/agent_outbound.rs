//! The desktop's "New conversation" (issue 15, desktop item 5): `GET /agent/api/outbound` — the
//! office's numbers an agent may write from, per channel; `POST /agent/api/outbound` with
//! `Channel` (`sms` | `whatsapp`), `To` (the customer's number, as typed), `Body`, optional
//! `From` (one of those numbers) and `Name` — through Flex Interactions (`channels::outbound`),
//! answered 201 with the new task, accepted and the agent's, and its first message. A bad number
//! is a 400 with Twilio's 21211 and words; no number for the channel, an agent not Available or
//! without room, a customer already in an open conversation with that number: 409 in words.

use super::agent::me;
use crate::channels::outbound::{self, Request};
use crate::http::error::ApiError;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::store::channels::sessions::MessagingChannel;
use serde_json::json;

pub fn routes() -> Vec<Route> {
    use Method::*;
    let p = Access::Public;
    vec![
        Route::new(Get, "/agent/api/outbound", p, numbers),
        Route::new(Post, "/agent/api/outbound", p, start),
    ]
}

const CHANNELS: [(MessagingChannel, &str); 2] = [
    (MessagingChannel::Sms, "SMS"),
    (MessagingChannel::Whatsapp, "WhatsApp"),
];

fn numbers(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    me(app, req)?;
    let mut channels = Vec::new();
    for (c, label) in CHANNELS {
        let numbers = app.store.read(|conn| outbound::office_numbers(conn, c))?;
        channels.push(json!({"channel": c.as_str(), "label": label, "numbers": numbers}));
    }
    Ok(Reply::ok(json!({ "channels": channels })).into())
}

fn start(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let w = me(app, req)?;
    let channel = req.form.require("Channel")?;
    let channel = CHANNELS
        .iter()
        .map(|(c, _)| *c)
        .find(|c| c.as_str() == channel)
        .ok_or_else(|| ApiError::bad_param("Channel", "must be sms or whatsapp"))?;
    let started = outbound::start(
        app,
        &w,
        Request {
            channel,
            to: req.form.require("To")?.to_string(),
            from: req.form.get("From").map(str::to_string),
            body: req.form.require("Body")?.to_string(),
            name: req.form.get("Name").map(str::to_string),
        },
    )?;
    Ok(Reply::created(json!({
        "interaction_sid": started.interaction_sid,
        "conversation_sid": started.conversation_sid,
        "task_sid": started.task_sid,
        "reservation_sid": started.reservation_sid,
        "message": super::agent::message_json(&started.message),
    }))
    .into())
}
