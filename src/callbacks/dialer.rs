//! The call back: a durable bus subscriber on `callback.dialing` that asks the carrier's Calls API
//! (`POST {provider}/2010-04-01/Accounts/{SID}/Calls.json`) to ring the customer from the office's
//! number and, when they answer, connect them to the agent's `contact_uri`
//! (`Twiml=<Response><Say>…</Say><Dial callerId=…>…</Dial></Response>`). The answer — the
//! carrier's call SID or its refusal — is recorded by `callbacks::record_dial`. At least once: a
//! crash between the request and the ack may ring twice.
//! https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource

use crate::core::Core;
use crate::events::{Delivery, Event, EventType};
use crate::voice::twiml::{self, Element};
use crossbeam_channel::Receiver;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

const ATTEMPTS: u32 = 3;

pub fn start(app: &Arc<Core>, stop: &Receiver<()>) -> Result<JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe("callback-dialer", Delivery::Durable)
        .map_err(|e| format!("cannot subscribe the callback dialer: {e}"))?;
    let agent = crate::outbound::http_client(
        crate::outbound::Options::within(Duration::from_secs(15))
            .connect_within(Duration::from_secs(5)),
    );
    let (app, stop) = (app.clone(), stop.clone());
    std::thread::Builder::new()
        .name("callback-dialer".into())
        .spawn(move || {
            let mut unacked: Option<i64> = None;
            loop {
                crossbeam_channel::select! {
                    recv(sub.events) -> ev => match ev {
                        Ok(ev) => {
                            if ev.kind == EventType::CallbackDialing {
                                handle(&app, &agent, &ev);
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
                        if let Some(seq) = unacked.take() {
                            let _ = sub.ack(seq);
                        }
                    }
                }
            }
        })
        .map_err(|e| format!("cannot start the callback dialer thread: {e}"))
}

fn handle(app: &Core, agent: &ureq::Agent, ev: &Event) {
    let Some(task_sid) = ev.data["TaskSid"].as_str() else {
        return;
    };
    let result = place(app, agent, task_sid);
    if let Err(e) = &result {
        log::warn!("callback dialer: task {task_sid}: {e}");
    }
    if let Err(e) = super::record_dial(app, task_sid, result) {
        log::error!("callback dialer cannot record the call back of {task_sid}: {e}");
    }
}

/// Looks up the number and the agent, then asks the carrier; the carrier's call SID or why not.
fn place(app: &Core, agent: &ureq::Agent, task_sid: &str) -> Result<String, String> {
    let looked_up = app.store.read(|c| -> super::Result<_> {
        let cb = super::get(c, task_sid)?;
        let worker = match &cb.worker_sid {
            Some(w) => crate::routing::workers::fetch(c, w)?,
            None => None,
        };
        Ok((cb, worker))
    });
    let (cb, worker) = looked_up.map_err(|e| e.to_string())?;
    let contact = worker
        .as_ref()
        .and_then(|w| w.attributes["contact_uri"].as_str())
        .map(str::trim)
        .filter(|u| !u.is_empty())
        .ok_or_else(|| {
            format!(
                "the agent {} has no contact_uri attribute to connect the call to",
                cb.worker_sid.as_deref().unwrap_or("?")
            )
        })?;
    let doc = twiml::document(vec![
        Element::new("Say").text("Hello, this is the call back you asked for. Connecting you now."),
        Element::new("Dial")
            .attr("callerId", cb.office_number.clone())
            .child(twiml::dial_noun("", contact)),
    ]);
    let c = &app.config;
    let (Some(url), Some(sid), Some(token)) = (&c.provider_url, &c.provider_sid, &c.provider_token)
    else {
        return Err("no carrier is configured (SWITCHBOARD_PROVIDER_URL/_SID/_TOKEN)".into());
    };
    let endpoint = format!(
        "{}/2010-04-01/Accounts/{sid}/Calls.json",
        url.trim_end_matches('/')
    );
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{sid}:{token}")
        )
    );
    let from = cb.office_number.clone();
    let mut last = String::new();
    for attempt in 0..ATTEMPTS {
        if attempt > 0 {
            std::thread::sleep(Duration::from_millis(500 << attempt));
        }
        let sent = agent
            .post(&endpoint)
            .set("Authorization", &auth)
            .send_form(&[
                ("To", cb.number.as_str()),
                ("From", from.as_str()),
                ("Twiml", doc.as_str()),
            ]);
        match sent {
            Ok(r) => {
                let body: serde_json::Value =
                    serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or_default();
                return Ok(body["sid"].as_str().unwrap_or_default().to_string());
            }
            // The carrier refused the number: retrying will not help.
            Err(ureq::Error::Status(code, r)) if (400..500).contains(&code) => {
                let body: serde_json::Value =
                    serde_json::from_str(&r.into_string().unwrap_or_default()).unwrap_or_default();
                let why = body["message"].as_str().unwrap_or("no reason given");
                return Err(format!(
                    "the carrier refused the call to {} ({code}: {why})",
                    cb.number
                ));
            }
            Err(e) => last = crate::outbound::redact_credentials(&e.to_string()),
        }
    }
    Err(format!("the carrier could not be reached: {last}"))
}
