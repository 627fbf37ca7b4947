//! Workflow `assignment_callback_url`: when a reservation is created, TaskRouter POSTs it to the
//! workflow's URL and applies the instruction the answer carries (`{"instruction": "accept"}`,
//! `reject`, or a voice instruction, which accepts). An empty or non-JSON answer leaves the
//! reservation pending for the worker to answer. The fallback URL is tried when the first
//! fails. A durable bus subscriber on its own thread: routing never waits for it.
//! https://www.twilio.com/docs/taskrouter/handle-assignment-callbacks

use super::reservations::{self, ReservationUpdate, Scope};
use crate::core::Core;
use crate::events::{Delivery, EventType};
use crate::store::taskrouter::workflows;
use crossbeam_channel::Receiver;
use serde_json::Value;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Duration;

pub const SUBSCRIBER: &str = "taskrouter-assignment";

pub fn start(app: Arc<Core>, stop: Receiver<()>) -> Result<JoinHandle<()>, String> {
    let sub = app
        .bus
        .subscribe(SUBSCRIBER, Delivery::Durable)
        .map_err(|e| format!("cannot subscribe {SUBSCRIBER}: {e}"))?;
    let agent = crate::outbound::guarded_client(
        crate::outbound::Options::within(Duration::from_secs(5)),
        app.config.allow_outbound.clone(),
    );
    sub.serve("tr-assignment", stop, move |ev| {
        let wanted = ev.kind == EventType::ReservationCreated;
        if wanted {
            handle(&app, &agent, &ev.data);
        }
        wanted
    })
    .map_err(|e| format!("cannot start the assignment callback thread: {e}"))
}

fn field<'a>(d: &'a Value, k: &str) -> &'a str {
    d.get(k).and_then(Value::as_str).unwrap_or("")
}

fn handle(app: &Core, agent: &ureq::Agent, d: &Value) {
    let (ws, wf_sid) = (field(d, "WorkspaceSid"), field(d, "WorkflowSid"));
    let Ok(Some(wf)) = app.store.read(|c| workflows::find(c, ws, wf_sid)) else {
        return;
    };
    let urls: Vec<String> = [
        wf.assignment_callback_url,
        wf.fallback_assignment_callback_url,
    ]
    .into_iter()
    .flatten()
    .collect();
    if urls.is_empty() {
        return;
    }
    let mut form: Vec<(&str, String)> = vec![("AccountSid", app.account_sid.clone())];
    for k in [
        "WorkspaceSid",
        "WorkflowSid",
        "TaskQueueSid",
        "TaskSid",
        "TaskAttributes",
        "TaskAge",
        "TaskPriority",
        "WorkerSid",
        "WorkerAttributes",
        "ReservationSid",
    ] {
        let v = match d.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => continue,
            Some(other) => other.to_string(),
        };
        form.push((k, v));
    }
    let pairs: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    for url in &urls {
        match agent.post(url).send_form(&pairs) {
            Ok(resp) => {
                let body = resp.into_string().unwrap_or_default();
                apply(app, d, &body);
                return;
            }
            Err(e) => log::warn!(
                "assignment callback to {} failed: {}",
                crate::outbound::redact_credentials(url),
                crate::outbound::redact_credentials(&e.to_string())
            ),
        }
    }
}

fn apply(app: &Core, d: &Value, body: &str) {
    let Ok(answer) = serde_json::from_str::<Value>(body) else {
        return;
    };
    let Some(instruction) = answer.get("instruction").and_then(Value::as_str) else {
        return;
    };
    let u = ReservationUpdate {
        status: None,
        instruction: Some(instruction.to_string()),
        worker_activity_sid: answer
            .get("post_work_activity_sid")
            .or_else(|| answer.get("activity_sid"))
            .and_then(Value::as_str)
            .map(str::to_string),
        wrapup_code: None,
    };
    let (ws, task, res) = (
        field(d, "WorkspaceSid"),
        field(d, "TaskSid"),
        field(d, "ReservationSid"),
    );
    if let Err(e) = reservations::update(app, ws, Scope::Task(task), res, u) {
        log::info!("assignment callback instruction {instruction:?} for {res} not applied: {e}");
    }
}
