//! The bridge to the agent: when an agent accepts a voice task's reservation
//! (`reservation.accepted` whose task attributes carry `call_sid`), the caller is connected to
//! the worker's `contact_uri` (a phone number or `sip:` address) through the carrier's
//! call-update request, `POST {provider}/2010-04-01/Accounts/{SID}/Calls/{CallSid}.json` with
//! `Twiml=<Response><Dial>…</Dial></Response>`. A durable bus subscriber on its own thread: it
//! sees every acceptance at least once (a crash between the request and the ack may bridge twice).
//! https://www.twilio.com/docs/voice/api/call-resource#update-a-call-resource

use super::calls::CallStatus;
use super::twiml::{self, Element};
use crate::core::Core;
use crate::events::{Delivery, Event, EventType, NewEvent};
use crate::store::voice as db;
use crossbeam_channel::Receiver;
use serde_json::{json, Value};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

const ATTEMPTS: u32 = 3;

pub fn start(app: &Arc<Core>, stop: &Receiver<()>) -> Result<JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe("voice-bridge", Delivery::Durable)
        .map_err(|e| format!("cannot subscribe the voice bridge: {e}"))?;
    let agent = crate::outbound::http_client(
        crate::outbound::Options::within(Duration::from_secs(15))
            .connect_within(Duration::from_secs(5)),
    );
    let (app, stop) = (app.clone(), stop.clone());
    std::thread::Builder::new()
        .name("voice-bridge".into())
        .spawn(move || {
            let mut unacked: Option<i64> = None;
            loop {
                crossbeam_channel::select! {
                    recv(sub.events) -> ev => match ev {
                        Ok(ev) => {
                            if ev.kind == EventType::ReservationAccepted {
                                handle(&app, &agent, &ev);
                                let _ = sub.ack(ev.seq);
                                unacked = None;
                            } else if ev.kind == EventType::ExecutionCallTwiml {
                                update_call(&app, &agent, &ev);
                                let _ = sub.ack(ev.seq);
                                unacked = None;
                            } else {
                                unacked = Some(ev.seq);
                            }
                        }
                        Err(_) => return,
                    },
                    recv(stop) -> _ => return,
                    default(Duration::from_secs(1)) => {
                        // Other events are acknowledged in batches, when the bus is quiet.
                        if let Some(seq) = unacked.take() {
                            let _ = sub.ack(seq);
                        }
                    }
                }
            }
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

/// The call-update request, retried a few times.
fn send(app: &Core, agent: &ureq::Agent, call_sid: &str, doc: &str) -> Result<(), String> {
    let c = &app.config;
    let (Some(url), Some(sid), Some(token)) = (&c.provider_url, &c.provider_sid, &c.provider_token)
    else {
        return Err("no carrier is configured (SWITCHBOARD_PROVIDER_URL/_SID/_TOKEN)".into());
    };
    let endpoint = format!(
        "{}/2010-04-01/Accounts/{sid}/Calls/{call_sid}.json",
        url.trim_end_matches('/')
    );
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{sid}:{token}")
        )
    );
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        match agent
            .post(&endpoint)
            .set("Authorization", &auth)
            .send_form(&[("Twiml", doc)])
        {
            Ok(_) => return Ok(()),
            // The carrier refused it: retrying will not help.
            Err(ureq::Error::Status(code, r)) if (400..500).contains(&code) => {
                return Err(format!(
                    "the carrier answered {code}: {}",
                    r.into_string().unwrap_or_default()
                ))
            }
            Err(e) => last = e.to_string(),
        }
    }
    Err(last)
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
