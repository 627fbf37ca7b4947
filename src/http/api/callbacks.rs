//! Callbacks that keep their place in line (issue 22; no Twilio shape, the Flex template keeps
//! them in Functions):
//! - the carrier's webhooks: `POST /webhooks/voice/callback` (the key a waiting caller pressed on
//!   the offer `waitUrl=/webhooks/voice/hold?Offer=callback[,voicemail]` makes: 1 a callback,
//!   2 a voicemail's `<Record>`), `POST /webhooks/voice/voicemail` (the recording);
//! - `GET /v1/Callbacks`, `POST /v1/Callbacks` (`CallSid`, `Kind`, `Number`, `RecordingUrl`,
//!   `RecordingSid`, `RecordingDuration`, `WorkflowSid`: an IVR's or integrator's own request),
//!   `GET /v1/Callbacks/{TaskSid}`, `POST /v1/Callbacks/{TaskSid}/Dial` (call back now);
//! - the agent desktop's `GET`/`POST /agent/api/tasks/{TaskSid}/callback` (the signed-in agent's
//!   own callback task only).

use crate::callbacks::{self, Callback, Request};
use crate::clock::iso8601;
use crate::http::api::{list_reply, with_urls};
use crate::http::encoding::PageRequest;
use crate::http::error::ApiError;
use crate::http::limits::Limit;
use crate::http::request::{Method, Reply, Req};
use crate::http::router::{Access, Outcome, Route};
use crate::http::session::{self, Kind};
use crate::http::App;
use crate::voice::hold;
use crate::voice::twiml::{self, Element};
use serde_json::{json, Value};

pub fn routes() -> Vec<Route> {
    use Method::*;
    let (a, p) = (Access::Account, Access::Public);
    vec![
        Route::new(Post, hold::CHOICE_PATH, p, choice).limited_as(Limit::Webhook),
        Route::new(Post, hold::VOICEMAIL_PATH, p, voicemail).limited_as(Limit::Webhook),
        Route::new(Get, "/v1/Callbacks", a, list),
        Route::new(Post, "/v1/Callbacks", a, create),
        Route::new(Get, "/v1/Callbacks/{TaskSid}", a, fetch),
        Route::new(Post, "/v1/Callbacks/{TaskSid}/Dial", a, dial),
        Route::new(Get, "/agent/api/tasks/{TaskSid}/callback", p, agent_fetch),
        Route::new(Post, "/agent/api/tasks/{TaskSid}/callback", p, agent_dial),
    ]
}

pub fn callback_json(c: &Callback) -> Value {
    json!({
        "task_sid": c.task_sid,
        "call_sid": c.call_sid,
        "workspace_sid": c.workspace_sid,
        "kind": c.kind.as_str(),
        "number": c.number,
        "office_number": c.office_number,
        "recording_url": c.recording_url,
        "recording_sid": c.recording_sid,
        "recording_duration": c.recording_duration,
        "original_task_sid": c.original_task_sid,
        "virtual_start_time": iso8601(c.original_start),
        "status": c.status.as_str(),
        "error": c.error,
        "dial_call_sid": c.dial_call_sid,
        "worker_sid": c.worker_sid,
        "date_created": iso8601(c.created_at),
        "date_updated": iso8601(c.updated_at),
    })
}

fn resource(req: &Req, c: &Callback) -> Value {
    let path = format!("/v1/Callbacks/{}", c.task_sid);
    with_urls(
        callback_json(c),
        req,
        &path,
        &[("dial", format!("{path}/Dial"))],
    )
}

fn signed(app: &App, req: &Req) -> Result<(), ApiError> {
    if let Some(token) = app.config.provider_token.as_deref() {
        crate::http::auth::check_signature(req, token)?;
    }
    Ok(())
}

fn say_and_hang_up(text: String) -> Outcome {
    Reply::twiml(twiml::document(vec![
        Element::new("Say").text(text),
        twiml::hangup(),
    ]))
    .into()
}

/// The carrier gets TwiML whatever happened: a request that could not be kept (an unknown
/// call, no workflow) is logged and the caller told.
fn apology(call_sid: &str, e: callbacks::Error) -> Outcome {
    log::warn!("callback for call {call_sid} not recorded: {e}");
    say_and_hang_up(
        "Sorry, we could not record your request. Please call again later. Goodbye.".into(),
    )
}

/// The number as a person hears it read: digit by digit.
fn spoken(number: &str) -> String {
    let digits: Vec<String> = number
        .chars()
        .filter(char::is_ascii_digit)
        .map(|c| c.to_string())
        .collect();
    if digits.is_empty() {
        number.to_string()
    } else {
        digits.join(" ")
    }
}

/// A waiting caller's key: 1 a callback (they hang up, keeping their place), 2 (when offered) a
/// voicemail recorded first; anything else goes back to the wait.
fn choice(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    signed(app, req)?;
    let call_sid = req.form.require("CallSid")?;
    let offer = req.query.get("Offer").unwrap_or("callback").to_string();
    let q = format!("?Offer={}", crate::form::percent_encode(&offer));
    match req.form.get("Digits").unwrap_or("") {
        "1" => {
            let r = Request {
                call_sid: call_sid.to_string(),
                ..Default::default()
            };
            let cb = match callbacks::request(app, r) {
                Ok((cb, _)) => cb,
                Err(e) => return Ok(apology(call_sid, e)),
            };
            Ok(say_and_hang_up(format!(
                "Thank you. You keep your place in line, and we will call you back at {}. Goodbye.",
                spoken(&cb.number)
            )))
        }
        "2" if offer.contains("voicemail") => Ok(Reply::twiml(twiml::document(vec![
            Element::new("Say").text(
                "Please leave your message after the tone. You keep your place in line, and we \
                 will call you back.",
            ),
            Element::new("Record")
                .attr("action", req.url(hold::VOICEMAIL_PATH))
                .attr("method", "POST")
                .attr("maxLength", "120")
                .attr("playBeep", "true"),
        ]))
        .into()),
        _ => Ok(Reply::twiml(twiml::document(vec![Element::new("Redirect")
            .attr("method", "POST")
            .text(req.url(&format!("{}{q}", hold::WAIT_PATH)))]))
        .into()),
    }
}

/// The voicemail's recording (`RecordingUrl`, `RecordingSid`, `RecordingDuration`).
fn voicemail(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    signed(app, req)?;
    let r = Request {
        call_sid: req.form.require("CallSid")?.to_string(),
        voicemail: true,
        recording_url: req.form.get("RecordingUrl").map(str::to_string),
        recording_sid: req.form.get("RecordingSid").map(str::to_string),
        recording_duration: req.form.parse("RecordingDuration")?,
        ..Default::default()
    };
    let call_sid = r.call_sid.clone();
    if let Err(e) = callbacks::request(app, r) {
        return Ok(apology(&call_sid, e));
    }
    Ok(say_and_hang_up(
        "Thank you for your message. We will call you back. Goodbye.".into(),
    ))
}

fn create(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let voicemail = match req.form.get("Kind").unwrap_or("callback") {
        "callback" => false,
        "voicemail" => true,
        other => {
            return Err(ApiError::bad_param(
                "Kind",
                format!("{other:?} is not callback or voicemail"),
            ))
        }
    };
    let r = Request {
        call_sid: req.form.require("CallSid")?.to_string(),
        voicemail,
        number: req.form.get("Number").map(str::to_string),
        recording_url: req.form.get("RecordingUrl").map(str::to_string),
        recording_sid: req.form.get("RecordingSid").map(str::to_string),
        recording_duration: req.form.parse("RecordingDuration")?,
        workflow_sid: req.form.get("WorkflowSid").map(str::to_string),
    };
    let (cb, fresh) = callbacks::request(app, r)?;
    let body = resource(req, &cb);
    Ok(if fresh {
        Reply::created(body)
    } else {
        Reply::ok(body)
    }
    .into())
}

fn list(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let pr = PageRequest::from_query(&req.query)?;
    let page = app.store.read(|c| callbacks::list(c, pr.window()))?;
    let page = page.map(|c| resource(req, &c));
    Ok(Reply::ok(list_reply(req, "callbacks", page, pr)).into())
}

fn fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let cb = app
        .store
        .read(|c| callbacks::get(c, req.param("TaskSid")))?;
    Ok(Reply::ok(resource(req, &cb)).into())
}

fn dial(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let cb = callbacks::dial(app, req.param("TaskSid"), None)?;
    Ok(Reply::json(202, resource(req, &cb)).into())
}

/// The agent's own callback task: one they hold (else 404, as for a task that does not exist).
fn agent_callback(app: &App, req: &Req) -> Result<(String, Callback), ApiError> {
    let s = session::require(app, req, Kind::Agent)?;
    let task = req.param("TaskSid");
    let found = app.store.read(|c| -> callbacks::Result<_> {
        let holder = callbacks::holder(c, task)?;
        Ok((holder, crate::store::callbacks::by_task(c, task)?))
    })?;
    match found {
        (Some(h), Some(cb)) if h == s.subject => Ok((s.subject, cb)),
        _ => Err(ApiError::not_found(&req.path)),
    }
}

fn agent_fetch(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (_, cb) = agent_callback(app, req)?;
    Ok(Reply::ok(callback_json(&cb)).into())
}

/// "Call back": the carrier rings the customer and connects them to this agent; the answer is
/// `dialing`, then the callback (and the task's `attributes.callback`) says `calling` or
/// `failed` with the carrier's reason.
fn agent_dial(app: &App, req: &Req) -> Result<Outcome, ApiError> {
    let (me, _) = agent_callback(app, req)?;
    let cb = callbacks::dial(app, req.param("TaskSid"), Some(&me))?;
    Ok(Reply::json(202, callback_json(&cb)).into())
}
