//! The engine's outbound HTTP (make-http-request, run-function), off the HTTP pool: a waiting
//! execution's request is a row (`store::studio::http_jobs`); one thread claims rows and hands
//! each to the outbound lanes (a slow host holds up only its own requests), where it is performed
//! with a timeout and the execution resumed with the answer in one write.
//! The claimer reads the bus (`studio.execution.waiting` with an `http` wait) and look every 30 s;
//! requests that were running when the process stopped run again after a restart.

use super::effects::{self, Effects, Guard, Op};
use super::execution::{ExecutionStatus, Wait};
use super::{run, widgets, Error};
use crate::core::Core;
use crate::events::Event;
use crate::events::{Delivery, EventType};
use crate::store::studio::{executions as db, http_jobs};
use crossbeam_channel::Receiver;
use serde_json::{json, Value};
use std::io::Read;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The most of a response body kept in the context.
const MAX_BODY: u64 = 256 * 1024;
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
const TIMEOUT: Duration = Duration::from_secs(10);

/// Starts the claimer: one thread that claims waiting requests and hands each to the process's
/// outbound lanes (`outbound::Lanes`, in `Core::state`), keyed by the target's host, so a slow
/// API holds up only its own requests, never another flow's.
pub fn start(app: &Arc<Core>, stop: &Receiver<()>) -> Result<Vec<JoinHandle<()>>, String> {
    app.store
        .write(|tx| http_jobs::requeue_running(tx))
        .map_err(|e| format!("cannot requeue Studio HTTP jobs: {e}"))?;
    let sub = app
        .bus
        .subscribe("studio-http-jobs", Delivery::Ephemeral)
        .map_err(|e| format!("cannot subscribe the Studio HTTP workers: {e}"))?;
    let agent = crate::outbound::guarded_client(
        crate::outbound::Options::within(TIMEOUT)
            .connect_within(CONNECT_TIMEOUT)
            .redirects(3),
        app.config.allow_outbound.clone(),
    );
    let (app, stop, events) = (app.clone(), stop.clone(), sub.events);
    let claimer = std::thread::Builder::new()
        .name("studio-http".into())
        .spawn(move || claimer(&app, &agent, &events, &stop))
        .map_err(|e| format!("cannot start the studio-http thread: {e}"))?;
    Ok(vec![claimer])
}

fn claimer(
    app: &Arc<Core>,
    agent: &ureq::Agent,
    events: &Receiver<Arc<Event>>,
    stop: &Receiver<()>,
) {
    let lanes = app.state::<crate::outbound::Lanes>();
    loop {
        loop {
            let job = match app.store.write(|tx| http_jobs::claim(tx)) {
                Ok(Some(job)) => job,
                Ok(None) => break,
                Err(e) => {
                    log::error!("Studio HTTP worker cannot claim a job: {e}");
                    break;
                }
            };
            let key = crate::outbound::key_of(job.request["url"].as_str().unwrap_or(""));
            let (app, agent) = (app.clone(), agent.clone());
            lanes.submit(&key, move || {
                let (event_ok, outputs) = if job.request["kind"] == "carrier-call" {
                    carrier_call(&app, &job.request)
                } else if let Some(url) = own_url(&app, &job.request) {
                    own_api(&app, &job.request, url)
                } else {
                    perform(&agent, &job.request, None)
                };
                if let Err(e) = finish(&app, &job, event_ok, outputs) {
                    log::error!(
                        "Studio HTTP worker cannot resume {}: {e}",
                        job.execution_sid
                    );
                }
            });
        }
        // Until an execution waits on HTTP, or 30 s pass; other events are skipped.
        let until = Instant::now() + Duration::from_secs(30);
        loop {
            let left = until.saturating_duration_since(Instant::now());
            crossbeam_channel::select! {
                recv(events) -> ev => match ev {
                    Ok(ev) if ev.kind == EventType::ExecutionWaiting
                        && ev.data["Wait"]["kind"] == "http" => break,
                    Ok(_) => {}
                    Err(_) => return,
                },
                recv(stop) -> _ => return,
                default(left) => break,
            }
        }
    }
}

/// make-outgoing-call-v2's request to the carrier the operator configured (not a user URL, so
/// not under the outbound guard), with its credentials added here, never stored in the job.
fn carrier_call(app: &Core, request: &Value) -> (bool, Value) {
    let c = &app.config;
    let (Some(sid), Some(token)) = (&c.provider_sid, &c.provider_token) else {
        return (
            false,
            json!({"error": {"message": "no carrier is configured (SWITCHBOARD_PROVIDER_SID/_TOKEN)"}}),
        );
    };
    let auth = format!(
        "Basic {}",
        base64::Engine::encode(
            &base64::engine::general_purpose::STANDARD,
            format!("{sid}:{token}")
        )
    );
    let agent = crate::outbound::http_client(
        crate::outbound::Options::within(Duration::from_secs(15))
            .connect_within(Duration::from_secs(5)),
    );
    let (ok, mut outputs) = perform(&agent, request, Some(&auth));
    if ok {
        outputs["call_sid"] = outputs["parsed"]["sid"].clone();
    }
    (ok, outputs)
}

/// Where this box's own API listens, once the HTTP server is bound (`lib.rs` sets it).
#[derive(Default)]
pub struct OwnApi(std::sync::Mutex<Option<std::net::SocketAddr>>);

impl OwnApi {
    pub fn set(&self, mut addr: std::net::SocketAddr) {
        // Bound to every interface: reach it on loopback.
        if addr.ip().is_unspecified() {
            addr.set_ip(match addr {
                std::net::SocketAddr::V4(_) => std::net::Ipv4Addr::LOCALHOST.into(),
                std::net::SocketAddr::V6(_) => std::net::Ipv6Addr::LOCALHOST.into(),
            });
        }
        *self.0.lock().unwrap_or_else(|p| p.into_inner()) = Some(addr);
    }
}

/// The Twilio products this box serves under their host's first label (`http::router::Domain`).
const OWN_PRODUCTS: &[&str] = &["api", "flex-api", "studio", "taskrouter", "conversations"];

/// A request to Twilio's own API (`https://flex-api.twilio.com/v1/Configuration`) is served by
/// this box, which is that API here: `http://{own address}/flex-api/v1/Configuration`.
fn own_url(app: &Core, request: &Value) -> Option<String> {
    let url = request["url"].as_str()?;
    let lower = url.to_ascii_lowercase();
    let rest = lower
        .strip_prefix("https://")
        .or(lower.strip_prefix("http://"))?;
    let host_len = rest.find(['/', '?']).unwrap_or(rest.len());
    let label = rest[..host_len].strip_suffix(".twilio.com")?;
    if !OWN_PRODUCTS.contains(&label) {
        return None;
    }
    let addr = (*app.state::<OwnApi>().0.lock().ok()?)?;
    let path = &url[url.len() - (rest.len() - host_len)..];
    Some(format!("http://{addr}/{label}{path}"))
}

/// Performs a request to this box's own API (not a user URL: no outbound guard), with the
/// account's credentials when the widget asks for them (`add_twilio_auth`), as Twilio adds them.
fn own_api(app: &Core, request: &Value, url: String) -> (bool, Value) {
    let mut request = request.clone();
    request["url"] = Value::String(url);
    let auth = match request["twilio_auth"].as_bool() {
        Some(true) => match app.store.read(crate::store::accounts::the_account) {
            Ok(Some(a)) => Some(format!(
                "Basic {}",
                base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD,
                    format!("{}:{}", a.sid, a.auth_token)
                )
            )),
            _ => None,
        },
        _ => None,
    };
    let agent = crate::outbound::http_client(
        crate::outbound::Options::within(TIMEOUT).connect_within(CONNECT_TIMEOUT),
    );
    perform(&agent, &request, auth.as_deref())
}

/// Resumes the execution with the answer, unless it moved on meanwhile (stopped, say): the run
/// is computed outside the write and committed with the job's end (`effects`).
fn finish(app: &Core, job: &http_jobs::Job, ok: bool, outputs: Value) -> Result<(), Error> {
    let function = job.request["kind"] == "function";
    let event = match (ok, function) {
        (true, _) => "success",
        (false, true) => "fail",
        (false, false) => "failed",
    };
    effects::run_and_commit(app, None, |refusals| -> Result<((), Effects), Error> {
        let mut fx = Effects::default();
        fx.push(Op::FinishHttp {
            execution_sid: job.execution_sid.clone(),
            token: job.token,
        });
        let Some(exec) = app.store.read(|c| db::fetch(c, &job.execution_sid))? else {
            return Ok(((), fx));
        };
        fx.guard(Guard::Unchanged {
            sid: exec.sid.clone(),
            version: exec.version,
        });
        let current = exec.wait.as_ref().and_then(Wait::from_json);
        let due = matches!(current, Some(Wait::Http { token, .. }) if token == job.token);
        if exec.status != ExecutionStatus::Active || !due {
            return Ok(((), fx));
        }
        // The carrier took the outgoing call: the widget now waits for the callee's answer or
        // the call's status (`engine::call_callback`), with the call's SID in its outputs.
        if ok && job.request["kind"] == "carrier-call" {
            let mut exec = exec;
            if let Some(Wait::Http { state, token, .. }) = current {
                crate::engine::context::set_outputs(&mut exec.context, &state, outputs.clone());
                exec.wait = Some(Wait::Call { state, token }.to_json());
                exec.updated_at = app.now_ms();
                fx.touch(Some(exec.version), exec);
            }
            return Ok(((), fx));
        }
        // A caller hears what comes next only in answer to the carrier's next request: keep
        // the answer for the poll (`engine::call_callback`).
        if exec.context["trigger"]["call"].is_object() {
            let mut exec = exec;
            if let Some(Wait::Http { state, token, .. }) = current {
                let answer = Some(json!({"event": event, "outputs": outputs}));
                exec.wait = Some(
                    Wait::Http {
                        state,
                        token,
                        answer,
                    }
                    .to_json(),
                );
                exec.updated_at = app.now_ms();
                fx.touch(Some(exec.version), exec);
            }
            return Ok(((), fx));
        }
        let Some(mut r) = run::load(app, exec, 0, refusals)? else {
            return Ok(((), fx));
        };
        r.resume(event, outputs.clone())?;
        let mut verbs = std::mem::take(&mut r.twiml);
        fx.absorb(r.finish());
        verbs.extend(widgets::finish_child(app, &mut fx, &r.exec, refusals)?);
        crate::engine::deliver_unrequested(app, &mut fx, &r.exec.sid, verbs)?;
        Ok(((), fx))
    })
    .map(|_| ())
}

fn form_encode(params: &[(String, String)]) -> String {
    params
        .iter()
        .map(|(k, v)| {
            format!(
                "{}={}",
                crate::form::percent_encode(k),
                crate::form::percent_encode(v)
            )
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// Performs the request; answers whether it succeeded (2xx) and the widget's outputs.
pub fn perform(agent: &ureq::Agent, request: &Value, auth: Option<&str>) -> (bool, Value) {
    let s = |k: &str| request[k].as_str().unwrap_or("").to_string();
    let (method, mut url, content_type, body) =
        (s("method"), s("url"), s("content_type"), s("body"));
    let params: Vec<(String, String)> =
        serde_json::from_value(request["params"].clone()).unwrap_or_default();
    let sends_body = matches!(method.as_str(), "POST" | "PUT" | "PATCH");
    if !sends_body && !params.is_empty() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&form_encode(&params));
    }
    let mut req = agent.request(&method, &url);
    if let Some(a) = auth {
        req = req.set("Authorization", a);
    }
    let result = if !sends_body {
        req.call()
    } else if content_type.to_ascii_lowercase().contains("json") {
        req.set("Content-Type", "application/json")
            .send_string(&body)
    } else if params.is_empty() && !body.is_empty() {
        let ct = if content_type.is_empty() {
            "text/plain"
        } else {
            &content_type
        };
        req.set("Content-Type", ct).send_string(&body)
    } else {
        req.set("Content-Type", "application/x-www-form-urlencoded")
            .send_string(&form_encode(&params))
    };
    let response = match result {
        Ok(r) => r,
        Err(ureq::Error::Status(_, r)) => r,
        Err(e) => {
            let message = crate::outbound::redact_credentials(&e.to_string());
            return (false, json!({"error": {"message": message}}));
        }
    };
    let status = response.status();
    let content_type = response.header("Content-Type").unwrap_or("").to_string();
    let mut text = String::new();
    let _ = response
        .into_reader()
        .take(MAX_BODY)
        .read_to_string(&mut text);
    let mut outputs = json!({"status_code": status, "content_type": content_type, "body": text});
    if let Ok(parsed) = serde_json::from_str::<Value>(&text) {
        outputs["parsed"] = parsed;
    }
    ((200..300).contains(&status), outputs)
}

#[cfg(test)]
mod tests {
    /// The carrier (`https://api.twilio.com`) and most webhook targets are HTTPS: the agent must
    /// speak TLS, so an `https://` URL fails to connect rather than as an unknown scheme.
    #[test]
    fn https_urls_are_supported() {
        let agent = crate::outbound::http_client(crate::outbound::Options::within(
            std::time::Duration::from_secs(2),
        ));
        let err = agent.get("https://127.0.0.1:9/").call().unwrap_err();
        match err {
            ureq::Error::Transport(t) => {
                assert_ne!(t.kind(), ureq::ErrorKind::UnknownScheme, "{t}")
            }
            other => panic!("unexpected answer: {other}"),
        }
    }
}
