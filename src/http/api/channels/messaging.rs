//! `POST /webhooks/messaging`: the carrier's inbound SMS/WhatsApp webhook (Twilio's parameters),
//! signed with the carrier token when one is configured (403 and nothing processed otherwise);
//! answered with TwiML.

use crate::channels::messaging_webhook::{self, CarrierMessage, EMPTY_TWIML};
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;

pub fn routes() -> Vec<Route> {
    vec![
        Route::new(Method::Post, "/webhooks/messaging", Access::Public, inbound)
            .limited_as(Limit::Webhook),
        Route::new(
            Method::Post,
            "/webhooks/messaging/status",
            Access::Public,
            status,
        )
        .limited_as(Limit::Webhook),
    ]
}

fn inbound(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if let Some(token) = &app.config.provider_token {
        crate::http::auth::check_signature(req, token)?;
    }
    let f = &req.form;
    let num_media: usize = f.parse::<usize>("NumMedia")?.unwrap_or(0).min(10);
    let media_urls = (0..num_media)
        .filter_map(|i| f.get(&format!("MediaUrl{i}")).map(str::to_string))
        .collect();
    let message = CarrierMessage {
        from: f.require("From")?.to_string(),
        to: f.require("To")?.to_string(),
        body: f.get("Body").map(str::to_string),
        message_sid: f.get("MessageSid").or(f.get("SmsSid")).map(str::to_string),
        media_urls,
        profile_name: f.get("ProfileName").map(str::to_string),
    };
    match messaging_webhook::handle(app, message) {
        Ok(_) => {}
        // No handler for this number: the carrier must not retry; the message is logged.
        Err(crate::channels::Error::NotFound(what)) => {
            log::warn!("inbound message dropped: no {what}");
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Reply::twiml(EMPTY_TWIML).into())
}

/// `POST /webhooks/messaging/status`: the carrier's `StatusCallback` for messages we sent
/// (`MessageSid`, `MessageStatus`); signed like the inbound webhook. Answers 204.
fn status(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if let Some(token) = &app.config.provider_token {
        crate::http::auth::check_signature(req, token)?;
    }
    let sid = req.form.require("MessageSid")?;
    let status = req.form.require("MessageStatus")?;
    let error_code = req
        .form
        .get("ErrorCode")
        .and_then(|c| c.trim().parse().ok());
    let reference = req.query.get("Ref");
    crate::channels::outbox::status_callback(app, sid, status, error_code, reference)?;
    Ok(Reply::no_content().into())
}
