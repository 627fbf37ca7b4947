//! Api 2010 Calls (issue 18 item 6): what a Flex function or back-office script rings a customer
//! with, `POST /2010-04-01/Accounts/{AC}/Calls.json`. A call is stored `queued` with an outbox row
//! (`OutboxKind::CarrierCall`, `Calls.json` under the carrier's account) in one write; the
//! carrier's answer gives it the carrier's SID (`initiated`), and the carrier's status callbacks
//! (`/webhooks/calls/status`, by that SID) move it through `ringing`, `in-progress` and a final
//! state. An update (`Status=canceled|completed`, `Url`, `Twiml`) is another outbox row,
//! `Calls/{CA}.json`, sent after the create (the row's ordering key is the call) to the carrier's
//! SID. With no carrier configured the simulated carrier answers at once and the call walks
//! `ringing`, `in-progress`, `completed`. The caller's `StatusCallback` hears the states its
//! `StatusCallbackEvent`s ask for (`completed` alone by default), through the outbound guard.
//! https://www.twilio.com/docs/voice/api/call-resource

use super::api_messages::is_http_url;
use super::{outbox, Error, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::store::channels::api_calls::{self as db, ApiCall, CallStatus, Filter};
use crate::store::channels::outbox::{self as outbox_db, Outbound, OutboxKind};
use crate::store::{Page, Window};
use rusqlite::Connection;
use serde_json::{json, Value};

/// The events a status callback can ask for (`StatusCallbackEvent`).
pub const EVENTS: [&str; 4] = ["initiated", "ringing", "answered", "completed"];

/// How far along a call is; a call only moves forward, and a final state is the end.
fn rank(s: CallStatus) -> u8 {
    match s {
        CallStatus::Queued => 0,
        CallStatus::Ringing => 1,
        CallStatus::InProgress | CallStatus::Bridged => 2,
        _ => 3,
    }
}

/// The state after the carrier reports `to`; `None` when stale or the call is over.
pub fn transition(from: CallStatus, to: CallStatus) -> Option<CallStatus> {
    (!from.is_final() && rank(to) > rank(from) && to != CallStatus::Bridged).then_some(to)
}

/// The `StatusCallbackEvent` a state is heard as.
fn event_of(s: CallStatus) -> &'static str {
    match s {
        CallStatus::Queued => "initiated",
        CallStatus::Ringing => "ringing",
        CallStatus::InProgress | CallStatus::Bridged => "answered",
        _ => "completed",
    }
}

/// A create's parameters, as the API caller gave them.
#[derive(Debug, Clone, Default)]
pub struct NewCall {
    pub to: Option<String>,
    pub from: Option<String>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub twiml: Option<String>,
    pub application_sid: Option<String>,
    pub status_callback: Option<String>,
    pub status_callback_events: Vec<String>,
}

/// What an update asks for.
#[derive(Debug, Clone, Default)]
pub struct CallUpdate {
    pub status: Option<CallStatus>,
    pub url: Option<String>,
    pub method: Option<String>,
    pub twiml: Option<String>,
}

fn coded(code: u32, message: impl Into<String>) -> Error {
    Error::Coded(400, code, message.into())
}

/// An E.164 number, a `client:` identity or a `sip:` URI.
fn is_endpoint(a: &str) -> bool {
    if let Some(rest) = a.strip_prefix("client:").or_else(|| a.strip_prefix("sip:")) {
        return !rest.is_empty() && !rest.contains(char::is_whitespace);
    }
    let Some(digits) = a.strip_prefix('+') else {
        return false;
    };
    (2..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0')
}

fn check_method(m: Option<&str>) -> Result<String> {
    match m.map(str::to_ascii_uppercase).as_deref() {
        None => Ok("POST".into()),
        Some(m @ ("GET" | "POST")) => Ok(m.into()),
        Some(_) => Err(Error::invalid("Method", "must be GET or POST")),
    }
}

fn check_twiml(t: &str) -> Result<()> {
    let t = t.trim();
    if t.len() > 4000 || !t.starts_with('<') || !t.ends_with('>') {
        return Err(Error::invalid(
            "Twiml",
            "must be a TwiML document (<Response>…</Response>) of at most 4,000 characters",
        ));
    }
    Ok(())
}

/// Checks a create as Twilio does: 21201 / 21211 (`To`), 21213 / 21212 (`From`), 21205 (`Url`:
/// none of `Url`, `Twiml`, `ApplicationSid`, or not a URL), 21609 (`StatusCallback`), 20001.
fn validate(c: &NewCall) -> Result<String> {
    let to = c.to.as_deref().filter(|t| !t.trim().is_empty());
    let to = to.ok_or_else(|| coded(21201, "No 'To' number is specified"))?;
    if !is_endpoint(to) {
        return Err(coded(21211, format!("Invalid 'To' Phone Number: {to}")));
    }
    let from = c.from.as_deref().filter(|f| !f.trim().is_empty());
    let from = from.ok_or_else(|| coded(21213, "No 'From' number is specified"))?;
    if !is_endpoint(from) || from.starts_with("sip:") {
        return Err(coded(21212, format!("Invalid 'From' Phone Number: {from}")));
    }
    match (&c.url, &c.twiml) {
        (Some(u), _) if !is_http_url(u) => {
            return Err(coded(21205, format!("Url is not a valid URL: {u}")))
        }
        (None, None) if c.application_sid.is_none() => {
            return Err(coded(
                21205,
                "Either Url, Twiml or ApplicationSid is required",
            ))
        }
        _ => {}
    }
    if let Some(t) = &c.twiml {
        check_twiml(t)?;
    }
    if let Some(cb) = &c.status_callback {
        if !is_http_url(cb) {
            return Err(coded(21609, format!("Invalid StatusCallback URL: {cb}")));
        }
    }
    if let Some(e) = c
        .status_callback_events
        .iter()
        .find(|e| !EVENTS.contains(&e.as_str()))
    {
        return Err(Error::invalid(
            "StatusCallbackEvent",
            format!("{e} is not one of initiated, ringing, answered, completed"),
        ));
    }
    check_method(c.method.as_deref())
}

/// Stores a call `queued` with the outbox row that asks the carrier to place it, in one write.
pub fn create(app: &Core, new: NewCall) -> Result<ApiCall> {
    let method = validate(&new)?;
    let now = app.now_ms();
    let events = if new.status_callback_events.is_empty() {
        vec!["completed".to_string()]
    } else {
        new.status_callback_events.clone()
    };
    let c = ApiCall {
        sid: new_sid(Prefix::Call),
        from: new.from.clone().unwrap_or_default(),
        to: new.to.clone().unwrap_or_default(),
        status: CallStatus::Queued,
        url: new.url.clone(),
        method,
        twiml: new.twiml.clone(),
        status_callback: new.status_callback.clone(),
        status_callback_events: events,
        provider_sid: None,
        answered_by: None,
        created_at: now,
        updated_at: now,
        start_at: None,
        end_at: None,
    };
    let mut params = json!({"To": c.to, "From": c.from, "Method": c.method,
        "StatusCallbackEvent": ["initiated", "ringing", "answered", "completed"]});
    for (k, v) in [
        ("Url", &c.url),
        ("Twiml", &c.twiml),
        ("ApplicationSid", &new.application_sid),
    ] {
        if let Some(v) = v {
            params[k] = json!(v);
        }
    }
    app.store.write(|tx| -> Result<()> {
        db::insert(tx, &c)?;
        outbox::queue_carrier_call(tx, app, "Calls.json", params, &c.sid)?;
        app.record(tx, &event(&c, CallStatus::Queued))?;
        Ok(())
    })?;
    Ok(c)
}

pub fn fetch(app: &Core, sid: &str) -> Result<ApiCall> {
    app.store
        .read(|c| db::find(c, sid))?
        .ok_or_else(|| Error::not_found(format!("Call {sid}")))
}

pub fn list(app: &Core, filter: &Filter, window: Window) -> Result<Page<ApiCall>> {
    Ok(app.store.read(|c| db::list(c, filter, window))?)
}

/// `Status=canceled` ends a call not yet answered, `completed` any live one; `Url` / `Twiml`
/// redirect a live call. A call that is over answers 21220. The carrier is told through the
/// outbox; a call the carrier has not been asked to place yet is simply not placed.
pub fn update(app: &Core, sid: &str, u: CallUpdate) -> Result<ApiCall> {
    if let Some(t) = &u.twiml {
        check_twiml(t)?;
    }
    if let Some(url) = &u.url {
        if !is_http_url(url) {
            return Err(coded(21205, format!("Url is not a valid URL: {url}")));
        }
    }
    if u.status
        .is_some_and(|s| !matches!(s, CallStatus::Canceled | CallStatus::Completed))
    {
        return Err(Error::invalid("Status", "must be canceled or completed"));
    }
    let method = check_method(u.method.as_deref())?;
    app.store.write(|tx| -> Result<()> {
        let c = db::find(tx, sid)?.ok_or_else(|| Error::not_found(format!("Call {sid}")))?;
        let now = app.now_ms();
        let live = !c.status.is_final();
        let cancel_unanswered = u.status == Some(CallStatus::Canceled) && rank(c.status) < 2;
        if !live || (u.status == Some(CallStatus::Canceled) && !cancel_unanswered) {
            return Err(coded(
                21220,
                format!("Call {sid} is not in-progress. Cannot redirect."),
            ));
        }
        let mut params = json!({});
        if u.url.is_some() || u.twiml.is_some() {
            db::set_instructions(tx, sid, u.url.as_deref(), &method, u.twiml.as_deref(), now)?;
            for (k, v) in [("Url", &u.url), ("Twiml", &u.twiml)] {
                if let Some(v) = v {
                    params[k] = json!(v);
                }
            }
            params["Method"] = json!(method);
        }
        if let Some(status) = u.status {
            params["Status"] = json!(status);
            let create_pending = c.provider_sid.is_none() && not_yet_asked(tx, sid, now)?;
            advance(tx, app, &c, status, None, None)?;
            if create_pending {
                return Ok(());
            }
        }
        if c.provider_sid.is_some() || !super::simulated_carrier::is_simulated(app) {
            outbox::queue_carrier_call(tx, app, &format!("Calls/{sid}.json"), params, sid)?;
        }
        Ok(())
    })?;
    fetch(app, sid)
}

/// Cancels the call's create row when it is still queued: the carrier is never asked.
fn not_yet_asked(tx: &Connection, sid: &str, now: i64) -> Result<bool> {
    for o in outbox_db::queued_for(tx, sid)? {
        if o.kind == OutboxKind::CarrierCall && o.url.as_deref() == Some("Calls.json") {
            return Ok(outbox_db::cancel_queued(
                tx,
                &o.sid,
                "canceled by the API",
                now,
            )?);
        }
    }
    Ok(false)
}

/// Deletes the record of a call that is over (a live call answers 20009).
pub fn delete(app: &Core, sid: &str) -> Result<()> {
    app.store.write(|tx| -> Result<()> {
        let c = db::find(tx, sid)?.ok_or_else(|| Error::not_found(format!("Call {sid}")))?;
        if !c.status.is_final() {
            return Err(Error::Coded(
                409,
                20009,
                format!(
                    "Cannot delete call {sid}: it is {}; end it first (Status=completed).",
                    c.status
                ),
            ));
        }
        db::delete(tx, sid)?;
        Ok(())
    })
}

/// Where the outbox posts a call's row: the carrier's `Calls.json`, or `Calls/{carrier SID}.json`
/// for an update (`None` until the carrier has answered the create).
pub fn carrier_request(app: &Core, o: &Outbound) -> Option<(String, Option<String>)> {
    let base = app.config.provider_url.as_deref()?.trim_end_matches('/');
    let account = app
        .config
        .provider_sid
        .clone()
        .unwrap_or_else(|| app.account_sid.clone());
    let token = app.config.provider_token.clone().unwrap_or_default();
    let mut path = o.url.clone().unwrap_or_default();
    if let Some(ours) = path
        .strip_prefix("Calls/")
        .and_then(|p| p.strip_suffix(".json"))
    {
        let call = app.store.read(|c| db::find(c, ours)).ok()??;
        path = format!("Calls/{}.json", call.provider_sid?);
    }
    let auth = base64::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        format!("{account}:{token}"),
    );
    let url = format!("{base}/2010-04-01/Accounts/{account}/{path}");
    Some((url, Some(format!("Basic {auth}"))))
}

/// The outbox's answer for a call's row, in its transaction: the create taken (the carrier's SID;
/// the simulated carrier then rings, answers and completes the call) or refused (`failed`).
pub fn on_outbox(
    tx: &Connection,
    app: &Core,
    o: &Outbound,
    provider_sid: Option<&str>,
    failed: Option<&str>,
) -> Result<()> {
    let (OutboxKind::CarrierCall, Some(sid)) = (o.kind, o.message_sid.as_deref()) else {
        return Ok(());
    };
    if o.url.as_deref() != Some("Calls.json") {
        return Ok(());
    }
    let Some(c) = db::find(tx, sid)? else {
        return Ok(());
    };
    if let Some(why) = failed {
        log::warn!("call {sid}: the carrier refused it: {why}");
        return advance(tx, app, &c, CallStatus::Failed, None, None);
    }
    let now = app.now_ms();
    let dialed = (!c.status.is_final()).then_some(now);
    db::set_status(tx, sid, c.status, provider_sid, None, dialed, None, now)?;
    if c.status.is_final() {
        return Ok(());
    }
    if c.status_callback_events.iter().any(|e| e == "initiated") {
        queue_callback(tx, app, &c, CallStatus::Queued, None)?;
    }
    if super::simulated_carrier::is_simulated(app) {
        for s in [
            CallStatus::Ringing,
            CallStatus::InProgress,
            CallStatus::Completed,
        ] {
            let c = db::find(tx, sid)?.unwrap_or_else(|| c.clone());
            let answered_by = (s == CallStatus::InProgress).then_some("human");
            advance(tx, app, &c, s, answered_by, None)?;
        }
    }
    Ok(())
}

/// The carrier's status callback for the call it knows as `provider_sid`; false when no API call
/// has that SID.
pub fn on_carrier_status(
    app: &Core,
    provider_sid: &str,
    status: &str,
    answered_by: Option<&str>,
    duration: Option<i64>,
    reference: Option<&str>,
) -> Result<bool> {
    // `initiated` is where a call starts; a status we do not know is ignored.
    let Ok(to) = status.replace("initiated", "queued").parse::<CallStatus>() else {
        return Ok(false);
    };
    app.store.write(|tx| -> Result<bool> {
        super::carrier_status::learn(tx, provider_sid, reference)?;
        let Some(c) = db::find_by_provider_sid(tx, provider_sid)? else {
            return Ok(false);
        };
        advance(tx, app, &c, to, answered_by, duration)?;
        Ok(true)
    })
}

/// Moves call `c` to `to` when that is forward, with its event and status callback.
fn advance(
    tx: &Connection,
    app: &Core,
    c: &ApiCall,
    to: CallStatus,
    answered_by: Option<&str>,
    duration: Option<i64>,
) -> Result<()> {
    let Some(next) = transition(c.status, to) else {
        return Ok(());
    };
    let now = app.now_ms();
    let start = matches!(next, CallStatus::Ringing | CallStatus::InProgress).then_some(now);
    let end = next.is_final().then(|| match (duration, c.start_at) {
        (Some(d), Some(s)) => s + d * 1000,
        _ => now,
    });
    db::set_status(tx, &c.sid, next, None, answered_by, start, end, now)?;
    let c = db::find(tx, &c.sid)?.unwrap_or_else(|| c.clone());
    app.record(tx, &event(&c, next))?;
    if c.status_callback_events.iter().any(|e| e == event_of(next)) {
        queue_callback(tx, app, &c, next, duration)?;
    }
    Ok(())
}

fn event(c: &ApiCall, status: CallStatus) -> NewEvent {
    NewEvent::new(EventType::ApiCallStatus, "call", &c.sid)
        .describe(format!("call to {} {status}", c.to))
        .data(json!({"CallSid": c.sid, "Status": status, "To": c.to, "From": c.from}))
}

/// The seconds a call lasted, once it is over.
pub fn duration_s(c: &ApiCall) -> Option<i64> {
    match (c.start_at, c.end_at) {
        (Some(s), Some(e)) => Some(((e - s) / 1000).max(0)),
        (None, Some(_)) => Some(0),
        _ => None,
    }
}

fn queue_callback(
    tx: &Connection,
    app: &Core,
    c: &ApiCall,
    status: CallStatus,
    duration: Option<i64>,
) -> Result<()> {
    let Some(url) = &c.status_callback else {
        return Ok(());
    };
    let shown = if status == CallStatus::Queued {
        "initiated".to_string()
    } else {
        status.to_string()
    };
    let mut params = json!({
        "CallSid": c.sid, "AccountSid": app.account_sid, "From": c.from, "To": c.to,
        "CallStatus": shown, "Direction": "outbound-api", "ApiVersion": "2010-04-01",
        "CallbackSource": "call-progress-events",
        "Timestamp": crate::clock::rfc2822(app.now_ms()),
    });
    if status.is_final() {
        let d = duration.or_else(|| duration_s(c)).unwrap_or(0).to_string();
        params["CallDuration"] = Value::String(d.clone());
        params["Duration"] = Value::String(d);
    }
    if let Some(a) = &c.answered_by {
        params["AnsweredBy"] = json!(a);
    }
    outbox::queue_callback(tx, app, url, params, &c.sid)?;
    Ok(())
}
