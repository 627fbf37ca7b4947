//! The bridge to the agent: when an agent accepts a voice task's reservation
//! (`reservation.accepted` whose task attributes carry `call_sid`), the caller is connected to
//! the worker's `contact_uri` (a phone number or `sip:` address) through the carrier's
//! call-update request, `POST {provider}/2010-04-01/Accounts/{SID}/Calls/{CallSid}.json` with
//! `Twiml=<Response><Dial>…</Dial></Response>`. A durable bus subscriber on its own thread: it
//! sees every acceptance at least once (a crash between the request and the ack may bridge twice).
//! https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource

use super::calls::CallStatus;
use super::carrier::{Carrier, CarrierError};
use super::twiml::{self, Element};
use crate::core::Core;
use crate::events::{Delivery, Event, EventType, NewEvent};
use crate::store::voice as db;
use crossbeam_channel::Receiver;
use serde_json::{json, Value};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub fn start(app: &Arc<Core>, stop: &Receiver<()>) -> Result<JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe("voice-bridge", Delivery::Durable)
        .map_err(|e| format!("cannot subscribe the voice bridge: {e}"))?;
    let agent = crate::outbound::http_client(
        crate::outbound::Options::within(Duration::from_secs(15))
            .connect_within(Duration::from_secs(5)),
    );
    let app = app.clone();
    sub.serve("voice-bridge", stop.clone(), move |ev| match ev.kind {
        EventType::ReservationAccepted => {
            handle(&app, &agent, ev);
            true
        }
        EventType::ExecutionCallTwiml => {
            update_call(&app, &agent, ev);
            true
        }
        _ => false,
    })
    .map_err(|e| format!("cannot start the voice bridge thread: {e}"))
}

/// What the bridge needs from a `reservation.accepted` event, if it is a call's.
fn call_of(ev: &Event) -> Option<(String, String)> {
    let attrs: Value = serde_json::from_str(ev.data["TaskAttributes"].as_str()?).ok()?;
    let call_sid = attrs["call_sid"].as_str()?.to_string();
    let worker = ev.data["WorkerSid"].as_str()?.to_string();
    Some((call_sid, worker))
}

fn handle(app: &Core, agent: &ureq::Agent, ev: &Event) {
    let Some((call_sid, worker_sid)) = call_of(ev) else {
        return;
    };
    let looked_up = app.store.read(|c| -> crate::routing::Result<_> {
        let call = db::fetch(c, &call_sid)?;
        let worker = crate::routing::workers::fetch(c, &worker_sid)?;
        Ok((call, worker))
    });
    let (call, worker) = match looked_up {
        Ok(found) => found,
        Err(e) => {
            log::error!("voice bridge cannot read call {call_sid}: {e}");
            return;
        }
    };
    if call.as_ref().is_some_and(|c| c.status.is_final()) {
        return;
    }
    let contact_uri = worker
        .as_ref()
        .and_then(|w| w.attributes["contact_uri"].as_str())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .map(str::to_string);
    let Some(uri) = contact_uri else {
        failed(
            app,
            &call_sid,
            &format!("worker {worker_sid} has no contact_uri attribute"),
        );
        return;
    };
    let caller_id = call
        .as_ref()
        .map(|c| c.to_address.clone())
        .unwrap_or_default();
    let doc = twiml::document(vec![Element::new("Dial")
        .attr("callerId", caller_id)
        .child(twiml::dial_noun("", &uri))]);
    match send(app, agent, &call_sid, &doc) {
        Ok(()) => {
            let now = app.now_ms();
            if let Err(e) = app
                .store
                .write(|tx| db::set_bridged(tx, &call_sid, &uri, now))
            {
                log::error!("voice bridge cannot record the bridge of {call_sid}: {e}");
            }
        }
        Err(e) => failed(app, &call_sid, &e),
    }
}

/// Studio's TwiML for a call that no carrier request waited for: the call update, unless the
/// call has ended.
fn update_call(app: &Core, agent: &ureq::Agent, ev: &Event) {
    let (Some(call_sid), Some(doc)) = (ev.data["CallSid"].as_str(), ev.data["Twiml"].as_str())
    else {
        return;
    };
    match app.store.read(|c| db::fetch(c, call_sid)) {
        Ok(Some(call)) if call.status.is_final() => return,
        Err(e) => log::warn!("voice bridge cannot read call {call_sid}: {e}"),
        _ => {}
    }
    if let Err(e) = send(app, agent, call_sid, doc) {
        failed(
            app,
            call_sid,
            &format!("Studio's TwiML could not be delivered: {e}"),
        );
    }
}

/// The call-update request (retried by the carrier client).
fn send(app: &Core, agent: &ureq::Agent, call_sid: &str, doc: &str) -> Result<(), String> {
    let carrier = Carrier::of(&app.config, agent).map_err(|e| e.to_string())?;
    carrier.update_call(call_sid, doc).map_err(|e| match e {
        CarrierError::Refused { status, message } => {
            format!("the carrier answered {status}: {message}")
        }
        e => e.to_string(),
    })
}

fn failed(app: &Core, call_sid: &str, why: &str) {
    log::warn!("voice bridge: call {call_sid} could not be connected: {why}");
    let ev = NewEvent::new(EventType::WebhookFailed, "call", call_sid)
        .describe(format!("call {call_sid} could not be bridged to the agent"))
        .data(
            json!({"CallSid": call_sid, "Reason": why, "CallStatus": CallStatus::Queued.as_str()}),
        );
    if let Err(e) = app.store.write(|tx| app.record(tx, &ev)) {
        log::error!("voice bridge cannot record a failure: {e}");
    }
}
