//! The call back: a durable bus subscriber on `callback.dialing` that asks the carrier's Calls API
//! (`POST {provider}/2010-04-01/Accounts/{SID}/Calls.json`) to ring the customer from the office's
//! number and, when they answer, connect them to the agent's `contact_uri`
//! (`Twiml=<Response><Say>…</Say><Dial callerId=…>…</Dial></Response>`). The answer — the
//! carrier's call SID or its refusal — is recorded by `callbacks::record_dial`. At least once: a
//! crash between the request and the ack may ring twice.
//! https://www.twilio.com/docs/voice/api/call-resource#create-a-call-resource

use crate::core::Core;
use crate::events::{Delivery, Event, EventType};
use crate::voice::carrier::{Carrier, CarrierError};
use crate::voice::twiml::{self, Element};
use crossbeam_channel::Receiver;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub fn start(app: &Arc<Core>, stop: &Receiver<()>) -> Result<JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe("callback-dialer", Delivery::Durable)
        .map_err(|e| format!("cannot subscribe the callback dialer: {e}"))?;
    let agent = crate::outbound::http_client(
        crate::outbound::Options::within(Duration::from_secs(15))
            .connect_within(Duration::from_secs(5)),
    );
    let app = app.clone();
    sub.serve("callback-dialer", stop.clone(), move |ev| {
        let wanted = ev.kind == EventType::CallbackDialing;
        if wanted {
            handle(&app, &agent, ev);
        }
        wanted
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
    let carrier = Carrier::of(&app.config, agent).map_err(|e| e.to_string())?;
    match carrier.create_call(&cb.number, &cb.office_number, &doc) {
        Ok(sid) => Ok(sid),
        Err(CarrierError::Refused { status, message }) => Err(format!(
            "the carrier refused the call to {} ({status}: {message})",
            cb.number
        )),
        Err(e) => Err(e.to_string()),
    }
}
