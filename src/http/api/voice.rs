//! The carrier's voice webhooks besides the flow webhook: call status callbacks
//! (`POST /webhooks/voice/status`, signed like every carrier webhook) and the hold music a queued
//! caller hears (`/webhooks/voice/hold`, the `<Enqueue waitUrl>`; the WAV it plays).
//! https://www.twilio.com/docs/voice/api/call-resource#statuscallback

use crate::engine::calls;
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::App;
use crate::voice::calls::CallStatus;
use crate::voice::{hold, twiml};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let p = Access::Public;
    vec![
        Route::new(Post, "/webhooks/voice/status", p, status).limited_as(Limit::Webhook),
        Route::new(Post, hold::WAIT_PATH, p, wait).limited(),
        Route::new(Get, hold::WAIT_PATH, p, wait).limited(),
        Route::new(Get, hold::MUSIC_PATH, p, music).limited(),
    ]
}

/// `CallSid` + `CallStatus`: a final status ends the call's execution and cancels (or wraps) its task.
fn status(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    if let Some(token) = app.config.provider_token.as_deref() {
        crate::http::auth::check_signature(req, token)?;
    }
    let call_sid = req.form.require("CallSid")?;
    let raw = req.form.require("CallStatus")?;
    let status = CallStatus::parse(raw).ok_or_else(|| {
        ApiError::bad_param("CallStatus", format!("{raw:?} is not a call status"))
    })?;
    calls::status_callback(app, call_sid, status)?;
    Ok(Reply::twiml(twiml::document(Vec::new())).into())
}

/// The hold music; with `Offer=callback` (or `callback,voicemail`) in the waitUrl's query, the
/// offer of a callback that keeps the caller's place (`api::callbacks`).
fn wait(_app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let music = req.url(hold::MUSIC_PATH);
    match req.query.get("Offer").map(|o| o.to_ascii_lowercase()) {
        Some(o) if o.contains("callback") => {
            let q = format!("?Offer={}", crate::form::percent_encode(&o));
            Ok(Reply::twiml(hold::offer_twiml(
                &music,
                &req.url(&format!("{}{q}", hold::CHOICE_PATH)),
                &req.url(&format!("{}{q}", hold::WAIT_PATH)),
                o.contains("voicemail"),
            ))
            .into())
        }
        _ => Ok(Reply::twiml(hold::wait_twiml(&music)).into()),
    }
}

fn music(app: &App, _req: &Req) -> Result<Outcome, ApiError> {
    Ok(Reply::bytes(
        200,
        "audio/wav",
        app.state::<hold::Music>().bytes().to_vec(),
    )
    .with_header("Cache-Control", "public, max-age=86400")
    .into())
}
