//! The outbound HTTP outbox: carrier messages (`POST {provider}/2010-04-01/Accounts/{SID}/Messages.json`),
//! external Flex Flow posts and conversation webhooks are rows queued in the transaction that
//! caused them, and a thread of its own (never the HTTP pool) sends them in order per
//! conversation, retrying with doubling delays. A carrier that is down or unconfigured delays
//! messages, never drops them; only a 4xx answer (other than 408/429) fails a carrier message.
//! Each request carries `I-Twilio-Idempotency-Token: <OB sid>` so a receiver can recognise a
//! resend after a crash between its answer and our commit. The requests due at once (each the
//! head of its conversation's queue) are sent side by side through the outbound lanes, a few at
//! a time per target host, over one keep-alive agent; outcomes that arrive together are recorded
//! in one commit.

use super::{simulated_carrier, Result};
use crate::core::Core;
use crate::events::{EventType, NewEvent};
use crate::ids::{new_sid, Prefix};
use crate::store::channels::conversations::Conversation;
use crate::store::channels::messages::{self as msg_db, Message};
use crate::store::channels::outbox::{self as db, Outbound, OutboxKind, OutboxStatus};
use crate::store::channels::webhooks::Webhook;
use crossbeam_channel::Receiver;
use rusqlite::Connection;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

/// The longest wait between two attempts.
const MAX_BACKOFF_MS: i64 = 60_000;
/// How long one attempt may take.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Queues a carrier message (`From`, `To`, `Body`, `MediaUrl`?) in the caller's transaction.
pub fn queue_carrier(
    tx: &Connection,
    app: &Core,
    params: Value,
    conversation_sid: Option<&str>,
    message_sid: Option<&str>,
) -> Result<String> {
    queue(
        tx,
        app,
        OutboxKind::Carrier,
        None,
        params,
        conversation_sid,
        message_sid,
        None,
    )
}

/// Queues an Api 2010 call request (`path` under the carrier's account: `Calls.json`, or
/// `Calls/{CA}.json` for an update, its SID the carrier's when sent) in order per call.
pub fn queue_carrier_call(
    tx: &Connection,
    app: &Core,
    path: &str,
    params: Value,
    call_sid: &str,
) -> Result<String> {
    let kind = OutboxKind::CarrierCall;
    queue(
        tx,
        app,
        kind,
        Some(path),
        params,
        Some(call_sid),
        Some(call_sid),
        None,
    )
}

/// Queues a status callback to an API caller's `url` (through the outbound guard, in order per
/// `resource_sid`, the message or call it reports on; at most 3 tries).
pub fn queue_callback(
    tx: &Connection,
    app: &Core,
    url: &str,
    params: Value,
    resource_sid: &str,
) -> Result<String> {
    let kind = OutboxKind::Callback;
    queue(
        tx,
        app,
        kind,
        Some(url),
        params,
        Some(resource_sid),
        None,
        Some(3),
    )
}

/// Queues a POST to an external URL, tried at most `max_attempts` times.
pub fn queue_external(
    tx: &Connection,
    app: &Core,
    url: &str,
    params: Value,
    conversation_sid: Option<&str>,
    max_attempts: i64,
) -> Result<String> {
    queue(
        tx,
        app,
        OutboxKind::External,
        Some(url),
        params,
        conversation_sid,
        None,
        Some(max_attempts.max(1)),
    )
}

/// Queues a conversation webhook's `onMessageAdded` call when its filters ask for it.
pub fn queue_conversation_webhook(
    tx: &Connection,
    app: &Core,
    hook: &Webhook,
    conv: &Conversation,
    m: &Message,
) -> Result<()> {
    if hook.target != "webhook" {
        return Ok(());
    }
    let Some(url) = hook.configuration.get("url").and_then(Value::as_str) else {
        return Ok(());
    };
    let filters: Vec<&str> = hook
        .configuration
        .get("filters")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    if !filters.is_empty() && !filters.contains(&"onMessageAdded") {
        return Ok(());
    }
    let params = message_event_params(app, conv, m);
    queue_external(tx, app, url, params, Some(&conv.sid), 3)?;
    Ok(())
}

/// The parameters Twilio posts for `onMessageAdded`.
pub fn message_event_params(app: &Core, conv: &Conversation, m: &Message) -> Value {
    json!({
        "EventType": "onMessageAdded",
        "AccountSid": app.account_sid,
        "ChatServiceSid": conv.chat_service_sid,
        "ConversationSid": conv.sid,
        "MessageSid": m.sid,
        "Index": m.index.to_string(),
        "Author": m.author,
        "Body": m.body.clone().unwrap_or_default(),
        "Attributes": m.attributes,
        "ParticipantSid": m.participant_sid.clone().unwrap_or_default(),
        "DateCreated": crate::clock::iso8601(m.created_at),
        "Source": "SDK",
    })
}

#[allow(clippy::too_many_arguments)]
fn queue(
    tx: &Connection,
    app: &Core,
    kind: OutboxKind,
    url: Option<&str>,
    params: Value,
    conversation_sid: Option<&str>,
    message_sid: Option<&str>,
    max_attempts: Option<i64>,
) -> Result<String> {
    let now = app.now_ms();
    let o = Outbound {
        sid: new_sid(Prefix::OutboundRequest),
        kind,
        url: url.map(str::to_string),
        params,
        conversation_sid: conversation_sid.map(str::to_string),
        message_sid: message_sid.map(str::to_string),
        status: OutboxStatus::Queued,
        attempts: 0,
        max_attempts,
        next_attempt_at: now,
        provider_sid: None,
        last_error: None,
        created_at: now,
        updated_at: now,
    };
    db::insert(tx, &o)?;
    app.record(
        tx,
        &NewEvent::new(EventType::OutboundMessageQueued, "outbound", &o.sid)
            .describe(format!("{kind} request queued"))
            .data(
                json!({"OutboundSid": o.sid, "Kind": kind, "ConversationSid": conversation_sid,
                         "MessageSid": message_sid, "To": o.params.get("To")}),
            ),
    )?;
    Ok(o.sid)
}

/// The sender loop; runs on its own thread until `stop`. `wake` is nudged after every commit.
/// Each due request (the head of its conversation's queue) is handed to the outbound lanes
/// (`outbound::Lanes`, keyed by the target's host), so a hanging target holds up only its own
/// deliveries; a conversation's next request is sent only after its head's outcome is recorded,
/// which keeps the order per conversation. Outcomes that arrive together commit together.
pub fn run(app: &Arc<Core>, stop: &Receiver<()>, wake: &Receiver<()>) {
    let mut warned_unconfigured = false;
    // One agent for the outbox: connections to the carrier are kept alive between messages.
    let agent = crate::outbound::http_client(crate::outbound::Options::within(ATTEMPT_TIMEOUT));
    let guarded = crate::outbound::guarded_client(
        crate::outbound::Options::within(ATTEMPT_TIMEOUT),
        app.config.allow_outbound.clone(),
    );
    let lanes = app.state::<crate::outbound::Lanes>();
    let (done_tx, done_rx) = crossbeam_channel::unbounded::<(Outbound, Outcome)>();
    let mut in_flight: HashSet<String> = HashSet::new();
    loop {
        let finished: Vec<(Outbound, Outcome)> = done_rx.try_iter().collect();
        for (o, _) in &finished {
            in_flight.remove(&o.sid);
        }
        record_all(app, &finished);
        let now = app.now_ms();
        // Heads due within the next 30 s, in due order; those in flight are skipped (a head stays
        // queued until its outcome is recorded, which is what keeps its conversation waiting).
        let limit = 50 + in_flight.len() as u32;
        let heads = match app.store.read(|c| db::due(c, now + 30_000, limit)) {
            Ok(d) => d,
            Err(e) => {
                log::error!("outbox: cannot read due requests: {e}");
                Vec::new()
            }
        };
        let mut wait = 30_000;
        // More heads than were read: read again at once rather than after the wait.
        let more = heads.len() as u32 >= limit;
        let mut saw_later = false;
        for o in heads {
            if in_flight.contains(&o.sid) {
                continue;
            }
            if o.next_attempt_at > now {
                wait = o.next_attempt_at - now;
                saw_later = true;
                break;
            }
            let to_carrier = matches!(o.kind, OutboxKind::Carrier | OutboxKind::CarrierCall);
            if to_carrier && app.config.provider_url.is_none() && !simulated_carrier::takes(app, &o)
            {
                if !warned_unconfigured {
                    log::warn!(
                        "outbox: SWITCHBOARD_PROVIDER_URL is not set; carrier messages wait"
                    );
                    warned_unconfigured = true;
                }
                let _ = app.store.write(|tx| {
                    db::record_attempt(
                        tx,
                        &o.sid,
                        OutboxStatus::Queued,
                        app.now_ms() + MAX_BACKOFF_MS,
                        None,
                        Some("no carrier configured"),
                        app.now_ms(),
                    )
                });
                continue;
            }
            in_flight.insert(o.sid.clone());
            let agent = if o.kind == OutboxKind::Callback {
                &guarded
            } else {
                &agent
            };
            let (app, agent, done) = (app.clone(), agent.clone(), done_tx.clone());
            lanes.submit(&lane_key(&app, &o), move || {
                let outcome = send(&app, &agent, &o);
                let _ = done.send((o, outcome));
            });
        }
        if more && !saw_later {
            wait = 0;
        }
        crossbeam_channel::select! {
            recv(wake) -> _ => {},
            recv(stop) -> _ => {
                // Outcomes already in are kept; requests still in flight are sent again after a
                // restart (each carries its idempotency token).
                let finished: Vec<(Outbound, Outcome)> = done_rx.try_iter().collect();
                record_all(app, &finished);
                return;
            },
            recv(done_rx) -> d => {
                if let Ok((o, outcome)) = d {
                    in_flight.remove(&o.sid);
                    record_all(app, &[(o, outcome)]);
                }
            },
            default(Duration::from_millis(wait.max(1) as u64)) => {},
        }
    }
}

/// Which lane a request waits in: the carrier's, or its URL's host.
fn lane_key(app: &Core, o: &Outbound) -> String {
    match o.kind {
        OutboxKind::Carrier | OutboxKind::CarrierCall => {
            crate::outbound::key_of(app.config.provider_url.as_deref().unwrap_or(""))
        }
        OutboxKind::External | OutboxKind::Callback => {
            crate::outbound::key_of(o.url.as_deref().unwrap_or(""))
        }
    }
}

enum Outcome {
    Sent(Option<String>),
    Retry(String),
    /// Refused for good; the carrier's error code when its answer named one.
    Fail(String, Option<i64>),
}

/// Records the outcomes of sent requests in one transaction; if that fails, one by one.
fn record_all(app: &Core, attempted: &[(Outbound, Outcome)]) {
    if attempted.is_empty() {
        return;
    }
    let now = app.now_ms();
    let together = app.store.write(|tx| -> Result<()> {
        for (o, outcome) in attempted {
            record_in(tx, app, o, outcome, now)?;
        }
        Ok(())
    });
    if together.is_err() {
        for (o, outcome) in attempted {
            if let Err(e) = app.store.write(|tx| record_in(tx, app, o, outcome, now)) {
                log::error!("outbox: could not record attempt of {}: {e}", o.sid);
            }
        }
    }
    for (o, outcome) in attempted {
        if let Outcome::Retry(e) = outcome {
            log::warn!(
                "outbox: {} {} attempt {} failed: {e}",
                o.kind,
                o.sid,
                o.attempts + 1
            );
        }
    }
}

/// Records one attempt's outcome: sent, failed for good, or queued again after a backoff.
fn record_in(tx: &Connection, app: &Core, o: &Outbound, outcome: &Outcome, now: i64) -> Result<()> {
    match outcome {
        Outcome::Sent(provider_sid) => {
            db::record_attempt(
                tx,
                &o.sid,
                OutboxStatus::Sent,
                now,
                provider_sid.as_deref(),
                None,
                now,
            )?;
            set_delivery(tx, o, "all", now)?;
            super::api_messages::on_outbox(tx, app, o, None)?;
            super::api_calls::on_outbox(tx, app, o, provider_sid.as_deref(), None)?;
            app.record(
                    tx,
                    &NewEvent::new(EventType::OutboundMessageSent, "outbound", &o.sid)
                        .describe(format!("{} request sent", o.kind))
                        .data(json!({"OutboundSid": o.sid, "Kind": o.kind, "ConversationSid": o.conversation_sid,
                                     "MessageSid": o.message_sid, "ProviderSid": provider_sid})),
                )?;
        }
        Outcome::Retry(e) | Outcome::Fail(e, _) => {
            let attempts = o.attempts + 1;
            let give_up = matches!(outcome, Outcome::Fail(..))
                || o.max_attempts.is_some_and(|m| attempts >= m);
            if give_up {
                db::record_attempt(tx, &o.sid, OutboxStatus::Failed, now, None, Some(e), now)?;
                set_delivery(tx, o, "failed", now)?;
                // A conversation message's receipt keeps the carrier's reason (the desktop
                // shows it in words, `refusals`).
                if let (Outcome::Fail(_, Some(code)), Some(m), OutboxKind::Carrier) =
                    (outcome, &o.message_sid, o.kind)
                {
                    super::receipts::record_in(tx, &o.sid, m, "failed", Some(*code), now)?;
                }
                super::api_messages::on_outbox(tx, app, o, Some(e))?;
                super::api_calls::on_outbox(tx, app, o, None, Some(e))?;
                app.record(
                        tx,
                        &NewEvent::new(EventType::OutboundMessageFailed, "outbound", &o.sid)
                            .describe(format!("{} request failed: {e}", o.kind))
                            .data(json!({"OutboundSid": o.sid, "Kind": o.kind,
                                         "ConversationSid": o.conversation_sid, "MessageSid": o.message_sid,
                                         "Error": e})),
                    )?;
            } else {
                let base = app.config.retry_base_ms as i64;
                let delay = (base << o.attempts.clamp(0, 16)).min(MAX_BACKOFF_MS);
                db::record_attempt(
                    tx,
                    &o.sid,
                    OutboxStatus::Queued,
                    now + delay,
                    None,
                    Some(e),
                    now,
                )?;
            }
        }
    }
    Ok(())
}

fn set_delivery(tx: &Connection, o: &Outbound, how: &str, now: i64) -> Result<()> {
    let Some(sid) = &o.message_sid else {
        return Ok(());
    };
    if let Some(m) = msg_db::find_by_sid(tx, sid)? {
        let mut d = m.delivery.unwrap_or_else(|| json!({"total": 1}));
        if how == "all" {
            d["sent"] = json!("all");
        } else {
            d["failed"] = json!("all");
            d["undelivered"] = json!("all");
        }
        msg_db::set_delivery(tx, sid, &d, now)?;
    }
    Ok(())
}

fn send(app: &Core, agent: &ureq::Agent, o: &Outbound) -> Outcome {
    if simulated_carrier::takes(app, o) {
        return Outcome::Sent(Some(simulated_carrier::answer(o)));
    }
    let (url, auth) = match o.kind {
        OutboxKind::CarrierCall => match super::api_calls::carrier_request(app, o) {
            Some(target) => target,
            None => return Outcome::Retry("the call is not with the carrier yet".into()),
        },
        OutboxKind::Carrier => {
            let base = app.config.provider_url.clone().unwrap_or_default();
            let sid = app
                .config
                .provider_sid
                .clone()
                .unwrap_or_else(|| app.account_sid.clone());
            let url = format!(
                "{}/2010-04-01/Accounts/{sid}/Messages.json",
                base.trim_end_matches('/')
            );
            let token = app.config.provider_token.clone().unwrap_or_default();
            (url, Some(crate_basic(&sid, &token)))
        }
        OutboxKind::External | OutboxKind::Callback => (o.url.clone().unwrap_or_default(), None),
    };
    let mut pairs: Vec<(String, String)> = o
        .params
        .as_object()
        .map(|m| {
            m.iter()
                .filter(|(_, v)| !v.is_null())
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    let ours = match o.kind {
        OutboxKind::Carrier => Some("/webhooks/messaging/status"),
        OutboxKind::CarrierCall => Some("/webhooks/calls/status"),
        _ => None,
    };
    if let (Some(base), Some(path)) = (&app.config.public_url, ours) {
        // Our request's SID in the URL: a report that comes before the answer is recorded
        // still finds its request (`carrier_status::learn`).
        let url = format!("{}{path}?Ref={}", base.trim_end_matches('/'), o.sid);
        pairs.push(("StatusCallback".into(), url));
    }
    let mut req = agent
        .post(&url)
        .set("I-Twilio-Idempotency-Token", &o.sid)
        .set("User-Agent", "switchboard");
    if let Some(a) = &auth {
        req = req.set("Authorization", a);
    } else if let Ok(Some(acct)) = app.store.read(crate::store::accounts::the_account) {
        let sig = signature(&acct.auth_token, &url, &pairs);
        req = req.set("X-Twilio-Signature", &sig);
    }
    let form: Vec<(&str, &str)> = pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    match req.send_form(&form) {
        Ok(resp) => {
            let provider_sid = resp
                .into_string()
                .ok()
                .and_then(|b| serde_json::from_str::<Value>(&b).ok())
                .and_then(|v| v.get("sid").and_then(Value::as_str).map(str::to_string));
            Outcome::Sent(provider_sid)
        }
        Err(ureq::Error::Status(code, resp))
            if matches!(o.kind, OutboxKind::Carrier | OutboxKind::CarrierCall)
                && (400..500).contains(&code)
                && code != 408
                && code != 429 =>
        {
            let (why, error) = super::refusals::of_answer(code, resp.into_string().ok());
            Outcome::Fail(why, error)
        }
        Err(ureq::Error::Status(code, _)) => Outcome::Retry(format!("HTTP {code} from {url}")),
        Err(e) => Outcome::Retry(format!("{url}: {e}")),
    }
}

/// X-Twilio-Signature over `url` and the sorted parameters, as receivers of our webhooks check it.
fn signature(token: &str, url: &str, params: &[(String, String)]) -> String {
    use base64::Engine;
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort();
    let mut data = url.to_string();
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    base64::engine::general_purpose::STANDARD
        .encode(crate::ids::hmac_sha1(token.as_bytes(), data.as_bytes()))
}

fn crate_basic(user: &str, pass: &str) -> String {
    use base64::Engine;
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{user}:{pass}"))
    )
}

pub use super::carrier_status::status_callback;

/// Outbox gauges for `/metrics`: requests by status, and those retrying after a failed attempt
/// (a carrier that is down shows here while its messages wait; kinds with none answer 0).
pub fn gauges(app: &Core) -> Vec<crate::metrics::Gauge> {
    let Ok(counts) = app.store.read(db::counts) else {
        return Vec::new();
    };
    let mut out: Vec<crate::metrics::Gauge> = counts
        .into_iter()
        .map(|(status, n)| crate::metrics::Gauge {
            name: "switchboard_outbound_requests",
            help: "Outbound carrier messages and webhook posts by status.",
            labels: vec![("status", status)],
            value: n as f64,
        })
        .collect();
    let retrying = app.store.read(db::retrying).unwrap_or_default();
    for kind in OutboxKind::ALL {
        let n = retrying
            .iter()
            .find(|(k, _)| k == kind.as_str())
            .map_or(0, |(_, n)| *n);
        out.push(crate::metrics::Gauge {
            name: "switchboard_outbound_retrying",
            help: "Outbound requests queued again after a failed attempt (last error in the log).",
            labels: vec![("kind", kind.to_string())],
            value: n as f64,
        });
    }
    let lanes = app.state::<crate::outbound::Lanes>().stats();
    for (state, n) in [("running", lanes.running), ("waiting", lanes.waiting)] {
        out.push(crate::metrics::Gauge {
            name: "switchboard_outbound_lane_requests",
            help: "Outbound requests (Studio HTTP, carrier, webhooks) running or waiting for room at their target host.",
            labels: vec![("state", state.to_string())],
            value: n as f64,
        });
    }
    out.push(crate::metrics::Gauge {
        name: "switchboard_outbound_lane_threads",
        help: "Threads of the outbound lanes (started on demand, ended after 30 s idle).",
        labels: vec![],
        value: lanes.threads as f64,
    });
    out
}
